"""Flask application factory: a thin layer over the engine and the handlers."""
from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Flask

from . import config as _config
from .bootstrap import build_engine
from .extensions import db, migrate

MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"


def create_app(config: dict[str, Any] | None = None) -> Flask:
    """Build the app; ``config`` overrides what the environment gives (tests use it)."""
    app = Flask(__name__, instance_path=str(Path.cwd() / "instance"))
    app.config.from_mapping(_config.from_environment(Path(app.instance_path)))
    if config:
        app.config.update(config)
    db.init_app(app)
    migrate.init_app(app, db, directory=str(MIGRATIONS))
    app.extensions["guichet.engine"] = build_engine(app)

    from .cli import COMMANDS
    from .public import bp as public_bp
    app.register_blueprint(public_bp)
    for command in COMMANDS:
        app.cli.add_command(command)
    return app


def main() -> None:
    """The ``guichet`` console script: Flask's CLI around :func:`create_app`."""
    from flask.cli import FlaskGroup
    FlaskGroup(create_app=create_app, help="Guichet: municipal authorizations run as BPMN "
               "procedures.")()
