"""Studio pages for the catalog: procedures and their checklists, status labels, document
kinds, message templates, filing forms; validate and deploy. Pages work without JavaScript."""
from __future__ import annotations

from typing import Any

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import login_required
from werkzeug.wrappers import Response

from handlers import catalog_edit, catalog_forms, catalog_store, catalog_usage
from handlers.catalog import ACCEPTED_TYPES, DOMAINS, CatalogError
from handlers.catalog_problems import text as said

from ..bootstrap import get_engine
from ..extensions import db
from ..formkit import fields as form_fields
from ..i18n import select_locale
from . import analyst_only, bp

LABEL_SECTIONS = {"statuses": "Statuts publics", "documents": "Types de pièces", "messages": "Messages"}
# what a message may say: the platform fills these for every message (plus the step's data)
MESSAGE_VARIABLES = ("number", "procedure", "date", "missing", "deadline", "session_date", "conditions",
                     "fees_total", "task", "requested_fr", "requested_ar", "request_comment", "payment_order",
                     "payment_reject_reason")


def _copy(user_id: str) -> catalog_edit.WorkingCopy:
    return catalog_edit.working_copy(db.session(), user_id)


def _change(user_id: str, edit: Any, back: str, **kw: Any) -> Response | None:
    """Apply an edit; on problems, flash them and return None (the caller re-renders)."""
    try:
        catalog_edit.change(get_engine(current_app), user_id, edit)
    except CatalogError as exc:
        for problem in exc.problems:
            flash(said(problem, select_locale()), "error")
        return None
    flash(_("Brouillon du catalogue enregistré."), "success")
    return redirect(url_for(back, **kw))


@bp.get("/catalog")
@login_required
def catalog_index() -> Any:
    return _index_page()


def _index_page() -> str:
    user = analyst_only()
    return render_template("studio/catalog/index.html", wc=_copy(user.id), history=catalog_store.history(db.session()))


@bp.post("/catalog/validate")
@login_required
def catalog_validate() -> Any:
    user = analyst_only()
    problems = catalog_edit.validate(get_engine(current_app), user.id)
    for p in problems:
        flash(said(p, select_locale()), "error")
    if not problems:
        flash(_("Le catalogue est valide."), "success")
    return redirect(url_for("studio.catalog_index"))


@bp.post("/catalog/deploy")
@login_required
def catalog_deploy() -> Any:
    user = analyst_only()
    try:
        number, created = catalog_edit.deploy(get_engine(current_app), user.id,
                                              request.form.get("comment") or None, force=bool(request.form.get("force")))
    except CatalogError as exc:
        for p in exc.problems:
            flash(said(p, select_locale()), "error")
        return _index_page(), 422
    flash(_("Catalogue v%(n)s déployé : les nouveaux dossiers le suivent dès maintenant.", n=number) if created
          else _("Catalogue inchangé (v%(n)s)", n=number), "success")
    return redirect(url_for("studio.catalog_index"))


@bp.post("/catalog/discard")
@login_required
def catalog_discard() -> Any:
    user = analyst_only()
    catalog_edit.discard(get_engine(current_app), user.id)
    flash(_("Brouillon abandonné."), "success")
    return redirect(url_for("studio.catalog_index"))


def _procedure_from_form(form: Any, wc: catalog_edit.WorkingCopy) -> tuple[str, dict[str, Any]]:
    rows = []
    count = int(form.get("rows", "0") or 0)
    for i in range(count):
        kind = form.get(f"kind_{i}", "")
        if not kind:
            continue
        item: dict[str, Any] = {"kind": kind, "required": bool(form.get(f"required_{i}"))}
        types = [t for t in form.getlist(f"types_{i}") if t in ACCEPTED_TYPES] or ["application/pdf"]
        if types != ["application/pdf"]:
            item["types"] = types
        when_field, when_values = form.get(f"when_field_{i}", "").strip(), form.get(f"when_values_{i}", "").strip()
        if when_field and when_values:
            item["when"] = {when_field: [v.strip() for v in when_values.split(",") if v.strip()]}
        rows.append(item)
    action = form.get("action", "save")
    verb, _sep, arg = action.partition(":")
    if verb in ("up", "down", "remove") and arg.isdigit() and int(arg) < len(rows):
        i = int(arg)
        if verb == "remove":
            rows.pop(i)
        elif verb == "up" and i > 0:
            rows[i - 1], rows[i] = rows[i], rows[i - 1]
        elif verb == "down" and i + 1 < len(rows):
            rows[i], rows[i + 1] = rows[i + 1], rows[i]
    if verb == "add" and form.get("add_kind"):
        rows.append({"kind": form["add_kind"], "required": True})
    if verb == "new_kind":
        code = form.get("new_kind_code", "").strip()
        wc.content.setdefault("documents", {})[code] = {"fr": form.get("new_kind_fr", "").strip(),
                                                        "ar": form.get("new_kind_ar", "").strip()}
        rows.append({"kind": code, "required": bool(form.get("new_kind_required"))})
    data = {k: form.get(k, "").strip() for k in ("code", "fr", "ar", "domain", "process")}
    if form.get("form"):
        data["form"] = form["form"]
    data["checklist"] = rows
    return form.get("key", "").strip(), data


