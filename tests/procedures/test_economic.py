"""Every path of the economic authorizations (processes/economic.bpmn), through the engine
API; each ends with the decision e-signed by the commune president."""
from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from engine import InvalidTaskData
from handlers import dossiers
from handlers.dossier_models import Fee
from tests.pdfs import tiny_pdf
from tests.procedures.conftest import Platform
from tests.procedures.test_guu import AGENT, FAV, PRESIDENT, sign

SHOP = "architecte@guichet.demo"  # also holds the applicant role


def members(p: Platform, d: int) -> set[str]:
    return {t.assignee for t in p.tasks(d) if t.bpmn_id == "cm_opinion"}


def ids(p: Platform, *orgs: str) -> set[str]:
    return {p.actor(f"{o.replace('_', '-')}@casablanca.demo").user_id for o in orgs}


def test_shop_not_classified(platform: Platform) -> None:
    p = platform
    d = p.file(SHOP, "exercice_activite", {"activite": "librairie", "surface": 40, "raison_sociale": "Librairie Al Qalam"})
    assert p.dossier(d).number.startswith("EA-CASABLANCA-2026-")
    p.do(d, "rc_check", {"complete": True}, AGENT)
    assert members(p, d) == ids(p, "economie", "autorite_locale")
    p.opinions(d, {"economie": FAV, "autorite_locale": FAV})
    sign(p, d)
    assert p.decision(d).outcome == "accord" and p.decision(d).signed
    assert p.statuses(d) == ["deposited", "verification", "commission", "signature", "authorized"]


def test_classified_establishment_public_inquiry_and_mixed_commission(platform: Platform) -> None:
    p = platform
    d = p.file(SHOP, "exercice_activite", {"activite": "boulangerie", "surface": 90, "raison_sociale": "Boulangerie Atlas"})
    p.do(d, "rc_check", {"complete": True}, AGENT)
    assert p.open_steps(d) == ["ea_inquiry"] and p.statuses(d)[-1] == "public_inquiry"
    p.do(d, "ea_inquiry", {"oppositions": 1, "observations": "Un voisin craint les fumées"}, AGENT)
    assert p.statuses(d)[-2:] == ["site_visit", "commission"]
    assert members(p, d) == ids(p, "economie", "hygiene", "protection_civile", "autorite_locale")
    p.opinions(d, {"economie": FAV, "autorite_locale": FAV, "protection_civile": FAV,
                   "hygiene": {"avis": "favorable_reserve", "reserves": "Extraction des fumées en toiture"}})
    sign(p, d)
    decision = p.decision(d)
    assert decision.outcome == "accord_conditions"
    assert decision.conditions == ["Bureau municipal d'hygiène : Extraction des fumées en toiture"]


def test_refused_activity(platform: Platform) -> None:
    p = platform
    d = p.file(SHOP, "exercice_activite", {"activite": "hammam", "raison_sociale": "Hammam Essalam"})
    p.do(d, "rc_check", {"complete": True}, AGENT)
    p.do(d, "ea_inquiry", {"oppositions": 12}, AGENT)
    p.opinions(d, {"economie": FAV, "hygiene": FAV, "protection_civile": FAV,
                   "autorite_locale": {"avis": "defavorable", "motif": "Oppositions du voisinage"}})
    sign(p, d)
    assert p.decision(d).outcome == "refus" and p.statuses(d)[-1] == "refused"


def test_economic_deadline_reminds_and_escalates_without_tacit_approval(platform: Platform) -> None:
    p = platform
    d = p.file(SHOP, "exercice_activite", {"activite": "librairie", "raison_sociale": "Kitab"})
    p.do(d, "rc_check", {"complete": True}, AGENT)
    start = p.clock.now
    assert p.engine.wake_due_timers(start + timedelta(days=25, minutes=1)) == 1
    assert p.engine.wake_due_timers(start + timedelta(days=30, minutes=1)) == 1
    assert p.messages(d).count("deadline_reminder") == 3 and p.messages(d).count("deadline_breached") == 3
    assert "tacit_approval" not in p.statuses(d)
    assert len(members(p, d)) == 2  # the members still have to give their opinion
    p.opinions(d, {"economie": FAV, "autorite_locale": FAV})
    sign(p, d)


def test_public_domain_occupation_with_fee(platform: Platform) -> None:
    p = platform
    d = p.file(SHOP, "occupation_domaine_public", {"surface": 12, "objet": "terrasse de café", "adresse": "Bd Zerktouni"})
    p.do(d, "rc_check", {"complete": True}, AGENT)
    p.opinions(d, {"economie": FAV, "autorite_locale": FAV})
    assert p.open_steps(d) == ["dp_pay"] and p.statuses(d)[-1] == "fees_due"
    with p.sessions() as s:
        [fee] = s.scalars(select(Fee).where(Fee.dossier_id == d))
        assert fee.amount == Decimal("600.00")  # 12 m² × 50 MAD
    p.pay(d)
    sign(p, d)
    assert p.decision(d).outcome == "accord"


def test_trench_technical_opinion_works_window_and_guarantee(platform: Platform) -> None:
    p = platform
    d = p.file(SHOP, "ouverture_tranchee", {"longueur": 40, "operateur": "Maroc Telecom", "adresse": "Rue Allal Ben Abdellah"})
    p.do(d, "rc_check", {"complete": True}, AGENT)
    assert members(p, d) == ids(p, "voirie", "regie")
    p.opinions(d, {"voirie": FAV, "regie": {"avis": "favorable_reserve", "reserves": "Réseau d'eau à 1 m"}})
    assert p.open_steps(d) == ["ot_window"]
    p.do(d, "ot_window", {"works_start": "2026-02-02", "works_end": "2026-02-20"}, AGENT)
    with p.sessions() as s:
        [fee] = s.scalars(select(Fee).where(Fee.dossier_id == d))
        assert fee.amount == Decimal("12000.00") and "Caution" in fee.label
    p.pay(d)
    sign(p, d)
    assert p.decision(d).outcome == "accord_conditions"


def test_economic_modification_loop(platform: Platform) -> None:
    p = platform
    d = p.file(SHOP, "occupation_domaine_public", {"surface": 30, "objet": "kiosque", "adresse": "Place des Nations Unies"})
    p.do(d, "rc_check", {"complete": True}, AGENT)
    p.opinions(d, {"economie": {"avis": "favorable_reserve", "reserves": "Réduire à 20 m²",
                                "plans_modifies": True}, "autorite_locale": FAV})
    [pick] = p.tasks(d)  # the agent turns the reserves into documents to file again
    assert pick.bpmn_id == "dp_plans_ask"
    p.do(d, "dp_plans_ask", {"requests": [{"document": "plan_occupation", "reason": "Réduire à 20 m²",
                                           "mode": "correction"}]}, AGENT)
    [ask] = p.tasks(d)
    assert ask.bpmn_id == "dp_resubmit" and "plans_requested" in p.messages(d)
    with pytest.raises(InvalidTaskData):  # the new plan first
        p.do(d, "dp_resubmit", {"comment": "20 m²"}, SHOP)
    with p.engine.transaction() as s:
        dossiers.add_document(s, p.ports, s.get_one(dossiers.Dossier, d), kind="plan_occupation",
                              filename="plan.pdf", content=tiny_pdf("20 m2"), by=p.actor(SHOP), now=p.clock())
    p.do(d, "dp_resubmit", {"comment": "20 m²"}, SHOP)
    p.opinions(d, {"economie": FAV, "autorite_locale": FAV})
    assert p.open_steps(d) == ["dp_pay"]
    assert PRESIDENT
