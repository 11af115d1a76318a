"""The JSON API with Bearer tokens, and its OpenAPI document."""
from __future__ import annotations

import io

from tests.pdfs import tiny_pdf
from tests.web.conftest import Site

CITIZEN = "citoyen@guichet.demo"
FIELDS = {"parcelle": "TF 1/C", "usage": "habitation_individuelle", "surface": 120, "niveaux": 2}


def api_file(site: Site, auth: dict[str, str]) -> int:
    client = site.app.test_client()
    r = client.post("/api/v1/dossiers", json={"procedure": "permis_construire", "commune": "casablanca",
                                               "fields": {"parcelle": "TF 1/C"}}, headers=auth)
    assert r.status_code == 201, r.json
    dossier_id = r.json["id"]
    assert r.json["status"] == {"code": "draft", "label": "Brouillon"}
    r = client.patch(f"/api/v1/dossiers/{dossier_id}", json={"fields": FIELDS}, headers=auth)
    assert r.status_code == 200 and r.json["fields"]["surface"] == 120
    for kind in ("demande", "certificat_propriete", "plan_situation", "plan_masse", "plans_architecte"):
        r = client.post(f"/api/v1/dossiers/{dossier_id}/documents", headers=auth,
                        data={"kind": kind, "file": (io.BytesIO(tiny_pdf(kind)), f"{kind}.pdf")})
        assert r.status_code == 201, r.json
        assert r.json["version"] == 1 and r.json["pages"] == 1 and len(r.json["sha256"]) == 64
    r = client.post(f"/api/v1/dossiers/{dossier_id}/submit", headers=auth)
    assert r.status_code == 200 and r.json["number"].startswith("PC-CASABLANCA-")
    return dossier_id


def test_openapi_document_lists_every_route(site: Site) -> None:
    spec = site.app.test_client().get("/api/v1/openapi.json").json
    assert spec["openapi"].startswith("3.")
    paths = set(spec["paths"])
    assert {"/api/v1/tokens", "/api/v1/procedures", "/api/v1/dossiers", "/api/v1/dossiers/{dossier_id}",
            "/api/v1/dossiers/{dossier_id}/documents", "/api/v1/dossiers/{dossier_id}/submit",
            "/api/v1/tasks", "/api/v1/tasks/{task_id}", "/api/v1/tasks/{task_id}/complete",
            "/api/v1/tasks/{task_id}/claim", "/api/v1/dossiers/{dossier_id}/authorization.pdf"} <= paths
    import re
    app_routes = {re.sub(r"<(?:[a-z]+(?:\([^)]*\))?:)?(\w+)>", r"{\1}", r.rule)
                  for r in site.app.url_map.iter_rules() if r.rule.startswith("/api/v1/")}
    assert app_routes - {"/api/v1/openapi.json"} <= paths


def test_tokens_and_authentication(site: Site) -> None:
    client = site.app.test_client()
    assert client.post("/api/v1/tokens", json={"email": CITIZEN, "password": "wrong"}).status_code == 401
    assert client.get("/api/v1/dossiers").status_code == 401
    assert client.get("/api/v1/dossiers", headers={"Authorization": "Bearer forged"}).status_code == 401
    assert client.post("/api/v1/tokens", json={"email": CITIZEN}).status_code == 422


