"""The properties panel edits every attribute the engine reads, in a real headless Chromium:
an analyst inserts a notification service task and fills its operator's parameter form, sets a
timer with the duration picker and a flow condition, validates and deploys — only clicks and
typing; the deployed XML carries what was picked. Also: the pick lists the server gives, and
the panel in Arabic.
"""
from __future__ import annotations

import json
import re
from typing import TYPE_CHECKING, Any

from lxml import etree
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from engine.models import ProcessDefinition
from tests.conftest import Site
from tests.web.pages import page_errors
from tests.web.test_browser import LiveSite, live, shot  # noqa: F401 - the live fixture

if TYPE_CHECKING:
    from playwright.sync_api import Page

ANALYST = "analyste@guichet.demo"
NS = {"bpmn": "http://www.omg.org/spec/BPMN/20100524/MODEL",
      "spiffworkflow": "http://spiffworkflow.org/bpmn/schema/1.0/core"}
PANEL = "#bio-properties-panel-"


def picklists_of(site: Site) -> dict[str, Any]:
    page = site.client(ANALYST).get("/studio/processes/guu_autorisation/edit")
    assert page.status_code == 200
    config = re.search(r'id="studio-config">(.*?)</script>', page.get_data(as_text=True), re.S)
    assert config is not None
    return json.loads(config.group(1))["picklists"]


def test_pick_lists_feed_every_field(site: Site) -> None:
    lists = picklists_of(site)
    notify = next(o for o in lists["operators"] if o["key"] == "notify.send")
    assert notify["params"]["required"] == ["template", "to"] and "applicant" in notify["doc"]
    assert notify["params"]["properties"]["channel"]["enum"] == ["email", "sms"]
    assert {"guu_autorisation", "commission", "recevabilite"} <= set(lists["processes"])
    assert "fees" in " ".join(lists["decisions"]) or lists["decisions"], lists["decisions"]
    names = {d["name"] for d in lists["data"]}
    assert {"dossier_id", "applicant_id", 'fields["surface"]', "complete"} <= names, names
    assert any(o["code"] == "agence_urbaine" for o in lists["organisms"]), lists["organisms"]
    assert {"key": "guichet_agent", "fr": "Agent du guichet", "ar": "عون الشباك"} in lists["roles"]


def center(page: Page, element_id: str) -> None:
    """Scroll the canvas so that the element is in the middle."""
    page.evaluate("""id => { const s = window.studio.bpmn, el = s.get('elementRegistry').get(id);
        const canvas = s.get('canvas'), outer = canvas.viewbox().outer;
        const c = el.waypoints ? el.waypoints[0] : {x: el.x + el.width / 2, y: el.y + el.height / 2};
        canvas.viewbox({x: c.x - outer.width / 2, y: c.y - outer.height / 2,
                        width: outer.width, height: outer.height}); }""", element_id)


# the element, or its label (a click beside a flow may land on it): the panel shows the same
SELECTED = "id => ((window.studio.bpmn.get('selection').get()[0] || {}).businessObject || {}).id === id"


def select_element(page: Page, element_id: str) -> None:
    """Center the shape, click it until the modeler says it is selected (a click landing while
    the canvas still moves, or on the context pad of the previous selection, selects nothing),
    then open our properties group if folded."""
    from playwright.sync_api import TimeoutError as Timeout
    center(page, element_id)
    shape = page.locator(f'.djs-element[data-element-id="{element_id}"]').first
    for attempt in range(3):
        shape.click()
        try:
            page.wait_for_function(SELECTED, arg=element_id, timeout=3000)
            break
        except Timeout:
            if attempt == 2:
                raise
            page.keyboard.press("Escape")
    open_group(page)


def open_group(page: Page) -> None:
    from playwright.sync_api import expect
    header = page.locator('[data-group-id="group-guichet"] .bio-properties-panel-group-header')
    header.wait_for()
    if "open" not in (header.get_attribute("class") or ""):
        header.click()
    expect(header).to_have_class(re.compile(r"\bopen\b"))


def screen_point(page: Page, flow_id: str, at: float = 0.5) -> dict[str, float]:
    """Where on the screen a point of a flow's longest segment is (``at``: 0 start, 1 end)."""
    return page.evaluate("""([id, at]) => { const s = window.studio.bpmn, canvas = s.get('canvas');
        const points = s.get('elementRegistry').get(id).waypoints, vb = canvas.viewbox();
        let a = points[0], b = points[1];
        for (let i = 1; i < points.length; i++) {
          const [p, q] = [points[i - 1], points[i]];
          if (Math.hypot(q.x - p.x, q.y - p.y) > Math.hypot(b.x - a.x, b.y - a.y)) { a = p; b = q; }
        }
        const box = canvas.getContainer().getBoundingClientRect();
        const x = a.x + (b.x - a.x) * at, y = a.y + (b.y - a.y) * at;
        return {x: box.left + (x - vb.x) * vb.scale, y: box.top + (y - vb.y) * vb.scale}; }""", [flow_id, at])


def select_flow(page: Page, flow_id: str) -> None:
    """Center the flow, click on it (beside its label), open our properties group."""
    center(page, flow_id)
    point = screen_point(page, flow_id, 0.2)
    page.mouse.click(point["x"], point["y"])
    page.wait_for_function(SELECTED, arg=flow_id, timeout=5000)
    open_group(page)


