"""Core statements that run on every request, executed on the DBAPI cursor of a session's
connection.

SQLAlchemy's execution of a built statement costs ~0.16 ms of Python on this workload,
against ~0.07 ms for the same statement on the driver's cursor (``bench/workload_profile.py``;
a dossier makes 83 statements). A :class:`Hot` statement is compiled by SQLAlchemy once per
dialect and then run on the cursor of the connection SQLAlchemy holds — in its transaction,
or in its autocommit — with SQLAlchemy's own parts for all that is not the execution:

* its parameters and columns go through the types' bind and result processors (SQLite's
  dates and booleans, JSON), so a row reads as SQLAlchemy's would;
* a driver error goes through the connection's own error handling: wrapped in
  ``sqlalchemy.exc`` (the web layer's 503 and 409 mapping applies), a dropped connection
  invalidated in the pool, ``handle_error`` listeners told;
* ``before_cursor_execute`` listeners are told of the statement (statement counts, the
  reads-only checks);
* run through a session, the session's pending ORM changes are flushed first, as its own
  ``execute`` does (unless autoflush is off).

Only statements whose ``IN`` lists are constants: an ``IN`` bound at each call compiles per call.
"""
from __future__ import annotations

from collections import namedtuple
from collections.abc import Callable, Mapping
from typing import Any, cast

from sqlalchemy import Connection
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import Session, scoped_session
from sqlalchemy.sql import ClauseElement
from sqlalchemy.sql.compiler import SQLCompiler

On = Session | scoped_session[Any] | Connection  # a session's connection, or a connection


class _Compiled:
    __slots__ = ("sql", "names", "defaults", "binds", "row", "results")

    def __init__(self, statement: ClauseElement, dialect: Dialect):
        compiled = cast(SQLCompiler, statement.compile(dialect=dialect))
        if any(b.expanding and b.value is None for b in compiled.binds.values()):
            raise ValueError("an expanding parameter compiles per call: run it through SQLAlchemy")
        # an IN of constants (a role's communes) is written out, one parameter per value; the
        # parameters given at each call are stand-ins here
        given = {b.key for b in compiled.binds.values() if b.required}
        expanded = compiled.construct_expanded_state(dict.fromkeys(given))
        self.sql = expanded.statement
        # positional drivers (SQLite's qmark) take a tuple in the compiled order
        self.names: tuple[str, ...] | None = tuple(expanded.positiontup or ()) if dialect.positional else None
        # constants written in the statement are bound parameters with a value
        self.defaults: dict[str, Any] = {k: v for k, v in expanded.parameters.items() if k not in given}
        # the types' processors: the statement's own, and those of the IN's values written out
        processors = {**compiled._bind_processors, **expanded.processors}  # noqa: SLF001
        self.binds: dict[str, Callable[[Any], Any]] = {  # one processor per parameter (no tuples here)
            k: cast(Callable[[Any], Any], p) for k, p in processors.items() if callable(p)}
        columns = compiled._result_columns or []  # noqa: SLF001 - the SELECT's keys and types, as SQLAlchemy reads them
        self.row = namedtuple("Row", [c.keyname for c in columns]) if columns else None  # type: ignore[misc]  # noqa: PYI024
        readers = [c.type._cached_result_processor(dialect, None) for c in columns]  # noqa: SLF001
        self.results: list[tuple[int, Callable[[Any], Any]]] = [(i, p) for i, p in enumerate(readers) if p]

    def parameters(self, given: Mapping[str, Any]) -> Any:
        values = {**self.defaults, **given}
        for name, process in self.binds.items():
            if name in values:
                values[name] = process(values[name])
        return values if self.names is None else tuple(values[n] for n in self.names)


class Hot:
    """A statement built once, run on the driver's cursor (see the module's docstring)."""

    __slots__ = ("statement", "_compiled")

    def __init__(self, statement: ClauseElement):
        self.statement = statement
        self._compiled: dict[str, _Compiled] = {}

    def _for(self, dialect: Dialect) -> _Compiled:
        compiled = self._compiled.get(dialect.name)
        if compiled is None:
            compiled = self._compiled[dialect.name] = _Compiled(self.statement, dialect)
        return compiled

    def _run(self, on: On, params: Mapping[str, Any], *, rows: bool) -> tuple[_Compiled, Any]:
        """Run it: its compiled form, and its raw rows (``rows``) or the count of rows it changed."""
        if isinstance(on, Connection):
            conn = on
        else:  # as a session's execute: its pending ORM changes first (unless it says not to)
            if on.autoflush:
                on.flush()
            conn = on.connection()
        if not conn.in_transaction():  # as SQLAlchemy's own execute would (SQLite's BEGIN is ours)
            conn.begin()
        compiled = self._for(conn.dialect)
        parameters = compiled.parameters(params)
        cursor = _cursor(conn)
        try:
            if conn._has_events or conn.engine._has_events:  # noqa: SLF001 - as Connection does
                for listener in conn.dispatch.before_cursor_execute:
                    listener(conn, cursor, compiled.sql, parameters, None, False)
            cursor.execute(compiled.sql, parameters)
            out = cursor.fetchall() if rows else int(cursor.rowcount)
        except Exception as exc:  # noqa: BLE001 - SQLAlchemy's handling: wraps, invalidates, re-raises
            conn.connection.info.pop(_CURSOR, None)  # a cursor that failed is not used again
            _close(cursor)
            conn._handle_dbapi_exception(exc, compiled.sql, parameters, cursor, None)  # noqa: SLF001
        return compiled, out

    def all(self, on: On, params: Mapping[str, Any]) -> list[Any]:
        compiled, raw = self._run(on, params, rows=True)
        make = compiled.row._make  # type: ignore[union-attr]
        if not compiled.results:
            return [make(r) for r in raw]
        out = []
        for r in raw:
            values = list(r)
            for i, process in compiled.results:
                values[i] = process(values[i])
            out.append(make(values))
        return out

    def one_or_none(self, on: On, params: Mapping[str, Any]) -> Any:
        rows = self.all(on, params)
        if len(rows) > 1:
            raise ValueError("more than one row where one at most was expected")
        return rows[0] if rows else None

    def scalar(self, on: On, params: Mapping[str, Any]) -> Any:
        """The first row's first column, or None when there is no row."""
        rows = self.all(on, params)
        return rows[0][0] if rows else None

    def execute(self, on: On, params: Mapping[str, Any]) -> int:
        """A write: the number of rows it changed."""
        return int(self._run(on, params, rows=False)[1])


_CURSOR = "guichet.hot_cursor"  # a pooled connection's info: the cursor its Hot statements run on


def _cursor(conn: Connection) -> Any:
    """The DBAPI connection's own cursor for Hot statements, made once per connection and
    kept in its pool entry's ``info`` (which lives as long as that DBAPI connection: the
    pool clears it when the connection is replaced). A new cursor per statement cost its
    construction and a cold cache of the driver's type loaders every time."""
    proxied = conn.connection
    dbapi = proxied.dbapi_connection
    cursor = proxied.info.get(_CURSOR)
    if cursor is None or cursor.connection is not dbapi:
        cursor = proxied.info[_CURSOR] = dbapi.cursor()  # type: ignore[union-attr]
    return cursor


def _close(cursor: Any) -> None:
    try:
        cursor.close()
    except Exception:  # noqa: BLE001, S110 - the error that matters is the one being handled
        pass
