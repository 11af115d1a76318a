"""Every path of the urbanism procedures (processes/guu.bpmn + shared.bpmn), through the
engine API: decisions, who got which task, the audit trail and the public status."""
from __future__ import annotations

from datetime import timedelta

import pytest

from engine import Forbidden, InvalidTaskData
from handlers import dossiers
from tests.pdfs import tiny_pdf
from tests.procedures.conftest import Platform

CITIZEN = "citoyen@guichet.demo"
AGENT = "guichet@casablanca.demo"
PRESIDENT = "president@casablanca.demo"
SMALL = {"usage": "habitation_individuelle", "surface": 180, "niveaux": 2, "parcelle": "TF 12345/C"}
LARGE = {"usage": "habitation_collective", "surface": 2400, "niveaux": 6, "parcelle": "TF 777/C"}
FAV = {"avis": "favorable"}


def pdf_text(pdf: bytes) -> str:
    import subprocess
    return subprocess.run(["pdftotext", "-layout", "-", "-"], input=pdf, capture_output=True, check=True).stdout.decode()


def sign(p: Platform, d: int) -> None:
    assert p.open_steps(d) == ["sg_approve"]
    [task] = p.tasks(d)
    assert task.role == "president" and task.scope == "casablanca"
    p.do(d, "sg_approve", {"approve": True}, PRESIDENT)


def test_petit_projet_happy_path(platform: Platform) -> None:
    p = platform
    d = p.file(CITIZEN, "permis_construire", SMALL)
    dossier = p.dossier(d)
    assert dossier.number.startswith("PC-CASABLANCA-2026-")
    assert p.statuses(d) == ["deposited", "verification"]
    [check] = p.tasks(d)
    assert (check.bpmn_id, check.role, check.scope) == ("rc_check", "guichet_agent", "casablanca")
    assert check.due_at == p.clock.now + timedelta(days=3)
    with pytest.raises(Forbidden):  # the guichet of another commune
        p.engine.complete(check.id, {"complete": True}, p.actor("guichet@rabat.demo"))
    p.do(d, "rc_check", {"complete": True}, AGENT)
    opinion_tasks = p.tasks(d)
    members = {p.actor("agence-urbaine@casablanca.demo").user_id, p.actor("urbanisme@casablanca.demo").user_id}
    assert {t.assignee for t in opinion_tasks} == members  # petits projets: two members, one task each
    assert p.statuses(d)[-1] == "commission"
    p.opinions(d, {"agence_urbaine": FAV, "urbanisme": FAV})
    assert p.open_steps(d) == ["ga_pay"] and p.statuses(d)[-1] == "fees_due"
    p.pay(d)
    sign(p, d)
    assert p.statuses(d) == ["deposited", "verification", "commission", "fees_due", "signature", "authorized"]
    decision = p.decision(d)
    assert decision.outcome == "accord" and decision.signed
    assert p.dossier(d).outcome == "accord" and p.open_steps(d) == []
    assert p.messages(d)[0] == "filed" and p.messages(d)[-1] == "decision_issued"
    actions = [a for a, _ in p.audit(d)]
    assert actions[0] == "instance.started" and actions[-1] == "instance.completed"
    assert ("decision.made", "cm_deliberate") in p.audit(d) and ("service.completed", "sg_sign") in p.audit(d)


def test_incomplete_then_completed_keeps_earlier_versions(platform: Platform) -> None:
    p = platform
    d = p.file(CITIZEN, "permis_construire", SMALL)
    p.do(d, "rc_check", {"complete": False, "requests": [{"document": "plans_architecte", "reason": "Coupes illisibles", "mode": "correction"}]}, AGENT)
    assert p.statuses(d)[-1] == "incomplete" and "incomplete" in p.messages(d)
    [ask] = p.tasks(d)
    assert (ask.bpmn_id, ask.assignee) == ("rc_complete", p.actor(CITIZEN).user_id)
    with p.engine.transaction() as s:
        dossier = s.get_one(dossiers.Dossier, d)
        v2 = dossiers.add_document(s, p.ports, dossier, kind="plans_architecte", filename="plans-v2.pdf",
                                   content=tiny_pdf("plans v2"), by=p.actor(CITIZEN), now=p.clock())
    assert v2.version == 2
    p.do(d, "rc_complete", {"comment": "plans corrigés joints"}, CITIZEN)
    assert p.open_steps(d) == ["rc_check"] and p.statuses(d)[-1] == "verification"
    p.do(d, "rc_check", {"complete": True}, AGENT)
    assert p.open_steps(d) == ["cm_opinion", "cm_opinion"]


def test_no_answer_to_incomplete_closes_the_dossier(platform: Platform) -> None:
    p = platform
    d = p.file(CITIZEN, "permis_construire", SMALL)
    p.do(d, "rc_check", {"complete": False, "requests": [{"document": "etude_beton", "reason": "Étude non signée", "mode": "correction"}]}, AGENT)
    assert p.engine.wake_due_timers(p.clock.now + timedelta(days=29)) == 0
    assert p.engine.wake_due_timers(p.clock.now + timedelta(days=30, minutes=1)) == 1
    assert p.statuses(d)[-1] == "closed" and p.dossier(d).outcome == "clos"
    assert p.open_steps(d) == [] and p.messages(d)[-1] == "closed"
    assert ("timer.fired", "rc_no_answer") in p.audit(d)


