"""Transactional outbox: jobs written with the step that calls for them, run after commit."""
from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from .models import OutboxMessage
from .store import QUEUED, add_outbox

MAX_ATTEMPTS = 5
log = logging.getLogger(__name__)
__all__ = ["QUEUED", "enqueue", "enqueue_many"]


def enqueue(session: Session, kind: str, *, ref: str | None = None, instance_id: int | None = None,
            now: datetime) -> int:
    """Queue a job of ``kind`` about ``ref`` in the caller's transaction (handlers use it for
    notifications); it is published after that transaction commits."""
    [job_id] = enqueue_many(session, kind, [ref], instance_id=instance_id, now=now)
    return job_id


def enqueue_many(session: Session, kind: str, refs: Sequence[str | None], *, instance_id: int | None = None,
                 now: datetime) -> list[int]:
    """Queue one job of ``kind`` per ref, in one statement."""
    return add_outbox(session, [{"kind": kind, "ref": ref, "instance_id": instance_id, "task_id": None,
                                 "operator": None, "status": "pending", "attempts": 0, "created_at": now}
                                for ref in refs])


def record_incident(session: Session, instance_id: int | None, error: str, now: datetime) -> int:
    """A failure that no retry can fix by itself (a broken procedure): parked as failed."""
    msg = OutboxMessage(kind="incident", instance_id=instance_id, status="failed", attempts=1, last_error=error[:4000],
                        created_at=now, done_at=now)
    session.add(msg)
    session.flush()
    return msg.id


def mark_done(session: Session, task_id: str, now: datetime) -> None:
    session.execute(update(OutboxMessage).where(OutboxMessage.task_id == task_id,
                                                OutboxMessage.status == "pending")
                    .values(status="done", done_at=now))


def record_failure(session: Session, message_id: int, error: str, now: datetime) -> str:
    """Count a failed attempt; after ``MAX_ATTEMPTS`` the job is *failed* (an incident)."""
    msg = session.get(OutboxMessage, message_id, with_for_update=True)
    if msg is None or msg.status != "pending":
        return msg.status if msg else "missing"
    msg.attempts += 1
    msg.last_error = error[:4000]
    if msg.attempts >= MAX_ATTEMPTS:
        msg.status = "failed"
        msg.done_at = now
    return msg.status


def pending(session: Session, limit: int = 100) -> list[OutboxMessage]:
    return list(session.scalars(select(OutboxMessage).where(OutboxMessage.status == "pending")
                                .order_by(OutboxMessage.id).limit(limit)))


class InProcessRunner:
    """The embedded default: runs each job right after the commit that wrote it.

    Re-entrant calls (a job whose step writes further jobs) are queued and drained by the
    outermost call, so a long chain of service tasks never deepens the stack.
    """

    def __init__(self, run_one: Callable[[int], object]):
        self._run_one = run_one
        self._local = threading.local()

    def __call__(self, message_ids: list[int]) -> None:
        queue = getattr(self._local, "queue", None)
        if queue is not None:
            queue.extend(message_ids)
            return
        self._local.queue = list(message_ids)
        try:
            while self._local.queue:
                try:
                    self._run_one(self._local.queue.pop(0))
                except Exception:  # noqa: BLE001 - its cause is committed; the relay retries the job
                    log.exception("in-process job failed; left for the outbox relay")
        finally:
            self._local.queue = None
