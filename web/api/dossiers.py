"""Dossiers through the API: draft, documents, submit, list, detail, signed authorization."""
from __future__ import annotations

from typing import Any

from apiflask import abort
from apiflask.schemas import FileSchema
from flask import Response, current_app, url_for
from flask_babel import gettext as _

from engine.clock import utcnow
from handlers import dossiers, queries
from handlers.dossier_models import Dossier
from handlers.exchange import exchange_of
from handlers.signatures import professional, receipts

from ..bootstrap import get_engine
from ..extensions import db, reads_only
from ..security import token_auth
from . import bp
from .common import ERRORS, caller, dossier_out, ports, status_label
from .schemas import (
    DocumentIn,
    DocumentOut,
    DossierDetailOut,
    DossierIn,
    DossierOut,
    DossierPage,
    DossierPatch,
    DossierQuery,
    SubmitOut,
)


@bp.post("/dossiers")
@reads_only  # its writes are the use case's, in the engine's transaction
@bp.auth_required(token_auth)
@bp.input(DossierIn, arg_name="body")
@bp.output(DossierOut, status_code=201)
@bp.doc(summary="Create a draft dossier", responses=ERRORS)
def create(body: dict[str, Any]) -> Any:
    with get_engine(current_app).transaction() as session:
        d = dossiers.create_draft(session, ports(), procedure=body["procedure"], commune=body["commune"],
                                  applicant=caller(), fields=body["filing"], now=utcnow())
        return dossier_out(d, session)


@bp.patch("/dossiers/<int:dossier_id>")
@reads_only
@bp.auth_required(token_auth)
@bp.input(DossierPatch, arg_name="body")
@bp.output(DossierOut)
@bp.doc(summary="Edit a draft's filing data", responses=ERRORS)
def patch(dossier_id: int, body: dict[str, Any]) -> Any:
    queries.dossier(db.session(), caller(), dossier_id)
    with get_engine(current_app).transaction() as session:
        d = dossiers.update_fields(session, ports(), session.get_one(Dossier, dossier_id), body["filing"], caller())
        return dossier_out(d, session)


@bp.post("/dossiers/<int:dossier_id>/documents")
@bp.auth_required(token_auth)
@bp.input(DocumentIn, location="form_and_files", arg_name="body")
@bp.output(DocumentOut, status_code=201)
@bp.doc(summary="Upload a new version of a checklist document (PDF); 409 outside the windows the procedure "
                "opens (a draft, or an open task of the applicant that asks for this document); with "
                "sign_with_key and signing_pin, an architect's plan is signed with their own key first (422 "
                "when they have no active key or the PIN does not open it)", responses=ERRORS)
def upload(dossier_id: int, body: dict[str, Any]) -> Any:
    queries.dossier(db.session(), caller(), dossier_id)
    storage = body["file"]
    filename = storage.filename or "document.pdf"
    content = storage.read(dossiers.MAX_DOCUMENT_BYTES + 1)
    if body["sign_with_key"]:  # signed with the caller's professional key, opened with the PIN (kept nowhere)
        doc = professional.upload_signed(get_engine(current_app), ports(), caller(), dossier_id, kind=body["kind"],
                                         filename=filename, content=content, pin=body["signing_pin"], now=utcnow())
    else:
        with get_engine(current_app).transaction() as session:
            doc = dossiers.add_document(session, ports(), session.get_one(Dossier, dossier_id), kind=body["kind"],
                                        filename=filename, content=content, by=caller(), now=utcnow())
    return {"id": doc.id, "kind": doc.kind, "version": doc.version, "sha256": doc.sha256,
            "size": doc.size, "pages": doc.pages, "uploaded_at": doc.uploaded_at, "signature": doc.signature}


@bp.post("/dossiers/<int:dossier_id>/submit")
@reads_only
@bp.auth_required(token_auth)
@bp.output(SubmitOut)
@bp.doc(summary="File the dossier: checklist enforced, number given, procedure started; one 422 lists every "
                "missing or invalid field and every missing required document (detail.fields: documents/<kind>)",
        responses=ERRORS)
def submit(dossier_id: int) -> Any:
    filed = dossiers.submit(get_engine(current_app), ports(), dossier_id, caller())
    return {"number": filed.number, "status": filed.status}


