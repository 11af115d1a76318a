"""Accessibility and phone width, in a real Chromium: the main pages pass axe-core's WCAG 2.1
AA rules (axe-core vendored under web/static/vendor/axe-core, injected by Playwright), in
French and in Arabic, and the applicant's pages fit a 360 px wide screen without scrolling
sideways."""
from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tests.web.pages import sign_in
from tests.web.test_browser import AGENT, CITIZEN, LiveSite, live  # noqa: F401 - the fixture

if TYPE_CHECKING:
    from playwright.sync_api import Page

AXE = Path(__file__).resolve().parents[2] / "web" / "static" / "vendor" / "axe-core" / "axe.min.js"
WCAG_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
PHONE = {"width": 360, "height": 780}
SHOTS = Path(__file__).resolve().parents[2] / "test-output" / "screenshots"


def axe_violations(page: Page) -> list[dict[str, Any]]:
    """axe-core's WCAG 2.1 A/AA violations on the page as it is now."""
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("""(tags) => axe.run(document, {runOnly: {type: 'tag', values: tags},
                                                         resultTypes: ['violations']})""", WCAG_AA)
    return [{"id": v["id"], "impact": v["impact"], "help": v["help"],
             "nodes": [n["target"] for n in v["nodes"]][:5]} for v in result["violations"]]


# words that give away English in a French or Arabic page, or French in an Arabic one
ENGLISH = re.compile(r"\b(the|is|was|has|your|already|must|cannot|this|not|error|file)\b", re.I)
FRENCH = re.compile(r"\b(le|la|les|du|des|en cours|échéance|dossier|commune|procédure)\b", re.I)


def foreign_words(page: Page, lang: str) -> list[str]:
    """English words on the page (and French ones on an Arabic page), in its visible text."""
    text = page.evaluate("document.body.innerText")
    found = ENGLISH.findall(text)
    if lang == "ar":
        found += FRENCH.findall(text)
    return found


def overflow(page: Page) -> int:
    """How far the page scrolls sideways at its current width (0: it fits)."""
    return int(page.evaluate("document.scrollingElement.scrollWidth - window.innerWidth"))


def person(live: LiveSite, email: str | None, *, phone: bool = False) -> Page:  # noqa: F811
    context = live.browser.new_context(base_url=live.base_url, locale="fr-FR", bypass_csp=True,
                                       viewport=PHONE if phone else {"width": 1280, "height": 900})
    context.set_default_timeout(15_000)
    page = context.new_page()
    if email:
        sign_in(page, email, "demo-password-123")
    return page


def language(page: Page, lang: str) -> None:
    page.goto(f"/lang/{lang}")
    page.wait_for_load_state()


