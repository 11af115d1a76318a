"""The database failing under a request: a clean 503 (or 409) on every route, never a 500.

- Any database error a route meets — reading, signing in, saving a draft, rendering a
  page — is answered 503 with ``Retry-After``: JSON on the API, a page in French or Arabic
  elsewhere; no statement, parameter or driver text ever reaches a body.
- A pooled connection the server dropped fails the first statement that uses it; a read
  (GET, HEAD) is then run once more on a fresh connection, so nobody sees it.
- Closing the request's session on a dead connection never raises (Flask-SQLAlchemy's own
  teardown would, and the server would answer its HTML error page).
"""
from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from flask import Flask, g, render_template
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from engine import Busy, Unavailable
from engine.faults import RETRY_AFTER_BUSY, translate

from .extensions import autocommit_if_reads_only, db, login_manager

log = logging.getLogger(__name__)
RETRY_AFTER_UNAVAILABLE = 2  # seconds


def retry_after(exc: BaseException) -> int | None:
    """The ``Retry-After`` of an answer to ``exc``, when trying again later can succeed."""
    if isinstance(exc, Busy):
        return RETRY_AFTER_BUSY
    if isinstance(exc, Unavailable):
        return None if exc.reason == "unknown_outcome" else RETRY_AFTER_UNAVAILABLE
    return None


def _close_session() -> None:
    """Remove the request's session whatever state its connection is in."""
    try:
        db.session.remove()
    except Exception:  # noqa: BLE001 - the connection is dead: the pool replaces it
        log.info("request session closed on a dead connection", exc_info=True)
        db.session.registry.clear()


def _dropped(exc: BaseException) -> bool:
    return isinstance(exc, DBAPIError) and bool(exc.connection_invalidated)


def _retry_reads(app: Flask) -> None:
    """Run a read once more when its pooled connection turned out to be dead."""
    from flask import request
    dispatch: Callable[[], Any] = app.dispatch_request

    def dispatch_request() -> Any:
        try:
            return dispatch()
        except DBAPIError as exc:
            if request.method not in ("GET", "HEAD") or not _dropped(exc):
                raise
            log.info("dropped database connection on %s; reading again", request.path)
            _close_session()
            autocommit_if_reads_only(app.view_functions.get(request.endpoint or ""))
            return dispatch()
    app.dispatch_request = dispatch_request  # type: ignore[method-assign]


def register(app: Flask, answer: Callable[[Exception], Any]) -> None:
    """Install the database error handlers; ``answer`` renders an engine error."""
    _retry_reads(app)

    @app.teardown_appcontext
    def _safe_teardown(_exc: BaseException | None) -> None:  # runs before Flask-SQLAlchemy's
        _close_session()

    @app.errorhandler(DBAPIError)
    @app.errorhandler(PoolTimeout)
    def _database(exc: Exception) -> Any:
        if isinstance(exc, IntegrityError):  # a route's own write lost a race
            from engine import Conflict
            return answer(Conflict("changed by someone else meanwhile; reload and retry"))
        log.warning("database error answered 503: %s", type(exc).__name__)
        _close_session()
        _anonymous()  # the page must render without asking the database again who this is
        return answer(translate(exc))


def _anonymous() -> None:
    g.guichet_user = None
    g._login_user = login_manager.anonymous_user()


def app_page(status: int, message: str, fields: dict[str, str] | None = None) -> Any:
    """The error page; rendered as for a visitor when the database cannot say who is asking."""
    from flask import make_response

    from .security import current
    try:
        current()
    except (DBAPIError, PoolTimeout):
        _close_session()
        _anonymous()
    return make_response(render_template("error.html", status=status, message=message, fields=fields or {}))
