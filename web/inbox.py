"""The inbox of agents, commission members and presidents: their tasks and the task page."""
from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import login_required
from sqlalchemy import select

from engine import Conflict, InvalidTaskData, NotFound, definitions
from engine.clock import utcnow
from engine.models import HumanTask, ProcessInstance
from handlers import queries
from handlers.exchange import exchange_of
from handlers.models import Commune
from handlers.signatures import approval
from handlers.signatures.keystore import SigningRefused

from . import formkit, security
from .bootstrap import get_engine
from .errors import describe, field_messages, signing_message
from .extensions import db

bp = Blueprint("inbox", __name__)


@bp.get("/inbox", endpoint="tasks")
@login_required
def task_list():  # noqa: ANN201
    order = request.args.get("order", "due")
    page = queries.inbox(db.session(), security.actor(), order=order,
                         page=max(1, request.args.get("page", 1, type=int)))
    catalog = current_app.extensions["guichet.ports"].catalog(db.session())
    lang = str(get_locale())
    communes = {c.code: (c.name_ar if lang == "ar" else c.name_fr) for c in db.session.scalars(select(Commune))}
    return render_template("inbox/list.html", page=page, order=order, now=utcnow(), catalog=catalog,
                           communes=communes)


def task_form(ht: HumanTask) -> tuple[dict, dict]:
    """The task's form as deployed with its instance's version (the studio may change it)."""
    if not ht.form:
        return {"properties": {}}, {}
    deployed = definitions.form_of(db.session(), ht.instance_id, ht.form, ht.id)
    if deployed is None:  # validation refuses a task naming a missing form: only a damaged row
        return {"properties": {}}, {}
    return deployed[0], deployed[1] or {}


@bp.get("/tasks/<task_id>")
@login_required
def task(task_id: str, data: dict | None = None, errors: dict | None = None, status: int = 200):  # noqa: ANN201
    ht, dossier = queries.task(db.session(), security.actor(), task_id)
    view = queries.dossier_view(db.session(), security.actor(), dossier.id) \
        if _can_see(dossier.id) else None
    lang = str(get_locale())
    ports = current_app.extensions["guichet.ports"]
    catalog = ports.catalog(db.session(), dossier.catalog_id)
    procedure = catalog.procedure(dossier.procedure)
    schema, ui = task_form(ht)
    fields = formkit.fields(schema, ui, lang, data or {}, errors, checklist=[i.kind for i in procedure.checklist])
    filing_schema, filing_ui = catalog.form(procedure.form) if procedure.form else ({}, {})
    filing = formkit.fields(filing_schema, filing_ui, lang, dossier.fields)
    version = db.session.scalar(select(ProcessInstance.version).where(ProcessInstance.id == ht.instance_id))
    exchange = exchange_of(db.session(), ports, view) if view is not None else None
    # errors no input carries (a requested document not yet uploaded, a payment not declared)
    shown = {f.name.replace(".", "/") for f in fields}
    loose = [(procedure.item(path[len("documents/"):]) if path.startswith("documents/") else None, message)
             for path, message in (errors or {}).items()
             if not any(path == n or path.startswith(f"{n}/") for n in shown)]
    pin = ht.state == "READY" and approval.needs_pin(db.session(), security.actor(), ht, dossier)
    return render_template("inbox/task.html", task=ht, dossier=dossier, view=view, fields=fields, ui=ui,
                           filing=filing, now=utcnow(), version=version, exchange=exchange,
                           providers=ports.payment_providers, loose=loose, pin=pin,
                           pin_error=(errors or {}).get("signing_pin")), status


def _can_see(dossier_id: int) -> bool:
    try:
        queries.dossier(db.session(), security.actor(), dossier_id)
    except NotFound:
        return False
    return True


@bp.post("/tasks/<task_id>")
@login_required
def complete(task_id: str):  # noqa: ANN201
    ht, dossier = queries.task(db.session(), security.actor(), task_id)
    schema, _ui = task_form(ht)
    data = formkit.parse(schema, request.form)
    version = request.form.get("version", type=int)
    try:
        # a signing task: the PIN unlocks the signer's key here and is never stored
        approval.complete(get_engine(current_app), current_app.extensions["guichet.ports"], security.actor(),
                          task_id, data, pin=request.form.get("signing_pin") or None, expected_version=version)
    except InvalidTaskData as exc:
        flash(_("Certains champs sont à corriger."), "error")
        return task(task_id, data=data, errors=field_messages(exc), status=422)
    except SigningRefused as exc:
        message = signing_message(exc)
        flash(message, "error")
        return task(task_id, data=data, errors={"signing_pin": message}, status=422)
    except Conflict as exc:
        flash(describe(exc)[1], "error")
        return redirect(url_for("inbox.tasks")), 303
    flash(_("C'est fait : le dossier %(number)s avance.", number=dossier.number), "success")
    if security.current() and security.current().has("applicant"):  # type: ignore[union-attr]
        return redirect(url_for("applicant.detail", dossier_id=dossier.id))
    return redirect(url_for("inbox.tasks"))


@bp.post("/tasks/<task_id>/claim")
@login_required
def claim(task_id: str):  # noqa: ANN201
    queries.task(db.session(), security.actor(), task_id)
    get_engine(current_app).claim(task_id, security.actor())
    flash(_("Tâche prise en charge."), "success")
    return redirect(url_for("inbox.task", task_id=task_id))
