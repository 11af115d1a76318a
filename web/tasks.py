"""The Celery tasks: thin wrappers that call the engine and the handlers inside the app
context. They never import the app; the worker builds it (``web.worker``)."""
from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from celery import shared_task
from flask import current_app

from engine import jobs
from engine.outbox import MAX_ATTEMPTS
from handlers import deadlines, repair

from .bootstrap import get_engine


def _test_hold(message_id: int) -> None:
    """Test hook (GUICHET_TEST_HOLD_DIR): announce the job, wait until released."""
    folder = current_app.config.get("GUICHET_TEST_HOLD_DIR")
    if not folder:
        return
    Path(folder, f"started-{message_id}").touch()
    deadline = time.monotonic() + 120
    while not Path(folder, "release").exists() and time.monotonic() < deadline:
        time.sleep(0.05)


@shared_task(bind=True, name="web.tasks.run_job", max_retries=MAX_ATTEMPTS)
def run_job(self: Any, message_id: int) -> str:
    """Run one outbox job; a failure counted on the job comes back later with backoff."""
    _test_hold(message_id)
    status = get_engine(current_app).run_outbox_message(message_id)
    if status == "pending":
        raise self.retry(countdown=min(300, 2 ** (self.request.retries + 1)))
    return status


@shared_task(name="web.tasks.wake_timers")
def wake_timers() -> int:
    return get_engine(current_app).wake_due_timers()


@shared_task(name="web.tasks.relay_outbox")
def relay_outbox() -> int:
    """Beat's relay round: unpublished jobs, and dossiers left without their procedure."""
    engine = get_engine(current_app)
    relayed = jobs.relay(engine, engine.dispatcher or (lambda ids: None))
    repair.repair(engine, current_app.extensions["guichet.ports"])
    return relayed


@shared_task(name="web.tasks.watch_deadlines")
def watch_deadlines() -> tuple[int, int]:
    engine = get_engine(current_app)
    with engine.transaction() as session:
        return deadlines.watch(session, current_app.extensions["guichet.ports"], engine.clock())


@shared_task(name="web.tasks.seal_audit")
def seal_audit() -> bool:
    """A signed checkpoint of the audit chains that moved since the last one."""
    from handlers.audit_seal import seal
    engine = get_engine(current_app)
    with engine.transaction() as session:
        return seal(session, current_app.extensions["guichet.ports"], engine.clock()) is not None
