"""Extensions, unbound until ``init_app``. The metadata is the engine's and the domain's."""
from flask_babel import Babel
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect

import handlers  # noqa: F401 - registers the domain tables on the shared metadata
from engine.models import Base

db = SQLAlchemy(metadata=Base.metadata)
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


def end_snapshot() -> None:
    """Let the request's next read see what other transactions (a workflow step) committed.

    A SQLite read transaction keeps the snapshot of its first read, so it is ended; on
    PostgreSQL (read committed) each statement already sees the latest commits, and ending
    the transaction would only cost two round trips.
    """
    if db.session.get_bind().dialect.name == "sqlite":
        db.session.rollback()
