"""The remaining change requests of issue 15, each done only through the Studio UI of a real
headless Chromium (palette, context pad, replace menu, properties panel, *Importer*), validated
and deployed while the server runs; then a dossier filed afterwards follows the change and one
filed before finishes on its old version. No XML is edited by hand; the diagram model is only
read (for assertions) and the canvas centred on an element.

Screenshots land in ``test-output/screenshots/changes-*.png``. Uses the ``live`` fixture of
:mod:`tests.web.test_browser`.
"""
from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from lxml import etree
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from engine.clock import utcnow
from engine.models import HumanTask, ProcessDefinition
from handlers.dossier_models import Notification
from tests.conftest import DEMO_PASSWORD, service_missing
from tests.procedures.conftest import Platform
from tests.web.test_browser import LiveSite, live, shot  # noqa: F401 - the live fixture
from tests.web.test_studio_panel_browser import NS, PANEL, center, open_group, screen_point, select_element

if TYPE_CHECKING:
    from playwright.sync_api import Page

ANALYST = "analyste@guichet.demo"
CITIZEN = "citoyen@guichet.demo"
SHOP = "architecte@guichet.demo"  # also holds the applicant role
AGENT = "guichet@casablanca.demo"
HYGIENE = "hygiene@casablanca.demo"
SMALL = {"usage": "habitation_individuelle", "surface": 180, "niveaux": 2, "parcelle": "TF 12345/C"}
SHOP_FIELDS = {"activite": "librairie", "surface": 40, "raison_sociale": "Librairie"}
DP_FIELDS = {"surface": 12, "objet": "terrasse de café", "adresse": "Bd Zerktouni"}
FAV = {"avis": "favorable"}
MIWG = Path(__file__).resolve().parents[3] / "shared" / "corpus" / "bpmn-miwg"


# -- driving the Studio ------------------------------------------------------------------------

def platform(live: LiveSite, sessions: sessionmaker[Session]) -> Platform:  # noqa: F811
    from web.bootstrap import get_engine
    app = live.site.app
    return Platform(get_engine(app), sessions, app.extensions["guichet.ports"], clock=None)  # type: ignore[arg-type]


def studio(live: LiveSite, key: str) -> tuple[Page, list[str]]:  # noqa: F811
    """The analyst's modeler on ``key``, opened from the Studio's list; the page's errors."""
    page = live.login(ANALYST)
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    # Inline style attributes in bpmn.io markup are refused by our CSP and restated in studio.css.
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error"
            and not msg.text.startswith("Applying inline style violates") else None)
    open_in_studio(page, key)
    return page, errors


def open_in_studio(page: Page, key: str) -> None:
    page.goto("/studio/")
    page.locator(f"#process-{key}").get_by_role("link", name="Modifier").click()
    page.wait_for_selector("body.studio-ready")


def selected(page: Page) -> str:
    return str(page.evaluate("window.studio.bpmn.get('selection').get()[0].id"))


def element(page: Page, element_id: str) -> dict[str, Any]:
    """What the model holds for an element (read only)."""
    return dict(page.evaluate("""id => { const el = window.studio.bpmn.get('elementRegistry').get(id);
        const bo = el.businessObject;
        return {type: bo.$type, name: bo.name || '', host: el.host ? el.host.id : null,
                cancelActivity: bo.cancelActivity,
                outgoing: (el.outgoing || []).map(f => f.target.id),
                incoming: (el.incoming || []).map(f => f.source.id)}; }""", element_id))


def rename(page: Page, name: str) -> None:
    """Type a name in the panel's General group (bpmn.io's own field), unfolded if need be."""
    header = page.locator('[data-group-id="group-general"] .bio-properties-panel-group-header')
    if "open" not in (header.get_attribute("class") or ""):
        header.click()
    field = page.locator(f"{PANEL}name")
    field.fill(name)
    field.press("Tab")


def set_id(page: Page, element_id: str) -> None:
    """Type the element's id in the panel's General group."""
    field = page.locator(f"{PANEL}id")
    field.fill(element_id)
    field.press("Tab")
    page.wait_for_function("id => window.studio.bpmn.get('selection').get()[0].id === id", arg=element_id)


