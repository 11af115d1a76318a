"""The Flask app on the test database (both backends), with its CLI runner."""
from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner

from tests.conftest import PROCESSES
from web import create_app


@pytest.fixture
def app(database_url: str, db_engine, sessions, registry, tmp_path: Path) -> Iterator[Flask]:  # noqa: ANN001
    processes = tmp_path / "processes"
    (processes / "forms").mkdir(parents=True)
    application = create_app({
        "SQLALCHEMY_DATABASE_URI": database_url, "TESTING": True,
        "GUICHET_PROCESSES_DIR": str(processes), "SECRET_KEY": "test",
        "GUICHET_HANDLER_REGISTRY": registry,
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


DEMO_PASSWORD = "demo-password-123"


@dataclass
class Site:
    """The real application: shipped procedures, handlers, demo data, a demo president key."""

    app: Flask

    def client(self, email: str | None = None, password: str = DEMO_PASSWORD) -> FlaskClient:
        client = self.app.test_client()
        if email:
            response = client.post("/auth/login", data={"email": email, "password": password})
            assert response.status_code == 302, response.data[:500]
        return client

    def token(self, email: str) -> dict[str, str]:
        response = self.app.test_client().post("/api/v1/tokens", json={"email": email, "password": DEMO_PASSWORD})
        assert response.status_code == 201, response.json
        return {"Authorization": f"Bearer {response.json['token']}"}


@pytest.fixture
def site(database_url: str, db_engine, sessions, tmp_path: Path, compiled_processes,  # noqa: ANN001
         signer_factory, demo_pki) -> Iterator[Site]:
    from engine.clock import utcnow
    from engine.definitions import deploy
    from handlers import demo
    from web.bootstrap import get_engine
    application = create_app({
        "SQLALCHEMY_DATABASE_URI": database_url, "TESTING": True, "WTF_CSRF_ENABLED": False,
        "GUICHET_PROCESSES_DIR": str(PROCESSES), "GUICHET_STORAGE_DIR": str(tmp_path / "files"),
        "SECRET_KEY": "test", "GUICHET_BASE_URL": "https://guichet.example.ma"})
    application.extensions["guichet.ports"].signer = signer_factory
    application.extensions["guichet.ports"].trust_roots = lambda: [demo_pki.ca_certificate.read_bytes()]
    with application.app_context():
        engine = get_engine(application)
        with engine.transaction() as s:
            deploy(s, compiled_processes, by="tests", comment=None, now=utcnow())
            demo.seed(s, DEMO_PASSWORD, utcnow())
    yield Site(application)
    with application.app_context():
        from web.extensions import db
        db.session.remove()
        db.engines[None].dispose()
