"""Shared fixtures: databases (SQLite and PostgreSQL, for real), an engine, a clock.

Every database test runs once per backend. PostgreSQL tests use a throw-away database on
127.0.0.1:5432; when it cannot be reached they skip with the reason — except under
``CI=true``, where a missing service fails the run.
"""
from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session, sessionmaker

import handlers  # noqa: F401 - the domain tables join the metadata the tests create
from engine import Actor, Base, Engine, HandlerRegistry, ServiceCall
from engine.definitions import deploy
from engine.sources import read_directory

DIAGRAMS = Path(__file__).parent / "bpmn" / "diagrams"
PG_ADMIN_URL = os.environ.get("GUICHET_TEST_PG_ADMIN",
                              "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
LANE_ROLES = {"guichet_agent": "guichet_agent", "applicant": "applicant",
              "commission_member": "commission_member"}


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--db", action="append", choices=["sqlite", "postgresql"],
                     help="backends to run database tests on (default: both)")


def _backends(config: pytest.Config) -> list[str]:
    return config.getoption("--db") or ["sqlite", "postgresql"]


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "backend" in metafunc.fixturenames:
        metafunc.parametrize("backend", _backends(metafunc.config), scope="session")


def service_missing(reason: str) -> None:
    """Fail under CI (a missing service is a broken run), skip with the reason elsewhere."""
    if os.environ.get("CI") == "true":
        pytest.fail(f"CI=true and {reason}", pytrace=False)
    pytest.skip(reason)


@contextmanager
def new_database(backend: str, directory: Path) -> Iterator[str]:
    """A brand-new empty database on ``backend``; dropped afterwards."""
    if backend == "sqlite":
        yield f"sqlite:///{directory / f'{uuid.uuid4().hex[:8]}.sqlite'}"
        return
    admin = sa.create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            name = f"guichet_test_{uuid.uuid4().hex[:10]}"
            conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    except sa.exc.OperationalError as exc:
        service_missing(f"PostgreSQL is not reachable at {PG_ADMIN_URL}: {exc.orig}")
    url = PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    try:
        yield url
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(scope="session")
def database_url(backend: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with new_database(backend, tmp_path_factory.mktemp("db")) as url:
        yield url


@pytest.fixture(scope="session")
def db_engine(database_url: str) -> Iterator[sa.Engine]:
    kwargs = {"connect_args": {"timeout": 30}} if database_url.startswith("sqlite") else {}
    eng = sa.create_engine(database_url, **kwargs)
    Base.metadata.create_all(eng)
    yield eng
    eng.dispose()


@pytest.fixture
def sessions(db_engine: sa.Engine) -> Iterator[sessionmaker[Session]]:
    yield sessionmaker(bind=db_engine, expire_on_commit=False)
    from tests.tamper import as_dba
    with db_engine.begin() as conn, as_dba(conn):  # a clean slate for the next test
        for table in reversed(Base.metadata.sorted_tables):
            conn.execute(table.delete())
    # ids start again on the emptied database: what was cached by id belongs to the last test
    from engine import definitions
    from handlers import catalog_store
    catalog_store.CACHE.clear()
    definitions._NEWEST_FORMS.clear()


class FakeClock:
    """A clock tests move by hand."""

    def __init__(self) -> None:
        self.now = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **kwargs: float) -> datetime:
        self.now += timedelta(**kwargs)
        return self.now


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


class Calls(list):
    """Records handler calls so tests can assert what ran, with what."""


@pytest.fixture
def calls() -> Calls:
    return Calls()


@pytest.fixture
def faults() -> dict[str, Exception]:
    """Operator name → the exception its test handler raises (tests inject failures here)."""
    return {}


@pytest.fixture
def registry(calls: Calls, faults: dict[str, Exception]) -> HandlerRegistry:
    reg = HandlerRegistry()

    def notify(call: ServiceCall) -> dict:
        """Test notification: records the call."""
        if "test.notify" in faults:
            raise faults["test.notify"]
        calls.append(("notify", call.business_key, dict(call.params)))
        return {"notified_via": call.params["channel"]}

    def sign(call: ServiceCall) -> dict:
        """Test signature: async, returns a reference derived from the decision."""
        if "test.sign" in faults:
            raise faults["test.sign"]
        calls.append(("sign", call.business_key, dict(call.params)))
        return {"reference": f"SIG-{call.instance_id}-{call.params['decision']}"}

    reg.register("test.notify", notify)
    reg.register("test.sign", sign, is_async=True)
    return reg


@pytest.fixture
def engine(sessions: sessionmaker[Session], registry: HandlerRegistry, clock: FakeClock) -> Engine:
    """An engine on the test database with a manual outbox (tests drain it themselves)."""
    eng = Engine(sessions, registry, lane_roles=LANE_ROLES, clock=clock)
    compilation = eng.compile(*read_directory(DIAGRAMS))
    assert compilation.ok, compilation.problems
    with eng.transaction() as session:
        deploy(session, compilation.processes, by="tests", comment=None, now=clock())
    return eng


AGENT = Actor("agent-1", frozenset({"guichet_agent"}), {"guichet_agent": frozenset({"casa"})})
APPLICANT = Actor("appl-1", frozenset({"applicant"}))
OTHER_AGENT = Actor("agent-2", frozenset({"guichet_agent"}), {"guichet_agent": frozenset({"rabat"})})


PROCESSES = Path(__file__).resolve().parent.parent / "processes"


def deploy_catalog(session: Session, now: datetime, directory: Path = PROCESSES) -> int:
    """Deploy the shipped catalog (procedures, checklists, labels, messages, filing forms)."""
    from handlers import catalog_store
    return catalog_store.deploy_files(session, directory, by="tests", comment=None, now=now)[0]


@pytest.fixture(scope="session")
def demo_pki(tmp_path_factory: pytest.TempPathFactory) -> Any:
    """A DEMO PKI made for this run (nothing is committed): root CA + president key."""
    from signing.demo_pki import create
    return create(tmp_path_factory.mktemp("pki"), "demo-pass")


@pytest.fixture(scope="session")
def signer_factory(demo_pki: Any) -> Any:
    """The president's signer, created on first use and then reused, as a worker loads its
    key once."""
    made: list[Any] = []

    def get() -> Any:
        if not made:
            from signing.sign import Signer
            made.append(Signer.from_pkcs12(demo_pki.president_pkcs12, "demo-pass"))
        return made[0]
    return get


@pytest.fixture(scope="session")
def compiled_processes():  # noqa: ANN201
    """The shipped procedures, parsed and validated once for the whole run."""
    from engine import compile_sources
    from engine.compiler import Rules
    from engine.sources import read_directory
    from handlers.files import FileStore
    from handlers.ports import Ports
    from handlers.registry import build_registry
    from handlers.roles import lane_roles
    ports = Ports(files=FileStore("/nonexistent"))
    result = compile_sources(*read_directory(PROCESSES),
                             Rules(operators=set(build_registry(ports)), lane_roles=lane_roles()))
    assert result.ok, result.problems
    return result.processes


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
    from web import create_app
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
            deploy_catalog(s, utcnow())
            demo.seed(s, DEMO_PASSWORD, utcnow())
    yield Site(application)
    with application.app_context():
        from web.extensions import db
        db.session.remove()
        db.engines[None].dispose()