def replace(page: Page, option: str) -> None:
    """The selected element's context pad: *Changer le type* then ``option`` of the replace menu."""
    page.locator('.djs-context-pad [data-action="replace"]').click()
    page.locator(f'.djs-popup [data-id="{option}"]').click()


def append(page: Page, action: str) -> str:
    """The selected element's context pad: append ``action`` (e.g. ``append.end-event``); the new
    element is selected."""
    before = selected(page)
    page.locator(f'.djs-context-pad [data-action="{action}"]').click()
    page.wait_for_function("id => window.studio.bpmn.get('selection').get()[0].id !== id", arg=before)
    return selected(page)


def set_duration(page: Page, amount: int, unit: str) -> None:
    """The timer's duration picker: a number and a unit."""
    field = page.locator(f"{PANEL}guichet-timer-amount")
    field.fill(str(amount))
    field.press("Tab")
    page.locator(f"{PANEL}guichet-timer-unit").select_option(unit)


def validate_and_deploy(page: Page, comment: str, expected: str) -> None:
    from playwright.sync_api import expect
    page.locator("body").click(position={"x": 5, "y": 5})
    page.get_by_role("button", name="Valider").click()
    expect(page.locator("#studio-status")).to_contain_text(re.compile("prêt à déployer|problèmes"))
    assert page.locator("#studio-problem-list li").count() == 0, page.locator("#studio-problem-list").inner_text()
    expect(page.locator("#studio-status")).to_contain_text("prêt à déployer")
    page.fill("#studio-comment", comment)
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Déployer").click()
    expect(page.locator("#studio-status")).to_contain_text(expected)


def deployed_tree(p: Platform, key: str, version: int, name: str) -> Any:
    with p.sessions() as s:
        sources = s.scalar(select(ProcessDefinition.sources).where(
            ProcessDefinition.process_key == key, ProcessDefinition.version == version))
    assert sources is not None, (key, version)
    return etree.fromstring(sources[name].encode())


def versions_of(p: Platform, key: str) -> list[int]:
    with p.sessions() as s:
        return list(s.scalars(select(ProcessDefinition.version).where(ProcessDefinition.process_key == key)
                              .order_by(ProcessDefinition.version)))


def in_app(test: Callable[[LiveSite, sessionmaker[Session]], None]) -> Callable[..., None]:
    def run(live: LiveSite, sessions: sessionmaker[Session]) -> None:  # noqa: F811
        with live.site.app.app_context():  # the engine's sessions come from Flask-SQLAlchemy
            test(live, sessions)
    return run


# -- 1. a reminder to the guichet agent before the recevabilité deadline ----------------------

def test_reminder_before_the_recevabilite_deadline(live: LiveSite, sessions: sessionmaker[Session]) -> None:  # noqa: F811
    in_app(_reminder)(live, sessions)


