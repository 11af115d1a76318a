"""The embedded default's clock: a daemon thread doing what Celery beat does in production."""
from __future__ import annotations

import logging
import threading

from flask import Flask

log = logging.getLogger(__name__)


def tick(app: Flask) -> None:
    """One round: due timers, unpublished jobs, dossiers left without their procedure,
    deadline reminders and breaches, and a signed checkpoint of the audit chains that moved."""
    from engine import jobs
    from handlers import deadlines, repair
    from handlers.audit_seal import seal
    with app.app_context():
        engine = app.extensions["guichet.engine"]
        engine.wake_due_timers()
        jobs.relay(engine, engine.dispatcher or (lambda ids: None))
        repair.repair(engine, app.extensions["guichet.ports"])
        with engine.transaction() as session:
            deadlines.watch(session, app.extensions["guichet.ports"], engine.clock())
        with engine.transaction() as session:
            seal(session, app.extensions["guichet.ports"], engine.clock())


def start_ticker(app: Flask) -> threading.Thread:
    interval = float(app.config["GUICHET_TIMER_INTERVAL"])
    stop = threading.Event()

    def loop() -> None:
        while not stop.wait(interval):
            try:
                tick(app)
            except Exception:  # noqa: BLE001 - logged; the next round tries again
                log.exception("ticker round failed")

    thread = threading.Thread(target=loop, name="guichet-ticker", daemon=True)
    thread.start()
    return thread
