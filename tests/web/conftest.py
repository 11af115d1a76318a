"""The Flask app on the test database (both backends), with its CLI runner."""
from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskCliRunner

from web import create_app


@pytest.fixture
def app(database_url: str, db_engine, sessions, registry, tmp_path: Path) -> Iterator[Flask]:  # noqa: ANN001
    processes = tmp_path / "processes"
    (processes / "forms").mkdir(parents=True)
    application = create_app({
        "SQLALCHEMY_DATABASE_URI": database_url, "TESTING": True,
        "GUICHET_PROCESSES_DIR": str(processes), "SECRET_KEY": "test",
        "GUICHET_HANDLER_REGISTRY": registry, "GUICHET_STORAGE_DIR": str(tmp_path / "files"),
    })
    application.instance_path = str(tmp_path / "instance")
    Path(application.instance_path).mkdir()
    yield application
    with application.app_context():
        from web.extensions import db
        db.session.remove()
        db.engines[None].dispose()


@pytest.fixture
def cli(app: Flask) -> FlaskCliRunner:
    return app.test_cli_runner()


from tests.conftest import DEMO_PASSWORD, Site  # noqa: E402,F401 - re-exported for the web tests
