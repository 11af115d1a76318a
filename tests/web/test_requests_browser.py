"""In a real browser: the agent asks for two documents of the checklist, each with its reason
and a comment; the applicant reads exactly that and cannot complete the dossier before both
new versions are uploaded."""
from __future__ import annotations

import re

from tests.web.test_api import api_file
from tests.web.test_browser import AGENT, CITIZEN, LiveSite, flash, live, shot  # noqa: F401 - the fixture


def test_agent_requests_two_documents_and_the_applicant_answers(live: LiveSite) -> None:  # noqa: F811
    dossier_id = api_file(live.site, live.site.token(CITIZEN))

    agent = live.login(AGENT)
    agent.goto("/inbox")
    agent.locator("table tbody tr a[href*='/tasks/']").first.click()
    requests = agent.locator("fieldset.requests")
    assert requests.locator("input[name=requests][value=bail_local]").count() == 0  # not this procedure's
    for kind, reason in (("plan_masse", "Cotes des reculs absentes"), ("etude_beton", "Étude signée exigée")):
        requests.locator(f"input[name=requests][value={kind}]").check()
        agent.fill(f"input[name='requests.{kind}.reason']", reason)
    agent.check("input[name='requests.plan_masse.correction']")
    agent.get_by_label("Observations au pétitionnaire").fill("Merci de joindre des plans signés.")
    shot(agent, "requests-01-agent")
    agent.get_by_role("button", name="Valider").click()
    assert agent.url.endswith("/inbox"), flash(agent)
    agent.context.close()

    applicant = live.login(CITIZEN)
    applicant.goto(f"/dossiers/{dossier_id}")
    asked = applicant.locator("article.request.open")
    items = asked.locator("ol.requested li").all_inner_texts()
    assert len(items) == 2
    assert any("Plan de masse (version corrigée) — Cotes des reculs absentes" in i for i in items), items
    assert any("Étude béton armé — Étude signée exigée" in i for i in items), items
    assert "Merci de joindre des plans signés." in asked.inner_text()
    assert applicant.locator("form.upload").count() == 2  # only what is asked can be uploaded
    shot(applicant, "requests-02-applicant")

    def complete() -> str:
        applicant.goto(f"/dossiers/{dossier_id}")
        applicant.get_by_role("link", name="Compléter le dossier").click()
        assert re.search(r"/tasks/[0-9a-f-]{36}$", applicant.url)
        assert "Cotes des reculs absentes" in applicant.locator("main").inner_text()
        applicant.get_by_role("button", name="Valider").click()
        return applicant.locator("main").inner_text()

    def upload(kind: str) -> None:
        applicant.goto(f"/dossiers/{dossier_id}")
        form = applicant.locator("form.upload", has=applicant.locator(f"input[name=kind][value={kind}]"))
        form.locator("input[type=file]").set_input_files(str(live.pdf(kind + "-v2")))
        form.get_by_role("button", name="Téléverser").click()
        assert "Document ajouté" in flash(applicant), flash(applicant)

    text = complete()  # nothing uploaded yet: refused, both named
    assert "Plan de masse" in applicant.locator(".error-summary").inner_text()
    assert "Étude béton armé" in applicant.locator(".error-summary").inner_text(), text
    upload("plan_masse")
    complete()  # one still missing
    summary = applicant.locator(".error-summary").inner_text()
    assert "Étude béton armé" in summary and "Plan de masse" not in summary
    upload("etude_beton")
    complete()
    assert "avance" in flash(applicant), flash(applicant)
    applicant.goto(f"/dossiers/{dossier_id}")
    answered = applicant.locator("article.request").first
    assert "déposée" in answered.inner_text() and applicant.locator("article.request.open").count() == 0
    shot(applicant, "requests-03-answered")
