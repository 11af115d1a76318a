"""Requests, upload windows, submission errors and fees through the API, as a client sees them."""
from __future__ import annotations

import io
from typing import Any

from tests.pdfs import tiny_pdf
from tests.web.conftest import Site
from tests.web.test_api import CITIZEN, api_file

AGENT = "guichet@casablanca.demo"
MEMBERS = ("agence-urbaine@casablanca.demo", "urbanisme@casablanca.demo")


def one_task(site: Site, auth: dict[str, str]) -> dict[str, Any]:
    [task] = site.app.test_client().get("/api/v1/tasks", headers=auth).json["items"]
    return task


def complete(site: Site, auth: dict[str, str], data: dict[str, Any]) -> Any:
    task = one_task(site, auth)
    return site.app.test_client().post(f"/api/v1/tasks/{task['id']}/complete", json={"data": data}, headers=auth)


def set_locale(site: Site, email: str, lang: str) -> None:
    with site.app.app_context():
        from handlers.accounts import find_by_email
        from web.extensions import db
        user = find_by_email(db.session(), email)
        assert user is not None
        user.locale = lang
        db.session.commit()
        db.session.remove()


def upload(site: Site, auth: dict[str, str], dossier_id: int, kind: str, headers: dict[str, str] | None = None) -> Any:
    return site.app.test_client().post(f"/api/v1/dossiers/{dossier_id}/documents", headers={**auth, **(headers or {})},
                                       data={"kind": kind, "file": (io.BytesIO(tiny_pdf(kind + " v2")), f"{kind}.pdf")})


def test_requests_answers_and_upload_windows(site: Site) -> None:
    citizen, agent = site.token(CITIZEN), site.token(AGENT)
    client = site.app.test_client()
    dossier_id = api_file(site, citizen)
    # while the guichet checks the dossier, nothing can be uploaded: 409 with the reason, FR and AR
    r = upload(site, citizen, dossier_id, "plan_masse")
    assert r.status_code == 409 and "aucune tâche ne vous demande de documents" in r.json["message"]
    set_locale(site, CITIZEN, "ar")  # the user's language chooses the message's
    r = upload(site, citizen, dossier_id, "plan_masse")
    assert r.status_code == 409 and "لا يمكن تعديل وثائق الملف الآن" in r.json["message"]
    set_locale(site, CITIZEN, "fr")
    # a document off the procedure's checklist is refused
    r = complete(site, agent, {"complete": False, "requests": [{"document": "bail_local", "reason": "Bail"}]})
    assert r.status_code == 422 and "requests/0/document" in r.json["detail"]["fields"]
    asked = [{"document": "plan_masse", "reason": "Cotes absentes", "mode": "correction"},
             {"document": "etude_beton", "reason": "Étude béton exigée pour 2 niveaux"}]
    r = complete(site, agent, {"complete": False, "requests": asked, "observations": "Merci de signer chaque plan."})
    assert r.status_code == 200 and r.json["status"] == "incomplete"
    # the applicant reads exactly that, in the dossier and in their task
    [request] = client.get(f"/api/v1/dossiers/{dossier_id}", headers=citizen).json["requests"]
    assert request["open"] and request["comment"] == "Merci de signer chaque plan."
    assert [(i["document"], i["reason"], i["mode"]) for i in request["items"]] == [
        ("plan_masse", "Cotes absentes", "correction"), ("etude_beton", "Étude béton exigée pour 2 niveaux", "missing")]
    assert request["missing"] == ["plan_masse", "etude_beton"]
    task = one_task(site, citizen)
    detail = client.get(f"/api/v1/tasks/{task['id']}", headers=citizen).json
    assert detail["request"]["items"][1]["label_fr"] == "Étude béton armé" and detail["request"]["comment"]
    # completing before uploading: one 422 naming both documents
    r = complete(site, citizen, {"comment": "voilà"})
    assert r.status_code == 422 and set(r.json["detail"]["fields"]) == {"documents/plan_masse", "documents/etude_beton"}
    assert upload(site, citizen, dossier_id, "plan_situation").status_code == 409  # not asked for
    assert upload(site, citizen, dossier_id, "plan_masse").status_code == 201
    r = complete(site, citizen, {})
    assert r.status_code == 422 and set(r.json["detail"]["fields"]) == {"documents/etude_beton"}
    assert upload(site, citizen, dossier_id, "etude_beton").status_code == 201
    assert complete(site, citizen, {"comment": "Plans signés"}).status_code == 200
    [request] = client.get(f"/api/v1/dossiers/{dossier_id}", headers=citizen).json["requests"]
    assert not request["open"] and request["answer_comment"] == "Plans signés" and request["missing"] == []
    assert [i["answered_version"] for i in request["items"]] == [2, 1]