@bp.get("/dossiers")
@bp.auth_required(token_auth)
@bp.input(DossierQuery, location="query", arg_name="query")
@bp.output(DossierPage)
@bp.doc(summary="The dossiers the caller may see (paginated)")
def listing(query: dict[str, Any]) -> Any:
    page = queries.dossiers(db.session(), caller(), status=query["status"], procedure=query["procedure"],
                            page=query["page"], per_page=query["per_page"])
    return {"items": [dossier_out(d) for (d,) in page.items], "total": page.total,
            "total_capped": page.capped, "page": page.page, "per_page": page.per_page}


@bp.get("/dossiers/<int:dossier_id>")
@bp.auth_required(token_auth)
@bp.output(DossierDetailOut)
@bp.doc(summary="Status, timeline, documents and open steps with their deadlines", responses={404: "not found, or not visible to the caller"})
def detail(dossier_id: int) -> Any:
    v = queries.dossier_view(db.session(), caller(), dossier_id)
    exchange = exchange_of(db.session(), ports(), v)
    decision = None
    if v.decision is not None:
        decision = {"outcome": v.decision.outcome, "signed": v.decision.signed,
                    "verification_code": v.decision.verification_code, "conditions": v.decision.conditions,
                    "signed_by": v.signed_by.out() if v.signed_by is not None else None}
    return {**dossier_out(v.dossier),
            "timeline": [{"status": s.status, "label": status_label(s.status, v.dossier.catalog_id), "at": s.at} for s in v.timeline],
            "documents": [{"id": d.id, "kind": d.kind, "version": d.version, "sha256": d.sha256, "size": d.size,
                           "pages": d.pages, "uploaded_at": d.uploaded_at, "signature": d.signature}
                          for d in v.documents],
            "open_steps": [{"id": t.id, "bpmn_id": t.bpmn_id, "title": t.title, "role": t.role,
                            "assignee_name": _acting_for(v, t.assignee), "yours": t.assignee == caller().user_id,
                            "due_at": t.due_at, "state": t.state, "completed_at": t.completed_at}
                           for t in v.open_steps],
            "deadline": v.current_deadline, "decision": decision,
            "requests": [r.out() for r in exchange.requests],
            "fees": exchange.fees.out(url_for("api.payment_order", dossier_id=dossier_id), ports().payment_providers)
            if exchange.fees.lines else None}


def _acting_for(view: Any, user_id: str | None) -> str | None:
    """Who a step waits for, by the organism they sit for: never an internal user id."""
    organism = view.organisms.get(user_id) if user_id else None
    return organism.name_fr if organism is not None else None


@bp.get("/dossiers/<int:dossier_id>/receipt.pdf")
@bp.auth_required(token_auth)
@bp.output(FileSchema, content_type="application/pdf",
           description="the filing receipt; header X-Guichet-Sealed: true when it carries the commune's e-seal")
@bp.doc(summary="The filing receipt (PDF), sealed with the commune's e-seal when it has one",
        responses={404: "not filed yet, or not visible to the caller"})
def receipt(dossier_id: int) -> Any:
    dossier = queries.dossier(db.session(), caller(), dossier_id)
    if dossier.number is None:
        abort(404, _("Ce dossier n'est pas encore déposé : il n'a pas de récépissé."))
    pdf, sealed = receipts.receipt(db.session(), ports(), dossier)
    return Response(pdf, mimetype="application/pdf",
                    headers={"Content-Disposition": f'attachment; filename="recepisse-{dossier.number}.pdf"',
                             "X-Guichet-Sealed": "true" if sealed else "false", "X-Content-Type-Options": "nosniff"})


@bp.get("/dossiers/<int:dossier_id>/authorization.pdf")
@bp.auth_required(token_auth)
@bp.output(FileSchema, content_type="application/pdf", description="the signed PDF")
@bp.doc(summary="The signed authorization (PDF)", responses={404: "no signed decision yet"})
def authorization(dossier_id: int) -> Any:
    v = queries.dossier_view(db.session(), caller(), dossier_id)
    if v.decision is None or not v.decision.signed or not v.decision.pdf_sha256:
        abort(404, _("Ce dossier n'a pas encore de décision signée."))
    return Response(ports().files.get(v.decision.pdf_sha256), mimetype="application/pdf",
                    headers={"Content-Disposition": f'attachment; filename="decision-{v.dossier.number}.pdf"',
                             "X-Content-Type-Options": "nosniff"})
