"""What only a database administrator can do: write around the audit trail's protection.

Tests use it to clean up between tests and to simulate tampering that `guichet audit
verify` must detect. The application itself has no such path.
"""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import sqlalchemy as sa

SQLITE_TRIGGERS = {
    "audit_event_no_update": "CREATE TRIGGER audit_event_no_update BEFORE UPDATE ON audit_event "
                             "BEGIN SELECT RAISE(ABORT, 'audit_event is append-only'); END",
    "audit_event_no_delete": "CREATE TRIGGER audit_event_no_delete BEFORE DELETE ON audit_event "
                             "BEGIN SELECT RAISE(ABORT, 'audit_event is append-only'); END",
}


@contextmanager
def as_dba(conn: sa.Connection) -> Iterator[sa.Connection]:
    """Within a transaction on ``conn``, audit rows may be changed (superuser powers)."""
    if conn.dialect.name == "postgresql":
        conn.execute(sa.text("SET LOCAL session_replication_role = replica"))  # triggers off, superuser only
        yield conn
        return
    for name in SQLITE_TRIGGERS:
        conn.execute(sa.text(f"DROP TRIGGER IF EXISTS {name}"))
    try:
        yield conn
    finally:
        for ddl in SQLITE_TRIGGERS.values():
            conn.execute(sa.text(ddl))
