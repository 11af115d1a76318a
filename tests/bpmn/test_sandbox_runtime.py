"""Hostile diagram code deployed by bypassing validation: stopped at run time, the step rolled
back, an incident naming the element, the instance free for the next step, other dossiers
untouched — and once the diagram is fixed and the dossier migrated, it moves on."""
from __future__ import annotations

import time

import pytest

from engine import StepFailed, exprcheck
from engine.definitions import deploy
from engine.limits import TIME_LIMIT, LimitExceeded
from engine.migration import migrate
from engine.sandbox import Refused
from engine.sources import read_forms
from tests.bpmn.helpers import instance, ready_tasks
from tests.bpmn.test_failures import _incident
from tests.conftest import AGENT, APPLICANT, DIAGRAMS

HOSTILE = DIAGRAMS / "hostile"
LOOP = "done = False\nwhile not done:\n    pass"


def _deploy(engine, clock, monkeypatch, name: str, replace: tuple[str, str] | None = None,
            check: bool = True) -> None:  # noqa: ANN001
    """Deploy one hostile file; ``check=False`` skips the expression check, as an attacker
    writing to the database directly would."""
    text = (HOSTILE / name).read_text(encoding="utf-8")
    if replace is not None:
        text = text.replace(*replace)
    if not check:
        monkeypatch.setattr(exprcheck, "check", lambda *a: [])
    compilation = engine.compile({name: text.encode()}, read_forms(DIAGRAMS / "forms"))
    monkeypatch.undo()
    assert compilation.ok, compilation.problems
    with engine.transaction() as session:
        deploy(session, compilation.processes, by="tests", comment=None, now=clock())


def _fails_within_limit(step, element: str, cause: type[Exception]) -> StepFailed:  # noqa: ANN001
    began = time.process_time()  # CPU spent: a busy machine's stalls do not count
    with pytest.raises(StepFailed) as failed:
        step()
    assert time.process_time() - began < TIME_LIMIT + 3
    assert failed.value.element == element
    assert cause.__name__ in str(failed.value), failed.value
    return failed.value


def test_a_script_that_loops_is_stopped_and_the_fixed_diagram_moves_the_dossier_on(
        engine, sessions, clock, monkeypatch) -> None:  # noqa: ANN001
    _deploy(engine, clock, monkeypatch, "loop_script.bpmn")  # a loop passes validation: it can't be told
    other = engine.start("approval", {"applicant_id": APPLICANT.user_id}, APPLICANT, scope="casa")
    iid = engine.start("hostile_loop", {}, AGENT, scope="casa")
    [ask] = ready_tasks(sessions, iid)
    before = instance(sessions, iid)
    failed = _fails_within_limit(lambda: engine.complete(ask.id, {"note": "x"}, AGENT), "spin", LimitExceeded)
    assert "spin" in _incident(sessions, failed.incident_id) and "s et a été arrêté" in _incident(sessions, failed.incident_id)
    after = instance(sessions, iid)
    assert (after.version, after.state) == (before.version, before.state)
    engine.claim(ask.id, AGENT)  # the instance is not locked: another step takes its lock at once
    [review] = ready_tasks(sessions, other)  # another dossier carries on
    engine.complete(review.id, {"complete": True}, AGENT)

    _deploy(engine, clock, monkeypatch, "loop_script.bpmn", replace=(LOOP, "done = True"))
    migrate(engine, iid, AGENT)
    [ask] = ready_tasks(sessions, iid)
    engine.complete(ask.id, {"note": "x"}, AGENT)
    assert instance(sessions, iid).status == "completed"


def test_a_condition_that_never_ends_is_stopped(engine, sessions, clock, monkeypatch) -> None:  # noqa: ANN001
    _deploy(engine, clock, monkeypatch, "loop_condition.bpmn")
    iid = engine.start("hostile_condition", {}, AGENT, scope="casa")
    [ask] = ready_tasks(sessions, iid)
    failed = _fails_within_limit(lambda: engine.complete(ask.id, {"note": "x"}, AGENT), "choose", LimitExceeded)
    assert "choose" in _incident(sessions, failed.incident_id)
    assert [t.id for t in ready_tasks(sessions, iid)] == [ask.id]


ESCAPES = [
    ("x = ().__class__.__mro__[1].__subclasses__()", Refused),
    ("import os\nx = os.getuid()", Refused),
    ("x = (g for g in [1]).gi_frame.f_globals", Refused),
    ("x = '{0.__class__}'.format(note)", Refused),
    ("x = getattr(note, '__class__')", Refused),
    ("f = lambda: 1\nx = f()", Refused),
    ("x = 'a' * 10 ** 10", LimitExceeded),
    ("x = list(range(10 ** 9))", LimitExceeded),
    ("x = [1]\nwhile True:\n    x.extend(x)", LimitExceeded),
    ("x = 2 ** 10 ** 9", LimitExceeded),
    # nesting deep enough to exhaust the parser: its own errors, raised before anything runs
    ("x = " + "[" * 3000 + "]" * 3000, SyntaxError),
    ("x = " + "-" * 15000 + "1", MemoryError),
    ("x = " + "not " * 4000 + "True", RecursionError),
]
UNPARSABLE = (SyntaxError, MemoryError, RecursionError)


@pytest.mark.parametrize(("script", "cause"), ESCAPES, ids=[s.split("\n")[-1][:30] for s, _ in ESCAPES])
def test_hostile_scripts_deployed_past_validation_cannot_escape(engine, sessions, clock, monkeypatch,
                                                                script: str, cause: type[Exception]) -> None:  # noqa: ANN001
    _deploy(engine, clock, monkeypatch, "loop_script.bpmn", replace=(LOOP, script), check=False)
    iid = engine.start("hostile_loop", {}, AGENT, scope="casa")
    [ask] = ready_tasks(sessions, iid)
    failed = _fails_within_limit(lambda: engine.complete(ask.id, {"note": "x"}, AGENT), "spin", cause)
    assert "spin" in _incident(sessions, failed.incident_id)
    engine.claim(ask.id, AGENT)


def test_the_same_scripts_are_refused_at_deploy(engine, clock, monkeypatch) -> None:  # noqa: ANN001
    for script, cause in ESCAPES:
        if cause is not Refused and cause not in UNPARSABLE:
            continue
        text = (HOSTILE / "loop_script.bpmn").read_text(encoding="utf-8").replace(LOOP, script)
        compilation = engine.compile({"loop_script.bpmn": text.encode()}, read_forms(DIAGRAMS / "forms"))
        assert not compilation.ok
        assert {(p.file, p.element_id) for p in compilation.problems} == {("loop_script.bpmn", "spin")}, script


def test_a_workflow_loaded_outside_a_step_is_sandboxed_too(engine, sessions) -> None:  # noqa: ANN001
    from engine.expressions import HelperEnvironment
    from engine.models import ProcessInstance
    from engine.specs import load_state
    iid = engine.start("approval", {"applicant_id": APPLICANT.user_id}, APPLICANT, scope="casa")
    with engine.transaction(write=False) as session:  # as a migration's dry run loads them
        row = session.get_one(ProcessInstance, iid)
        spec, subs, _ = engine._definition(session, row.definition_id)
        wf = load_state(row.state, spec, subs, definition_id=row.definition_id)
    assert isinstance(wf.script_engine.environment, HelperEnvironment)
    with pytest.raises(Refused):
        wf.script_engine.environment.evaluate("__import__('os')", {})
