"""What one step costs the database, and that its single-statement write keeps every guard.

The hot path's budget (issue 9, P1): completing a user task that hands over to the next one
reads the task's projection outside any transaction (where most refusals stop, issue 16),
locks the instance (reading the task with it) and writes the step. On PostgreSQL the write
is one statement (closed task, new task, audit links, versioned instance); on SQLite, which
has no round trips to save, it is one statement each.
"""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy import event, select

from engine import Conflict, audit, store
from engine.models import AuditEvent, HumanTask
from tests.bpmn.helpers import actions, instance, ready_tasks
from tests.conftest import AGENT


@contextmanager
def statements(db_engine: sa.Engine) -> Iterator[list[str]]:
    seen: list[str] = []

    def listener(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        seen.append(" ".join(statement.split())[:60])
    event.listen(db_engine, "before_cursor_execute", listener)
    try:
        yield seen
    finally:
        event.remove(db_engine, "before_cursor_execute", listener)


def test_a_step_is_a_lock_and_one_write_on_postgresql(engine, sessions, db_engine, clock) -> None:
    iid = engine.start("ten_steps", {}, AGENT, scope="casa")
    [first] = ready_tasks(sessions, iid)
    with statements(db_engine) as seen:
        engine.complete(first.id, {"note": "ok"}, AGENT)
    assert seen[0].startswith("SELECT human_task.state"), seen  # in autocommit: no BEGIN before it
    if db_engine.dialect.name == "postgresql":
        assert len(seen) == 3, seen
        assert seen[1].startswith("SELECT process_instance.id") and seen[2].startswith("WITH closed AS")
    else:  # the projection, BEGIN IMMEDIATE, lock, close, audit, new task, instance
        assert len(seen) == 7 and seen[1] == "BEGIN IMMEDIATE", seen
    # everything the step wrote, written
    [second] = ready_tasks(sessions, iid)
    assert second.bpmn_id == "step_2" and second.role == "guichet_agent" and second.scope == "casa"
    with sessions() as s:
        done = s.get_one(HumanTask, first.id)
        assert (done.state, done.completed_by, done.completed_at) == ("COMPLETED", AGENT.user_id, clock())
    assert actions(sessions, iid) == ["instance.started", "task.completed"]
    assert instance(sessions, iid).version == 2
    with engine.transaction(write=False) as s:
        assert audit.verify(s, [iid]) == (1, [])


def test_the_one_statement_write_is_guarded_by_the_version(engine, sessions, clock) -> None:
    """A write built on a stale version is refused whole: its closes and inserts too."""
    iid = engine.start("ten_steps", {}, AGENT, scope="casa")
    [first] = ready_tasks(sessions, iid)
    now = clock()
    with pytest.raises(Conflict), engine.transaction() as session:
        inst = store.lock_instance(session, iid)
        inst.version -= 1  # as if loaded before someone else's step
        store.close_tasks(inst, [first.id], "COMPLETED", AGENT.user_id, now)
        audit.append(inst, action="task.completed", actor=AGENT.user_id, at=now, task_id=first.id)
        inst.pending_tasks.append({
            "id": "00000000-0000-0000-0000-0000000000aa", "instance_id": iid, "bpmn_id": "step_2",
            "title": "Étape 2", "lane": "guichet_agent", "role": "guichet_agent", "scope": "casa",
            "assignee": None, "claimed_by": None, "form": None,
            "due_at": None, "state": "READY", "created_at": now, "completed_by": None, "completed_at": None,
            "reminded_at": None, "breached_at": None})
        store.save_instance(session, inst, now)
    assert [t.id for t in ready_tasks(sessions, iid)] == [first.id]  # still open
    with sessions() as s:
        assert s.scalar(select(sa.func.count()).select_from(AuditEvent).where(AuditEvent.instance_id == iid)) == 1
        assert s.get(HumanTask, "00000000-0000-0000-0000-0000000000aa") is None
    assert instance(sessions, iid).version == 1


def test_the_rows_a_step_writes_name_every_column(engine, sessions, clock) -> None:
    """The one-statement write fills columns from JSON rows by name: a column a row leaves
    out would be NULL rather than its default. Every column is named."""
    arrived: list[dict[str, Any]] = []
    engine.task_listener = lambda session, rows, now, forms: arrived.extend(rows)
    iid = engine.start("ten_steps", {}, AGENT, scope="casa")
    assert {c.name for c in store.HT.c} == set(arrived[0])
    inst = store.InstanceState(iid, 1, "ten_steps", None, "casa", "running", "", 1, 0, "", None)
    audit.append(inst, action="task.completed", actor=AGENT.user_id, at=clock())
    assert {c.name for c in store.AE.c} - {"id"} == set(inst.pending_audit[0])
