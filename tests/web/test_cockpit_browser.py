"""The cockpit in a real headless Chromium: the diagram drawn by bpmn-js with each element's
figures overlaid, a click on an element lists its dossiers, a dossier shows its path.

Uses the ``live`` fixture of :mod:`tests.web.test_browser` (CSRF on, a real HTTP server, Debian's
Chromium). Screenshots land in ``test-output/screenshots/``.
"""
from __future__ import annotations

import json

from tests.studio.test_cockpit import ANALYST, seed
from tests.web.test_browser import LiveSite, live, shot  # noqa: F401 - the live fixture


def test_cockpit_overlays_click_and_dossier_path(live: LiveSite) -> None:  # noqa: F811 - the fixture
    seeded = seed(live.site)
    errors: list[str] = []
    page = live.login(ANALYST)
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto("/studio/cockpit/guu_autorisation")
    canvas = page.locator("#cockpit-canvas")
    page.wait_for_selector("#cockpit-canvas[data-ready='true']")
    assert canvas.get_attribute("data-error") is None
    stats = json.loads(page.locator("#cockpit-data").text_content())["stats"]

    # the call activity holding the completeness check shows what waits inside it
    recv = page.locator(".cockpit-overlay[data-element='ga_recv']")
    assert recv.locator(".cockpit-badge.waiting").inner_text() == str(stats["ga_recv"]["waiting"]) == "4"
    assert recv.locator(".cockpit-badge.overdue").inner_text() == "2"
    assert page.locator(".djs-element[data-element-id='ga_recv']").is_visible()
    assert not [e for e in errors if "Content Security Policy" in e or "Refused" in e], errors
    shot(page, "cockpit-01-guu", full_page=False)

    # the shared diagram: the check itself, with its median dwell time
    page.get_by_role("link", name="shared.bpmn").click()
    page.wait_for_selector("#cockpit-canvas[data-ready='true']")
    check = page.locator(".cockpit-overlay[data-element='rc_check']")
    assert check.locator(".cockpit-badge.waiting").inner_text() == "4"
    assert check.locator(".cockpit-badge.dwell").count() == 1
    shot(page, "cockpit-02-shared", full_page=False)

    # click the element: its dossiers are listed
    page.locator(".djs-element[data-element-id='rc_check']").click()
    page.wait_for_url("**element=rc_check**")
    page.wait_for_selector("#cockpit-canvas[data-ready='true']")
    rows = page.locator("table.cockpit-waiting tbody tr")
    assert rows.count() == 4 and page.locator("table.cockpit-waiting tr.overdue").count() == 2
    assert page.locator(".djs-element.cockpit-selected[data-element-id='rc_check']").count() == 1
    shot(page, "cockpit-03-element-dossiers")

    # one dossier's own view: the path it took, where it waits
    rows.first.get_by_role("link").click()
    page.wait_for_selector("#cockpit-canvas[data-ready='true']")
    assert page.locator(".djs-element.cockpit-current[data-element-id='rc_check']").count() == 1
    assert page.locator(".djs-element.cockpit-done").count() >= 1
    assert page.locator("table.cockpit-audit tbody tr").count() >= 3
    shot(page, "cockpit-04-dossier")
    assert seeded["old"] and not [e for e in errors if "Refused" in e], errors


def test_indicators_page_in_a_real_browser(live: LiveSite) -> None:  # noqa: F811 - the fixture
    """The public page without signing in: the period form, the table, the SVG chart, in
    French, in Arabic (mirrored) and on a phone."""
    from tests.studio.test_indicators_page import seed as seed_decisions
    from tests.web.test_browser import horizontal_overflow
    seed_decisions(live.site)
    page = live.context().new_page()
    page.goto("/")
    page.get_by_role("link", name="Indicateurs").click()
    page.fill("#from", "2026-03-01")
    page.fill("#to", "2026-06-30")
    page.get_by_role("button", name="Afficher").click()
    page.wait_for_load_state()
    assert "from=2026-03-01" in page.url
    assert page.locator("table.indicators tbody tr").count() == 2
    assert page.locator("figure.chart svg rect.bar-p90").count() == 2
    shot(page, "indicators-01-fr")
    page.get_by_role("link", name="العربية").click()
    page.wait_for_load_state()
    assert page.evaluate("document.documentElement.dir") == "rtl"
    assert page.locator("figure.chart svg").get_attribute("direction") == "rtl"
    shot(page, "indicators-02-ar")
    phone = live.context().new_page()
    phone.set_viewport_size({"width": 390, "height": 844})
    phone.goto("/indicators?from=2026-03-01&to=2026-06-30")
    assert horizontal_overflow(phone) == 0
    shot(phone, "indicators-03-phone")


def test_migration_dry_run_and_move_in_a_real_browser(live: LiveSite) -> None:  # noqa: F811 - the fixture
    """CSRF on, real forms: the dry run on seeded permits after a v2, then the move."""
    from tests.studio.test_migration_pages import deploy_v2
    seed(live.site)
    deploy_v2(live.site)
    page = live.login(ANALYST)
    page.goto("/studio/cockpit")
    page.locator("#cockpit-guu_autorisation").get_by_role("link", name="Migration").click()
    page.get_by_role("button", name="Simuler la migration vers la dernière version").click()
    page.wait_for_load_state()
    assert page.locator("tr.movable").count() == 4 and page.locator("tr.blocked").count() == 1
    # it went through the check whose flows v2 rewired (the reception's outgoing flow, the
    # gateway's incoming one: which of them the pruned state still holds, the reason names)
    assert "que la nouvelle version relie autrement (flux" in page.locator("tr.blocked").inner_text()
    shot(page, "migration-01-dry-run")
    page.get_by_role("button", name="Migrer les dossiers cochés").click()
    page.wait_for_load_state()
    assert page.locator("li.moved").count() == 4
    shot(page, "migration-02-moved")
    page.goto("/studio/cockpit/guu_autorisation")
    assert page.locator("nav.cockpit-versions").inner_text().replace("\n", " ").count("(") == 2
    assert "v1 (1)" in page.locator("nav.cockpit-versions").inner_text()
    assert "v2 (4)" in page.locator("nav.cockpit-versions").inner_text()
