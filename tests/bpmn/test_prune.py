"""The stored workflow stays flat however many times a loop turns (engine/prune.py):
a parallel split and join inside a loop, with a boundary timer, on both backends."""
from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest

from engine import runtime
from engine.definitions import deploy
from engine.prune import prune
from engine.sources import read_paths
from engine.specs import load_state
from tests.bpmn.helpers import actions, instance, ready_tasks
from tests.conftest import AGENT

LOOPS = Path(__file__).resolve().parent / "loops"


@pytest.fixture
def looping(engine, clock):  # noqa: ANN001, ANN201
    """The engine with tests/bpmn/loops deployed beside the test diagrams."""
    files, forms, unreadable = read_paths([LOOPS])
    assert not unreadable
    compilation = engine.compile(files, forms)
    assert compilation.ok, compilation.problems
    with engine.transaction() as session:
        deploy(session, compilation.processes, by="tests", comment=None, now=clock())
    return engine


def one_round(engine, sessions, iid: int, n: int, *, done: bool = False) -> None:  # noqa: ANN001
    tasks = {t.bpmn_id: t for t in ready_tasks(sessions, iid)}
    assert sorted(tasks) == ["pl_a", "pl_b"], sorted(tasks)
    engine.complete(tasks["pl_a"].id, {"part_a": f"a{n}"}, AGENT)
    assert [t.bpmn_id for t in ready_tasks(sessions, iid)] == ["pl_b"]  # the join waits for B
    engine.complete(tasks["pl_b"].id, {"part_b": f"b{n}"}, AGENT)
    [again] = ready_tasks(sessions, iid)
    assert again.bpmn_id == "pl_again"
    engine.complete(again.id, {"complete": done}, AGENT)


def run_rounds(engine, sessions, rounds: int) -> tuple[dict, list[int], list[str]]:  # noqa: ANN001
    """Go ``rounds`` times round the loop, then finish: (workflow data, sizes, audit)."""
    iid = engine.start("parallel_loop", {"rounds": 0}, AGENT, scope="casa")
    sizes = []
    for n in range(1, rounds):
        one_round(engine, sessions, iid, n)
        sizes.append(len(instance(sessions, iid).state))
    one_round(engine, sessions, iid, rounds, done=True)
    inst = instance(sessions, iid)
    assert inst.status == "completed"
    return json.loads(inst.state)["data"], sizes, actions(sessions, iid)


def test_state_stays_flat_and_data_is_what_spiff_alone_gives(looping, sessions, monkeypatch) -> None:  # noqa: ANN001
    data, sizes, audit = run_rounds(looping, sessions, 25)
    assert max(sizes[5:]) <= sizes[2] + 200, sizes  # flat, not growing with every round
    assert data["rounds"] == 25 and data["part_b"] == "b25"
    # history is in the audit trail: every completion of every round
    assert audit.count("task.completed") == 25 * 3
    with monkeypatch.context() as m:  # the same run on the whole, never pruned, tree
        m.setattr(runtime, "prune", lambda wf: 0)
        unpruned, grown, unpruned_audit = run_rounds(looping, sessions, 25)
    assert grown[-1] > 4 * grown[2]  # what the pruning saves
    assert data == unpruned and audit == unpruned_audit


def test_a_reloaded_pruned_workflow_is_the_same_workflow(looping, sessions) -> None:  # noqa: ANN001
    """Cold path: a step on another node deserializes the pruned state and goes on."""
    iid = looping.start("parallel_loop", {"rounds": 0}, AGENT, scope="casa")
    for n in range(1, 6):
        one_round(looping, sessions, iid, n)
    looping._warm = type(looping._warm)()  # forget the warm objects: load from the database
    one_round(looping, sessions, iid, 6, done=True)
    inst = instance(sessions, iid)
    assert inst.status == "completed" and '"rounds": 6' in inst.state


def test_boundary_timer_still_fires_after_many_rounds(looping, sessions, clock) -> None:  # noqa: ANN001
    iid = looping.start("parallel_loop", {"rounds": 0}, AGENT, scope="casa")
    for n in range(1, 11):
        one_round(looping, sessions, iid, n)
    tasks = {t.bpmn_id: t for t in ready_tasks(sessions, iid)}
    looping.complete(tasks["pl_a"].id, {"part_a": "a"}, AGENT)
    looping.complete(tasks["pl_b"].id, {"part_b": "b"}, AGENT)
    assert instance(sessions, iid).next_timer_at == clock.now + timedelta(days=10)
    assert looping.wake_due_timers(clock.now + timedelta(days=9)) == 0
    assert looping.wake_due_timers(clock.now + timedelta(days=10, seconds=1)) == 1
    inst = instance(sessions, iid)
    assert inst.status == "completed" and '"outcome": "expired"' in inst.state
    assert ready_tasks(sessions, iid) == [] and "timer.fired" in actions(sessions, iid)


def test_prune_keeps_open_tasks_their_parent_and_the_root(looping, sessions) -> None:  # noqa: ANN001
    iid = looping.start("parallel_loop", {"rounds": 0}, AGENT, scope="casa")
    for n in range(1, 4):
        one_round(looping, sessions, iid, n)
    inst = instance(sessions, iid)
    spec, subs, _ = looping._definition(sessions(), inst.definition_id)
    wf = load_state(inst.state, spec, subs)
    assert prune(wf) == 0  # already pruned when it was stored
    names = sorted(t.task_spec.name for t in wf.tasks.values())
    assert names.count("pl_a") == names.count("pl_b") == 1 and len(names) <= 40, names
    assert wf.task_tree.task_spec.name == "Start" and len(wf.task_tree.children) == 1