def test_panel_edits_what_the_engine_reads(live: LiveSite, sessions: sessionmaker[Session]) -> None:  # noqa: F811
    from playwright.sync_api import expect

    page = live.login(ANALYST)
    errors = page_errors(page)
    page.goto("/studio/processes/guu_autorisation/edit")
    page.wait_for_selector("body.studio-ready")

    # a task dropped on the flow between two tasks, made a service task, given notify.send
    center(page, "guu_autorisation_f26")
    point = screen_point(page, "guu_autorisation_f26")
    page.locator('.djs-palette [data-action="create.task"]').click()
    page.mouse.move(point["x"] - 20, point["y"])
    page.mouse.move(point["x"], point["y"])
    page.mouse.click(point["x"], point["y"])
    page.locator('.djs-context-pad [data-action="replace"]').click()
    page.locator('.djs-popup [data-id="replace-with-service-task"]').click()
    open_group(page)
    page.locator(f"{PANEL}guichet-operator").select_option("notify.send")
    to = page.locator(f"{PANEL}guichet-param-to")
    expect(to).to_be_visible()  # the operator's parameter form, from its schema
    assert "(obligatoire)" in page.locator('[data-entry-id="guichet-param-to"]').inner_text()
    to.fill("applicant")
    to.press("Tab")
    template = page.locator(f"{PANEL}guichet-param-template")
    # a message of the deployed catalog, shown as its French and Arabic texts
    assert "Dossier {number} : montant à payer" in template.inner_text()
    template.select_option("fees_due")
    page.locator(f"{PANEL}guichet-param-channel").select_option("sms")
    new_id = page.evaluate("window.studio.bpmn.get('selection').get()[0].id")
    shot(page, "studio-panel-01-operator-params", full_page=False)

    # the resubmission timer: read back (30 days), then 2 weeks through the picker
    select_element(page, "ga_resubmit_late")
    amount = page.locator(f"{PANEL}guichet-timer-amount")
    assert amount.input_value() == "30"
    assert page.locator(f"{PANEL}guichet-timer-unit").input_value() == "days"
    amount.fill("2")
    amount.press("Tab")
    page.locator(f"{PANEL}guichet-timer-unit").select_option("weeks")
    expect(page.locator(f"{PANEL}guichet-timer")).to_have_value('"P2W"')
    shot(page, "studio-panel-02-timer", full_page=False)

    # the condition of the "fees due" flow, with the variables it may read listed
    flow = page.evaluate("""() => window.studio.bpmn.get('elementRegistry').filter(e => e.type === 'bpmn:SequenceFlow'
        && (e.businessObject.conditionExpression || {}).body === 'fees_due == True')[0].id""")
    select_flow(page, flow)
    condition = page.locator(f"{PANEL}guichet-condition")
    assert condition.input_value() == "fees_due == True"
    described = page.locator('[data-entry-id="guichet-condition"]').inner_text()
    assert "applicant_id" in described and 'fields["surface"]' in described
    condition.fill('fees_due == True and fields["surface"] > 0')
    condition.press("Tab")
    shot(page, "studio-panel-03-condition", full_page=False)

    page.locator("body").click(position={"x": 5, "y": 5})
    page.get_by_role("button", name="Valider").click()
    expect(page.locator("#studio-status")).not_to_be_empty()
    assert page.locator("#studio-problem-list").inner_text() == "", page.locator("#studio-problem-list").inner_text()
    expect(page.locator("#studio-status")).to_contain_text("prêt à déployer")
    assert page.locator("#studio-problem-list li").count() == 0
    page.fill("#studio-comment", "Notification par SMS, relance à 2 semaines")
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Déployer").click()
    expect(page.locator("#studio-status")).to_contain_text("guu_autorisation v2")
    assert errors == [], errors

    with sessions() as s:
        sources = s.scalar(select(ProcessDefinition.sources).where(
            ProcessDefinition.process_key == "guu_autorisation", ProcessDefinition.version == 2))
    assert sources is not None
    tree = etree.fromstring(sources["guu.bpmn"].encode())
    [task] = tree.xpath(f'//bpmn:serviceTask[@id="{new_id}"]', namespaces=NS)
    [operator] = task.xpath(".//spiffworkflow:serviceTaskOperator", namespaces=NS)
    assert operator.get("id") == "notify.send"
    params = {p.get("id"): p.get("value") for p in operator.xpath(".//spiffworkflow:parameter", namespaces=NS)}
    assert params == {"to": "'applicant'", "template": "'fees_due'", "channel": "'sms'"}
    [incoming] = task.xpath("bpmn:incoming/text()", namespaces=NS)
    assert tree.xpath(f'//bpmn:sequenceFlow[@id="{incoming}"]/@sourceRef', namespaces=NS) == ["ga_notify_fees"]
    [timer] = tree.xpath('//bpmn:boundaryEvent[@id="ga_resubmit_late"]//bpmn:timeDuration/text()', namespaces=NS)
    assert timer == '"P2W"'
    [cond] = tree.xpath(f'//bpmn:sequenceFlow[@id="{flow}"]/bpmn:conditionExpression/text()', namespaces=NS)
    assert cond == 'fees_due == True and fields["surface"] > 0'

    # the same panel in Arabic, bpmn.io's own texts included
    page.goto("/lang/ar")
    page.goto("/studio/processes/guu_autorisation/edit")
    page.wait_for_selector("body.studio-ready")
    select_element(page, "ga_resubmit_late")
    assert page.locator(f"{PANEL}guichet-timer-unit option:checked").inner_text() == "أسابيع"
    headers = page.locator(".bio-properties-panel-group-header-title").all_inner_texts()
    assert "عام" in headers and "General" not in headers, headers
    select_element(page, "ga_receipt")  # what an operator does, in Arabic too
    assert "يُعد وصل الإيداع" in page.locator('[data-entry-id="guichet-operator"]').inner_text()
    shot(page, "studio-panel-04-arabic", full_page=False)
    assert errors == [], errors
