"""The applicant portal: drafts, documents, submission, status timeline, downloads."""
from __future__ import annotations

from flask import Blueprint, Response, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import login_required

from engine import InvalidTaskData
from engine.clock import utcnow
from handlers import dossiers, queries
from handlers.dossier_models import DocumentVersion, Dossier
from handlers.exchange import exchange_of
from handlers.models import Commune
from handlers.ports import Ports
from handlers.signatures import professional, receipts
from handlers.signatures.keystore import SigningRefused

from . import formkit, security
from .bootstrap import get_engine
from .errors import describe, field_messages, signing_message
from .extensions import db

bp = Blueprint("applicant", __name__, url_prefix="/dossiers")


def ports() -> Ports:
    return current_app.extensions["guichet.ports"]


def _filing_form(dossier: Dossier) -> tuple[dict, dict]:
    catalog = ports().catalog(db.session(), dossier.catalog_id)
    proc = catalog.procedure(dossier.procedure)
    return catalog.form(proc.form) if proc.form else ({"properties": {}}, {})


@bp.get("/", endpoint="dossiers")
@login_required
def my_dossiers():  # noqa: ANN201
    page = queries.dossiers(db.session(), security.actor(), status=request.args.get("status"),
                            page=max(1, request.args.get("page", 1, type=int)))
    return render_template("applicant/list.html", page=page, catalog=ports().catalog(db.session()))


@bp.route("/new", methods=["GET", "POST"])
@login_required
def new():  # noqa: ANN201
    if request.method == "POST":
        with get_engine(current_app).transaction() as session:
            draft = dossiers.create_draft(session, ports(), procedure=request.form.get("procedure", ""),
                                          commune=request.form.get("commune", ""), applicant=security.actor(),
                                          fields={}, now=utcnow())
            dossier_id = draft.id
        return redirect(url_for("applicant.detail", dossier_id=dossier_id))
    communes = db.session.query(Commune).order_by(Commune.name_fr).all()
    return render_template("applicant/new.html", catalog=ports().catalog(db.session()), communes=communes)


@bp.get("/<int:dossier_id>")
@login_required
def detail(dossier_id: int, errors: dict | None = None, status: int = 200):  # noqa: ANN201
    view = queries.dossier_view(db.session(), security.actor(), dossier_id)
    schema, ui = _filing_form(view.dossier)
    form = formkit.fields(schema, ui, str(get_locale()), view.dossier.fields, errors)
    catalog = ports().catalog(db.session(), view.dossier.catalog_id)
    procedure = catalog.procedure(view.dossier.procedure)
    return render_template("applicant/dossier.html", view=view, form=form, procedure=procedure, catalog=catalog,
                           exchange=exchange_of(db.session(), ports(), view),
                           problems=problems(errors or {}, form, procedure, str(get_locale())),
                           providers=ports().payment_providers), status


def problems(errors: dict, form: list, procedure, lang: str) -> list[str]:  # noqa: ANN001
    """Every error of a refused submission as a line a person reads: the field's label, or the
    missing document's name."""
    labels = {f.name.replace(".", "/"): f.label for f in form}
    out = []
    for path, message in errors.items():
        if path.startswith("documents/"):
            item = procedure.item(path.split("/", 1)[1])
            name = (item.ar if lang == "ar" else item.fr) if item else path
            out.append(_("Pièce obligatoire manquante : %(name)s", name=name))
        else:
            out.append(f"{labels.get(path, path)} : {message}")
    return out


@bp.post("/<int:dossier_id>/fields")
@login_required
def save_fields(dossier_id: int):  # noqa: ANN201
    dossier = queries.dossier(db.session(), security.actor(), dossier_id)
    schema, _ui = _filing_form(dossier)
    try:
        with get_engine(current_app).transaction() as session:
            dossiers.update_fields(session, ports(), session.get_one(Dossier, dossier_id),
                                   formkit.parse(schema, request.form), security.actor())
    except InvalidTaskData as exc:
        flash(_("Certains champs sont à corriger."), "error")
        return detail(dossier_id, errors=field_messages(exc), status=422)
    flash(_("Brouillon enregistré : vous pouvez le reprendre plus tard."), "success")
    return redirect(url_for("applicant.detail", dossier_id=dossier_id))


