"""A permis de construire that goes many times through the completeness loop keeps a flat
stored state (engine/prune.py), still reaches its signed decision, still closes on its
timer, and its audit trail and task history keep every round."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from engine.models import HumanTask, ProcessInstance
from handlers import dossiers
from tests.pdfs import tiny_pdf
from tests.procedures.conftest import Platform
from tests.procedures.test_guu import AGENT, CITIZEN, FAV, SMALL, sign

ROUNDS = 15


def state_size(p: Platform, d: int) -> int:
    with p.sessions() as s:
        return len(s.get_one(ProcessInstance, p.dossier(d).instance_id).state)


def go_round(p: Platform, d: int, times: int) -> list[int]:
    sizes = []
    for _ in range(times):
        p.do(d, "rc_check", {"complete": False, "requests": [{"document": "plans_architecte", "reason": "Coupes illisibles", "mode": "correction"}]}, AGENT)
        with p.engine.transaction() as s:  # the corrected plans the agent asked for
            dossiers.add_document(s, p.ports, s.get_one(dossiers.Dossier, d), kind="plans_architecte",
                                  filename="plans.pdf", content=tiny_pdf(f"plans {len(sizes)}"),
                                  by=p.actor(CITIZEN), now=p.clock())
        p.do(d, "rc_complete", {"comment": "voici"}, CITIZEN)
        sizes.append(state_size(p, d))
    return sizes


def test_many_rounds_then_authorized(platform: Platform) -> None:
    p = platform
    d = p.file(CITIZEN, "permis_construire", SMALL)
    sizes = go_round(p, d, ROUNDS)
    assert max(sizes[3:]) <= sizes[1] + 300, sizes
    p.do(d, "rc_check", {"complete": True}, AGENT)
    p.opinions(d, {"agence_urbaine": FAV, "urbanisme": FAV})
    p.pay(d)
    sign(p, d)
    assert p.decision(d).outcome == "accord" and p.decision(d).signed
    assert p.statuses(d)[-1] == "authorized" and p.open_steps(d) == []
    assert [a for a, b in p.audit(d) if b == "rc_check"].count("task.completed") == ROUNDS + 1
    with p.sessions() as s:
        done = s.scalar(select(func.count()).select_from(HumanTask).where(
            HumanTask.instance_id == p.dossier(d).instance_id, HumanTask.bpmn_id == "rc_complete",
            HumanTask.state == "COMPLETED"))
    assert done == ROUNDS


def test_no_answer_timer_after_many_rounds(platform: Platform) -> None:
    p = platform
    d = p.file(CITIZEN, "permis_construire", SMALL)
    go_round(p, d, 8)
    p.do(d, "rc_check", {"complete": False, "requests": [{"document": "etude_beton", "reason": "Étude non signée", "mode": "correction"}]}, AGENT)
    assert p.engine.wake_due_timers(p.clock.now + timedelta(days=29)) == 0
    assert p.engine.wake_due_timers(p.clock.now + timedelta(days=30, minutes=1)) == 1
    assert p.statuses(d)[-1] == "closed" and p.dossier(d).outcome == "clos"
    assert ("timer.fired", "rc_no_answer") in p.audit(d)
