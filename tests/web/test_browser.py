"""The whole permit journey in a real headless Chromium, through the pages only.

The application runs behind a real HTTP server (werkzeug, threaded, on 127.0.0.1) with CSRF
protection ON, as in production; Playwright drives Debian's Chromium (``/usr/bin/chromium``:
never a browser build that Playwright would download itself). Each person has their own browser
context (their own cookies). Screenshots of the main pages land in ``test-output/screenshots/``.

Without Chromium or the ``playwright`` package the test is skipped with the reason, except
under ``CI=true`` where that fails the run.
"""
from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from werkzeug.serving import make_server

from tests.conftest import service_missing
from tests.pdfs import tiny_pdf
from tests.web.conftest import DEMO_PASSWORD, Site
from tests.web.pages import sign_in

if TYPE_CHECKING:
    from playwright.sync_api import Browser, BrowserContext, Page

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run"]
SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-output" / "screenshots"
TIMEOUT_MS = 15_000

CITIZEN = "citoyen@guichet.demo"
AGENT = "guichet@casablanca.demo"
MEMBERS = ("agence-urbaine@casablanca.demo", "urbanisme@casablanca.demo")
PRESIDENT = "president@casablanca.demo"
NUMBER = re.compile(r"PC-CASABLANCA-\d{4}-\d{6}")
TIMELINE = ["Déposé", "Vérification de la recevabilité", "En examen par la commission", "Taxes à payer",
            "En signature", "Autorisation délivrée"]


@dataclass
class LiveSite:
    """The site served over HTTP, and the browser that visits it."""

    site: Site
    base_url: str
    browser: Browser
    tmp_path: Path

    def context(self, **options: Any) -> BrowserContext:
        """A fresh browser context (its own cookies): one per person."""
        context = self.browser.new_context(base_url=self.base_url, locale="fr-FR", accept_downloads=True,
                                           viewport={"width": 1280, "height": 900}, **options)
        context.set_default_timeout(TIMEOUT_MS)
        return context

    def login(self, email: str, password: str = DEMO_PASSWORD) -> Page:
        """A new context signed in as ``email`` through the login form."""
        page = self.context().new_page()
        sign_in(page, email, password)
        return page

    def pdf(self, name: str) -> Path:
        """A small valid PDF on disk, for a file input."""
        path = self.tmp_path / f"{name}.pdf"
        path.write_bytes(tiny_pdf(name))
        return path


def shot(page: Page, name: str, full_page: bool = True) -> Path:
    """Save a screenshot of ``page`` as ``test-output/screenshots/<name>.png``."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=full_page)
    return path


def flash(page: Page) -> str:
    """The text of the page's flash messages."""
    return " ".join(page.locator("p.flash").all_inner_texts())


def horizontal_overflow(page: Page) -> int:
    """How many CSS pixels the page is wider than its viewport (0: nothing sticks out)."""
    return int(page.evaluate("document.documentElement.scrollWidth - window.innerWidth"))


@pytest.fixture
def live(site: Site, tmp_path: Path) -> Iterator[LiveSite]:
    """The ``site`` fixture's application with CSRF protection enabled, served by a real threaded
    HTTP server on a free port of 127.0.0.1, visited by a headless Chromium."""
    try:
        from playwright.sync_api import Error as PlaywrightError
        from playwright.sync_api import sync_playwright
    except ImportError as exc:
        service_missing(f"the playwright package is not installed ({exc}): pip install playwright")
    if not CHROMIUM.exists():
        service_missing(f"{CHROMIUM} is missing: apt-get install chromium")
    # Same application as the ``site`` fixture; Flask-WTF reads this flag on every request.
    site.app.config["WTF_CSRF_ENABLED"] = True
    server = make_server("127.0.0.1", 0, site.app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="guichet-http", daemon=True)
    thread.start()
    try:
        with sync_playwright() as playwright:
            try:
                browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
            except PlaywrightError as exc:
                service_missing(f"Chromium at {CHROMIUM} does not start: {exc}")
            try:
                yield LiveSite(site, f"http://127.0.0.1:{server.server_port}", browser, tmp_path)
            finally:
                browser.close()
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


