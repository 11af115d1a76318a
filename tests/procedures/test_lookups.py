"""Assignees an analyst writes without code: ``membre_organisme("hygiene")`` (the member
seated for an organism on the dossier's commission) and ``auteur_de("rc_check")`` (who did
an earlier task). The change request: a "visite de conformité" by the hygiene office's member
before the decision of an economic activity, and a check-back by the agent who checked."""
from __future__ import annotations

import pytest

from engine import StepFailed
from engine.expressions import auteur_de
from tests.procedures.conftest import Platform
from tests.procedures.test_deliberation_helpers import redeploy
from tests.procedures.test_economic import SHOP
from tests.procedures.test_guu import AGENT, FAV, sign

VISIT = ('<bpmn:userTask id="ea_visite" name="Visite de conformité"><bpmn:extensionElements>'
         '<spiffworkflow:properties><spiffworkflow:property name="formJsonSchemaFilename" value="visite.schema.json"/>'
         '<spiffworkflow:property name="assignee" value="membre_organisme(&quot;{org}&quot;)"/>'
         '<spiffworkflow:property name="deadline" value="P7D"/></spiffworkflow:properties></bpmn:extensionElements>'
         '<bpmn:incoming>eco_activite_f23</bpmn:incoming><bpmn:outgoing>ea_visite_f</bpmn:outgoing></bpmn:userTask>'
         '<bpmn:sequenceFlow id="ea_visite_f" sourceRef="ea_visite" targetRef="ea_sign"/>')


def with_visit(org: str):  # noqa: ANN201
    def edit(text: str) -> str:
        text = text.replace('<bpmn:sequenceFlow id="eco_activite_f23" name="favorable ou refus" '
                            'sourceRef="ea_outcome_gw" targetRef="ea_sign"/>',
                            '<bpmn:sequenceFlow id="eco_activite_f23" name="favorable ou refus" '
                            'sourceRef="ea_outcome_gw" targetRef="ea_visite"/>' + VISIT.replace("{org}", org))
        return text.replace('<bpmn:callActivity id="ea_sign" name="Décision et signature" calledElement="signature">'
                            '<bpmn:incoming>eco_activite_f23</bpmn:incoming>',
                            '<bpmn:callActivity id="ea_sign" name="Décision et signature" calledElement="signature">'
                            '<bpmn:incoming>ea_visite_f</bpmn:incoming>')
    return edit


def test_the_hygiene_member_does_the_conformity_visit_before_the_decision(platform: Platform) -> None:
    p = platform
    before = p.file(SHOP, "exercice_activite", {"activite": "librairie", "surface": 40, "raison_sociale": "Avant"})
    redeploy(p, {"economic.bpmn": with_visit("hygiene")})
    after = p.file(SHOP, "exercice_activite", {"activite": "librairie", "surface": 40, "raison_sociale": "Après"})
    for d in (before, after):
        p.do(d, "rc_check", {"complete": True}, AGENT)
        p.opinions(d, {"economie": FAV, "autorite_locale": FAV})
    [visit] = p.tasks(after)
    hygiene = p.actor("hygiene@casablanca.demo")
    assert (visit.bpmn_id, visit.assignee) == ("ea_visite", hygiene.user_id)
    p.do(after, "ea_visite", {"visit_date": "2026-12-10", "comment": "Conforme"}, "hygiene@casablanca.demo")
    sign(p, after)
    sign(p, before)  # filed before the deployment: no visit on its version
    assert p.decision(after).signed and p.decision(before).signed


def test_an_organism_with_no_member_in_the_commune_is_a_located_failure(platform: Platform) -> None:
    p = platform
    redeploy(p, {"economic.bpmn": with_visit("ancfcc_inconnu")})
    d = p.file(SHOP, "exercice_activite", {"activite": "librairie", "surface": 40, "raison_sociale": "Sans membre"})
    p.do(d, "rc_check", {"complete": True}, AGENT)
    with pytest.raises(StepFailed) as failed:
        p.opinions(d, {"economie": FAV, "autorite_locale": FAV})
    assert "ancfcc_inconnu" in str(failed.value.__cause__ or failed.value)
    assert {t.bpmn_id for t in p.tasks(d)} == {"cm_opinion"}  # the step was rolled back whole


def test_who_did_a_task_is_kept_for_later_expressions() -> None:
    data = {"auteurs": {"rc_check": "agent-1"}}
    assert auteur_de(data, "rc_check") == "agent-1"
    assert auteur_de(data, "other") is None and auteur_de({}, "rc_check") is None
