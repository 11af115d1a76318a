"""The authorization matrix: every route × every kind of actor → allowed or denied.

One declarative table (ROWS); the test exercises every row for every actor against the
real application, and another test fails when a route exists that the table does not
cover. "Denied" means the resource is not even shown (404), refused (403), or needs a
sign-in (401, or a redirect to the login page); ids cannot be guessed into access (IDOR).
"""
from __future__ import annotations

import io
import re
from typing import Any

from tests.conftest import Site
from tests.pdfs import tiny_pdf
from tests.web.admin_matrix import ADMIN_ROWS

ACTORS = {
    "anonymous": None,
    "applicant_own": "citoyen@guichet.demo",
    "applicant_other": "architecte@guichet.demo",
    "agent_own": "guichet@casablanca.demo",
    "agent_other": "guichet@rabat.demo",
    "member_this": "agence-urbaine@casablanca.demo",  # sits on the dossier's commission
    "member_other": "regie@casablanca.demo",  # sits on another commission only
    "president_own": "president@casablanca.demo",
    "president_other": "president@rabat.demo",
    "analyst": "analyste@guichet.demo",
    "admin": "admin@guichet.demo",
}
EVERYONE = set(ACTORS)
SIGNED_IN = EVERYONE - {"anonymous"}
SEES_DOSSIER = {"applicant_own", "agent_own", "member_this", "president_own", "admin"}
OWNER = {"applicant_own"}
FILERS = {"applicant_own", "applicant_other"}
TASK_HOLDER = {"member_this"}
ROOM = {"agent_own", "member_this"}  # the commission's members and the commune's guichet agents
SESSIONS = {"agent_own", "agent_other", "member_this", "member_other"}
AGENTS = {"agent_own", "agent_other"}
API_SESSIONS = "/api/v1/commissions/<int:commission_id>/sessions"

