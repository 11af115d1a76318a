"""A commune taken from nothing to its first dossier in a real headless Chromium, in French
and in Arabic: the national administrator creates the commune and invites its
administrator, who creates two commissions and imports an agent, a president and the
commissions' members from a CSV file (a bad line is reported by the dry run, and nothing is
written); then an applicant files a dossier there and it reaches the right people's inboxes.

Uses the ``live`` fixture of :mod:`tests.web.test_browser`."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.web.admin_support import ADMIN, link_sent_to, people_csv
from tests.web.pages import sign_in
from tests.web.test_browser import CITIZEN, LiveSite, flash, live, shot  # noqa: F401 - the live fixture

PASSWORD = "a-new-password-1"
TEXT = {"fr": {"line": "Ligne 5", "sent": "Invitation envoyée", "nothing": "Rien n'a été enregistré"},
        "ar": {"line": "السطر 5", "sent": "أرسلت الدعوة", "nothing": "لم يسجل أي شيء"}}


def _welcome(site: LiveSite, email: str, lang: str) -> object:
    """``email`` opens the link of their invitation, chooses a password and signs in."""
    page = site.context().new_page()
    link = link_sent_to(site.site, email)
    page.goto(link)
    page.fill("#password", PASSWORD)
    page.fill("#confirm", PASSWORD)
    _submit(page, page.locator("#welcome button[type=submit]"))
    assert page.url.endswith("/auth/login"), page.url
    page.goto(link)
    assert "/auth/welcome/" in page.url and page.locator("#welcome").count() == 0  # spent
    sign_in(page, email, PASSWORD)
    page.goto(f"/lang/{lang}")
    return page


def _file(site: LiveSite, commune: str) -> str:
    """The demo applicant files a building permit in ``commune``; its number."""
    applicant = site.login(CITIZEN)
    applicant.goto("/dossiers/new")
    applicant.select_option("#procedure", "permis_construire")
    applicant.select_option("#commune", commune)
    applicant.get_by_role("button", name="Créer le brouillon").click()
    applicant.fill("#f-parcelle", "TF 77/S")
    applicant.select_option("#f-usage", "habitation_individuelle")
    applicant.fill("#f-surface", "110")
    applicant.fill("#f-niveaux", "1")
    applicant.get_by_role("button", name="Enregistrer le brouillon").click()
    for kind in ("demande", "certificat_propriete", "plan_situation", "plan_masse", "plans_architecte"):
        form = applicant.locator("form.upload", has=applicant.locator(f"input[name=kind][value={kind}]"))
        form.locator("input[type=file]").set_input_files(str(site.pdf(kind)))
        form.get_by_role("button", name="Téléverser").click()
    applicant.get_by_role("button", name="Déposer le dossier").click()
    number = re.search(r"PC-[A-Z]+-\d{4}-\d{6}", applicant.locator("h1").inner_text())
    assert number and commune.upper() in number.group(0), flash(applicant)
    applicant.context.close()
    return number.group(0)


def _submit(page: object, button: object) -> None:
    """Click a form's button and wait for the page it leads to."""
    with page.expect_navigation():  # type: ignore[attr-defined]
        button.click()  # type: ignore[attr-defined]


def _tasks_about(page: object, number: str) -> int:
    page.goto("/inbox")  # type: ignore[attr-defined]
    return page.locator("table tbody tr", has_text=number).count()  # type: ignore[attr-defined]


