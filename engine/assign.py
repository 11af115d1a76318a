"""Who holds a waiting task: taking it (a claim), or handing it to someone else (its
assignee left, or can no longer do it)."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, update
from sqlalchemy.orm import Session

from . import audit, store
from .actor import Actor
from .errors import Conflict, Forbidden


def reassign(session: Session, task_id: str, assignee: str, *, actor: str, now: datetime) -> str | None:
    """Give the READY task ``task_id`` to ``assignee`` (any claim is released), under the
    instance's lock, with a link in its audit chain; whose it was first is kept
    (``first_assignee``: a commission seat's opinion stays that seat's). Returns the
    previous assignee."""
    inst, row = store.lock_instance_of_task(session, task_id)
    if row.state != "READY":
        raise Conflict(f"this task is already {row.state.lower()}")
    session.execute(update(store.HT).where(store.HT.c.id == task_id, store.HT.c.state == "READY")
                    .values(first_assignee=func.coalesce(store.HT.c.first_assignee, store.HT.c.assignee),
                            assignee=assignee, claimed_by=None))
    audit.append(inst, action="task.reassigned", actor=actor, at=now, task_id=task_id, bpmn_id=row.bpmn_id,
                 data={"from": row.assignee, "to": assignee})
    store.save_instance(session, inst, now)
    return row.assignee


def claim(session: Session, task_id: str, actor: Actor, *, now: datetime) -> None:
    """Take the READY task ``task_id`` for ``actor`` (it must be theirs to do), under the
    instance's lock, with a link in its audit chain; claiming it again is harmless."""
    inst, row = store.lock_instance_of_task(session, task_id)
    if not actor.may_complete(row.role, row.scope, row.assignee):
        raise Forbidden("this task is not yours to take")
    if row.state != "READY":
        raise Conflict(f"this task is already {row.state.lower()}", code="task.done")
    if not store.claim(session, task_id, actor.user_id):
        raise Conflict("this task was claimed by someone else", by=row.claimed_by, code="task.claimed")
    audit.append(inst, action="task.claimed", actor=actor.user_id, at=now, task_id=task_id, bpmn_id=row.bpmn_id)
    store.save_instance(session, inst, now)
