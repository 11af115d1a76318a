"""Pages for fees: the payment order PDF, the applicant's payment declaration, the quittance
the guichet checks, and the public check page a payment order's QR code opens."""
from __future__ import annotations

from flask import Blueprint, Response, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import login_required
from sqlalchemy import select

from handlers import queries
from handlers.payments import documents
from handlers.payments.declare import declare
from handlers.payments.models import Payment, PaymentOrder

from . import security
from .bootstrap import get_engine
from .extensions import db

bp = Blueprint("payments", __name__)


def _ports():  # noqa: ANN202
    return current_app.extensions["guichet.ports"]


def pdf_response(content: bytes, name: str, *, inline: bool = False) -> Response:
    return Response(content, mimetype="application/pdf", headers={
        "Content-Disposition": f'{"inline" if inline else "attachment"}; filename="{name}"',
        "X-Content-Type-Options": "nosniff", "Cache-Control": "private, no-store"})


@bp.get("/dossiers/<int:dossier_id>/ordre-de-recette.pdf")
@login_required
def order_pdf(dossier_id: int):  # noqa: ANN201
    dossier = queries.dossier(db.session(), security.actor(), dossier_id)
    return pdf_response(documents.order_pdf(db.session(), _ports(), dossier), f"ordre-de-recette-{dossier.number}.pdf")


@bp.post("/dossiers/<int:dossier_id>/payments")
@login_required
def pay(dossier_id: int):  # noqa: ANN201
    queries.dossier(db.session(), security.actor(), dossier_id)
    method = request.form.get("method", "")
    file = request.files.get("file")
    content = file.read(10 * 1024 * 1024 + 1) if file is not None and file.filename else None
    declared = declare(get_engine(current_app), _ports(), security.actor(), dossier_id, method=method,
                       provider=request.form.get("provider"), content=content)
    if declared.redirect_url:  # a card gateway's payment page
        return redirect(declared.redirect_url)
    flash(_("Paiement déclaré : le guichet va le vérifier."), "success")
    return redirect(url_for("applicant.detail", dossier_id=dossier_id))


@bp.get("/dossiers/<int:dossier_id>/payments/<int:payment_id>/quittance")
@login_required
def quittance(dossier_id: int, payment_id: int):  # noqa: ANN201
    queries.dossier(db.session(), security.actor(), dossier_id)
    row = db.session.execute(select(Payment).join(PaymentOrder, PaymentOrder.id == Payment.order_id)
                             .where(Payment.id == payment_id, PaymentOrder.dossier_id == dossier_id)).scalar()
    if row is None or row.document_sha256 is None:
        abort(404)
    return Response(_ports().files.get(row.document_sha256), mimetype=row.document_type or "application/pdf",
                    headers={"Content-Disposition": "inline", "X-Content-Type-Options": "nosniff",
                             "Cache-Control": "private, no-store"})


@bp.get("/ordre-de-recette/<code>")
def check(code: str):  # noqa: ANN201
    """Public: what a payment order's QR code opens (reference, amount, paid or not)."""
    return render_template("payments/check.html", order=documents.check(db.session(), code))