def _reminder(live: LiveSite, sessions: sessionmaker[Session]) -> None:  # noqa: F811
    from playwright.sync_api import expect
    p = platform(live, sessions)
    before = p.file(CITIZEN, "permis_construire", SMALL)
    page, errors = studio(live, "recevabilite")

    # a timer event dropped on rc_check's lower edge: attached, then made non-interrupting
    center(page, "rc_check")
    box = page.locator('.djs-element[data-element-id="rc_check"] .djs-visual').bounding_box()
    assert box is not None
    page.locator('.djs-palette [data-action="create.intermediate-event"]').click()
    x, y = box["x"] + box["width"] * 0.7, box["y"] + box["height"]
    page.mouse.move(x - 10, y - 10)
    page.mouse.move(x, y)
    page.mouse.click(x, y)
    timer = selected(page)
    assert element(page, timer)["host"] == "rc_check"
    replace(page, "replace-with-non-interrupting-timer-boundary")
    timer = selected(page)
    assert element(page, timer)["cancelActivity"] is False
    rename(page, "Rappel de l'échéance")
    open_group(page)
    set_duration(page, 1, "days")  # rc_check is due in 3 days: two days before
    expect(page.locator(f"{PANEL}guichet-timer")).to_have_value('"P1D"')
    shot(page, "changes-01-reminder-timer", full_page=False)

    # then a notification service task, its parameters from the operator's form, and an end
    append(page, "append.append-task")
    replace(page, "replace-with-service-task")
    notify = selected(page)
    rename(page, "Rappeler l'échéance à l'agent")
    open_group(page)
    page.locator(f"{PANEL}guichet-operator").select_option("notify.send")
    # what the operator does and who each audience is, in the analyst's language
    expect(page.locator('[data-entry-id="guichet-operator"]')).to_contain_text(
        "task_holders (qui a une tâche ouverte sur le dossier)")
    page.locator(f"{PANEL}guichet-param-to-task_holders").check()  # the recipients, ticked
    expect(page.locator(f"{PANEL}guichet-param-to")).to_have_value("task_holders")
    page.locator(f"{PANEL}guichet-param-template").select_option("deadline_reminder")
    shot(page, "changes-02-reminder-notify", full_page=False)
    end = append(page, "append.end-event")
    assert element(page, timer)["outgoing"] == [notify] and element(page, notify)["outgoing"] == [end]
    validate_and_deploy(page, "Rappel à l'agent un jour après l'arrivée du dossier", "recevabilite v2")
    shot(page, "changes-03-reminder-deployed", full_page=False)
    assert errors == [], errors

    tree = deployed_tree(p, "recevabilite", 2, "shared.bpmn")
    [event] = tree.xpath(f'//bpmn:boundaryEvent[@id="{timer}"]', namespaces=NS)
    assert event.get("attachedToRef") == "rc_check" and event.get("cancelActivity") == "false"
    assert event.xpath(".//bpmn:timeDuration/text()", namespaces=NS) == ['"P1D"']
    params = {q.get("id"): q.get("value") for q in tree.xpath(
        f'//bpmn:serviceTask[@id="{notify}"]//spiffworkflow:parameter', namespaces=NS)}
    assert params == {"to": "'task_holders'", "template": "'deadline_reminder'"}

    after = p.file(CITIZEN, "permis_construire", SMALL)
    [check] = p.tasks(after)
    assert check.bpmn_id == "rc_check"
    p.engine.wake_due_timers(utcnow() + timedelta(hours=23))
    assert reminders(p, after) == []  # not before a day
    p.engine.wake_due_timers(utcnow() + timedelta(days=1, minutes=1))
    agent = p.actor(AGENT).user_id
    assert reminders(p, after) == [agent]  # the agent who holds rc_check is reminded
    [still] = p.tasks(after)
    assert (still.id, still.state) == (check.id, "READY")  # and still has it to do
    assert reminders(p, before) == [] and p.open_steps(before) == ["rc_check"]  # old version: nothing
    p.do(after, "rc_check", {"complete": True}, AGENT)
    assert p.open_steps(after) == ["cm_opinion", "cm_opinion"]


def reminders(p: Platform, dossier_id: int) -> list[str]:
    with p.sessions() as s:
        return list(s.scalars(select(Notification.recipient_id).where(
            Notification.dossier_id == dossier_id, Notification.template == "deadline_reminder")))


# -- 5. Importer: a hostile file and a MIWG model ----------------------------------------------

def test_importer_lists_the_problems_of_hostile_and_foreign_files(live: LiveSite) -> None:  # noqa: F811
    from playwright.sync_api import expect
    page = live.login(ANALYST)
    page.goto("/studio/")
    page.get_by_role("link", name="Importer").first.click()
    hostile = live.tmp_path / "xxe.bpmn"
    hostile.write_bytes(b'<?xml version="1.0"?><!DOCTYPE d [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
                        b"<d>&xxe;</d>")
    page.set_input_files("#import-file", str(hostile))
    page.click("#import-submit")
    problems = page.locator("#import-problems")
    expect(problems).to_contain_text("ne peut pas être importé")
    text = problems.inner_text()
    assert "xxe.bpmn" in text and "root:" not in text and "Traceback" not in page.content()
    shot(page, "changes-04-import-hostile")

    model = MIWG / "C.1.0.bpmn"
    if not model.exists():
        service_missing(f"the MIWG corpus is not at {MIWG} (shared/ beside the clone)")
    page.set_input_files("#import-file", str(model))
    page.click("#import-submit")
    expect(problems).to_contain_text("ne peut pas être importé")
    items = problems.locator("li").all_inner_texts()
    assert items and all(i.startswith("C.1.0.bpmn") for i in items), items
    assert "Traceback" not in page.content()
    shot(page, "changes-05-import-miwg")


