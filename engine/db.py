"""Connection settings every SQLAlchemy engine of ours gets, whoever creates it."""
from __future__ import annotations

import sqlite3
from collections.abc import Callable
from typing import Any, TypeVar, cast

from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.pool import Pool


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    """The embedded SQLite: WAL (readers never block the writer), fsync at checkpoints
    rather than at every commit (still crash-safe in WAL mode), enforced foreign keys, and
    a bounded busy timeout so concurrent writers queue instead of failing at once."""
    if not isinstance(dbapi_connection, sqlite3.Connection):
        return
    # pysqlite's own transaction handling would BEGIN (deferred) behind our back; we emit
    # BEGIN ourselves in the "begin" event below.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    # The busy timeout is the connection's own (sqlite3.connect's ``timeout``, 5 s unless the
    # creator says otherwise: the app sets GUICHET_DB_BUSY_TIMEOUT).
    for pragma in ("journal_mode=WAL", "synchronous=NORMAL", "foreign_keys=ON"):
        cursor.execute(f"PRAGMA {pragma}")
    cursor.close()


@event.listens_for(Pool, "checkin")
def _sqlite_stays_manual(dbapi_connection: Any, _record: Any) -> None:
    """A connection lent in autocommit (a view that only reads) comes back with SQLAlchemy's
    reset of its isolation level, which hands transactions back to pysqlite: take them again."""
    if isinstance(dbapi_connection, sqlite3.Connection):
        dbapi_connection.isolation_level = None


T = TypeVar("T")

WRITE = "guichet_write"  # execution option: this transaction will write


@event.listens_for(Engine, "begin")
def _sqlite_begin(connection: Any) -> None:
    """SQLite has no row locks: a writing transaction takes the write lock up front
    (``BEGIN IMMEDIATE``), which serializes writers the way ``FOR UPDATE`` does on PostgreSQL.
    A connection in autocommit gets none: each statement is its own transaction."""
    options = connection.get_execution_options()
    if connection.dialect.name == "sqlite" and options.get("isolation_level") != "AUTOCOMMIT":
        connection.exec_driver_sql("BEGIN IMMEDIATE" if options.get(WRITE) else "BEGIN")


def checkpoint(session: Any) -> None:
    """Commit what the transaction did so far and go on in a new one, as a writer: for work
    that must be on record before an outside effect (a mail handed to a relay)."""
    session.commit()
    session.connection(execution_options={WRITE: True})


def per_engine(engine: Engine, name: str, make: Callable[[Engine], T]) -> T:
    """``make(engine)``, made once per engine and kept on it (what is derived from an engine
    and asked for on every request: its URL written out, a variant of it)."""
    key = f"_guichet_{name}"
    found = engine.__dict__.get(key)
    if found is None:
        found = engine.__dict__[key] = make(engine)
    return cast(T, found)
