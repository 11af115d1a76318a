"""The hot path's SQL: a handful of Core statements per step, no ORM bookkeeping.

One step = lock the instance and read the task (1), then write closed and new human tasks,
audit links and the instance guarded by its version (1 on PostgreSQL, up to 4 elsewhere).
The version guard turns any lost race into a :class:`Conflict`.
"""
from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field, fields
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, bindparam, insert, select, text, update
from sqlalchemy.orm import Session

from .errors import Conflict, NotFound
from .models import AuditEvent, HumanTask, OutboxMessage, ProcessInstance
from .rawsql import Hot
from .specs import SERIALIZER_VERSION

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
    pending_closes: list[dict[str, Any]] = field(default_factory=list, repr=False)

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
_LOCK = Hot(select(*_COLUMNS).where(PI.c.id == bindparam("iid")).with_for_update())
# The task's columns come along with the locked instance. On PostgreSQL a waiter gets the
# instance row as committed by the lock holder, but the joined task row as it was when the
# statement began: when the version differs from the one seen before the lock, the step
# reads the task again (read_task). Were it built on stale data anyway, the workflow state
# (fresh) no longer has the task READY, and the version guard on the final UPDATE stops it.
_TASK_COLUMNS = [HT.c[n].label(f"task_{n}") for n in ("state", "completed_by", "role", "scope",
                                                       "assignee", "claimed_by", "form", "bpmn_id")]
_LOCK_WITH_TASK = Hot(select(*_COLUMNS, *_TASK_COLUMNS).join_from(PI, HT, HT.c.instance_id == PI.c.id)
                       .where(HT.c.id == bindparam("tid")).with_for_update(of=PI))
_SAVE = Hot(update(PI).where(PI.c.id == bindparam("iid"), PI.c.version == bindparam("expected")).values(
    status=bindparam("status"), state=bindparam("state"), version=bindparam("new_version"),
    audit_seq=bindparam("seq"), audit_head=bindparam("head"), next_timer_at=bindparam("timer"),
    updated_at=bindparam("now")))
_ADD_AUDIT = insert(AE)
_ADD_TASKS = insert(HT)
_CLOSE = update(HT).where(HT.c.id == bindparam("tid"), HT.c.state == "READY").values(
    state=bindparam("new_state"), completed_by=bindparam("by"), completed_at=bindparam("at"))


def lock_instance(session: Session, instance_id: int) -> InstanceState:
    """``SELECT … FOR UPDATE`` the instance (SQLite: the transaction began IMMEDIATE)."""
    row = _LOCK.one_or_none(session, {"iid": instance_id})
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


_TASK = Hot(select(*[HT.c[f.name] for f in fields(TaskView)]).where(HT.c.id == bindparam("tid")))


def read_task(session: Session, task_id: str) -> TaskView:
    """The task's row as committed now; under its instance's lock, as it stays until the step ends."""
    return TaskView(*_TASK.all(session, {"tid": task_id})[0])


def lock_instance_of_task(session: Session, task_id: str) -> tuple[InstanceState, TaskView]:
    """Lock the instance a human task belongs to, and read the task, in one statement."""
    row = _LOCK_WITH_TASK.one_or_none(session, {"tid": task_id})
    if row is None:
        raise NotFound(f"no task {task_id}")
    task = TaskView(**{f.name: getattr(row, f"task_{f.name}") for f in fields(TaskView)})
    session.info[CURRENT] = row.id
    return InstanceState.from_row(row), task


_INSERT_INSTANCE = insert(PI).returning(PI.c.id)  # built once; the values are parameters


def create_instance(session: Session, definition_id: int, process_key: str, *, business_key: str | None,
                    scope: str | None, started_by: str, now: datetime) -> InstanceState:
    """Insert a new running instance (no state yet: its first step writes it)."""
    values = {"definition_id": definition_id, "process_key": process_key,
              "business_key": business_key, "scope": scope, "status": "running",
              "state": "", "serializer_version": SERIALIZER_VERSION, "version": 0,
              "audit_seq": 0, "audit_head": "", "next_timer_at": None,
              "started_by": started_by, "created_at": now, "updated_at": now}
    return InstanceState(id=session.execute(_INSERT_INSTANCE, values).scalar_one(), **instance_fields(values))


def save_instance(session: Session, inst: InstanceState, now: datetime) -> None:
    """Write the step: closed and new tasks, audit links, and the instance guarded by its version.

    On PostgreSQL all of it is one statement (one round trip); elsewhere one statement each.
    """
    params = {"iid": inst.id, "expected": inst.version, "status": inst.status, "state": inst.state,
              "new_version": inst.version + 1, "seq": inst.audit_seq, "head": inst.audit_head,
              "timer": inst.next_timer_at, "now": now}
    if session.get_bind().dialect.name == "postgresql":
        params.update(closes=_json(inst.pending_closes), close_ids=[c["tid"] for c in inst.pending_closes],
                      audit=_json(inst.pending_audit),
                      tasks=_json(inst.pending_tasks))
        changed = _SAVE_ALL.execute(session, params)
    else:
        for statement, rows in ((_CLOSE, inst.pending_closes), (_ADD_AUDIT, inst.pending_audit),
                                (_ADD_TASKS, inst.pending_tasks)):
            if rows:
                session.execute(statement, rows)
        changed = _SAVE.execute(session, params)
    inst.pending_closes, inst.pending_audit, inst.pending_tasks = [], [], []
    if changed != 1:
        raise Conflict("the dossier was changed by someone else meanwhile; reload and retry", code="dossier.changed")
    inst.version += 1


def close_tasks(inst: InstanceState, ids: Iterable[str], state: str, by: str | None, now: datetime) -> None:
    """Queue closing READY human tasks (COMPLETED or CANCELLED); written with the step."""
    inst.pending_closes.extend({"tid": i, "new_state": state, "by": by, "at": now} for i in ids)


def _json(rows: list[dict[str, Any]]) -> str:
    return json.dumps(rows, default=lambda v: v.isoformat() if isinstance(v, datetime) else str(v))


def _insert_from_json(table: Table, param: str, skip: tuple[str, ...] = ()) -> str:
    names = ", ".join(c.name for c in table.c if c.name not in skip)
    return (f"INSERT INTO {table.name} ({names}) SELECT {names} "
            f"FROM jsonb_populate_recordset(CAST(NULL AS {table.name}), CAST(:{param} AS jsonb))")


# PostgreSQL: a step's writes in one statement. Data-modifying CTEs all run, referenced or
# not; the statement's row count is the final UPDATE's, so the version guard still holds.
# The closed tasks are named by an id array and their READY state is a filter (coalesce: no
# index matches it), so that they are found by primary key whatever the planner guesses of
# the JSON rows or of how many tasks are READY (it would otherwise scan the READY ones).
_SAVE_ALL = Hot(text(f"""
WITH closed AS (
  UPDATE human_task SET state = c.new_state, completed_by = c.by, completed_at = c.at
  FROM jsonb_to_recordset(CAST(:closes AS jsonb)) AS c(tid varchar, new_state varchar, by varchar, at timestamptz)
  WHERE human_task.id = ANY(CAST(:close_ids AS varchar[])) AND human_task.id = c.tid
    AND coalesce(human_task.state, '') = 'READY'),
audit AS ({_insert_from_json(AE, "audit", skip=("id",))}),
tasks AS ({_insert_from_json(HT, "tasks")})
UPDATE process_instance SET status = :status, state = :state, version = :new_version, audit_seq = :seq,
  audit_head = :head, next_timer_at = :timer, updated_at = :now
WHERE id = :iid AND version = :expected"""))


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