@bp.route("/catalog/procedures/<key>", methods=["GET", "POST"])
@bp.route("/catalog/procedures/", methods=["GET", "POST"], defaults={"key": None})
@login_required
def catalog_procedure(key: str | None) -> Any:
    """Edit a procedure (``key`` None: a new one, ``?from=K`` a copy of K)."""
    user = analyst_only()
    wc = _copy(user.id)
    procedures = wc.content.get("procedures", {})
    if request.method == "POST":
        def edit(copy: catalog_edit.WorkingCopy) -> None:
            new_key, data = _procedure_from_form(request.form, copy)
            catalog_edit.put_procedure(copy, new_key, data, previous=key)
        target = request.form.get("key", "").strip() or key or ""
        done = _change(user.id, edit, "studio.catalog_procedure", key=target)
        if done is not None:
            return done
        procedure = dict(procedures.get(key or "", {}))
        _posted_key, procedure = _procedure_from_form(request.form, wc)
        status = 422
    else:
        source = request.args.get("from")
        procedure = dict(procedures.get(key or source or "", {}))
        if key is not None and key not in procedures:
            abort(404)
        status = 200
    _sources, keys = catalog_edit.deployed_sources(db.session())
    return render_template("studio/catalog/procedure.html", key=key, p=procedure, wc=wc, domains=DOMAINS,
                           processes=sorted(keys), types=ACCEPTED_TYPES,
                           copy_of=request.args.get("from"), posted_key=request.form.get("key", "")), status


@bp.post("/catalog/procedures/<key>/remove")
@login_required
def catalog_remove_procedure(key: str) -> Any:
    user = analyst_only()
    return _change(user.id, lambda wc: catalog_edit.remove_procedure(wc, key), "studio.catalog_index") or \
        redirect(url_for("studio.catalog_index"))


@bp.route("/catalog/labels/<section>", methods=["GET", "POST"])
@login_required
def catalog_labels(section: str) -> Any:
    """A label table (statuses, document kinds, messages): codes with fr/ar texts."""
    user = analyst_only()
    if section not in LABEL_SECTIONS:
        abort(404)
    wc = _copy(user.id)
    status = 200
    if request.method == "POST":
        f = request.form
        rows = [(f.get(f"code_{i}", "").strip(), f.get(f"fr_{i}", "").strip(), f.get(f"ar_{i}", "").strip())
                for i in range(int(f.get("rows", "0") or 0))
                if f.get(f"code_{i}", "").strip() and f.get("action") != f"remove:{i}"]
        done = _change(user.id, lambda copy: catalog_edit.put_labels(copy, section, rows),
                       "studio.catalog_labels", section=section)
        if done is not None:
            return done
        wc.content[section] = {c: {"fr": fr, "ar": ar} for c, fr, ar in rows}
        status = 422
    sources, _keys = catalog_edit.deployed_sources(db.session())
    statuses, messages = catalog_usage.uses(sources)
    return render_template("studio/catalog/labels.html", section=section, title=LABEL_SECTIONS[section],
                           rows=wc.content.get(section, {}), wc=wc,
                           uses=statuses if section == "statuses" else messages if section == "messages" else {},
                           builtin=catalog_edit.SECTIONS[section], variables=MESSAGE_VARIABLES), status


@bp.get("/catalog/forms/")
@login_required
def catalog_new_form() -> Any:
    """*Nouveau formulaire de dépôt*: a name (and a form to start from) → the editor."""
    analyst_only()
    name = request.args.get("name", "").strip()
    if name and not name.endswith(".schema.json"):
        name += ".schema.json"
    if not name:
        flash(_("Donnez un nom au formulaire (ex. depot_demolition)."), "error")
        return redirect(url_for("studio.catalog_index"))
    source: dict[str, Any] = {"from": request.args["from"]} if request.args.get("from") else {}
    return redirect(url_for("studio.catalog_form", name=name, **source))


@bp.route("/catalog/forms/<name>", methods=["GET", "POST"])
@login_required
def catalog_form(name: str) -> Any:
    """The filing-form editor: fields as rows (labels fr/ar, type, required, bounds, choices)."""
    user = analyst_only()
    wc = _copy(user.id)
    source = name if name in wc.forms else request.args.get("from", "")  # a new form may start as a copy
    schema = wc.forms.get(source) or {"type": "object", "properties": {}}
    ui = wc.forms.get(source.replace(".schema.json", ".ui.json"), {})
    status = 200
    problems: list[str] = []
    rows = catalog_forms.rows_of(schema, ui)
    title = (ui.get("title", {}).get("fr", schema.get("title", "")), ui.get("title", {}).get("ar", ""))
    if request.method == "POST":
        f = request.form
        posted = [catalog_forms.row_from_form(f, i, problems) for i in range(int(f.get("rows", "0") or 0))
                  if f.get("action") != f"remove:{i}"]
        rows = [r for r in posted if r is not None]
        title = (f.get("title_fr", "").strip(), f.get("title_ar", "").strip())
        if not all(title):
            problems.append(_("le titre du formulaire est obligatoire en français et en arabe"))
        if not problems:
            try:
                new_schema, new_ui = catalog_forms.build(rows, schema, ui, title)
            except CatalogError as exc:
                problems += exc.problems
        if not problems:
            done = _change(user.id, lambda copy: catalog_edit.put_form(copy, name, new_schema, new_ui),
                           "studio.catalog_form", name=name)
            if done is not None:
                return done
        for p in problems:
            flash(said(p, select_locale()), "error")
        status = 422
    preview = form_fields(schema, ui, "fr", {}) if status == 200 else []
    return render_template("studio/catalog/form.html", name=name, rows=rows, title=title, types=catalog_forms.TYPES,
                           preview=preview, wc=wc), status
