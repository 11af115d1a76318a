"""Walk every path of the test diagrams through the database, on SQLite and PostgreSQL."""
from __future__ import annotations

import json
from datetime import timedelta

import pytest

from engine import Actor, Conflict, Forbidden, InvalidTaskData, NotFound
from tests.bpmn.helpers import actions, instance, outbox_rows, ready_tasks
from tests.conftest import AGENT, APPLICANT, OTHER_AGENT


def start_approval(engine, clock):  # noqa: ANN001, ANN201
    return engine.start("approval", {"applicant_id": APPLICANT.user_id}, APPLICANT,
                        business_key="PC-2026-0001", scope="casa")


def test_user_task_gateway_and_sync_service(engine, sessions, calls, clock) -> None:
    iid = start_approval(engine, clock)
    [review] = ready_tasks(sessions, iid)
    assert (review.bpmn_id, review.role, review.scope, review.title) == \
        ("review", "guichet_agent", "casa", "Vérifier le dossier")
    assert review.due_at == clock.now + timedelta(days=15)
    engine.complete(review.id, {"complete": True}, AGENT)
    assert ready_tasks(sessions, iid) == []
    inst = instance(sessions, iid)
    assert inst.status == "completed" and inst.next_timer_at is None
    assert calls == [("notify", "PC-2026-0001", {"channel": "mail"})]
    assert '"notified_via": "mail"' in inst.state  # the handler's dict was merged into the data
    assert actions(sessions, iid) == ["instance.started", "task.completed", "service.completed",
                                      "instance.completed"]


def test_incomplete_loop_goes_to_the_applicant_and_back(engine, sessions, clock) -> None:
    iid = start_approval(engine, clock)
    for _ in range(3):
        [review] = ready_tasks(sessions, iid)
        engine.complete(review.id, {"complete": False, "missing": ["plan"]}, AGENT)
        [fix] = ready_tasks(sessions, iid)
        assert (fix.bpmn_id, fix.assignee, fix.role) == ("fix", APPLICANT.user_id, "applicant")
        with pytest.raises(Forbidden):
            engine.complete(fix.id, {}, Actor("someone-else", frozenset({"applicant"})))
        engine.complete(fix.id, {"comment": "voici le plan"}, APPLICANT)
    [review] = ready_tasks(sessions, iid)
    engine.complete(review.id, {"complete": True}, AGENT)
    assert instance(sessions, iid).status == "completed"


def test_boundary_timer_fires_with_injected_clock(engine, sessions, clock) -> None:
    iid = start_approval(engine, clock)
    due = instance(sessions, iid).next_timer_at
    assert due == clock.now + timedelta(days=30)
    assert engine.wake_due_timers(clock.now + timedelta(days=29)) == 0
    assert len(ready_tasks(sessions, iid)) == 1
    assert engine.wake_due_timers(clock.now + timedelta(days=30, seconds=1)) == 1
    inst = instance(sessions, iid)
    assert inst.status == "completed" and '"outcome": "expired"' in inst.state
    assert ready_tasks(sessions, iid) == []
    assert "timer.fired" in actions(sessions, iid)
    assert engine.wake_due_timers(clock.now + timedelta(days=60)) == 0  # nothing left to wake


def test_form_data_is_validated_before_anything_changes(engine, sessions, clock) -> None:
    iid = start_approval(engine, clock)
    [review] = ready_tasks(sessions, iid)
    before = instance(sessions, iid)
    with pytest.raises(InvalidTaskData) as err:
        engine.complete(review.id, {"missing": "plan", "extra": 1}, AGENT)
    assert set(err.value.errors) >= {"complete", "missing"}
    after = instance(sessions, iid)
    assert (after.version, after.state) == (before.version, before.state)
    assert [t.id for t in ready_tasks(sessions, iid)] == [review.id]


def test_scope_and_role_are_enforced(engine, sessions, clock) -> None:
    iid = start_approval(engine, clock)
    [review] = ready_tasks(sessions, iid)
    with pytest.raises(Forbidden):
        engine.complete(review.id, {"complete": True}, OTHER_AGENT)  # another commune
    with pytest.raises(Forbidden):
        engine.complete(review.id, {"complete": True}, APPLICANT)  # wrong role
    with pytest.raises(NotFound):
        engine.complete("00000000-0000-0000-0000-000000000000", {}, AGENT)


