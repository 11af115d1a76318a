"""What a database error means for the caller: busy, worth one more try, or unavailable.

An infrastructure failure (the server gone, a connection reset, a pool with no free
connection, a lock wait that ran out, a deadlock) is never the procedure's fault: it is
answered 409 or 503 with a delay to retry after, or retried once where that is safe, and
never recorded as an incident to "fix the diagram".
"""
from __future__ import annotations

from collections.abc import Callable, Iterator
from functools import wraps
from typing import Any, TypeVar

from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from .errors import Busy, Unavailable

T = TypeVar("T")
F = TypeVar("F", bound=Callable[..., Any])

LOCK_NOT_AVAILABLE = "55P03"  # PostgreSQL: lock_timeout ran out, or NOWAIT found the row locked
TRANSIENT = {"40001", "40P01"}  # serialization failure, deadlock detected: run it again
RETRY_AFTER_BUSY = 1  # seconds, in Retry-After


def causes(exc: BaseException) -> Iterator[BaseException]:
    """The exception, what it wraps (a handler's failure) and what caused it, in order."""
    seen: set[int] = set()
    todo: list[BaseException | None] = [exc]
    while todo:
        current = todo.pop(0)
        if current is None or id(current) in seen:
            continue
        seen.add(id(current))
        yield current
        todo += [getattr(current, "cause", None), current.__cause__, current.__context__]


def sqlstate(exc: BaseException) -> str | None:
    orig = getattr(exc, "orig", None)
    return getattr(orig, "sqlstate", None) or getattr(orig, "pgcode", None)


def infrastructure(exc: BaseException) -> BaseException | None:
    """The database error behind ``exc`` (itself or one of its causes), if any; a broken
    constraint is the data's business, not the infrastructure's."""
    for cause in causes(exc):
        if isinstance(cause, Busy | Unavailable | PoolTimeout):
            return cause
        if isinstance(cause, DBAPIError) and not isinstance(cause, IntegrityError):
            return cause
    return None


def translate(exc: BaseException, *, committing: bool = False) -> Busy | Unavailable:
    """The engine's error for an infrastructure failure. Its message never carries the
    statement or its parameters (a DBAPIError's text does)."""
    if isinstance(exc, Busy | Unavailable):
        return exc
    if isinstance(exc, PoolTimeout):
        return Unavailable("every database connection of this node is in use; try again shortly",
                           reason="saturated")
    code = sqlstate(exc)
    if code == LOCK_NOT_AVAILABLE:
        return Busy("someone else is working on this dossier right now; try again in a moment")
    message = str(getattr(exc, "orig", exc)).lower()
    if "database is locked" in message or "database is busy" in message:
        return Unavailable("the database is busy; nothing was saved, try again shortly", reason="saturated")
    if code in TRANSIENT:
        return Unavailable("the database asked to run this again; nothing was saved", reason="transient",
                           retryable=True)
    if committing:  # the COMMIT may or may not have reached the server
        return Unavailable("the connection was lost while saving; reload to see whether it was saved",
                           reason="unknown_outcome")
    return Unavailable("the database is unreachable; nothing was saved, try again shortly",
                       retryable=bool(getattr(exc, "connection_invalidated", False)))


def retrying(action: Callable[[], T], attempts: int = 2) -> T:
    """Run ``action`` (a whole transaction) again when it failed in a way that changed
    nothing and may succeed at once: a deadlock, a serialization failure, or a pooled
    connection the server had dropped (the pool is refreshed by then)."""
    for attempt in range(attempts):
        try:
            return action()
        except Unavailable as exc:
            if not exc.retryable or attempt == attempts - 1:
                raise
    raise AssertionError("unreachable")


def retried(method: F) -> F:
    """:func:`retrying` around a method that is one whole transaction."""
    @wraps(method)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        return retrying(lambda: method(*args, **kwargs))
    return wrapper  # type: ignore[return-value]
