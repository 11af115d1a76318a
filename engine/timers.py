"""Waking due timers: each instance in its own transaction, under its lock."""
from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import select

from . import store
from .clock import frozen_at
from .errors import Busy
from .loop import ready_ids
from .models import ProcessInstance

if TYPE_CHECKING:
    from .runtime import Engine


def wake(engine: Engine, now: datetime, limit: int = 200) -> int:
    """Fire every timer due at ``now``; returns how many instances were advanced. An
    instance another step holds is left for the next round."""
    with engine.transaction(write=False) as session:
        due = list(session.scalars(select(ProcessInstance.id).where(
            ProcessInstance.next_timer_at < now, ProcessInstance.status == "running")
            .order_by(ProcessInstance.next_timer_at).limit(limit)))
    woken = 0
    for instance_id in due:
        try:
            woken += _wake_one(engine, instance_id, now)
        except Busy:
            continue
    return woken


def _wake_one(engine: Engine, instance_id: int, now: datetime) -> int:
    with engine.transaction() as session:
        inst = store.lock_instance(session, instance_id)
        if inst.next_timer_at is None or inst.next_timer_at >= now:
            return 0  # another node woke it meanwhile (Spiff fires strictly after due)
        wf = engine._load(session, inst, now)
        before = ready_ids(engine.registry, wf)
        with frozen_at(now):
            wf.refresh_timers()
            engine._advance(session, inst, wf, now, actor="system", before=before)
    return 1
