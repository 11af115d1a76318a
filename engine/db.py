"""Connection settings every SQLAlchemy engine of ours gets, whoever creates it."""
from __future__ import annotations

import sqlite3
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Engine


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    """The embedded SQLite: WAL (readers never block the writer), fsync at checkpoints
    rather than at every commit (still crash-safe in WAL mode), enforced foreign keys, and
    a busy timeout so concurrent writers queue instead of failing at once."""
    if not isinstance(dbapi_connection, sqlite3.Connection):
        return
    cursor = dbapi_connection.cursor()
    for pragma in ("journal_mode=WAL", "synchronous=NORMAL", "foreign_keys=ON", "busy_timeout=30000"):
        cursor.execute(f"PRAGMA {pragma}")
    cursor.close()