def test_permit_journey_in_a_real_browser(live: LiveSite) -> None:
    """Sign up, file a building permit with its PDFs, and follow it through every office to the
    signed decision; then the same dossier in Arabic (right to left) and on a phone."""
    applicant = live.context().new_page()

    # Landing page, then sign up from it.
    applicant.goto("/")
    assert applicant.evaluate("document.documentElement.dir") == "ltr"
    assert applicant.get_by_text("Permis de construire").first.is_visible()
    shot(applicant, "01-landing")
    applicant.get_by_role("link", name="Créer un compte").first.click()
    assert applicant.url.endswith("/auth/signup")
    applicant.fill("#full_name", "Amina Saidi")
    applicant.fill("#email", "amina.browser@example.ma")
    applicant.fill("#password", "long-enough-pass")
    applicant.fill("#confirm", "long-enough-pass")
    shot(applicant, "02-signup")
    applicant.get_by_role("button", name="Créer mon compte").click()
    assert applicant.url.endswith("/dossiers/"), flash(applicant)
    assert "Bienvenue" in flash(applicant)

    # CSRF is really on: a POST without the page's token is refused.
    refused = applicant.request.post(f"{live.base_url}/dossiers/new",
                                     form={"procedure": "permis_construire", "commune": "casablanca"})
    assert refused.status == 400

    # A draft permis de construire in Casablanca, with the project fields.
    applicant.get_by_role("link", name="Nouveau dossier").click()
    applicant.select_option("#procedure", "permis_construire")
    applicant.select_option("#commune", "casablanca")
    applicant.get_by_role("button", name="Créer le brouillon").click()
    assert re.search(r"/dossiers/\d+$", applicant.url), applicant.url
    dossier_url = applicant.url
    applicant.fill("#f-parcelle", "TF 1234/C")
    applicant.select_option("#f-usage", "habitation_individuelle")
    applicant.fill("#f-surface", "120")
    applicant.fill("#f-niveaux", "2")
    applicant.get_by_role("button", name="Enregistrer le brouillon").click()
    assert "Brouillon enregistré" in flash(applicant)
    assert applicant.input_value("#f-parcelle") == "TF 1234/C"

    # Every required piece of the checklist (marked *), one PDF each.
    table = applicant.locator("table tbody tr")
    rows = [table.nth(i) for i in range(table.count())]
    required = [row.locator("input[name=kind]").get_attribute("value")
                for row in rows if row.locator("td").first.inner_text().rstrip().endswith("*")]
    assert len(required) == 5, required
    for kind in required:
        form = applicant.locator("form.upload", has=applicant.locator(f"input[name=kind][value={kind}]"))
        form.locator("input[type=file]").set_input_files(str(live.pdf(kind)))
        form.get_by_role("button", name="Téléverser").click()
        assert "Document ajouté" in flash(applicant), flash(applicant)
        row = applicant.locator("table tbody tr", has=applicant.locator(f"input[name=kind][value={kind}]"))
        assert "v1" in row.locator("td").nth(1).inner_text()
    shot(applicant, "03-dossier-draft")

    applicant.get_by_role("button", name="Déposer le dossier").click()
    assert "Dossier déposé sous le numéro" in flash(applicant), flash(applicant)
    match = NUMBER.search(applicant.locator("h1").inner_text())
    assert match, applicant.locator("h1").inner_text()
    number = match.group(0)

    # The guichet agent: the dossier is in "Mes tâches"; complete, validated.
    agent = live.login(AGENT)
    agent.get_by_role("link", name="Mes tâches").click()
    assert agent.url.endswith("/inbox")
    row = agent.locator("table tbody tr", has_text=number)
    assert row.count() == 1, agent.locator("main").inner_text()
    shot(agent, "04-inbox")
    row.get_by_role("link").first.click()
    assert re.search(r"/tasks/[0-9a-f-]{36}$", agent.url), agent.url
    assert number in agent.locator("main").inner_text()
    shot(agent, "05-task-form")
    agent.get_by_label("Le dossier est complet").check()
    agent.get_by_role("button", name="Valider").click()
    assert agent.url.endswith("/inbox") and number in flash(agent), flash(agent)

    # Each commission member sees exactly one opinion task, their own, and gives it.
    for member in MEMBERS:
        page = live.login(member)
        page.goto("/inbox")
        links = page.locator("table tbody tr a[href*='/tasks/']")
        assert links.count() == 1, f"{member}: {page.locator('main').inner_text()}"
        assert number in page.locator("table tbody tr").first.inner_text()
        links.first.click()
        page.get_by_label("Favorable", exact=True).check()
        page.get_by_role("button", name="Valider").click()
        assert page.url.endswith("/inbox") and number in flash(page), f"{member}: {flash(page)}"
        page.context.close()

    # The applicant downloads the payment order and declares the payment with the quittance.
    applicant.goto(dossier_url)
    assert "Taxe sur les opérations de construction" in applicant.locator("section.fees").inner_text()
    with applicant.expect_download() as download:
        applicant.get_by_role("link", name="Télécharger l'ordre de recette (PDF)").click()
    assert Path(download.value.path()).read_bytes().startswith(b"%PDF")
    applicant.set_input_files("#quittance-file", str(live.pdf("quittance")))
    applicant.get_by_role("button", name="Envoyer la quittance").click()
    assert "Paiement déclaré" in flash(applicant), flash(applicant)

    # The agent reconciles the payment against the order.
    agent.goto("/inbox")
    agent.locator("table tbody tr", has_text=number).get_by_role("link").first.click()
    agent.get_by_label("Le paiement est reçu et conforme à l'ordre de recette").check()
    agent.get_by_role("button", name="Valider").click()
    assert agent.url.endswith("/inbox") and number in flash(agent), flash(agent)
    agent.context.close()

    # The president approves and signs.
    president = live.login(PRESIDENT)
    president.goto("/inbox")
    president.locator("table tbody tr", has_text=number).get_by_role("link").first.click()
    president.get_by_label("J'approuve et je signe cette décision").check()
    president.get_by_role("button", name="Valider").click()
    assert number in flash(president), flash(president)
    president.context.close()

    # The applicant's timeline shows every step, and the signed decision downloads as a PDF.
    applicant.goto(dossier_url)
    statuses = applicant.locator("ol.timeline li strong").all_inner_texts()
    assert statuses == TIMELINE, statuses
    assert applicant.locator("h1 + p .status").inner_text() == "Autorisation délivrée"
    shot(applicant, "06-dossier-timeline")
    with applicant.expect_download() as download:
        applicant.get_by_role("link", name="Télécharger la décision signée").click()
    assert download.value.suggested_filename == f"decision-{number}.pdf"
    content = Path(download.value.path()).read_bytes()
    assert content.startswith(b"%PDF") and b"/ByteRange" in content  # signed (PAdES)

    # Arabic, right to left, through the language link.
    applicant.get_by_role("link", name="العربية").click()
    applicant.wait_for_load_state()
    assert applicant.url == dossier_url
    assert applicant.evaluate("document.documentElement.dir") == "rtl"
    assert applicant.evaluate("document.documentElement.lang") == "ar"
    assert applicant.evaluate("getComputedStyle(document.body).direction") == "rtl"
    assert "رخصة البناء" in applicant.locator("h1").inner_text()
    assert "تم تسليم الرخصة" in applicant.locator("ol.timeline").inner_text()
    shot(applicant, "07-dossier-arabic")

    # A phone-width window on the same dossier, in Arabic and in French.
    phone = applicant.context.new_page()
    phone.set_viewport_size({"width": 390, "height": 844})
    phone.goto(dossier_url)
    assert phone.evaluate("document.documentElement.dir") == "rtl"
    shot(phone, "08-dossier-phone-arabic")
    arabic_overflow = horizontal_overflow(phone)
    phone.get_by_role("link", name="Français").click()
    phone.wait_for_load_state()
    assert phone.evaluate("document.documentElement.dir") == "ltr"
    shot(phone, "08-dossier-phone")
    french_overflow = horizontal_overflow(phone)
    assert phone.get_by_role("link", name="Télécharger la décision signée").is_visible()
    assert (arabic_overflow, french_overflow) == (0, 0), "the page is wider than a phone"


def test_applicant_on_a_phone_can_upload_the_checklist(live: LiveSite) -> None:
    """A draft opened on a 390px-wide phone still offers a file input for each checklist piece."""
    page = live.login(CITIZEN)
    page.goto("/dossiers/new")
    page.select_option("#procedure", "permis_construire")
    page.select_option("#commune", "casablanca")
    page.get_by_role("button", name="Créer le brouillon").click()
    assert re.search(r"/dossiers/\d+$", page.url), page.url
    page.set_viewport_size({"width": 390, "height": 844})
    page.reload()
    shot(page, "09-dossier-draft-phone")
    assert horizontal_overflow(page) == 0
    inputs = page.locator("form.upload input[type=file]")
    assert inputs.count() == 6
    assert all(inputs.nth(i).is_visible() for i in range(inputs.count())), "upload inputs hidden on a phone"
