"""The public verification page: what the QR code of a decision points at."""
from __future__ import annotations

from flask import Blueprint, Response, current_app, render_template, request

from handlers import verification

from .extensions import db

bp = Blueprint("verify", __name__)


@bp.get("/verify/<code>")
def by_code(code: str):  # noqa: ANN201
    result = verification.by_code(db.session(), current_app.extensions["guichet.ports"], code)
    return render_template("verify.html", result=result, code=code)


@bp.get("/verify/<code>/decision.pdf")
def document(code: str):  # noqa: ANN201
    ports = current_app.extensions["guichet.ports"]
    result = verification.by_code(db.session(), ports, code)
    return Response(ports.files.get(result.pdf_sha256), mimetype="application/pdf", headers={
        "Content-Disposition": f'attachment; filename="{"recepisse" if result.summary.kind == "receipt" else "decision"}'
                               f'-{result.summary.number}.pdf"',
        "X-Content-Type-Options": "nosniff"})


@bp.route("/verify", methods=["GET", "POST"])
def upload():  # noqa: ANN201
    """Check any PDF: is it signed, intact, by whom, chained to our trust anchors?"""
    checked = None
    if request.method == "POST":
        file = request.files.get("file")
        content = file.read(30 * 1024 * 1024) if file else b""
        checked = verification.check_pdf(current_app.extensions["guichet.ports"], content)
    return render_template("verify.html", result=None, checked=checked, code=None), 200
