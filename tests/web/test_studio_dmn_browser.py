"""Change request "make the agence urbaine's opinion binding for lotissements only", done
only by clicking and typing in the Studio's dmn-js table editor (real headless Chromium),
validated and deployed while the server runs; then a lotissement filed afterwards is
refused on an unfavourable agence urbaine opinion, a permis de construire filed afterwards
no longer counts that opinion as binding, and a permis whose examination began before the
deployment finishes on its version (the opinion stays binding there).

Uses the ``live`` fixture of :mod:`tests.web.test_browser`.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from engine.models import ProcessDefinition
from tests.procedures.conftest import Platform
from tests.procedures.test_deliberation_helpers import (
    AGENT,
    CITIZEN,
    FAV,
    LOT,
    PRESIDENT,
    SMALL,
    UNFAVOURABLE,
    binding_of,
    reasons,
)
from tests.web.pages import page_errors
from tests.web.test_browser import LiveSite, live, shot  # noqa: F401 - the live fixture

if TYPE_CHECKING:
    from playwright.sync_api import Page

ANALYST = "analyste@guichet.demo"
CELL = "avis_conformes_r0_i0"  # the "Procédure" cell of the agence urbaine's row


def type_in_cell(page: Page, element_id: str, text: str, kind: str = "") -> None:
    """Click a decision-table cell, select what it holds and type ``text`` over it."""
    cell = page.locator(f'td{kind}[data-element-id="{element_id}"] [contenteditable="true"]')
    cell.click()
    page.keyboard.press("Control+A")
    page.keyboard.type(text)
    page.locator("#studio-dmn .tjs-table th").first.click()  # leave the cell
    # dmn-js takes a cell's text into its model a moment after the typing: wait until it has it
    for _ in range(50):
        if text in page.evaluate("async () => (await window.studio.dmn.saveXML()).xml"):
            return
        page.wait_for_timeout(100)
    raise AssertionError(f"the decision table never took {text!r}")


def sign(p: Platform, d: int) -> None:
    assert p.open_steps(d) == ["sg_approve"]
    p.do(d, "sg_approve", {"approve": True}, PRESIDENT)


def test_analyst_makes_the_agence_urbaine_binding_for_lotissements_only(
        live: LiveSite, sessions: sessionmaker[Session]) -> None:  # noqa: F811
    with live.site.app.app_context():  # the engine's sessions come from Flask-SQLAlchemy
        _journey(live, sessions)


def _journey(live: LiveSite, sessions: sessionmaker[Session]) -> None:  # noqa: F811
    from playwright.sync_api import expect

    from web.bootstrap import get_engine
    app = live.site.app
    p = Platform(get_engine(app), sessions, app.extensions["guichet.ports"], clock=None)  # type: ignore[arg-type]
    before = p.file(CITIZEN, "permis_construire", SMALL)
    p.do(before, "rc_check", {"complete": True}, AGENT)  # its examination begins on the shipped table

    page = live.login(ANALYST)
    errors = page_errors(page)
    page.goto("/studio/")
    page.locator("#process-guu_autorisation").get_by_role("link", name="Modifier").click()
    page.wait_for_selector("body.studio-ready")
    page.locator('#studio-tabs button[data-name="avis_conformes.dmn"]').click()
    expect(page.locator("#studio-dmn .tjs-table")).to_be_visible()
    cell = page.locator(f'td[data-element-id="{CELL}"]')
    expect(cell).to_contain_text("autorisation_lotir")
    expect(cell).to_contain_text("permis_construire")
    type_in_cell(page, CELL, '"autorisation_lotir"')
    expect(cell).to_have_text('"autorisation_lotir"')
    type_in_cell(page, "avis_conformes_r0", "L'avis de l'agence urbaine est conforme pour les lotissements",
                 ".annotation")
    shot(page, "studio-dmn-01-binding-table", full_page=False)

    page.get_by_role("button", name="Valider").click()
    expect(page.locator("#studio-status")).to_contain_text("prêt à déployer")
    page.fill("#studio-comment", "Avis conforme de l'agence urbaine : lotissements seulement")
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Déployer").click()
    expect(page.locator("#studio-status")).to_contain_text("commission v2")
    shot(page, "studio-dmn-02-deployed", full_page=False)
    assert errors == [], errors
    with p.sessions() as s:  # what dmn-js wrote is what was deployed
        source = s.scalar(select(ProcessDefinition.sources).where(
            ProcessDefinition.process_key == "commission", ProcessDefinition.version == 2))["avis_conformes.dmn"]
    assert '<text>"autorisation_lotir"</text>' in source and "permis_construire" not in source
    assert "conforme pour les lotissements</description>" in source

    # a lotissement filed afterwards: the agence urbaine's unfavourable opinion refuses it
    lot = p.file(CITIZEN, "autorisation_lotir", LOT)
    p.do(lot, "rc_check", {"complete": True}, AGENT)
    p.opinions(lot, {"agence_urbaine": UNFAVOURABLE, "urbanisme": FAV, "protection_civile": FAV, "regie": FAV})
    sign(p, lot)
    decision = p.decision(lot)
    assert decision is not None and decision.outcome == "refus"
    assert reasons(p, lot) == {"avis conforme défavorable"} and binding_of(p, lot)["agence_urbaine"] is True
    # a permis filed afterwards: the same opinion is no longer binding (the other rules decide)
    permis = p.file(CITIZEN, "permis_construire", SMALL)
    p.do(permis, "rc_check", {"complete": True}, AGENT)
    p.opinions(permis, {"agence_urbaine": UNFAVOURABLE, "urbanisme": FAV})
    assert binding_of(p, permis)["agence_urbaine"] is False
    assert reasons(p, permis) == {"avis défavorable"}
    # the examination begun before the deployment finishes on its version
    p.opinions(before, {"agence_urbaine": UNFAVOURABLE, "urbanisme": FAV})
    assert binding_of(p, before)["agence_urbaine"] is True
    assert reasons(p, before) == {"avis conforme défavorable"}
