"""The studio in a real headless Chromium: an analyst edits guu.bpmn through the properties
panel, sees a validation marker, fixes it and deploys; running dossiers keep their version.

Uses the ``live`` fixture of :mod:`tests.web.test_browser` (CSRF on, a real HTTP server, Debian's
Chromium). Screenshots land in ``test-output/screenshots/``.
"""
from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from engine.clock import utcnow
from engine.models import HumanTask, ProcessDefinition, ProcessInstance
from handlers.dossier_models import Dossier
from handlers.payments.declare import declare
from tests.pdfs import tiny_pdf
from tests.procedures.conftest import Platform
from tests.web.pages import page_errors
from tests.web.test_browser import LiveSite, live, shot  # noqa: F401 - the live fixture

if TYPE_CHECKING:
    from playwright.sync_api import Page

ANALYST = "analyste@guichet.demo"
CITIZEN = "citoyen@guichet.demo"
AGENT = "guichet@casablanca.demo"
SMALL = {"usage": "habitation_individuelle", "surface": 180, "niveaux": 2, "parcelle": "TF 12345/C"}
FAV = {"avis": "favorable"}


def to_payment(p: Platform, dossier_id: int) -> HumanTask:
    """Carry a filed small-project dossier through the commission to its payment task."""
    p.do(dossier_id, "rc_check", {"complete": True}, AGENT)
    p.opinions(dossier_id, {"agence_urbaine": FAV, "urbanisme": FAV})
    [pay] = p.tasks(dossier_id)
    assert pay.bpmn_id == "ga_pay"  # the applicant declares the payment first
    declare(p.engine, p.ports, p.actor(CITIZEN), dossier_id, method="quittance", content=tiny_pdf("quittance"))
    [task] = p.tasks(dossier_id)
    assert task.bpmn_id == "ga_payment"
    return task


def definition_of(p: Platform, dossier_id: int) -> int:
    with p.sessions() as s:
        instance = s.get_one(ProcessInstance, s.get_one(Dossier, dossier_id).instance_id)
        return s.get_one(ProcessDefinition, instance.definition_id).version


def select_element(page: Page, element_id: str) -> None:
    """Center the shape in the canvas, click it, then open our properties group if folded."""
    page.evaluate("""id => { const s = window.studio.bpmn, el = s.get('elementRegistry').get(id);
        const canvas = s.get('canvas'), outer = canvas.viewbox().outer;
        canvas.viewbox({x: el.x + el.width / 2 - outer.width / 2, y: el.y + el.height / 2 - outer.height / 2,
                        width: outer.width, height: outer.height}); }""", element_id)
    page.locator(f'.djs-element[data-element-id="{element_id}"]').first.click()
    header = page.locator('[data-group-id="group-guichet"] .bio-properties-panel-group-header')
    header.wait_for()
    if "open" not in (header.get_attribute("class") or ""):
        header.click()


def test_analyst_edits_validates_and_deploys_guu(live: LiveSite, sessions: sessionmaker[Session]) -> None:  # noqa: F811
    with live.site.app.app_context():  # the engine's sessions come from Flask-SQLAlchemy
        _journey(live, sessions)


