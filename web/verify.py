"""The public verification page: what the QR code of a decision points at."""
from __future__ import annotations

from flask import Blueprint, Response, current_app, redirect, render_template, request, url_for

from engine import NotFound
from handlers import verification

from . import verify_labels
from .extensions import db

# what a person may paste with a code read on a page or a PDF: spaces, direction marks
_NOISE = dict.fromkeys(map(ord, " \t\r\n\u00a0\u200e\u200f\u2066\u2067\u2068\u2069\u202a\u202b\u202c"))

bp = Blueprint("verify", __name__)


@bp.get("/verify/<code>")
def by_code(code: str):  # noqa: ANN201
    try:
        result = verification.by_code(db.session(), current_app.extensions["guichet.ports"], code)
    except NotFound:  # the page again, with the code as typed, to correct it
        return render_template("verify.html", result=None, code=code, unknown=True, labels=verify_labels), 404
    return render_template("verify.html", result=result, code=code, labels=verify_labels)


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
    """Check any PDF: is it signed, intact, by whom, chained to our trust anchors? Or go to a
    code typed in the form (``?code=``)."""
    checked = None
    typed = (request.args.get("code") or "").translate(_NOISE)
    if request.method == "GET" and typed:
        return redirect(url_for("verify.by_code", code=typed))
    if request.method == "POST":
        file = request.files.get("file")
        content = file.read(30 * 1024 * 1024) if file else b""
        checked = verification.check_pdf(current_app.extensions["guichet.ports"], content)
    return render_template("verify.html", result=None, checked=checked, code=None, labels=verify_labels), 200