def test_main_pages_pass_axe_in_french_and_arabic_and_fit_a_phone(live: LiveSite) -> None:  # noqa: F811
    SHOTS.mkdir(parents=True, exist_ok=True)
    applicant = person(live, CITIZEN)
    applicant.goto("/dossiers/new")
    applicant.select_option("#procedure", "permis_construire")
    applicant.select_option("#commune", "casablanca")
    applicant.get_by_role("button", name="Créer le brouillon").click()
    draft = applicant.url
    applicant.fill("#f-parcelle", "TF 1234/C")
    applicant.fill("#f-adresse", "12, boulevard Zerktouni")
    applicant.select_option("#f-usage", "habitation_individuelle")
    applicant.fill("#f-surface", "120")
    applicant.fill("#f-niveaux", "2")
    applicant.get_by_role("button", name="Enregistrer le brouillon").click()
    table = applicant.locator("table tbody tr")
    for i in range(table.count()):
        row = table.nth(i)
        if row.locator("td").first.inner_text().rstrip().endswith("*"):
            kind = row.locator("input[name=kind]").get_attribute("value")
            row.locator("input[type=file]").set_input_files(str(live.pdf(kind or "piece")))
            row.get_by_role("button", name="Téléverser").click()
    applicant.get_by_role("button", name="Déposer le dossier").click()
    assert re.search(r"PC-CASABLANCA-\d{4}-\d{6}", applicant.locator("h1").inner_text())

    agent = person(live, AGENT)
    agent.goto("/inbox")
    task = agent.locator("table tbody tr a[href*='/tasks/']").first.get_attribute("href")

    pages: list[tuple[str, Page, str]] = [
        ("login", person(live, None), "/auth/login"),
        ("dossiers", applicant, "/dossiers/"),
        ("filing", applicant, "/dossiers/new"),
        ("dossier", applicant, draft),
        ("inbox", agent, "/inbox"),
        ("task", agent, task or "/inbox"),
        ("verify", person(live, None), "/verify"),
    ]
    # axe really runs and reports: a control without a label on the login page is caught
    probe = pages[0][1]
    probe.goto("/auth/login")
    probe.evaluate("document.querySelector('main').insertAdjacentHTML('beforeend', '<input id=probe>')")
    assert "label" in {v["id"] for v in axe_violations(probe)}

    # the keyboard focus is visible: a thick outline on whatever Tab reaches, links and fields alike
    probe.goto("/auth/login")
    for _ in range(4):
        probe.keyboard.press("Tab")
        ring = probe.evaluate("""() => { const s = getComputedStyle(document.activeElement);
            return [document.activeElement.tagName, s.outlineStyle, parseFloat(s.outlineWidth)]; }""")
        assert ring[1] != "none" and ring[2] >= 2, ring

    found: dict[str, list[dict[str, Any]]] = {}
    for lang in ("fr", "ar"):
        for name, page, url in pages:
            language(page, lang)
            page.goto(url)
            page.wait_for_load_state()
            assert page.evaluate("document.documentElement.lang") == lang
            violations = axe_violations(page)
            if violations:
                found[f"{name} ({lang})"] = violations
            words = foreign_words(page, lang)
            if words:
                found[f"{name} ({lang}) words"] = [{"id": w} for w in words]
    assert found == {}, found

    # the applicant's pages on a 360 px wide phone, in both directions: the list, the filing
    # form, a draft with its upload forms, the filed dossier with its timeline, verification
    phone = person(live, CITIZEN, phone=True)
    language(phone, "fr")
    phone.goto("/dossiers/new")
    phone.select_option("#procedure", "permis_construire")
    phone.select_option("#commune", "casablanca")
    phone.get_by_role("button", name="Créer le brouillon").click()
    second = phone.url
    widths: dict[str, int] = {}
    for lang in ("fr", "ar"):
        language(phone, lang)
        for url in ("/dossiers/", "/dossiers/new", second, draft, "/verify"):
            phone.goto(url)
            phone.wait_for_load_state()
            widths[f"{url} ({lang})"] = int(phone.evaluate("document.scrollingElement.scrollWidth"))
            assert overflow(phone) == 0, (url, lang)
            assert axe_violations(phone) == [], (url, lang)  # the draft's upload forms too
            assert phone.evaluate("document.documentElement.dir") == ("rtl" if lang == "ar" else "ltr")
            phone.screenshot(path=str(SHOTS / f"phone-{len(widths):02d}-{lang}.png"), full_page=True)
    assert all(w <= 360 for w in widths.values()), widths
    assert phone.locator("form.upload input[type=file]").count() == 0  # the filed dossier takes no upload
    phone.goto(second)
    files = phone.locator("form.upload input[type=file]")
    assert files.count() == 6 and all(files.nth(i).is_visible() for i in range(6))


def test_an_arabic_code_copied_from_the_page_opens_the_decision(live: LiveSite) -> None:  # noqa: F811
    """Select the code as displayed on the Arabic verify page, type it back in the code field:
    the decision opens (200), as it would for a person reading and typing it."""
    from tests.web.test_portal import test_whole_journey_through_pages
    live.site.app.config["WTF_CSRF_ENABLED"] = False  # the journey runs through the test client
    try:
        test_whole_journey_through_pages(live.site)
    finally:
        live.site.app.config["WTF_CSRF_ENABLED"] = True
    page = person(live, None)
    language(page, "ar")
    # the code as the decision's QR code links to it
    from sqlalchemy import select

    from handlers.dossier_models import Decision
    from web.extensions import db
    with live.site.app.app_context():
        code = db.session.scalar(select(Decision.verification_code))
    page.goto(f"/verify/{code}")
    shown = page.evaluate("""() => { const node = document.querySelector('main code');
        const range = document.createRange(); range.selectNodeContents(node);
        const selection = window.getSelection(); selection.removeAllRanges(); selection.addRange(range);
        return selection.toString(); }""")
    assert shown == code
    page.fill("#verify-code", shown)
    with page.expect_response(lambda r: "/verify/" in r.url and r.request.method == "GET") as answer:
        page.locator("form.verify-code button[type=submit]").click()
    assert answer.value.status == 200
    assert page.evaluate("document.documentElement.dir") == "rtl"
    assert page.locator(".verdict.ok").count() == 1 and "ترخيص ممنوح" in page.locator("main").inner_text()