# (method, route as the app declares it, url with placeholders, who is allowed, form/json body)
ROWS: list[tuple[str, str, str, set[str], Any]] = [
    ("GET", "/", "/", EVERYONE, None),
    ("GET", "/health", "/health", EVERYONE, None),
    ("GET", "/lang/<code>", "/lang/ar", EVERYONE, None),
    ("GET", "/favicon.ico", "/favicon.ico", EVERYONE, None),
    ("GET", "/auth/login", "/auth/login", EVERYONE, None),
    ("POST", "/auth/login", "/auth/login", EVERYONE, {"email": "nobody@x.ma", "password": "x"}),
    ("GET", "/auth/signup", "/auth/signup", EVERYONE, None),
    ("POST", "/auth/signup", "/auth/signup", EVERYONE, {"full_name": ""}),
    ("POST", "/auth/logout", "/auth/logout", EVERYONE, {}),
    ("GET", "/auth/password", "/auth/password", SIGNED_IN, None),
    ("POST", "/auth/password", "/auth/password", SIGNED_IN, {"current": "wrong-wrong", "password": "x"}),
    ("DELETE", "/api/v1/tokens", "/api/v1/tokens", SIGNED_IN, None),
    ("GET", "/verify", "/verify", EVERYONE, None),
    ("POST", "/verify", "/verify", EVERYONE, {}),
    ("GET", "/verify/<code>", "/verify/{code}", EVERYONE, None),
    ("GET", "/verify/<code>/decision.pdf", "/verify/{code}/decision.pdf", EVERYONE, None),
    ("GET", "/indicators", "/indicators", EVERYONE, None),
    ("GET", "/dossiers/", "/dossiers/", SIGNED_IN, None),
    ("GET", "/dossiers/new", "/dossiers/new", SIGNED_IN, None),
    ("POST", "/dossiers/new", "/dossiers/new", FILERS, {"procedure": "permis_construire", "commune": "casablanca"}),
    ("GET", "/dossiers/<int:dossier_id>", "/dossiers/{D}", SEES_DOSSIER, None),
    ("POST", "/dossiers/<int:dossier_id>/fields", "/dossiers/{D}/fields", OWNER, {"parcelle": "TF 9/C"}),
    ("POST", "/dossiers/<int:dossier_id>/documents", "/dossiers/{D}/documents", OWNER, "upload"),
    ("POST", "/dossiers/<int:dossier_id>/submit", "/dossiers/{D}/submit", OWNER, {}),
    ("GET", "/dossiers/<int:dossier_id>/documents/<int:document_id>", "/dossiers/{D}/documents/{DOC}",
     SEES_DOSSIER, None),
    ("GET", "/dossiers/<int:dossier_id>/receipt.pdf", "/dossiers/{D}/receipt.pdf", SEES_DOSSIER, None),
    ("GET", "/dossiers/<int:dossier_id>/authorization.pdf", "/dossiers/{S}/authorization.pdf", SEES_DOSSIER, None),
    ("GET", "/dossiers/<int:dossier_id>/ordre-de-recette.pdf", "/dossiers/{S}/ordre-de-recette.pdf", SEES_DOSSIER,
     None),
    # the owner may declare (409 here: no payment awaited at the commission); nobody else gets that far
    ("POST", "/dossiers/<int:dossier_id>/payments", "/dossiers/{D}/payments", OWNER, "pay"),
    ("GET", "/dossiers/<int:dossier_id>/payments/<int:payment_id>/quittance", "/dossiers/{S}/payments/{PAY}/quittance",
     SEES_DOSSIER, None),
    ("GET", "/ordre-de-recette/<code>", "/ordre-de-recette/{OC}", EVERYONE, None),
    ("GET", "/inbox", "/inbox", SIGNED_IN, None),
    ("GET", "/tasks/<task_id>", "/tasks/{T}", TASK_HOLDER, None),
    ("POST", "/tasks/<task_id>", "/tasks/{T}", TASK_HOLDER, {"opinion.avis": "favorable"}),
    ("POST", "/tasks/<task_id>/claim", "/tasks/{T}/claim", TASK_HOLDER, {}),
    ("GET", "/commission/sessions", "/commission/sessions", SESSIONS, None),
    ("GET", "/commission/sessions/new", "/commission/sessions/new", AGENTS, None),
    ("POST", "/commission/sessions/new", "/commission/sessions/new", AGENTS, {"date": "x"}),
    ("GET", "/commission/sessions/<int:session_id>", "/commission/sessions/{SES}", ROOM, None),
    ("POST", "/commission/sessions/<int:session_id>/agenda", "/commission/sessions/{SES}/agenda", {"agent_own"},
     {}),
    ("GET", "/commission/sessions/<int:session_id>/room", "/commission/sessions/{SES}/room", ROOM, None),
    ("GET", "/commission/sessions/<int:session_id>/dossiers/<int:dossier_id>", "/commission/sessions/{SES}/dossiers/{D}",
     ROOM, None),
    ("POST", "/commission/sessions/<int:session_id>/dossiers/<int:dossier_id>/opinion",
     "/commission/sessions/{SES}/dossiers/{D}/opinion", {"member_this"}, {"avis": "not json"}),
    ("GET", "/commission/sessions/<int:session_id>/documents/<int:version_id>/annotations",
     "/commission/sessions/{SES}/documents/{DOC}/annotations", ROOM, None),
    ("POST", "/commission/sessions/<int:session_id>/documents/<int:version_id>/export",
     "/commission/sessions/{SES}/documents/{DOC}/export", ROOM, None),
    ("GET", "/commission/documents/<int:version_id>/file", "/commission/documents/{DOC}/file", ROOM, None),
    ("POST", "/commission/sessions/<int:session_id>/close", "/commission/sessions/{SES}/close", {"agent_own"},
     {"confirm": "on", "before_date": "on"}),
    ("POST", "/commission/sessions/<int:session_id>/dossiers/<int:dossier_id>/followup",
     "/commission/sessions/{SES}/dossiers/{D}/followup", {"agent_own"}, {"action": "x"}),
    ("GET", "/commission/sessions/<int:session_id>/minutes.pdf", "/commission/sessions/{SES}/minutes.pdf", ROOM, None),
    ("GET", "/admin/incidents", "/admin/incidents", {"admin"}, None),
    ("GET", "/signature-keys/", "/signature-keys/", SIGNED_IN, None),
    # mismatched PINs: the president is told so (422), anyone else is refused before (403)
    ("POST", "/signature-keys/", "/signature-keys/", {"president_own"},
     {"commune": "casablanca", "pin": "1234567", "pin_confirm": "7654321"}),
    # an architect's own key for their plans: mismatched PINs tell the architect (422), anyone else 403
    ("POST", "/signature-keys/professional", "/signature-keys/professional", {"applicant_other"},
     {"pin": "1234567", "pin_confirm": "7654321"}),
    ("POST", "/signature-keys/<int:key_id>/install", "/signature-keys/999999/install", set(), {"pin": "1234567"}),
    ("GET", "/signature-keys/<int:key_id>/csr.pem", "/signature-keys/999999/csr.pem", set(), None),
    ("POST", "/signature-keys/<int:key_id>/certificate", "/signature-keys/999999/certificate", set(),
     {"certificate": "x"}),
    ("POST", "/admin/incidents/<int:job_id>/retry", "/admin/incidents/999999/retry", {"admin"}, {}),
    ("GET", "/auth/welcome/<token>", "/auth/welcome/not-a-link", set(), None),  # no link: nobody
    ("POST", "/auth/welcome/<token>", "/auth/welcome/not-a-link", set(), {"password": "x" * 12, "confirm": "x" * 12}),
    *ADMIN_ROWS,
    ("GET", "/studio/", "/studio/", {"analyst"}, None),
    ("GET", "/studio/processes/<key>/edit", "/studio/processes/guu_autorisation/edit", {"analyst"}, None),
    ("GET", "/studio/processes/<key>/versions", "/studio/processes/guu_autorisation/versions", {"analyst"}, None),
    ("GET", "/studio/processes/<key>/versions/<int:number>/files/<name>",
     "/studio/processes/guu_autorisation/versions/1/files/guu.bpmn", {"analyst"}, None),
    ("POST", "/studio/validate", "/studio/validate", {"analyst"}, {}),
    ("POST", "/studio/processes/<key>/deploy", "/studio/processes/guu_autorisation/deploy", {"analyst"}, {}),
    ("POST", "/studio/processes/<key>/draft", "/studio/processes/guu_autorisation/draft", {"analyst"}, {}),
    ("POST", "/studio/processes/<key>/draft/discard", "/studio/processes/guu_autorisation/draft/discard",
     {"analyst"}, {}),
    ("POST", "/studio/forms/preview", "/studio/forms/preview", {"analyst"}, {}),
    ("GET", "/studio/cockpit", "/studio/cockpit", {"analyst"}, None),
    ("GET", "/studio/cockpit/<key>", "/studio/cockpit/guu_autorisation?element=rc_check", {"analyst"}, None),
    ("GET", "/studio/cockpit/instances/<int:instance_id>", "/studio/cockpit/instances/{I}", {"analyst"}, None),
    ("POST", "/studio/cockpit/jobs/<int:job_id>/retry", "/studio/cockpit/jobs/999999/retry", {"analyst"}, {}),
    ("GET", "/studio/migration/<key>", "/studio/migration/guu_autorisation", {"analyst"}, None),
    ("POST", "/studio/migration/<key>/dry-run", "/studio/migration/guu_autorisation/dry-run", {"analyst"}, {}),
    ("POST", "/studio/migration/<key>", "/studio/migration/guu_autorisation", {"analyst"}, {}),
    ("GET", "/api/v1/processes", "/api/v1/processes", {"analyst", "admin"}, None),
    ("GET", "/api/v1/processes/<key>/versions", "/api/v1/processes/guu_autorisation/versions",
     {"analyst", "admin"}, None),
    ("GET", "/api/v1/processes/<key>/versions/<int:number>", "/api/v1/processes/guu_autorisation/versions/1",
     {"analyst", "admin"}, None),
    ("GET", "/api/v1/processes/<key>/versions/<int:number>/files/<name>",
     "/api/v1/processes/guu_autorisation/versions/1/files/guu.bpmn", {"analyst", "admin"}, None),
    ("POST", "/api/v1/processes/validate", "/api/v1/processes/validate", {"analyst", "admin"}, {"files": {}}),
    ("POST", "/api/v1/processes/<key>/deploy", "/api/v1/processes/guu_autorisation/deploy", {"analyst"},
     {"files": {}}),
    ("GET", "/api/v1/catalog", "/api/v1/catalog", {"analyst", "admin"}, None),
    ("GET", "/api/v1/catalog/versions", "/api/v1/catalog/versions", {"analyst", "admin"}, None),
    ("POST", "/api/v1/catalog/validate", "/api/v1/catalog/validate", {"analyst", "admin"}, {"catalog": {}}),
    ("POST", "/api/v1/catalog", "/api/v1/catalog", {"analyst"}, {"catalog": {}}),
    ("GET", "/studio/catalog", "/studio/catalog", {"analyst"}, None),
    ("POST", "/studio/catalog/validate", "/studio/catalog/validate", {"analyst"}, {}),
    ("POST", "/studio/catalog/deploy", "/studio/catalog/deploy", {"analyst"}, {}),
    ("POST", "/studio/catalog/discard", "/studio/catalog/discard", {"analyst"}, {}),
    ("GET", "/studio/catalog/procedures/", "/studio/catalog/procedures/", {"analyst"}, None),
    ("POST", "/studio/catalog/procedures/", "/studio/catalog/procedures/", {"analyst"}, {"key": ""}),
    ("GET", "/studio/catalog/procedures/<key>", "/studio/catalog/procedures/permis_construire", {"analyst"}, None),
    ("POST", "/studio/catalog/procedures/<key>", "/studio/catalog/procedures/permis_construire", {"analyst"},
     {"key": ""}),
    ("POST", "/studio/catalog/procedures/<key>/remove", "/studio/catalog/procedures/nope/remove", {"analyst"}, {}),
    ("GET", "/studio/catalog/labels/<section>", "/studio/catalog/labels/statuses", {"analyst"}, None),
    ("POST", "/studio/catalog/labels/<section>", "/studio/catalog/labels/statuses", {"analyst"}, {"rows": "0"}),
    ("GET", "/studio/catalog/forms/", "/studio/catalog/forms/?name=depot_x", {"analyst"}, None),
    ("GET", "/studio/catalog/forms/<name>", "/studio/catalog/forms/depot_tranchee.schema.json", {"analyst"}, None),
    ("POST", "/studio/catalog/forms/<name>", "/studio/catalog/forms/depot_tranchee.schema.json", {"analyst"},
     {"rows": "0"}),
    ("GET", "/studio/import", "/studio/import", {"analyst"}, None),
    ("POST", "/studio/import", "/studio/import", {"analyst"}, {}),
    ("GET", "/api/v1/openapi.json", "/api/v1/openapi.json", EVERYONE, None),
    ("POST", "/api/v1/tokens", "/api/v1/tokens", EVERYONE, {"email": "nobody@x.ma", "password": "x"}),
    ("GET", "/api/v1/procedures", "/api/v1/procedures", EVERYONE, None),
    ("GET", "/api/v1/verify/<code>", "/api/v1/verify/{code}", EVERYONE, None),
    ("GET", "/api/v1/dossiers", "/api/v1/dossiers", SIGNED_IN, None),
    ("POST", "/api/v1/dossiers", "/api/v1/dossiers", FILERS, {"procedure": "permis_construire", "commune": "casablanca"}),
    ("GET", "/api/v1/dossiers/<int:dossier_id>", "/api/v1/dossiers/{D}", SEES_DOSSIER, None),
    ("PATCH", "/api/v1/dossiers/<int:dossier_id>", "/api/v1/dossiers/{D}", OWNER, {"fields": {}}),
    ("POST", "/api/v1/dossiers/<int:dossier_id>/documents", "/api/v1/dossiers/{D}/documents", OWNER, "upload"),
    ("POST", "/api/v1/dossiers/<int:dossier_id>/submit", "/api/v1/dossiers/{D}/submit", OWNER, None),
    ("GET", "/api/v1/dossiers/<int:dossier_id>/authorization.pdf", "/api/v1/dossiers/{S}/authorization.pdf",
     SEES_DOSSIER, None),
    ("GET", "/api/v1/dossiers/<int:dossier_id>/payment-order.pdf", "/api/v1/dossiers/{S}/payment-order.pdf",
     SEES_DOSSIER, None),
    ("POST", "/api/v1/dossiers/<int:dossier_id>/payments", "/api/v1/dossiers/{D}/payments", OWNER, "pay"),
    ("GET", "/api/v1/dossiers/<int:dossier_id>/payments/<int:payment_id>/quittance",
     "/api/v1/dossiers/{S}/payments/{PAY}/quittance", SEES_DOSSIER, None),
    ("GET", "/api/v1/payment-orders/<code>", "/api/v1/payment-orders/{OC}", EVERYONE, None),
    ("GET", "/api/v1/dossiers/<int:dossier_id>/receipt.pdf", "/api/v1/dossiers/{D}/receipt.pdf", SEES_DOSSIER, None),
    ("GET", "/api/v1/tasks", "/api/v1/tasks", SIGNED_IN, None),
    ("GET", "/api/v1/tasks/<task_id>", "/api/v1/tasks/{T}", TASK_HOLDER, None),
    ("POST", "/api/v1/tasks/<task_id>/claim", "/api/v1/tasks/{T}/claim", TASK_HOLDER, None),
    ("POST", "/api/v1/tasks/<task_id>/complete", "/api/v1/tasks/{T}/complete", TASK_HOLDER,
     {"data": {"opinion": {"avis": "favorable"}}}),
    ("GET", f"{API_SESSIONS}", "/api/v1/commissions/{COM}/sessions", ROOM, None),
    ("POST", f"{API_SESSIONS}", "/api/v1/commissions/{COM}/sessions", {"agent_own"}, {"date": "x"}),
    ("GET", f"{API_SESSIONS}/<int:session_id>", "/api/v1/commissions/{COM}/sessions/{SES}", ROOM, None),
    ("POST", f"{API_SESSIONS}/<int:session_id>/agenda", "/api/v1/commissions/{COM}/sessions/{SES}/agenda",
     {"agent_own"}, {"dossier_id": "x"}),
    ("DELETE", f"{API_SESSIONS}/<int:session_id>/agenda/<int:dossier_id>",
     "/api/v1/commissions/{COM}/sessions/{SES}/agenda/{D}", {"agent_own"}, None),
    ("POST", f"{API_SESSIONS}/<int:session_id>/convocation",
     "/api/v1/commissions/{COM}/sessions/{SES}/convocation", {"agent_own"}, None),
    ("POST", f"{API_SESSIONS}/<int:session_id>/agenda/<int:dossier_id>/opinion",
     "/api/v1/commissions/{COM}/sessions/{SES}/agenda/{D}/opinion", {"member_this"}, {"avis": "x"}),
    ("POST", f"{API_SESSIONS}/<int:session_id>/agenda/<int:dossier_id>/followup",
     "/api/v1/commissions/{COM}/sessions/{SES}/agenda/{D}/followup", {"agent_own"}, {"action": "x"}),
    ("POST", f"{API_SESSIONS}/<int:session_id>/close", "/api/v1/commissions/{COM}/sessions/{SES}/close",
     {"agent_own"}, {"confirm": True}),
    ("GET", f"{API_SESSIONS}/<int:session_id>/minutes.pdf",
     "/api/v1/commissions/{COM}/sessions/{SES}/minutes.pdf", ROOM, None),
]


