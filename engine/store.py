"""The hot path's SQL: a handful of Core statements per step, no ORM bookkeeping.

One step = lock the instance (1), read the task (1), insert audit links and new human
tasks (batched), close finished human tasks (1), update the instance guarded by its
version (1). The version guard turns any lost race into a :class:`Conflict`.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, fields
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, bindparam, insert, select, update
from sqlalchemy.orm import Session

from .errors import Conflict, NotFound
from .models import AuditEvent, HumanTask, OutboxMessage, ProcessInstance

PI = cast(Table, ProcessInstance.__table__)
HT = cast(Table, HumanTask.__table__)
AE = cast(Table, AuditEvent.__table__)
OB = cast(Table, OutboxMessage.__table__)


@dataclass
class InstanceState:
    """The columns of one instance a step reads and writes, plus what it will insert."""

    id: int
    definition_id: int
    process_key: str
    business_key: str | None
    scope: str | None
    status: str
    state: str
    version: int
    audit_seq: int
    audit_head: str
    next_timer_at: datetime | None
    pending_audit: list[dict[str, Any]] = field(default_factory=list, repr=False)
    pending_tasks: list[dict[str, Any]] = field(default_factory=list, repr=False)

    @classmethod
    def from_row(cls, row: Any) -> InstanceState:
        """From a result row (or any object with the column attributes)."""
        names = [f.name for f in fields(cls) if not f.name.startswith("pending_")]
        return cls(**{n: getattr(row, n) for n in names})


def instance_fields(values: dict[str, Any]) -> dict[str, Any]:
    """The InstanceState fields (all but ``id``) out of the values of a new instance row."""
    return {f.name: values[f.name] for f in fields(InstanceState)
            if f.name != "id" and not f.name.startswith("pending_")}


_COLUMNS = [PI.c[n] for n in ("id", "definition_id", "process_key", "business_key", "scope",
                                "status", "state", "version", "audit_seq", "audit_head",
                                "next_timer_at")]


# Built once: constructing SQL expressions costs more than running them on this path.
_LOCK = select(*_COLUMNS).where(PI.c.id == bindparam("iid")).with_for_update()
# The task's columns come along with the locked instance. On PostgreSQL a waiter gets the
# instance row as committed by the lock holder; should the joined task row predate that
# commit, the workflow state (fresh) no longer has the task READY, and the version guard
# on the final UPDATE stops any step built on stale data: both end in a Conflict.
_TASK_COLUMNS = [HT.c[n].label(f"task_{n}") for n in ("state", "completed_by", "role", "scope",
                                                       "assignee", "claimed_by", "form", "bpmn_id")]
_LOCK_WITH_TASK = (select(*_COLUMNS, *_TASK_COLUMNS).join_from(PI, HT, HT.c.instance_id == PI.c.id)
                   .where(HT.c.id == bindparam("tid")).with_for_update(of=PI))
_SAVE = update(PI).where(PI.c.id == bindparam("iid"), PI.c.version == bindparam("expected")).values(
    status=bindparam("status"), state=bindparam("state"), version=bindparam("new_version"),
    audit_seq=bindparam("seq"), audit_head=bindparam("head"), next_timer_at=bindparam("timer"),
    updated_at=bindparam("now"))
_ADD_AUDIT = insert(AE)
_ADD_TASKS = insert(HT)
_CLOSE = update(HT).where(HT.c.id == bindparam("tid"), HT.c.state == "READY").values(
    state=bindparam("new_state"), completed_by=bindparam("by"), completed_at=bindparam("at"))


def lock_instance(session: Session, instance_id: int) -> InstanceState:
    """``SELECT … FOR UPDATE`` the instance (SQLite: the transaction began IMMEDIATE)."""
    row = session.execute(_LOCK, {"iid": instance_id}).one_or_none()
    if row is None:
        raise NotFound(f"no process instance {instance_id}")
    session.info[CURRENT] = instance_id
    return InstanceState.from_row(row)


@dataclass(frozen=True)
class TaskView:
    state: str
    completed_by: str | None
    role: str | None
    scope: str | None
    assignee: str | None
    claimed_by: str | None
    form: str | None
    bpmn_id: str


def lock_instance_of_task(session: Session, task_id: str) -> tuple[InstanceState, TaskView]:
    """Lock the instance a human task belongs to, and read the task, in one statement."""
    row = session.execute(_LOCK_WITH_TASK, {"tid": task_id}).one_or_none()
    if row is None:
        raise NotFound(f"no task {task_id}")
    task = TaskView(**{f.name: getattr(row, f"task_{f.name}") for f in fields(TaskView)})
    session.info[CURRENT] = row.id
    return InstanceState.from_row(row), task


def insert_instance(session: Session, values: Mapping[str, Any]) -> int:
    return session.execute(insert(PI).values(**values).returning(PI.c.id)).scalar_one()


def save_instance(session: Session, inst: InstanceState, now: datetime) -> None:
    """Write the step: audit links, new tasks, and the instance guarded by its version."""
    if inst.pending_audit:
        session.execute(_ADD_AUDIT, inst.pending_audit)
        inst.pending_audit = []
    if inst.pending_tasks:
        session.execute(_ADD_TASKS, inst.pending_tasks)
        inst.pending_tasks = []
    result = session.execute(_SAVE, {
        "iid": inst.id, "expected": inst.version, "status": inst.status, "state": inst.state,
        "new_version": inst.version + 1, "seq": inst.audit_seq, "head": inst.audit_head,
        "timer": inst.next_timer_at, "now": now})
    if getattr(result, "rowcount", 1) != 1:
        raise Conflict("the dossier was changed by someone else meanwhile; reload and retry")
    inst.version += 1


def close_tasks(session: Session, ids: Iterable[str], state: str, by: str | None, now: datetime) -> None:
    params = [{"tid": i, "new_state": state, "by": by, "at": now} for i in ids]
    if params:
        session.execute(_CLOSE, params)


_CLAIM = update(HT).where(HT.c.id == bindparam("tid"), HT.c.state == "READY",
                          (HT.c.claimed_by.is_(None)) | (HT.c.claimed_by == bindparam("uid"))
                          ).values(claimed_by=bindparam("uid"))


def claim(session: Session, task_id: str, user_id: str) -> bool:
    """Claim a READY task for ``user_id``; False when it is gone or someone else holds it."""
    return getattr(session.execute(_CLAIM, {"tid": task_id, "uid": user_id}), "rowcount", 0) == 1


_ADD_JOBS = insert(OB).returning(OB.c.id, sort_by_parameter_order=True)


def add_outbox(session: Session, rows: list[dict[str, Any]]) -> list[int]:
    """Write jobs (one statement); their ids are published when the transaction commits."""
    if not rows:
        return []
    ids = list(session.scalars(_ADD_JOBS, rows))
    session.info.setdefault(QUEUED, []).extend(ids)
    return ids


QUEUED = "guichet.outbox"  # session.info key: outbox ids written in this transaction
CURRENT = "guichet.instance"  # session.info key: the instance this transaction advances
