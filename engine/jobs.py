"""Running outbox jobs: at least once, effectively once, failures visible as incidents.

A job is an outbox row. Service-task jobs re-enter the engine (``run_service_task`` is
idempotent); other kinds go to the handler the composition root registered for them,
which runs in its own transaction together with marking the job done.
"""
from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from . import outbox
from .errors import Busy, Unavailable
from .models import OutboxMessage

if TYPE_CHECKING:
    from .runtime import Engine

log = logging.getLogger(__name__)
JobHandler = Callable[[Session, OutboxMessage, datetime], None]


def run(engine: Engine, message_id: int) -> str:
    """Run one job; returns its status afterwards: ``done``, ``pending`` (a failure that
    will be retried) or ``failed`` (retries exhausted: an incident).

    A database failure (unreachable, busy, deadlock) leaves the job pending without counting
    an attempt: it is retried, and never becomes an incident."""
    try:
        with engine.transaction(write=False) as session:
            msg = session.get(OutboxMessage, message_id)
            if msg is None:
                return "missing"
            if msg.status != "pending":
                return msg.status  # already done (a redelivery) or parked as an incident
            kind, instance_id, task_id = msg.kind, msg.instance_id, msg.task_id
    except (Busy, Unavailable) as exc:
        log.warning("job %s left pending: %s", message_id, exc)
        return "pending"
    try:
        if kind == "service_task":
            engine.run_service_task(instance_id, task_id)  # type: ignore[arg-type]
        else:
            handler = engine.job_handlers.get(kind)
            if handler is None:
                raise LookupError(f"no handler for jobs of kind '{kind}'")
            with engine.transaction() as session:
                locked = session.get(OutboxMessage, message_id, with_for_update=True)
                if locked is None or locked.status != "pending":
                    return locked.status if locked else "missing"
                handler(session, locked, engine.clock())
                locked.status, locked.done_at = "done", engine.clock()
    except (Busy, Unavailable) as exc:  # the database's trouble, not the job's: not counted
        log.warning("job %s left pending: %s", message_id, exc)
        return "pending"
    except Exception as exc:  # noqa: BLE001 - recorded on the job, retried later
        with engine.transaction() as session:
            return outbox.record_failure(session, message_id, f"{type(exc).__name__}: {exc}", engine.clock())
    return "done"


def drain(engine: Engine, limit: int = 1000) -> int:
    """Run pending jobs in this process until none is left (tests, embedded default)."""
    count, seen = 0, set()
    while count < limit:
        with engine.transaction(write=False) as session:
            batch = [m.id for m in outbox.pending(session, 50) if m.id not in seen]
        if not batch:
            break
        for message_id in batch:
            run(engine, message_id)
            seen.add(message_id)  # once per drain: a job that failed waits for the next round
            count += 1
    return count


def mark_published(engine: Engine, ids: list[int]) -> None:
    """Note the publication (best effort: unnoted, a job is only published again later)."""
    try:
        with engine.transaction() as session:
            session.execute(update(OutboxMessage).where(OutboxMessage.id.in_(ids))
                            .values(published_at=engine.clock()))
    except (Busy, Unavailable) as exc:
        log.warning("could not note %d published jobs: %s", len(ids), exc)


def relay(engine: Engine, publish: Callable[[list[int]], None], *, stale_after: timedelta = timedelta(minutes=5),
          limit: int = 500) -> int:
    """Publish pending jobs that were never published (a crash between commit and publish,
    a broker outage) or whose publication is old enough to have been lost."""
    cutoff = engine.clock() - stale_after
    with engine.transaction(write=False) as session:
        ids = list(session.scalars(select(OutboxMessage.id).where(
            OutboxMessage.status == "pending",
            or_(OutboxMessage.published_at.is_(None), OutboxMessage.published_at < cutoff))
            .order_by(OutboxMessage.id).limit(limit)))
    if ids:
        publish(ids)
    return len(ids)


def incidents(session: Session) -> list[OutboxMessage]:
    return list(session.scalars(select(OutboxMessage).where(OutboxMessage.status == "failed")
                                .order_by(OutboxMessage.id)))


def retry(engine: Engine, message_id: int) -> None:
    """An administrator's retry of an incident: the job goes back to pending and is published."""
    with engine.transaction() as session:
        msg = session.get(OutboxMessage, message_id, with_for_update=True)
        from .errors import Conflict
        if msg is None or msg.status != "failed":
            raise Conflict(f"job {message_id} is not a failed job")
        if msg.kind == "incident":
            raise Conflict(f"incident {message_id} records a failed step: fix the procedure, then redo the action")
        msg.status, msg.attempts, msg.done_at, msg.published_at = "pending", 0, None, None
        session.info.setdefault(outbox.QUEUED, []).append(msg.id)