def _denied(url: str, status: int, location: str) -> bool:
    if url.startswith("/api/"):
        return status in (401, 403, 404)
    return status in (403, 404) or (status in (301, 302, 303) and "/auth/login" in location)


def _world(site: Site) -> dict[str, str]:
    """D: a dossier at the commission (with T, the agence urbaine's opinion task, and DOC);
    S: a dossier carried to its signed decision (verification code ``code``)."""
    from tests.web.test_portal import file_dossier, test_whole_journey_through_pages
    test_whole_journey_through_pages(site)  # S, signed
    dossier_id, _ = file_dossier(site)
    agent = site.client("guichet@casablanca.demo")
    inbox = agent.get("/inbox").get_data(as_text=True)
    check = re.findall(r'/tasks/([0-9a-f-]{36})', inbox)[0]
    assert agent.post(f"/tasks/{check}", data={"complete": "on"}).status_code == 302
    member = site.client(ACTORS["member_this"])
    task = re.search(r'/tasks/([0-9a-f-]{36})', member.get("/inbox").get_data(as_text=True)).group(1)
    from sqlalchemy import select

    from handlers.dossier_models import AgendaItem, CommissionSession, Decision, DocumentVersion, Dossier
    from handlers.payments.models import Payment, PaymentOrder
    from web.extensions import db
    with site.app.app_context():
        signed = db.session.scalar(select(Decision).where(Decision.signed.is_(True)))
        doc = db.session.scalar(select(DocumentVersion.id).where(DocumentVersion.dossier_id == dossier_id))
        assert db.session.get(Dossier, dossier_id).status == "commission"
        session_id = db.session.scalar(select(AgendaItem.session_id).where(AgendaItem.dossier_id == dossier_id))
        commission = db.session.get(CommissionSession, session_id).commission_id
        return {"COM": str(commission), "D": str(dossier_id), "S": str(signed.dossier_id), "code": signed.verification_code,
                "T": task, "DOC": str(doc), "SES": str(session_id),
                "OC": db.session.scalar(select(PaymentOrder.check_code).where(
                    PaymentOrder.dossier_id == signed.dossier_id)),
                "PAY": str(db.session.scalar(select(Payment.id).join(PaymentOrder, PaymentOrder.id == Payment.order_id)
                                             .where(PaymentOrder.dossier_id == signed.dossier_id))),
                "I": str(db.session.get(Dossier, dossier_id).instance_id)}


