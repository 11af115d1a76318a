"""Extensions, unbound until ``init_app``. The metadata is the engine's and the domain's."""
from collections.abc import Callable
from typing import Any, TypeVar

from flask import g, has_request_context
from flask_babel import Babel
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_sqlalchemy.session import Session as _FlaskSession
from flask_wtf import CSRFProtect
from sqlalchemy.engine import Engine

import handlers  # noqa: F401 - registers the domain tables on the shared metadata
from engine.db import per_engine
from engine.models import Base

F = TypeVar("F", bound=Callable[..., Any])
AUTOCOMMIT = "guichet.autocommit"  # session.info: this request's session only reads, in autocommit


class RequestSession(_FlaskSession):
    """The request's session. A view that only reads (:func:`reads_only`) takes its
    connections in autocommit, and only when a statement needs one: after a workflow step
    lent its connection back, the view takes none unless it reads again."""

    def get_bind(self, mapper: Any = None, clause: Any = None, bind: Any = None, **kwargs: Any) -> Any:
        found = super().get_bind(mapper, clause, bind, **kwargs)
        if bind is None and self.info.get(AUTOCOMMIT) and isinstance(found, Engine):
            return per_engine(found, "autocommit", lambda e: e.execution_options(isolation_level="AUTOCOMMIT"))
        return found


db = SQLAlchemy(metadata=Base.metadata, session_options={"class_": RequestSession})
migrate = Migrate()
login_manager = LoginManager()
csrf = CSRFProtect()
babel = Babel()


def begin_write() -> None:
    """Begin the request's transaction as a writer, before its first read.

    On SQLite a transaction that has read and then writes fails at once ("database is
    locked") when another writer committed in between, whatever the busy timeout; taking
    the write lock up front (``BEGIN IMMEDIATE``) makes it wait its turn instead. A no-op on
    PostgreSQL. Only for routes that write through ``db.session`` themselves: the engine
    has its own session, which would then wait on this one.
    """
    from engine.db import WRITE
    db.session.connection(execution_options={WRITE: True})


def reads_only(view: F) -> F:
    """Mark a view whose own statements only read (writes, if any, go through the engine).

    Its statements then run in autocommit: no transaction is held open across a workflow
    step the view calls, each read sees the latest commits, and the request saves the
    BEGIN and ROLLBACK round trips. Place it under the route decorator.
    """
    view.reads_only = True  # type: ignore[attr-defined]
    return view


def autocommit_if_reads_only(view: Any) -> None:
    """The request's statements run in autocommit when its view only reads (no connection
    is taken until the first statement)."""
    if getattr(view, "reads_only", False):
        db.session().info[AUTOCOMMIT] = True
        g.guichet_reads_only = True


def lend_back_idle_connection() -> None:
    """Before a workflow step, a view that only reads gives its (autocommit, idle) connection
    back to the pool: a request then holds one connection at a time, not two, so a node's
    threads do not exhaust the pool while they queue for a dossier's lock. Its later reads,
    if any, take a connection again, in autocommit."""
    if has_request_context() and g.get("guichet_reads_only", False):
        db.session.close()