def test_api_journey_with_visibility_conflicts_and_field_errors(site: Site) -> None:
    citizen = site.token(CITIZEN)
    dossier_id = api_file(site, citizen)
    client = site.app.test_client()
    detail = client.get(f"/api/v1/dossiers/{dossier_id}", headers=citizen).json
    assert [s["status"] for s in detail["timeline"]] == ["deposited", "verification"]
    assert detail["open_steps"][0]["bpmn_id"] == "rc_check" and detail["deadline"]
    # visibility: another applicant and another commune's agent see nothing
    other = site.token("architecte@guichet.demo")
    assert client.get(f"/api/v1/dossiers/{dossier_id}", headers=other).status_code == 404
    assert client.get("/api/v1/dossiers", headers=other).json["total"] == 0
    assert client.get("/api/v1/dossiers", headers=site.token("guichet@rabat.demo")).json["total"] == 0
    agent = site.token("guichet@casablanca.demo")
    listing = client.get("/api/v1/dossiers?per_page=1&page=1", headers=agent).json
    assert listing["total"] == 1 and len(listing["items"]) == 1
    [task] = client.get("/api/v1/tasks", headers=agent).json["items"]
    assert client.get(f"/api/v1/tasks/{task['id']}", headers=site.token("guichet@rabat.demo")).status_code == 404
    t = client.get(f"/api/v1/tasks/{task['id']}", headers=agent).json
    assert t["form"]["required"] == ["complete"] and t["ui"]["complete"]["label"]["ar"]
    r = client.post(f"/api/v1/tasks/{task['id']}/complete", json={"data": {"complete": "yes"}}, headers=agent)
    assert r.status_code == 422 and "complete" in r.json["detail"]["fields"]
    r = client.post(f"/api/v1/tasks/{task['id']}/complete", json={"data": {"complete": True}}, headers=citizen)
    assert r.status_code == 404  # not the citizen's task: not even visible
    ok = client.post(f"/api/v1/tasks/{task['id']}/complete",
                     json={"data": {"complete": True}, "expected_version": t["version"]}, headers=agent)
    assert ok.status_code == 200 and ok.json["status"] == "commission"
    stale = client.post(f"/api/v1/tasks/{task['id']}/complete", json={"data": {"complete": True}}, headers=agent)
    assert stale.status_code == 409
    with site.app.app_context():  # the person is named, never by the internal id
        from handlers.accounts import find_by_email
        from web.extensions import db
        agent_user = find_by_email(db.session(), "guichet@casablanca.demo")
        assert agent_user is not None and agent_user.full_name in stale.json["message"]
        assert agent_user.id not in stale.get_data(as_text=True)
        db.session.remove()
    assert "assignee" not in detail["open_steps"][0] and detail["open_steps"][0]["yours"] is False
    assert client.get(f"/api/v1/dossiers/{dossier_id}/authorization.pdf", headers=citizen).status_code == 404


def test_upload_refusals_are_clear_and_store_nothing(site: Site) -> None:
    citizen = site.token(CITIZEN)
    client = site.app.test_client()
    r = client.post("/api/v1/dossiers", json={"procedure": "permis_construire", "commune": "casablanca"},
                    headers=citizen)
    dossier_id = r.json["id"]
    for content in (b"", b"<html>", b"%PDF-1.4 truncated", b"\x89PNG\r\n"):
        r = client.post(f"/api/v1/dossiers/{dossier_id}/documents", headers=citizen,
                        data={"kind": "demande", "file": (io.BytesIO(content), "x.pdf")})
        assert r.status_code == 422 and r.json["message"]
    r = client.post(f"/api/v1/dossiers/{dossier_id}/documents", headers=citizen,
                    data={"kind": "passport", "file": (io.BytesIO(tiny_pdf()), "x.pdf")})
    assert r.status_code == 422 and "checklist" in r.json["detail"]["reason"]
    assert client.get(f"/api/v1/dossiers/{dossier_id}", headers=citizen).json["documents"] == []
    r = client.post("/api/v1/dossiers", json={"procedure": "nope", "commune": "casablanca"}, headers=citizen)
    assert r.status_code == 404


def test_hostile_ids_and_nul_characters_are_clean_refusals(site: Site) -> None:
    client = site.app.test_client()
    agent = site.token("guichet@casablanca.demo")
    for url in ("/api/v1/dossiers/2147483648", "/api/v1/dossiers/9223372036854775808", "/api/v1/tasks/a%00b",
                "/api/v1/verify/a%00b"):
        r = client.get(url, headers=agent)
        assert r.status_code == 404 and r.is_json, url
    r = client.get("/api/v1/dossiers?status=a%00b", headers=agent)
    assert r.status_code == 422 and r.json["detail"]["fields"] == {"query.status": ["forbidden characters"]}
    r = client.post("/api/v1/tokens", json={"email": "x\u0000@y.z", "password": "p"})
    assert r.status_code == 422
    r = client.get("/api/v1/tasks")
    assert r.status_code == 401 and r.is_json and r.json["message"]
    assert site.client("citoyen@guichet.demo").get("/dossiers/99999999999").status_code == 404