PAY = {"method": "provider", "provider": "regie"}
_TOKENS: dict[tuple[int, str], dict[str, str]] = {}
_CLIENTS: dict[tuple[int, str], Any] = {}


def _request(site: Site, actor: str, method: str, url: str, body: Any) -> Any:
    """One request as ``actor`` (signed-in clients and tokens are made once per actor)."""
    email = ACTORS[actor]
    if url in ("/auth/logout", "/api/v1/tokens") and method in ("POST", "DELETE") and email:
        # signing out ends every session and token of the account: sign in afresh afterwards
        response = (site.client(email).post(url, data=body) if method == "POST"
                    else site.app.test_client().delete(url, headers=site.token(email)))
        _CLIENTS.pop((id(site), email), None)
        _TOKENS.pop((id(site), email), None)
        return response
    if url.startswith("/api/"):
        client = site.app.test_client()
        if email and (id(site), email) not in _TOKENS:
            _TOKENS[(id(site), email)] = site.token(email)
        headers = _TOKENS[(id(site), email)] if email else {}
        if body == "upload":
            return client.open(url, method=method, headers=headers,
                               data={"kind": "demande", "file": (io.BytesIO(tiny_pdf()), "x.pdf")})
        if body == "pay":
            return client.open(url, method=method, headers=headers, data=PAY)
        if body == "csv":
            return client.open(url, method=method, headers=headers, data={
                "dry_run": "true", "file": (io.BytesIO(b"email,full_name,role\nx@y.ma,X Y,guichet_agent\n"), "p.csv")})
        return client.open(url, method=method, headers=headers, json=body)
    if not email or url == "/auth/logout":
        client = site.client(email) if email else site.client()
    else:
        if (id(site), email) not in _CLIENTS:
            _CLIENTS[(id(site), email)] = site.client(email)
        client = _CLIENTS[(id(site), email)]
    if body == "upload":
        return client.open(url, method=method, content_type="multipart/form-data",
                           data={"kind": "demande", "file": (io.BytesIO(tiny_pdf()), "x.pdf")})
    return client.open(url, method=method, data=PAY if body == "pay" else body)