def titles(p: Platform, dossier_id: int, bpmn_id: str) -> set[str]:
    return {t.title for t in p.tasks(dossier_id) if t.bpmn_id == bpmn_id}


# -- 2. a conformity visit by the hygiene office's member, before the decision ----------------

def test_conformity_visit_by_the_hygiene_member(live: LiveSite, sessions: sessionmaker[Session]) -> None:  # noqa: F811
    in_app(_visit)(live, sessions)


def _visit(live: LiveSite, sessions: sessionmaker[Session]) -> None:  # noqa: F811
    from playwright.sync_api import expect
    p = platform(live, sessions)
    before = p.file(SHOP, "exercice_activite", dict(SHOP_FIELDS, raison_sociale="Avant"))
    page, errors = studio(live, "eco_activite")

    # room made with the space tool right of the outcome gateway, then a task dropped on the
    # flow into the signature, made a user task
    center(page, "eco_activite_f23")
    start = screen_point(page, "eco_activite_f23", 0.6)
    page.locator('.djs-palette [data-action="space-tool"]').click()
    page.mouse.move(start["x"], start["y"] + 40)
    page.mouse.down()
    page.mouse.move(start["x"] + 60, start["y"] + 40)
    page.mouse.move(start["x"] + 160, start["y"] + 40)
    page.mouse.up()
    page.keyboard.press("Escape")
    center(page, "eco_activite_f23")
    point = screen_point(page, "eco_activite_f23", 0.3)
    page.locator('.djs-palette [data-action="create.task"]').click()
    page.mouse.move(point["x"] - 20, point["y"])
    page.mouse.move(point["x"], point["y"])
    page.mouse.click(point["x"], point["y"])
    shot(page, "changes-06a-visit-dropped", full_page=False)
    replace(page, "replace-with-user-task")
    visit = selected(page)
    assert element(page, visit)["incoming"] == ["ea_outcome_gw"] and element(page, visit)["outgoing"] == ["ea_sign"]
    rename(page, "Visite de conformité")
    set_id(page, "ea_visite")  # a readable id for the cockpit and the audit trail
    visit = selected(page)
    open_group(page)
    page.locator(f"{PANEL}guichet-form").select_option("visite.schema.json")
    helper = page.locator(f"{PANEL}guichet-assignee-helper")
    helper.select_option(label="le membre de « Bureau municipal d'hygiène » dans la commission du dossier")
    expect(page.locator(f"{PANEL}guichet-assignee")).to_have_value('membre_organisme("hygiene")')
    amount = page.locator(f"{PANEL}guichet-deadline-amount")
    amount.fill("7")
    amount.press("Tab")
    expect(page.locator(f"{PANEL}guichet-deadline")).to_have_value("P7D")
    shot(page, "changes-06-visit-task", full_page=False)
    validate_and_deploy(page, "Visite de conformité par le bureau d'hygiène", "eco_activite v2")
    assert errors == [], errors

    tree = deployed_tree(p, "eco_activite", 2, "economic.bpmn")
    [task] = tree.xpath(f'//bpmn:userTask[@id="{visit}"]', namespaces=NS)
    props = {q.get("name"): q.get("value") for q in task.xpath(".//spiffworkflow:property", namespaces=NS)}
    assert props == {"formJsonSchemaFilename": "visite.schema.json", "assignee": 'membre_organisme("hygiene")',
                     "deadline": "P7D"}

    after = p.file(SHOP, "exercice_activite", dict(SHOP_FIELDS, raison_sociale="Après"))
    for d in (before, after):
        p.do(d, "rc_check", {"complete": True}, AGENT)
        p.opinions(d, {"economie": FAV, "autorite_locale": FAV})
    [task_row] = p.tasks(after)
    assert (task_row.bpmn_id, task_row.title, task_row.assignee) == ("ea_visite", "Visite de conformité",
                                                                      p.actor(HYGIENE).user_id)
    assert task_row.id in inboxes(live, (HYGIENE,))  # in the hygiene member's inbox
    p.do(after, visit, {"visit_date": "2026-12-10", "comment": "Conforme"}, HYGIENE)
    assert p.open_steps(after) == ["sg_approve"]
    assert p.open_steps(before) == ["sg_approve"]  # filed before: straight to the signature