@bp.post("/<int:dossier_id>/documents")
@login_required
def upload(dossier_id: int):  # noqa: ANN201
    queries.dossier(db.session(), security.actor(), dossier_id)
    file = request.files.get("file")
    if file is None or not file.filename:
        flash(_("Choisissez un fichier PDF."), "error")
        return redirect(url_for("applicant.detail", dossier_id=dossier_id))
    content = file.read(dossiers.MAX_DOCUMENT_BYTES + 1)
    try:
        if request.form.get("sign_with_key"):  # an architect signs the plan with their own key (PIN never kept)
            professional.upload_signed(get_engine(current_app), ports(), security.actor(), dossier_id,
                                       kind=request.form.get("kind", ""), filename=file.filename, content=content,
                                       pin=request.form.get("signing_pin", ""), now=utcnow())
        else:
            with get_engine(current_app).transaction() as session:
                dossiers.add_document(session, ports(), session.get_one(Dossier, dossier_id),
                                      kind=request.form.get("kind", ""), filename=file.filename,
                                      content=content, by=security.actor(), now=utcnow())
    except dossiers.InvalidDocument as exc:
        flash(describe(exc)[1], "error")
        return detail(dossier_id, status=422)
    except SigningRefused as exc:
        flash(signing_message(exc), "error")
        return detail(dossier_id, status=422)
    flash(_("Document ajouté."), "success")
    return redirect(url_for("applicant.detail", dossier_id=dossier_id))


@bp.post("/<int:dossier_id>/submit")
@login_required
def submit(dossier_id: int):  # noqa: ANN201
    queries.dossier(db.session(), security.actor(), dossier_id)
    try:
        number = dossiers.submit(get_engine(current_app), ports(), dossier_id, security.actor()).number
    except InvalidTaskData as exc:
        flash(_("Certains champs sont à corriger."), "error")
        return detail(dossier_id, errors=field_messages(exc), status=422)
    flash(_("Dossier déposé sous le numéro %(number)s.", number=number), "success")
    return redirect(url_for("applicant.detail", dossier_id=dossier_id))


def _pdf(content: bytes, name: str, inline: bool) -> Response:
    disposition = "inline" if inline else "attachment"
    return Response(content, mimetype="application/pdf", headers={
        "Content-Disposition": f'{disposition}; filename="{name}"', "X-Content-Type-Options": "nosniff",
        "Cache-Control": "private, no-store"})


@bp.get("/<int:dossier_id>/documents/<int:document_id>")
@login_required
def document(dossier_id: int, document_id: int):  # noqa: ANN201
    queries.dossier(db.session(), security.actor(), dossier_id)
    doc = db.session.get(DocumentVersion, document_id) if 0 < document_id <= queries.MAX_ID else None
    if doc is None or doc.dossier_id != dossier_id:
        abort(404)
    return _pdf(ports().files.get(doc.sha256), f"{doc.kind}-v{doc.version}.pdf", inline=True)


@bp.get("/<int:dossier_id>/receipt.pdf")
@login_required
def receipt(dossier_id: int):  # noqa: ANN201
    dossier = queries.dossier(db.session(), security.actor(), dossier_id)
    if dossier.number is None:
        abort(404)
    pdf, _sealed = receipts.receipt(db.session(), ports(), dossier)
    return _pdf(pdf, f"recepisse-{dossier.number}.pdf", inline=False)


@bp.get("/<int:dossier_id>/authorization.pdf")
@login_required
def authorization(dossier_id: int):  # noqa: ANN201
    view = queries.dossier_view(db.session(), security.actor(), dossier_id)
    if view.decision is None or not view.decision.signed or view.decision.pdf_sha256 is None:
        abort(404)
    return _pdf(ports().files.get(view.decision.pdf_sha256), f"decision-{view.dossier.number}.pdf", inline=False)