def test_stale_completion_is_a_conflict(engine, sessions, clock) -> None:
    iid = start_approval(engine, clock)
    [review] = ready_tasks(sessions, iid)
    version = instance(sessions, iid).version
    engine.complete(review.id, {"complete": False}, AGENT, expected_version=version)
    with pytest.raises(Conflict, match="already completed") as done:
        engine.complete(review.id, {"complete": True}, AGENT)
    assert done.value.by == "agent-1" and "agent-1" not in str(done.value)  # a name is shown, never an id
    [fix] = ready_tasks(sessions, iid)
    with pytest.raises(Conflict, match="changed since you opened"):
        engine.complete(fix.id, {}, APPLICANT, expected_version=version)


def test_multi_instance_opinions_dmn_and_async_service(engine, sessions, calls, clock) -> None:
    members = ["m-agence", "m-commune", "m-pc"]
    iid = engine.start("commission", {"members": members}, AGENT, business_key="PC-2", scope="casa")
    tasks = ready_tasks(sessions, iid)
    assert [t.assignee for t in tasks] == sorted(members)
    assert all(t.bpmn_id == "opinion" and t.role == "commission_member" for t in tasks)
    assert all(t.due_at == clock.now + timedelta(days=3) for t in tasks)
    with pytest.raises(Forbidden):  # a member cannot give another member's opinion
        engine.complete(tasks[0].id, {"avis": "favorable"}, Actor(members[1]))
    avis = {"m-agence": "defavorable", "m-commune": "favorable", "m-pc": "favorable"}
    for t in tasks:
        engine.complete(t.id, {"avis": avis[t.assignee]}, Actor(t.assignee))
    inst = instance(sessions, iid)
    assert inst.status == "running"  # waiting on the async signature
    [job] = outbox_rows(sessions, iid)
    assert (job.status, job.operator) == ("pending", "test.sign")
    assert not [c for c in calls if c[0] == "sign"]
    assert engine.drain_outbox() == 1
    inst = instance(sessions, iid)
    assert inst.status == "completed"
    state = json.loads(inst.state)
    assert '"decision": "refus"' in inst.state and f'"reference": "SIG-{iid}-refus"' in inst.state
    assert state["serializer_version"]
    assert outbox_rows(sessions, iid)[0].status == "done"
    # a redelivered job finds its task completed and does nothing
    assert engine.run_service_task(iid, job.task_id) is False
    assert [c[0] for c in calls] == ["sign"]
    assert actions(sessions, iid).count("decision.made") == 1


def test_call_activity_runs_the_called_process(engine, sessions, clock) -> None:
    iid = engine.start("parent", {}, AGENT, scope="casa")
    [child] = ready_tasks(sessions, iid)
    assert (child.bpmn_id, child.role) == ("child_task", "guichet_agent")
    engine.complete(child.id, {"complete": True}, AGENT)
    inst = instance(sessions, iid)
    assert inst.status == "completed" and '"done": true' in inst.state


def test_state_is_stored_without_the_spec(engine, sessions, clock) -> None:
    iid = start_approval(engine, clock)
    state = json.loads(instance(sessions, iid).state)
    assert "spec" not in state and "subprocess_specs" not in state


def test_claim_reserves_a_role_task(engine, sessions, clock) -> None:
    iid = start_approval(engine, clock)
    [review] = ready_tasks(sessions, iid)
    colleague = Actor("agent-3", frozenset({"guichet_agent"}), {"guichet_agent": frozenset({"casa"})})
    engine.claim(review.id, AGENT)
    engine.claim(review.id, AGENT)  # claiming again is harmless
    with pytest.raises(Conflict, match="claimed by someone else") as taken:
        engine.claim(review.id, colleague)
    assert taken.value.by == "agent-1" and "agent-1" not in str(taken.value)
    with pytest.raises(Conflict, match="claimed by someone else"):
        engine.complete(review.id, {"complete": True}, colleague)
    with pytest.raises(Forbidden):
        engine.claim(review.id, OTHER_AGENT)
    engine.complete(review.id, {"complete": True}, AGENT)
    assert "task.claimed" in actions(sessions, iid)