# -- 3. tacit approval of a public-domain occupation after 15 days without decision -----------

def test_tacit_approval_after_fifteen_days(live: LiveSite, sessions: sessionmaker[Session]) -> None:  # noqa: F811
    in_app(_tacit)(live, sessions)


def _tacit(live: LiveSite, sessions: sessionmaker[Session]) -> None:  # noqa: F811
    from playwright.sync_api import expect
    p = platform(live, sessions)
    before = p.file(SHOP, "occupation_domaine_public", DP_FIELDS)
    page, errors = studio(live, "eco_domaine_public")

    # The legal delay runs while the commission examines the dossier: an interrupting timer on
    # the examination (not on the whole process: a dossier paying its fees after a favourable
    # opinion has its decision), leading to the tacit approval.
    center(page, "dp_exam")
    box = page.locator('.djs-element[data-element-id="dp_exam"] .djs-visual').bounding_box()
    assert box is not None
    page.locator('.djs-palette [data-action="create.intermediate-event"]').click()
    x, y = box["x"] + box["width"] * 0.5, box["y"]
    page.mouse.move(x - 10, y + 10)
    page.mouse.move(x, y)
    page.mouse.click(x, y)
    timer = selected(page)
    assert element(page, timer)["host"] == "dp_exam"
    replace(page, "replace-with-timer-boundary")
    timer = selected(page)
    assert element(page, timer)["cancelActivity"] is not False
    rename(page, "Sans décision après 15 jours")
    open_group(page)
    set_duration(page, 15, "days")
    expect(page.locator(f"{PANEL}guichet-timer")).to_have_value('"P15D"')
    shot(page, "changes-07-tacit-timer", full_page=False)
    append(page, "append.append-task")
    replace(page, "replace-with-service-task")
    rename(page, "Accord tacite")
    set_id(page, "dp_tacit")
    tacit = selected(page)
    open_group(page)
    page.locator(f"{PANEL}guichet-operator").select_option("decision.tacit")
    end = append(page, "append.end-event")
    rename(page, "Autorisation tacite")
    assert element(page, timer)["outgoing"] == [tacit] and element(page, tacit)["outgoing"] == [end]
    shot(page, "changes-08-tacit-path", full_page=False)
    validate_and_deploy(page, "Accord tacite après 15 jours d'examen sans décision", "eco_domaine_public v2")
    assert errors == [], errors

    after = p.file(SHOP, "occupation_domaine_public", DP_FIELDS)
    for d in (before, after):
        p.do(d, "rc_check", {"complete": True}, AGENT)
    opinions = {t.id for t in p.tasks(after)}
    assert p.open_steps(after) == ["cm_opinion", "cm_opinion"]
    assert opinions <= inboxes(live, MEMBERS)
    p.engine.wake_due_timers(utcnow() + timedelta(days=16))
    with p.sessions() as s:
        states = {t.id: t.state for t in s.scalars(select(HumanTask).where(HumanTask.id.in_(opinions)))}
    assert set(states.values()) == {"CANCELLED"}, states
    assert not opinions & inboxes(live, MEMBERS)  # gone from the members' inboxes
    assert p.open_steps(after) == []
    assert p.statuses(after)[-1] == "tacit_approval"
    # filed before: its examination goes on, on its version
    assert p.open_steps(before) == ["cm_opinion", "cm_opinion"] and "tacit_approval" not in p.statuses(before)
    p.opinions(before, {"economie": FAV, "autorite_locale": FAV})
    assert p.open_steps(before) == ["dp_pay"]


MEMBERS = ("economie@casablanca.demo", "autorite-locale@casablanca.demo")


def inboxes(live: LiveSite, emails: tuple[str, ...]) -> set[str]:  # noqa: F811
    """The ids of the tasks in these people's inboxes, as the API of the live server gives them."""
    api = live.context().request
    ids = set()
    for email in emails:
        token = api.post("/api/v1/tokens", data={"email": email, "password": DEMO_PASSWORD})
        assert token.status == 201, token.text()
        inbox = api.get("/api/v1/tasks", headers={"Authorization": f"Bearer {token.json()['token']}"})
        assert inbox.status == 200, inbox.text()
        ids |= {str(t["id"]) for t in inbox.json()["items"]}
    return ids