def test_binding_unfavourable_opinion_refuses(platform: Platform) -> None:
    p = platform
    d = p.file(CITIZEN, "permis_construire", SMALL)
    p.do(d, "rc_check", {"complete": True}, AGENT)
    p.opinions(d, {"agence_urbaine": {"avis": "defavorable", "motif": "Hauteur supérieure au plan d'aménagement"},
                   "urbanisme": FAV})
    sign(p, d)
    decision = p.decision(d)
    assert decision.outcome == "refus" and decision.signed
    assert "Hauteur supérieure" in decision.motive
    assert p.statuses(d)[-2:] == ["signature", "refused"]
    binding = [o for o in p.recorded_opinions(d) if o.binding]
    assert [(o.organism_code, o.avis) for o in binding] == [("agence_urbaine", "defavorable")]


def test_grands_projets_any_unfavourable_refuses_and_members_see_only_their_task(platform: Platform) -> None:
    p = platform
    d = p.file(CITIZEN, "permis_construire", LARGE)
    p.do(d, "rc_check", {"complete": True}, AGENT)
    tasks = p.tasks(d)
    assert len(tasks) == 4  # grands projets: agence, urbanisme, protection civile, régie
    civil = p.actor("protection-civile@casablanca.demo")
    mine = [t for t in tasks if t.assignee == civil.user_id]
    assert len(mine) == 1
    for other in (t for t in tasks if t.assignee != civil.user_id):
        with pytest.raises(Forbidden):
            p.engine.complete(other.id, {"opinion": FAV}, civil)
    p.opinions(d, {"agence_urbaine": FAV, "urbanisme": FAV, "regie": FAV,
                   "protection_civile": {"avis": "defavorable", "motif": "Issues de secours insuffisantes"}})
    sign(p, d)
    assert p.decision(d).outcome == "refus"


def test_reserves_become_conditions(platform: Platform) -> None:
    p = platform
    d = p.file(CITIZEN, "permis_construire", SMALL)
    p.do(d, "rc_check", {"complete": True}, AGENT)
    p.opinions(d, {"agence_urbaine": {"avis": "favorable_reserve",
                                      "reserves": "- Retrait de 3 m sur rue\n\n2) Hauteur limitée à R+2\nClôture ajourée"},
                   "urbanisme": FAV})
    p.pay(d)
    sign(p, d)
    decision = p.decision(d)
    assert decision.outcome == "accord_conditions"
    assert decision.conditions == ["Agence urbaine : Retrait de 3 m sur rue", "Agence urbaine : Hauteur limitée à R+2",
                                   "Agence urbaine : Clôture ajourée"]  # one condition per line typed
    with p.sessions() as s:
        pdf = p.ports.files.get(s.get_one(type(decision), decision.id).pdf_sha256)
    text = pdf_text(pdf)
    assert "1. Agence urbaine : Retrait de 3 m sur rue" in text and "3. Agence urbaine : Clôture ajourée" in text


def test_request_for_modified_plans_loops_back_to_the_applicant(platform: Platform) -> None:
    p = platform
    d = p.file(CITIZEN, "permis_construire", SMALL)
    p.do(d, "rc_check", {"complete": True}, AGENT)
    p.opinions(d, {"agence_urbaine": {"avis": "favorable_reserve", "reserves": "Revoir la façade",
                                      "plans_modifies": True}, "urbanisme": FAV})
    [pick] = p.tasks(d)  # the agent turns the reserves into the list of documents to file again
    assert (pick.bpmn_id, pick.role) == ("ga_plans_ask", "guichet_agent")
    p.do(d, "ga_plans_ask", {"requests": [{"document": "plans_architecte", "reason": "Revoir la façade",
                                           "mode": "correction"}]}, AGENT)
    assert p.statuses(d)[-1] == "plans_requested" and "plans_requested" in p.messages(d)
    [ask] = p.tasks(d)
    assert (ask.bpmn_id, ask.assignee) == ("ga_resubmit", p.actor(CITIZEN).user_id)
    with pytest.raises(InvalidTaskData) as err:  # the new plans first
        p.do(d, "ga_resubmit", {"comment": "façade revue"}, CITIZEN)
    assert set(err.value.errors) == {"documents/plans_architecte"}
    with p.engine.transaction() as s:
        dossiers.add_document(s, p.ports, s.get_one(dossiers.Dossier, d), kind="plans_architecte",
                              filename="plans-v2.pdf", content=tiny_pdf("plans v2"), by=p.actor(CITIZEN),
                              now=p.clock())
    p.do(d, "ga_resubmit", {"comment": "façade revue"}, CITIZEN)
    assert p.open_steps(d) == ["cm_opinion", "cm_opinion"]  # a new examination
    p.opinions(d, {"agence_urbaine": FAV, "urbanisme": FAV})
    p.pay(d)
    sign(p, d)
    assert p.decision(d).outcome == "accord"
    assert len(p.recorded_opinions(d)) == 4


