"""The embedded default's clock: a daemon thread doing what Celery beat does in production."""
from __future__ import annotations

import fcntl
import logging
import os
import threading
from collections.abc import Callable

from flask import Flask

from .config import in_memory_sqlite
from .local import opened, shared_dir

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


def clock_lock(app: Flask) -> Callable[[], bool]:
    """Whether this process holds the clock of its database on this machine, taking it if
    it is free: one ticker runs among ``guichet serve``'s workers (and among several
    servers of one database). The lock is the kernel's (``flock``): a process that dies
    lets it go, and another worker takes it at its next round."""
    shared = shared_dir(str(app.config["SQLALCHEMY_DATABASE_URI"]))
    held: list[int] = []

    def holds() -> bool:
        if held:
            return True
        # opened at each try until held: a directory that cannot be used is logged by the
        # ticker's round, which tries again, rather than stopping the worker from starting
        fd = os.open(opened(shared) / "ticker.lock", os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            return False
        held.append(fd)  # kept open (and locked) for the life of the process
        log.info("this process (%d) keeps the clock", os.getpid())
        return True
    return holds


def start_ticker(app: Flask) -> threading.Thread:
    interval = float(app.config["GUICHET_TIMER_INTERVAL"])
    stop = threading.Event()
    holds = (lambda: True) if in_memory_sqlite(str(app.config["SQLALCHEMY_DATABASE_URI"])) else clock_lock(app)

    def loop() -> None:
        while not stop.wait(interval):
            try:
                if holds():
                    tick(app)
            except Exception:  # noqa: BLE001 - logged; the next round tries again
                log.exception("ticker round failed")

    thread = threading.Thread(target=loop, name="guichet-ticker", daemon=True)
    thread.start()
    return thread