def _journey(live: LiveSite, sessions: sessionmaker[Session]) -> None:  # noqa: F811
    from playwright.sync_api import expect

    from web.bootstrap import get_engine
    app = live.site.app
    p = Platform(get_engine(app), sessions, app.extensions["guichet.ports"], clock=None)  # type: ignore[arg-type]
    before = p.file(CITIZEN, "permis_construire", SMALL)

    page = live.login(ANALYST)
    errors = page_errors(page)
    page.goto("/studio/")
    page.locator("#process-guu_autorisation").get_by_role("link", name="Modifier").click()
    page.wait_for_selector("body.studio-ready")
    assert page.locator('#studio-tabs button[aria-selected="true"]').inner_text() == "guu.bpmn"
    shot(page, "studio-01-modeler", full_page=False)

    # a deadline, through the properties panel
    select_element(page, "ga_payment")
    deadline = page.locator("#bio-properties-panel-guichet-deadline")
    assert deadline.input_value() == "P30D"
    deadline.fill("P45D")
    deadline.press("Tab")
    shot(page, "studio-02-properties", full_page=False)

    # the receipt's operator removed: validation marks the task and lists the problem
    select_element(page, "ga_receipt")
    operator = page.locator("#bio-properties-panel-guichet-operator")
    assert operator.input_value() == "filing.receipt"
    operator.select_option("")
    page.locator("body").click(position={"x": 5, "y": 5})  # deselect: the marker must show on its own
    page.get_by_role("button", name="Valider").click()
    problem = page.locator('#studio-problem-list a[data-element="ga_receipt"]')
    problem.wait_for()
    assert "n'est pas un gestionnaire enregistré" in problem.inner_text()
    assert page.locator('.djs-element.studio-error[data-element-id="ga_receipt"]').count() == 1
    assert "problèmes" in page.locator("#studio-status").inner_text().lower()
    shot(page, "studio-03-validation-marker", full_page=False)
    problem.click()  # selects the element
    selected = page.evaluate("window.studio.bpmn.get('selection').get().map(e => e.id)")
    assert selected == ["ga_receipt"]

    # restored: valid again, then deployed
    page.locator("#bio-properties-panel-guichet-operator").select_option("filing.receipt")
    page.get_by_role("button", name="Valider").click()
    expect(page.locator("#studio-status")).to_contain_text("prêt à déployer")
    assert page.locator(".djs-element.studio-error").count() == 0
    # the decision tables open in dmn-js, the forms in their editor with the inbox's rendering
    page.locator('#studio-tabs button[data-name="guu_fees.dmn"]').click()
    expect(page.locator("#studio-dmn .tjs-table")).to_be_visible()
    shot(page, "studio-05-dmn", full_page=False)
    page.locator('#studio-tabs button[data-name="#forms"]').click()
    page.select_option("#studio-form-select", "avis.schema.json")
    expect(page.locator("#studio-form-preview")).to_contain_text("Favorable")
    schema = page.locator("#studio-form-schema")
    schema.fill(schema.input_value().replace('"properties": {', '"properties": {"remarque": {"type": "string", '
                                             '"title": "Remarque du service"}, ', 1))
    expect(page.locator("#studio-form-preview")).to_contain_text("Remarque du service")
    shot(page, "studio-06-form-preview", full_page=False)
    page.fill("#studio-form-new", "quittance.schema.json")  # a new form, then chosen for the payment
    page.get_by_role("button", name="Créer").click()
    page.locator("#studio-form-schema").fill(
        '{"type": "object", "required": ["payment_reference"], '
        '"properties": {"payment_reference": {"type": "string", "title": "Numéro de quittance"}}}')
    expect(page.locator("#studio-form-preview")).to_contain_text("Numéro de quittance")
    # shared.bpmn goes through bpmn-js too: its multi-instance task and lanes read right
    page.locator('#studio-tabs button[data-name="shared.bpmn"]').click()
    select_element(page, "cm_opinion")
    assert page.locator("#bio-properties-panel-guichet-collection").input_value() == "members"
    assert page.locator("#bio-properties-panel-guichet-assignee").input_value() == 'member["user"]'
    page.evaluate("""() => { const s = window.studio.bpmn;
        s.get('selection').select(s.get('elementRegistry').get('commission_lane_member')); }""")
    page.locator('[data-group-id="group-guichet"]').wait_for()
    assert page.locator("#bio-properties-panel-guichet-role").input_value() == "Membre de commission"
    page.locator('#studio-tabs button[data-name="guu.bpmn"]').click()
    select_element(page, "ga_payment")
    assert page.locator("#bio-properties-panel-guichet-deadline").input_value() == "P45D"  # kept across tabs
    page.locator("#bio-properties-panel-guichet-form").select_option("quittance.schema.json")

    page.get_by_role("button", name="Enregistrer le brouillon").click()
    expect(page.locator("#studio-status")).to_contain_text("Brouillon enregistré")
    page.fill("#studio-comment", "Paiement : 45 jours")
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Déployer").click()
    expect(page.locator("#studio-status")).to_contain_text("guu_autorisation v2")
    expect(page.locator("#studio-status")).to_contain_text("recevabilite v1 (inchangé)")
    expect(page.locator("#studio-version")).to_have_text("v2")
    shot(page, "studio-07-deployed", full_page=False)
    assert errors == [], errors

    # history: author, comment and what changed
    page.goto("/studio/processes/guu_autorisation/versions")
    row = page.locator("#version-2")
    assert "analyste@guichet.demo" in row.inner_text() and "Paiement : 45 jours" in row.inner_text()
    row.locator("summary").click()
    assert "guu.bpmn#ga_payment" in row.inner_text()
    shot(page, "studio-08-history")

    # the dossier filed before stays on v1 (30 days); one filed after runs v2 (45 days)
    after = p.file(CITIZEN, "permis_construire", SMALL)
    old_task, new_task = to_payment(p, before), to_payment(p, after)
    now = utcnow()
    assert (definition_of(p, before), definition_of(p, after)) == (1, 2)
    assert timedelta(days=29) < old_task.due_at - now <= timedelta(days=30)
    assert timedelta(days=44) < new_task.due_at - now <= timedelta(days=45)
    with p.sessions() as s:
        v2 = s.scalar(select(ProcessDefinition).where(ProcessDefinition.process_key == "commission",
                                                      ProcessDefinition.version == 2))
        assert v2 is not None and "remarque" in v2.forms["avis.schema.json"]["properties"]
        # written back by bpmn-js: the collection a multi-instance task iterates over is kept
        assert "<bpmn:loopDataInputRef>members</bpmn:loopDataInputRef>" in v2.sources["shared.bpmn"]
        # and the boundary event keeps the message the secretary's decision to proceed sends
        assert 'messageRef="msg_sans_avis_manquants"' in v2.sources["shared.bpmn"]
        guu2 = s.scalar(select(ProcessDefinition).where(ProcessDefinition.process_key == "guu_autorisation",
                                                        ProcessDefinition.version == 2))
        assert guu2.forms["quittance.schema.json"]["required"] == ["payment_reference"]
        assert 'value="quittance.schema.json"' in guu2.sources["guu.bpmn"]
        assert "\n  <bpmn:collaboration" in v2.sources["shared.bpmn"]  # bpmn-js indents, processes/ does not
        assert s.scalar(select(ProcessDefinition.deployed_by).where(
            ProcessDefinition.process_key == "guu_autorisation", ProcessDefinition.version == 2)) == ANALYST
