"""The cockpit's figures at the engine level, with a clock the test moves: waiting, overdue,
median dwell time, deferred service tasks, incidents — all from SQL over the projections."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from engine import Actor, Engine, observe, outbox
from engine.models import ProcessDefinition
from tests.bpmn.helpers import ready_tasks
from tests.conftest import AGENT, APPLICANT, FakeClock


def definition_id(sessions, key: str) -> int:  # noqa: ANN001
    with sessions() as s:
        return s.scalar(select(ProcessDefinition.id).where(ProcessDefinition.process_key == key))


def test_waiting_overdue_and_median_dwell(engine: Engine, sessions, clock: FakeClock) -> None:
    started = [engine.start("approval", {"applicant_id": APPLICANT.user_id}, AGENT, business_key=f"A-{i}",
                            scope="casa") for i in range(5)]
    # three reviews done after 1, 2 and 6 days (to the fix step); two still open, past 15 days
    for days, iid in zip((1, 1, 4), started[:3], strict=True):
        clock.advance(days=days)
        [review] = ready_tasks(sessions, iid)
        engine.complete(review.id, {"complete": False}, AGENT)
    clock.advance(days=10)  # day 16: the two open reviews (due day 15) are overdue
    with sessions() as s:
        stats = observe.element_stats(s, definition_id(sessions, "approval"), clock())
    assert (stats["review"].waiting, stats["review"].overdue, stats["review"].done) == (2, 2, 3)
    assert stats["review"].median_dwell == timedelta(days=2).total_seconds()
    assert (stats["fix"].waiting, stats["fix"].overdue, stats["fix"].median_dwell) == (3, 0, None)


def test_deferred_service_tasks_and_incidents_are_counted_at_their_element(engine: Engine, sessions,
                                                                           clock: FakeClock) -> None:
    members = ["m-1", "m-2"]
    iids = [engine.start("commission", {"members": members}, AGENT, business_key=f"C-{i}", scope="casa")
            for i in range(2)]
    for iid in iids:
        for task in ready_tasks(sessions, iid):
            engine.complete(task.id, {"avis": "favorable"}, Actor(task.assignee))
    with engine.transaction() as s:
        outbox.record_incident(s, iids[0], "deliberate: HandlerFailed: boom", clock())
    with sessions() as s:
        stats = observe.element_stats(s, definition_id(sessions, "commission"), clock())
    assert stats["sign"].waiting == 2  # two signatures pending in the outbox
    assert stats["deliberate"].incidents == 1
    assert (stats["opinion"].waiting, stats["opinion"].done) == (0, 4)
    assert engine.drain_outbox() == 2
    with sessions() as s:
        stats = observe.element_stats(s, definition_id(sessions, "commission"), clock())
    assert "sign" not in stats or stats["sign"].waiting == 0
