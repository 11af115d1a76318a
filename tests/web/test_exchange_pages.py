"""Requests, upload windows and submission errors on the pages, in French and Arabic."""
from __future__ import annotations

import io
import re

from tests.pdfs import tiny_pdf
from tests.web.conftest import Site
from tests.web.test_portal import AGENT, CITIZEN, file_dossier


def test_a_refused_submission_lists_every_missing_field_and_document(site: Site) -> None:
    citizen = site.client(CITIZEN)
    r = citizen.post("/dossiers/new", data={"procedure": "permis_construire", "commune": "casablanca"})
    dossier_id = int(r.headers["Location"].rsplit("/", 1)[1])
    r = citizen.post(f"/dossiers/{dossier_id}/submit")
    page = r.get_data(as_text=True)
    assert r.status_code == 422 and "Le dossier ne peut pas encore être déposé" in page
    summary = page.split('class="error-summary"', 1)[1].split("</div>", 1)[0]
    assert summary.count("<li>") == 4 + 5  # four fields, five documents
    for name in ("Demande signée", "Plan de masse", "Plans d&#39;architecte"):
        assert f"Pièce obligatoire manquante : {name}" in summary


def test_upload_outside_a_window_is_a_conflict_page(site: Site) -> None:
    dossier_id, citizen = file_dossier(site)
    r = citizen.post(f"/dossiers/{dossier_id}/documents", data={"kind": "plan_masse", "file": (
        io.BytesIO(tiny_pdf("v2")), "pm.pdf")}, content_type="multipart/form-data")
    assert r.status_code == 409 and "aucune tâche ne vous demande de documents" in r.get_data(as_text=True)
    citizen.get("/lang/ar")
    r = citizen.post(f"/dossiers/{dossier_id}/documents", data={"kind": "plan_masse", "file": (
        io.BytesIO(tiny_pdf("v2")), "pm.pdf")}, content_type="multipart/form-data")
    assert r.status_code == 409 and "لا يمكن تعديل وثائق الملف الآن" in r.get_data(as_text=True)
    page = citizen.get(f"/dossiers/{dossier_id}").get_data(as_text=True)
    assert 'name="file"' not in page  # no upload form while no task asks for documents


def test_the_agent_picks_from_the_checklist_and_the_applicant_reads_it(site: Site) -> None:
    dossier_id, citizen = file_dossier(site)
    agent = site.client(AGENT)
    task_id = re.search(r'/tasks/([0-9a-f-]{36})', agent.get("/inbox").get_data(as_text=True)).group(1)
    form = agent.get(f"/tasks/{task_id}").get_data(as_text=True)
    assert 'name="requests" value="plan_masse"' in form and 'name="requests.plan_masse.reason"' in form
    assert 'value="bail_local"' not in form  # not on a building permit's checklist
    r = agent.post(f"/tasks/{task_id}", data={"requests": ["plan_masse"]})  # no reason: refused
    assert r.status_code == 422
    r = agent.post(f"/tasks/{task_id}", data={"requests": ["plan_masse", "etude_beton"],
                                              "requests.plan_masse.reason": "Cotes absentes",
                                              "requests.plan_masse.correction": "on",
                                              "requests.etude_beton.reason": "Étude exigée",
                                              "observations": "Signez chaque plan."})
    assert r.status_code == 302
    page = citizen.get(f"/dossiers/{dossier_id}").get_data(as_text=True)
    block = page.split('class="requests"', 1)[1]
    assert "Plan de masse</strong> (version corrigée) — Cotes absentes" in block
    assert "Étude béton armé</strong> — Étude exigée" in block and "Signez chaque plan." in block
    # upload forms only for what is asked
    assert page.count('name="kind"') == 2
    fix = re.search(r'/tasks/([0-9a-f-]{36})', page).group(1)
    task_page = citizen.get(f"/tasks/{fix}").get_data(as_text=True)
    assert "Cotes absentes" in task_page and "Signez chaque plan." in task_page
    r = citizen.post(f"/tasks/{fix}", data={"comment": "voilà"})
    assert r.status_code == 422 and "Déposez une nouvelle version de cette pièce" in r.get_data(as_text=True)
    citizen.get("/lang/ar")
    page = citizen.get(f"/dossiers/{dossier_id}").get_data(as_text=True)
    assert "الوثائق التي يطلبها الشباك" in page and "تصميم الكتلة" in page
