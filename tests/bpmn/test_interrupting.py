"""Interrupting event sub-processes and boundary events cancel what they interrupt.

The interrupted user task's inbox row is CANCELLED (it leaves every inbox), completing it
afterwards is a conflict, and the dossier follows the interrupting path only. A
non-interrupting event leaves the original task waiting. On SQLite and PostgreSQL.
"""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from engine import Conflict
from engine.models import HumanTask
from handlers.queries import my_tasks
from tests.bpmn.helpers import actions, instance, ready_tasks
from tests.conftest import AGENT


def start(engine, key: str) -> int:  # noqa: ANN001
    return engine.start(key, {}, AGENT, business_key=f"PC-{key}", scope="casa")


def task_state(sessions, task_id: str) -> str:  # noqa: ANN001
    with sessions() as s:
        row = s.get(HumanTask, task_id)
        assert row is not None
        return row.state


def inbox_ids(sessions) -> set[str]:  # noqa: ANN001
    with sessions() as s:
        return set(s.scalars(select(HumanTask.id).where(my_tasks(AGENT))))


def outcome(sessions, iid: int) -> str | None:  # noqa: ANN001
    """Which path wrote ``outcome`` into the stored state (each path's script sets its own)."""
    state = instance(sessions, iid).state
    found = [value for value in ("expired", "reviewed") if f'"outcome": "{value}"' in state]
    assert len(found) <= 1, found  # never both paths
    return found[0] if found else None


def test_interrupting_event_subprocess_cancels_the_process_it_interrupts(engine, sessions, clock) -> None:
    iid = start(engine, "interrupting_subprocess")
    [review] = ready_tasks(sessions, iid)
    assert review.bpmn_id == "isp_review" and review.id in inbox_ids(sessions)
    assert instance(sessions, iid).next_timer_at == clock.now + timedelta(days=30)
    assert engine.wake_due_timers(clock.now + timedelta(days=29)) == 0

    assert engine.wake_due_timers(clock.now + timedelta(days=30, seconds=1)) == 1
    assert task_state(sessions, review.id) == "CANCELLED"
    [archive] = ready_tasks(sessions, iid)
    assert archive.bpmn_id == "isp_archive"
    assert inbox_ids(sessions) == {archive.id}
    with pytest.raises(Conflict, match="already cancelled"):
        engine.complete(review.id, {"complete": True}, AGENT)

    engine.complete(archive.id, {}, AGENT)
    inst = instance(sessions, iid)
    assert inst.status == "completed" and inst.next_timer_at is None
    assert outcome(sessions, iid) == "expired"  # isp_approved never ran
    assert task_state(sessions, review.id) == "CANCELLED"
    assert actions(sessions, iid).count("task.completed") == 1


def test_interrupting_boundary_timer_cancels_its_user_task(engine, sessions, clock) -> None:
    iid = start(engine, "interrupting_boundary")
    [review] = ready_tasks(sessions, iid)
    assert instance(sessions, iid).next_timer_at == clock.now + timedelta(days=10)

    assert engine.wake_due_timers(clock.now + timedelta(days=10, seconds=1)) == 1
    assert task_state(sessions, review.id) == "CANCELLED"
    [escalate] = ready_tasks(sessions, iid)
    assert escalate.bpmn_id == "ib_escalate"
    assert inbox_ids(sessions) == {escalate.id}
    with pytest.raises(Conflict, match="already cancelled"):
        engine.complete(review.id, {"complete": True}, AGENT)

    engine.complete(escalate.id, {}, AGENT)
    assert instance(sessions, iid).status == "completed"
    assert outcome(sessions, iid) == "expired"


def test_non_interrupting_events_keep_the_original_task(engine, sessions, clock) -> None:
    iid = start(engine, "interrupting_none")
    [review] = ready_tasks(sessions, iid)
    assert instance(sessions, iid).next_timer_at == clock.now + timedelta(days=5)

    assert engine.wake_due_timers(clock.now + timedelta(days=5, seconds=1)) == 1  # boundary
    assert {t.bpmn_id for t in ready_tasks(sessions, iid)} == {"in_review", "in_reminder"}
    assert engine.wake_due_timers(clock.now + timedelta(days=10, seconds=1)) == 1  # event sub-process
    tasks = {t.bpmn_id: t for t in ready_tasks(sessions, iid)}
    assert set(tasks) == {"in_review", "in_reminder", "in_followup_task"}
    assert tasks["in_review"].id == review.id and task_state(sessions, review.id) == "READY"
    assert inbox_ids(sessions) == {t.id for t in tasks.values()}

    for bpmn_id in ("in_reminder", "in_followup_task"):
        engine.complete(tasks[bpmn_id].id, {}, AGENT)
    assert instance(sessions, iid).status == "running"
    engine.complete(review.id, {"complete": True}, AGENT)
    inst = instance(sessions, iid)
    assert inst.status == "completed"
    assert outcome(sessions, iid) == "reviewed"