def test_every_route_actor_pair_is_as_the_matrix_says(site: Site) -> None:
    _TOKENS.clear()  # sign-ins belong to one site (one database) only
    _CLIENTS.clear()
    world = _world(site)
    wrong = []
    # state-changing rows of the task last, so that the task still exists for the others
    rows = sorted(ROWS, key=lambda r: r[2].startswith(("/tasks/{T}", "/api/v1/tasks/{T}")) and r[0] == "POST")
    for method, _rule, template, allowed, body in rows:
        url = template.format(**world)
        for actor in ACTORS:
            if actor in allowed and method == "POST" and "{T}" in template:
                continue  # completing the task once is enough: done below by its holder
            response = _request(site, actor, method, url, body)
            assert response.status_code < 500, (method, url, actor, response.status_code)
            denied = _denied(url, response.status_code, response.headers.get("Location", ""))
            if denied == (actor in allowed):
                wrong.append(f"{method} {url} as {actor}: {response.status_code}")
    response = _request(site, "member_this", "POST", f"/api/v1/tasks/{world['T']}/complete",
                        {"data": {"opinion": {"avis": "favorable"}}})
    assert response.status_code == 200
    assert wrong == []


def test_every_route_has_a_row(site: Site) -> None:
    covered = {(method, rule) for method, rule, *_ in ROWS}
    missing = []
    for rule in site.app.url_map.iter_rules():
        if rule.endpoint == "static":
            continue
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            if (method, rule.rule) not in covered:
                missing.append(f"{method} {rule.rule}")
    assert missing == [], "add these routes to the authorization matrix"