@pytest.mark.parametrize(("lang", "code"), [("fr", "settat"), ("ar", "berrechid")])
def test_a_new_commune_from_nothing_to_its_first_dossier(live: LiveSite, lang: str, code: str,  # noqa: F811
                                                         tmp_path: Path) -> None:
    words = TEXT[lang]
    national = live.login(ADMIN)
    national.goto(f"/lang/{lang}")
    national.goto("/admin/")
    assert national.evaluate("document.documentElement.dir") == ("rtl" if lang == "ar" else "ltr")
    form = national.locator("#new-commune")
    form.locator("[name=code]").fill(code)
    form.locator("[name=name_fr]").fill(f"Commune de {code.title()}")
    form.locator("[name=name_ar]").fill("جماعة جديدة")
    form.locator("[name=region]").fill("Casablanca-Settat")
    form.locator("[name=province]").fill(code.title())
    form.locator("[name=guichet]").select_option("unique")
    _submit(national, form.locator("button[type=submit]"))
    assert national.url.endswith(f"/admin/communes/{code}"), flash(national)
    invite = national.locator("#invite")
    invite.locator("[name=full_name]").fill("Nora Administratrice")
    invite.locator("[name=email]").fill(f"adm@{code}.ma")
    invite.locator("[name=locale]").select_option(lang)
    invite.locator("[name=role]").select_option("admin")
    _submit(national, invite.locator("button[type=submit]"))
    assert words["sent"] in flash(national), flash(national)
    shot(national, f"admin-01-commune-{lang}")

    admin = _welcome(live, f"adm@{code}.ma", lang)
    admin.goto(f"/admin/communes/{code}")
    for kind in ("petits_projets", "grands_projets"):
        form = admin.locator("#new-commission")
        form.locator("[name=kind]").fill(kind)
        form.locator("[name=name_fr]").fill(f"Commission {kind}")
        form.locator("[name=name_ar]").fill(f"لجنة {kind}")
        _submit(admin, form.locator("button[type=submit]"))
    assert admin.locator("#commissions li").count() == 2
    admin.locator(f"a[href='/admin/communes/{code}/import']").click()
    bad, good = tmp_path / "bad.csv", tmp_path / "good.csv"
    bad.write_bytes(people_csv(code, bad=True))
    good.write_bytes(people_csv(code, bad=False))
    admin.set_input_files("#import input[type=file]", str(bad))
    _submit(admin, admin.locator("#import button[value=import]"))
    problems = admin.locator("#problems").inner_text()
    assert words["nothing"] in problems and words["line"] in problems and "nowhere" in problems, problems
    assert admin.locator("#problems li").count() == 1
    shot(admin, f"admin-02-import-problems-{lang}")
    admin.goto(f"/admin/communes/{code}")
    assert f"agent@{code}.ma" not in admin.locator("#holders").inner_text()  # nothing written
    admin.locator(f"a[href='/admin/communes/{code}/import']").click()
    admin.set_input_files("#import input[type=file]", str(good))
    _submit(admin, admin.locator("#import button[value=check]"))
    assert admin.locator("#checked").count() == 1
    admin.set_input_files("#import input[type=file]", str(good))
    _submit(admin, admin.locator("#import button[value=import]"))
    assert admin.locator("#imported").count() == 1, admin.locator("main").inner_text()
    admin.goto(f"/admin/communes/{code}")
    holders = admin.locator("#holders").inner_text()
    for person in ("agent", "president", "au", "urba", "pc", "regie"):
        assert f"{person}@{code}.ma" in holders, holders
    shot(admin, f"admin-03-holders-{lang}")

    number = _file(live, code)
    agent = _welcome(live, f"agent@{code}.ma", lang)
    assert _tasks_about(agent, number) == 1
    agent.locator("table tbody tr", has_text=number).get_by_role("link").first.click()
    agent.locator("input[name=complete]").check()
    _submit(agent, agent.locator("main form button[type=submit]").last)
    assert agent.url.endswith("/inbox"), agent.locator("main").inner_text()
    for member, expected in (("au", 1), ("urba", 1), ("pc", 0), ("regie", 0)):
        page = _welcome(live, f"{member}@{code}.ma", lang)
        assert _tasks_about(page, number) == expected, member  # petits projets: its two members only
        page.context.close()
    elsewhere = live.login("guichet@casablanca.demo")
    assert _tasks_about(elsewhere, number) == 0