def test_a_submission_lists_everything_missing(site: Site) -> None:
    citizen = site.token(CITIZEN)
    client = site.app.test_client()
    r = client.post("/api/v1/dossiers", json={"procedure": "permis_construire", "commune": "casablanca"},
                    headers=citizen)
    r = client.post(f"/api/v1/dossiers/{r.json['id']}/submit", headers=citizen)
    assert r.status_code == 422
    fields = r.json["detail"]["fields"]
    assert {"parcelle", "usage", "surface", "niveaux"} <= set(fields)
    assert {f"documents/{k}" for k in ("demande", "certificat_propriete", "plan_situation", "plan_masse",
                                        "plans_architecte")} <= set(fields)
    assert fields["documents/demande"] == "Cette pièce obligatoire n'a pas été déposée."


def to_fees(site: Site) -> tuple[int, dict[str, str]]:
    citizen = site.token(CITIZEN)
    dossier_id = api_file(site, citizen)
    assert complete(site, site.token(AGENT), {"complete": True}).status_code == 200
    for member in MEMBERS:
        assert complete(site, site.token(member), {"opinion": {"avis": "favorable"}}).status_code == 200
    return dossier_id, citizen


def test_fees_payment_order_and_reconciliation(site: Site) -> None:
    dossier_id, citizen = to_fees(site)
    agent = site.token(AGENT)
    client = site.app.test_client()
    fees = client.get(f"/api/v1/dossiers/{dossier_id}", headers=citizen).json["fees"]
    assert fees["state"] == "due" and fees["total"] == "1200.00" and fees["currency"] == "MAD"
    [line] = fees["lines"]
    assert (line["base"], line["base_field"], line["rate"], line["amount"]) == ("120.00", "surface", "10.00", "1200.00")
    assert line["legal_basis"].startswith("Loi n° 47-06")
    order = fees["order"]
    assert order["reference"].startswith("OR-PC-CASABLANCA-")
    pdf = client.get(order["pdf"], headers=citizen)
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")
    # the applicant's payment task asks for no document: no upload
    assert upload(site, citizen, dossier_id, "plan_masse").status_code == 409
    # nothing to reconcile before the applicant declares
    r = complete(site, citizen, {})
    assert r.status_code == 422 and "payment" in r.json["detail"]["fields"]
    # at the régie (the default provider): pending, then rejected by the guichet with a reason
    r = client.post(f"/api/v1/dossiers/{dossier_id}/payments", headers=citizen,
                    data={"method": "provider", "provider": "regie"})
    assert r.status_code == 201 and r.json["state"] == "declared"
    assert r.json["payments"][0]["state"] == "pending" and order["reference"] in r.json["payments"][0]["instructions_fr"]
    assert client.post(f"/api/v1/dossiers/{dossier_id}/payments", headers=citizen,
                       data={"method": "provider", "provider": "regie"}).status_code == 409  # the guichet checks
    r = complete(site, agent, {"payment_confirmed": False})
    assert r.status_code == 422 and "payment_reject_reason" in r.json["detail"]["fields"]
    assert complete(site, agent, {"payment_confirmed": False, "payment_reject_reason": "Rien encaissé"}).status_code == 200
    fees = client.get(f"/api/v1/dossiers/{dossier_id}", headers=citizen).json["fees"]
    assert fees["state"] == "due" and fees["payments"][0]["state"] == "rejected"
    assert fees["payments"][0]["reject_reason"] == "Rien encaissé"
    # a quittance: declared, then confirmed; the order is paid
    r = client.post(f"/api/v1/dossiers/{dossier_id}/payments", headers=citizen, data={"method": "quittance"})
    assert r.status_code == 422
    r = client.post(f"/api/v1/dossiers/{dossier_id}/payments", headers=citizen,
                    data={"method": "quittance", "file": (io.BytesIO(tiny_pdf("quittance")), "q.pdf")})
    assert r.status_code == 201 and r.json["payments"][0]["state"] == "declared"
    payment_id = r.json["payments"][0]["id"]
    q = client.get(f"/api/v1/dossiers/{dossier_id}/payments/{payment_id}/quittance", headers=agent)
    assert q.status_code == 200 and q.data.startswith(b"%PDF")
    assert complete(site, agent, {"payment_confirmed": True}).status_code == 200
    detail = client.get(f"/api/v1/dossiers/{dossier_id}", headers=citizen).json
    assert detail["fees"]["state"] == "paid" and detail["fees"]["order"]["paid_at"]
    assert [p["state"] for p in detail["fees"]["payments"]] == ["confirmed", "rejected"]
    assert detail["open_steps"][0]["bpmn_id"] == "sg_approve"
    with site.app.app_context():
        from sqlalchemy import select

        from handlers.payments.models import PaymentOrder
        from web.extensions import db
        code = db.session.scalar(select(PaymentOrder.check_code))
        db.session.remove()
    public = client.get(f"/api/v1/payment-orders/{code}").json
    assert public["paid"] and public["reference"] == order["reference"]
    assert site.client().get(f"/ordre-de-recette/{code}").status_code == 200
    assert client.get("/api/v1/payment-orders/nope").status_code == 404
