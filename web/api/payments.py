"""Fees through the API: the payment order PDF, declaring a payment (quittance or provider),
a declared quittance, and the public check of a payment order (its QR code's target)."""
from __future__ import annotations

from typing import Any

from apiflask import abort
from apiflask.schemas import FileSchema
from flask import Response, current_app
from flask_babel import gettext as _
from sqlalchemy import select

from handlers import queries
from handlers.payments import documents
from handlers.payments.declare import declare
from handlers.payments.models import Payment, PaymentOrder

from ..bootstrap import get_engine
from ..extensions import db
from ..security import token_auth
from . import bp
from .common import ERRORS, caller, ports
from .exchange_schemas import FeesOut, PaymentIn


@bp.get("/dossiers/<int:dossier_id>/payment-order.pdf")
@bp.auth_required(token_auth)
@bp.output(FileSchema, content_type="application/pdf", description="the ordre de recette (FR/AR, QR code)")
@bp.doc(summary="The dossier's payment order (ordre de recette) as PDF", responses={404: "no fee due"})
def payment_order(dossier_id: int) -> Any:
    dossier = queries.dossier(db.session(), caller(), dossier_id)
    return Response(documents.order_pdf(db.session(), ports(), dossier), mimetype="application/pdf", headers={
        "Content-Disposition": f'attachment; filename="ordre-de-recette-{dossier.number}.pdf"',
        "X-Content-Type-Options": "nosniff"})


@bp.post("/dossiers/<int:dossier_id>/payments")
@bp.auth_required(token_auth)
@bp.input(PaymentIn, location="form_and_files", arg_name="body")
@bp.output(FeesOut, status_code=201)
@bp.doc(summary="Declare a payment: method=quittance with the file, or method=provider with provider=<name> "
                "(default provider: regie, an offline payment at the commune's régie). Completes the payment "
                "task; the guichet then reconciles it. 409 when no payment is awaited.", responses=ERRORS)
def pay(dossier_id: int, body: dict[str, Any]) -> Any:
    queries.dossier(db.session(), caller(), dossier_id)
    storage = body.get("file")
    content = storage.read(10 * 1024 * 1024 + 1) if storage is not None else None
    return declare(get_engine(current_app), ports(), caller(), dossier_id, method=body["method"],
                   provider=body.get("provider"), content=content).fees


@bp.get("/dossiers/<int:dossier_id>/payments/<int:payment_id>/quittance")
@bp.auth_required(token_auth)
@bp.output(FileSchema, content_type="application/pdf", description="the quittance as uploaded (PDF or image)")
@bp.doc(summary="A declared payment's quittance", responses={404: "no such payment or no quittance"})
def quittance(dossier_id: int, payment_id: int) -> Any:
    queries.dossier(db.session(), caller(), dossier_id)
    row = db.session.execute(select(Payment).join(PaymentOrder, PaymentOrder.id == Payment.order_id)
                             .where(Payment.id == payment_id, PaymentOrder.dossier_id == dossier_id)).scalar()
    if row is None or row.document_sha256 is None:
        abort(404, _("Ce paiement n'a pas de quittance."))
    return Response(ports().files.get(row.document_sha256), mimetype=row.document_type or "application/pdf",
                    headers={"X-Content-Type-Options": "nosniff"})


@bp.get("/payment-orders/<code>")
@bp.doc(summary="Public: a payment order's reference, amount and whether it is paid (its QR code's target)",
        responses={404: "no such payment order"})
def order_check(code: str) -> Any:
    c = documents.check(db.session(), code)
    return {"reference": c.reference, "amount": f"{c.amount:.2f}", "currency": "MAD", "issued_at": c.issued_at,
            "paid": c.paid_at is not None, "paid_at": c.paid_at, "commune": {"fr": c.commune_fr, "ar": c.commune_ar}}
