"""The remaining change requests of issue 15, each done only through the Studio UI of a real
headless Chromium (palette, context pad, replace menu, properties panel, *Importer*), validated
and deployed while the server runs; then a dossier filed afterwards follows the change and one
filed before finishes on its old version. No XML is edited by hand; the diagram model is only
read (for assertions) and the canvas centred on an element.

Screenshots land in ``test-output/screenshots/changes-*.png``. Uses the ``live`` fixture of
:mod:`tests.web.test_browser`.
"""
from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from lxml import etree
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from engine.clock import utcnow
from engine.models import ProcessDefinition
from handlers.dossier_models import Notification
from tests.conftest import service_missing
from tests.procedures.conftest import Platform
from tests.web.test_browser import LiveSite, live, shot  # noqa: F401 - the live fixture
from tests.web.test_studio_panel_browser import NS, PANEL, center, open_group

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
    expect(page.locator("#studio-status")).to_contain_text("prêt à déployer")
    assert page.locator("#studio-problem-list li").count() == 0, page.locator("#studio-problem-list").inner_text()
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
    set_duration(page, 1, "days")
    from playwright.sync_api import expect
    expect(page.locator(f"{PANEL}guichet-timer")).to_have_value('"P1D"')
    shot(page, "changes-01-reminder-timer", full_page=False)

    # then a notification service task, its parameters from the operator's form, and an end
    notify = append(page, "append.append-task")
    replace(page, "replace-with-service-task")
    notify = selected(page)
    rename(page, "Rappeler l'échéance à l'agent")
    open_group(page)
    page.locator(f"{PANEL}guichet-operator").select_option("notify.send")
    page.locator(f"{PANEL}guichet-param-to").fill("task_holders")
    page.locator(f"{PANEL}guichet-param-to").press("Tab")
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
