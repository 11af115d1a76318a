"""Celery, as Flask's documentation shows it: an app built from the Flask app, tasks that
run inside the app context. Broker: RabbitMQ through kombu. Jobs carry ids only.

Delivery is at least once (``acks_late``, ``task_reject_on_worker_lost``): a worker killed
mid-job leaves the message unacknowledged and the broker hands it to another worker; the
jobs are idempotent, so what runs twice changes nothing the second time.
"""
from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import timedelta
from typing import Any

from celery import Celery, Task
from flask import Flask

log = logging.getLogger(__name__)


def celery_init_app(app: Flask) -> Celery:
    class FlaskTask(Task):  # type: ignore[misc]
        def __call__(self, *args: Any, **kwargs: Any) -> Any:
            with app.app_context():
                return self.run(*args, **kwargs)

    celery_app = Celery(app.name, task_cls=FlaskTask)
    queue = app.config["GUICHET_CELERY_QUEUE"]
    tick = float(app.config["GUICHET_TIMER_INTERVAL"])
    celery_app.config_from_object({
        "broker_url": app.config["CELERY_BROKER_URL"],
        "task_ignore_result": True,
        "task_acks_late": True,
        "task_reject_on_worker_lost": True,
        "worker_prefetch_multiplier": 1,
        "task_default_queue": queue,
        "broker_connection_retry_on_startup": True,
        "beat_schedule": {
            "wake-due-timers": {"task": "web.tasks.wake_timers", "schedule": timedelta(seconds=tick)},
            "relay-outbox": {"task": "web.tasks.relay_outbox", "schedule": timedelta(seconds=3 * tick)},
            "watch-deadlines": {"task": "web.tasks.watch_deadlines", "schedule": timedelta(seconds=12 * tick)},
            "seal-audit": {"task": "web.tasks.seal_audit", "schedule": timedelta(seconds=12 * tick)},
        },
    })
    celery_app.set_default()
    app.extensions["celery"] = celery_app
    from . import tasks  # noqa: F401 - registers the shared tasks
    return celery_app


class CeleryDispatcher:
    """Publishes committed outbox jobs to the broker; a failed publication is left to the relay."""

    def __init__(self, app: Flask):
        self.app = app

    def __call__(self, ids: Iterable[int]) -> None:
        from engine import jobs

        from . import tasks
        published = []
        try:
            for message_id in ids:
                tasks.run_job.apply_async(args=[message_id], queue=self.app.config["GUICHET_CELERY_QUEUE"])
                published.append(message_id)
        except Exception as exc:  # noqa: BLE001 - the relay publishes what is left
            log.warning("publishing jobs failed (%s): the outbox relay will publish them", exc)
        if published:
            jobs.mark_published(self.app.extensions["guichet.engine"], published)