# -- 4. commission deployed alone, used by every procedure, never reverted --------------------

def test_commission_deployed_alone_is_not_reverted(live: LiveSite, sessions: sessionmaker[Session]) -> None:  # noqa: F811
    in_app(_commission)(live, sessions)


def _commission(live: LiveSite, sessions: sessionmaker[Session]) -> None:  # noqa: F811
    from playwright.sync_api import expect
    p = platform(live, sessions)
    old_name = "Donner l'avis de l'organisme"
    new_name = "Rendre l'avis motivé de l'organisme"
    begun = p.file(CITIZEN, "permis_construire", SMALL)
    p.do(begun, "rc_check", {"complete": True}, AGENT)  # its commission starts on v1
    guu, _guu_errors = studio(live, "guu_autorisation")  # opened before the change (an old copy of commission)

    page, errors = studio(live, "commission")
    select_element(page, "cm_opinion")
    rename(page, new_name)
    shot(page, "changes-09-commission-rename", full_page=False)
    validate_and_deploy(page, "Avis motivé", "commission v2")
    assert errors == [], errors

    permis = p.file(CITIZEN, "permis_construire", SMALL)
    shop = p.file(SHOP, "exercice_activite", SHOP_FIELDS)
    for d in (permis, shop):
        p.do(d, "rc_check", {"complete": True}, AGENT)
        assert titles(p, d, "cm_opinion") == {new_name}
    assert titles(p, begun, "cm_opinion") == {old_name}  # a commission under way keeps its version

    # the GUU bundle opened earlier, changed and deployed: its old copy of commission is not written
    guu.locator('#studio-tabs button[data-name="guu.bpmn"]').click()
    select_element(guu, "ga_payment")
    amount = guu.locator(f"{PANEL}guichet-deadline-amount")
    amount.fill("45")
    amount.press("Tab")
    expect(guu.locator(f"{PANEL}guichet-deadline")).to_have_value("P45D")  # written (the field is debounced)
    validate_and_deploy(guu, "Paiement : 45 jours", "guu_autorisation v2")
    # what the analyst is told: the commission in service is kept, their older copy not deployed
    said = guu.locator("#studio-status").inner_text()
    assert "commission v2 en service, la copie plus ancienne de ce bundle (v1) n'est pas redéployée" in said, said
    shot(guu, "changes-10-guu-deployed", full_page=False)
    assert versions_of(p, "commission") == [1, 2]
    tree = deployed_tree(p, "commission", 2, "shared.bpmn")
    assert tree.xpath('//bpmn:userTask[@id="cm_opinion"]/@name', namespaces=NS) == [new_name]
    later = p.file(CITIZEN, "permis_construire", SMALL)
    p.do(later, "rc_check", {"complete": True}, AGENT)
    assert titles(p, later, "cm_opinion") == {new_name}

    # changing that old copy of commission in the GUU page is refused as stale: it would drop
    # the rename; the analyst is told to reopen (and declines to deploy anyway)
    guu.locator('#studio-tabs button[data-name="shared.bpmn"]').click()
    select_element(guu, "cm_opinion")
    assert guu.locator(f"{PANEL}name").input_value() == old_name  # the copy opened before
    amount = guu.locator(f"{PANEL}guichet-deadline-amount")
    amount.fill("7")
    amount.press("Tab")
    expect(guu.locator(f"{PANEL}guichet-deadline")).to_have_value("P7D")
    answers = iter([True, False])  # deploy a new version? yes; deploy anyway over v2? no
    guu.on("dialog", lambda dialog: dialog.accept() if next(answers) else dialog.dismiss())
    guu.locator("body").click(position={"x": 5, "y": 5})
    guu.get_by_role("button", name="Déployer").click()
    expect(guu.locator("#studio-status")).to_contain_text(
        "« commission » v2 a été déployé par analyste@guichet.demo depuis l'ouverture de la v1")
    shot(guu, "changes-11-stale-commission-copy", full_page=False)
    assert versions_of(p, "commission") == [1, 2] and versions_of(p, "guu_autorisation") == [1, 2]
