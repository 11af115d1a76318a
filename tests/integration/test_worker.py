"""Real broker, real worker processes: RabbitMQ on 127.0.0.1:5672 and `celery worker`
subprocesses run the president's signature; a worker killed mid-job loses nothing."""
from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select

from handlers.dossier_models import Decision, Notification
from tests.conftest import service_missing

ROOT = Path(__file__).resolve().parents[2]
BROKER = os.environ.get("GUICHET_TEST_BROKER", "amqp://guest:guest@127.0.0.1:5672//")
AGENT, PRESIDENT = "guichet@casablanca.demo", "president@casablanca.demo"


@pytest.fixture(scope="module")
def rabbitmq() -> str:
    try:
        socket.create_connection(("127.0.0.1", 5672), timeout=2).close()
    except OSError as exc:
        service_missing(f"RabbitMQ is not reachable on 127.0.0.1:5672 ({exc})")
    return BROKER


class Workers:
    """Starts `celery worker` processes sharing the test's database, files and key."""

    def __init__(self, env: dict[str, str], cwd: Path):
        self.env, self.cwd, self.procs = env, cwd, []  # type: ignore[var-annotated]

    def start(self, **extra: str) -> subprocess.Popen[bytes]:
        log = (self.cwd / f"worker-{len(self.procs)}.log").open("wb")
        proc = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "web.worker", "worker", "-Q", self.env["GUICHET_CELERY_QUEUE"],
             "--pool", "solo", "-l", "INFO", "--without-gossip", "--without-mingle", "--without-heartbeat"],
            env={**self.env, **extra}, cwd=self.cwd, stdout=log, stderr=subprocess.STDOUT)
        self.procs.append(proc)
        return proc

    def stop(self) -> None:
        for proc in self.procs:
            if proc.poll() is None:
                proc.terminate()
                try:
                    proc.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    proc.kill()


@pytest.fixture
def celery_site(site, rabbitmq, database_url, demo_pki, tmp_path) -> Iterator[tuple]:  # noqa: ANN001
    """The site publishing to a queue of its own, and a way to start workers for it."""
    from celery import Celery

    from web.jobs import CeleryDispatcher
    queue = f"guichet-test-{uuid.uuid4().hex[:8]}"
    app = site.app
    app.config.update(GUICHET_JOBS="celery", GUICHET_CELERY_QUEUE=queue, CELERY_BROKER_URL=rabbitmq)
    from web.jobs import celery_init_app
    celery_init_app(app)
    app.extensions["guichet.engine"].dispatcher = CeleryDispatcher(app)
    (tmp_path / "pki-pass").write_text("demo-pass")
    env = {**os.environ, "DATABASE_URL": database_url, "GUICHET_JOBS": "celery", "GUICHET_CELERY_QUEUE": queue,
           "CELERY_BROKER_URL": rabbitmq, "GUICHET_PROCESSES_DIR": app.config["GUICHET_PROCESSES_DIR"],
           "GUICHET_STORAGE_DIR": app.config["GUICHET_STORAGE_DIR"], "GUICHET_SECRET_KEY": "test",
           "GUICHET_SIGNING_P12": str(demo_pki.president_pkcs12), "GUICHET_SIGNING_PASSPHRASE": "demo-pass",
           "GUICHET_SIGNING_TRUST": str(demo_pki.ca_certificate), "PYTHONPATH": str(ROOT)}
    workers = Workers(env, tmp_path)
    yield site, workers
    workers.stop()
    Celery(broker=rabbitmq).connection_for_write().default_channel.queue_delete(queue)


def _to_president(site) -> int:  # noqa: ANN001
    """File a petit projet and take it through recevabilité, commission and payment."""
    from tests.integration.test_async import file
    dossier_id = file(site)
    agent = site.client(AGENT)
    import re

    def next_task(client) -> str:  # noqa: ANN001
        return re.search(r'/tasks/([0-9a-f-]{36})', client.get("/inbox").get_data(as_text=True)).group(1)
    assert agent.post(f"/tasks/{next_task(agent)}", data={"complete": "on"}).status_code == 302
    for member in ("agence-urbaine@casablanca.demo", "urbanisme@casablanca.demo"):
        client = site.client(member)
        assert client.post(f"/tasks/{next_task(client)}", data={"opinion.avis": "favorable"}).status_code == 302
    citizen = site.client("citoyen@guichet.demo")  # pays at the régie, the guichet confirms
    assert citizen.post(f"/dossiers/{dossier_id}/payments", data={"method": "provider", "provider": "regie"}
                        ).status_code == 302
    assert agent.post(f"/tasks/{next_task(agent)}", data={"payment_confirmed": "on"}).status_code == 302
    president = site.client(PRESIDENT)
    assert president.post(f"/tasks/{next_task(president)}", data={"approve": "on"}).status_code == 302
    return dossier_id


def _wait(predicate, timeout: float = 90.0) -> bool:  # noqa: ANN001
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if predicate():
            return True
        time.sleep(0.2)
    return False


def _signed(site, dossier_id: int) -> list[Decision]:  # noqa: ANN001
    from web.extensions import db
    with site.app.app_context():
        db.session.rollback()
        return list(db.session.scalars(select(Decision).where(Decision.dossier_id == dossier_id,
                                                             Decision.signed.is_(True))))


def test_a_dossier_reaches_its_signed_decision_through_the_worker(celery_site) -> None:  # noqa: ANN001
    site, workers = celery_site
    dossier_id = _to_president(site)
    assert _signed(site, dossier_id) == []  # published, not run: no worker yet
    workers.start()
    assert _wait(lambda: len(_signed(site, dossier_id)) == 1), (workers.cwd / "worker-0.log").read_text()[-3000:]
    page = site.client("citoyen@guichet.demo").get(f"/dossiers/{dossier_id}").get_data(as_text=True)
    assert "Autorisation délivrée" in page


def test_worker_killed_mid_signature_loses_nothing_and_signs_once(celery_site, tmp_path) -> None:  # noqa: ANN001
    site, workers = celery_site
    hold = tmp_path / "hold"
    hold.mkdir()
    dossier_id = _to_president(site)
    first = workers.start(GUICHET_TEST_HOLD_DIR=str(hold))
    assert _wait(lambda: any(hold.glob("started-*"))), (workers.cwd / "worker-0.log").read_text()[-3000:]
    first.send_signal(signal.SIGKILL)  # mid-job: the message was never acknowledged
    first.wait(timeout=10)
    assert _signed(site, dossier_id) == []
    workers.start()
    assert _wait(lambda: len(_signed(site, dossier_id)) == 1), (workers.cwd / "worker-1.log").read_text()[-3000:]
    time.sleep(1.0)  # let any duplicate delivery finish: there must be none
    from web.extensions import db
    with site.app.app_context():
        db.session.rollback()
        assert db.session.scalar(select(func.count()).select_from(Decision).where(
            Decision.dossier_id == dossier_id, Decision.signed.is_(True))) == 1
        assert db.session.scalar(select(func.count()).select_from(Notification).where(
            Notification.dossier_id == dossier_id, Notification.template == "decision_issued")) == 1