def test_adjourned_goes_to_a_new_session(platform: Platform) -> None:
    p = platform
    d = p.file(CITIZEN, "permis_construire", SMALL)
    p.do(d, "rc_check", {"complete": True}, AGENT)
    first = {t.id for t in p.tasks(d)}
    p.opinions(d, {"agence_urbaine": {"avis": "ajourne", "motif": "Étude de sol manquante"}, "urbanisme": FAV})
    second = p.tasks(d)
    assert len(second) == 2 and not first & {t.id for t in second}
    assert p.messages(d).count("commission_convened") == (2 + 1) * 2  # two members and the applicant, twice
    p.opinions(d, {"agence_urbaine": FAV, "urbanisme": FAV})
    assert p.open_steps(d) == ["ga_pay"]
    sessions = {o.session_id for o in p.recorded_opinions(d)}
    assert len(sessions) == 2


def test_deadline_reminder_then_tacit_approval(platform: Platform) -> None:
    p = platform
    d = p.file(CITIZEN, "permis_construire", SMALL)
    p.do(d, "rc_check", {"complete": True}, AGENT)
    start = p.clock.now
    assert p.engine.wake_due_timers(start + timedelta(days=12, minutes=1)) == 1  # reminder, non-interrupting
    assert p.messages(d).count("deadline_reminder") == 2 + 1  # both members and the guichet
    assert p.open_steps(d) == ["cm_opinion", "cm_opinion"]
    assert p.engine.wake_due_timers(start + timedelta(days=15, minutes=1)) == 1  # breach
    assert "tacit_approval" in p.statuses(d)
    assert p.open_steps(d) == ["sg_approve"]  # the opinion tasks were withdrawn
    sign(p, d)
    assert p.decision(d).outcome == "accord_tacite" and p.decision(d).signed


def test_grands_projets_deadline_is_thirty_days(platform: Platform) -> None:
    p = platform
    d = p.file(CITIZEN, "permis_construire", LARGE)
    p.do(d, "rc_check", {"complete": True}, AGENT)
    start = p.clock.now
    assert p.engine.wake_due_timers(start + timedelta(days=16)) == 0  # petits projets would be late
    assert p.engine.wake_due_timers(start + timedelta(days=25, minutes=1)) == 1
    assert p.messages(d).count("deadline_reminder") == 4 + 1
    assert p.engine.wake_due_timers(start + timedelta(days=30, minutes=1)) == 1
    assert p.statuses(d)[-2:] == ["tacit_approval", "signature"]


def test_lotissement_morcellement_and_light_variants(platform: Platform) -> None:
    p = platform
    lot = p.file(CITIZEN, "autorisation_lotir", {"surface": 12000, "parcelle": "TF 9/C"})
    p.do(lot, "rc_check", {"complete": True}, AGENT)
    assert len(p.tasks(lot)) == 4  # grands projets commission
    mor = p.file(CITIZEN, "autorisation_morceler", {"surface": 3000, "parcelle": "TF 10/C"})
    p.do(mor, "rc_check", {"complete": True}, AGENT)
    ancfcc = p.actor("ancfcc@casablanca.demo").user_id
    assert ancfcc in {t.assignee for t in p.tasks(mor)}  # the land registry sits on morcellement files
    p.opinions(mor, {"agence_urbaine": FAV, "urbanisme": FAV, "ancfcc": FAV})
    sign(p, mor)  # no construction tax on a morcellement
    assert p.decision(mor).outcome == "accord"
    demo = p.file(CITIZEN, "permis_demolition", {"parcelle": "TF 11/C"})
    p.do(demo, "rc_check", {"complete": True}, AGENT)
    p.opinions(demo, {"agence_urbaine": FAV, "urbanisme": FAV})
    sign(p, demo)
    assert p.decision(demo).outcome == "accord"


def test_permis_habiter_site_visit_conformity_loop_and_one_month_deadline(platform: Platform) -> None:
    p = platform
    d = p.file(CITIZEN, "permis_habiter", {"parcelle": "TF 12345/C", "permis": "PC-CASABLANCA-2025-000007"})
    p.do(d, "rc_check", {"complete": True}, AGENT)
    assert p.open_steps(d) == ["ph_visit"]
    p.do(d, "ph_visit", {"visit_date": "2026-01-12"}, AGENT)
    assert p.statuses(d)[-2:] == ["site_visit", "commission"]
    p.opinions(d, {"urbanisme": {"avis": "favorable_reserve", "reserves": "Garde-corps manquant",
                                 "plans_modifies": True}, "protection_civile": FAV})
    p.do(d, "ph_resubmit", {"comment": "garde-corps posé"}, CITIZEN)
    p.do(d, "ph_visit", {"visit_date": "2026-01-20"}, AGENT)
    start = p.clock.now
    assert p.engine.wake_due_timers(start + timedelta(days=31, minutes=1)) == 1  # a month: tacit approval
    sign(p, d)
    assert p.decision(d).outcome == "accord_tacite"
