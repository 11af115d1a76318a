"""« Ma clé de signature »: a president generates their key (in their token or an encrypted
PKCS#12) and its CSR, installs the certificate, sees its expiry; an administrator records
the certificate a CA issued."""
from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import login_required

from engine.clock import utcnow
from handlers.signatures import my_keys, professional
from handlers.signatures.keystore import SigningRefused

from . import security
from .bootstrap import get_engine
from .errors import signing_message

bp = Blueprint("signer_keys", __name__, url_prefix="/signature-keys")


def _ports():  # noqa: ANN202
    return current_app.extensions["guichet.ports"]


@bp.get("/")
@login_required
def index(status: int = 200):  # noqa: ANN201
    view = my_keys.page(get_engine(current_app), _ports(), security.actor(), utcnow())
    return render_template("signer_keys.html", view=view), status


@bp.post("/")
@login_required
def generate():  # noqa: ANN201
    try:
        key = my_keys.generate(get_engine(current_app), _ports(), security.actor(), request.form.get("commune", ""),
                               request.form.get("pin", ""), request.form.get("pin_confirm", ""),
                               request.form.get("token_label") or None, utcnow())
    except SigningRefused as exc:
        flash(signing_message(exc), "error")
        return index(status=422)
    return _created(key.status)


def _created(status: str) -> Any:
    """Back to the keys, saying what the new key waits for."""
    if status == "issued":
        flash(_("Votre clé est créée et son certificat émis : installez-le avec votre code PIN."), "success")
    else:
        flash(_("Votre clé est créée ; sa demande de certificat attend l'administrateur."), "success")
    return redirect(url_for("signer_keys.index"))


@bp.post("/professional")
@login_required
def generate_professional():  # noqa: ANN201
    """An architect's key to sign their plans (no commune)."""
    try:
        key = professional.generate(get_engine(current_app), _ports(), security.actor(), request.form.get("pin", ""),
                                    request.form.get("pin_confirm", ""), request.form.get("token_label") or None,
                                    utcnow())
    except SigningRefused as exc:
        flash(signing_message(exc), "error")
        return index(status=422)
    return _created(key.status)


@bp.post("/<int:key_id>/install")
@login_required
def install(key_id: int):  # noqa: ANN201
    try:
        my_keys.install(get_engine(current_app), _ports(), security.actor(), key_id, request.form.get("pin", ""),
                        utcnow())
    except SigningRefused as exc:
        flash(signing_message(exc), "error")
        return index(status=422)
    flash(_("Votre certificat est installé : votre clé peut signer."), "success")
    return redirect(url_for("signer_keys.index"))


@bp.get("/<int:key_id>/csr.pem")
@login_required
def csr(key_id: int):  # noqa: ANN201
    pem = my_keys.csr(get_engine(current_app), security.actor(), key_id)
    return Response(pem, mimetype="application/pkcs10",
                    headers={"Content-Disposition": f'attachment; filename="demande-{key_id}.csr.pem"'})


@bp.post("/<int:key_id>/certificate")
@login_required
def certify(key_id: int):  # noqa: ANN201
    try:
        my_keys.certify(get_engine(current_app), security.actor(), key_id, request.form.get("certificate", ""))
    except SigningRefused as exc:
        flash(signing_message(exc), "error")
        return redirect(url_for("signer_keys.index")), 303
    flash(_("Le certificat est enregistré : son titulaire peut l'installer."), "success")
    return redirect(url_for("signer_keys.index"))
