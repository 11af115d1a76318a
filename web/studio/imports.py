"""*Importer* in the Studio: a .bpmn or .dmn file (from Camunda Modeler, bpmn.io, another
Guichet…) becomes the analyst's draft, validated first; a file that cannot be used gets its
problems listed (file:line [element]: message), never a traceback."""
from __future__ import annotations

from typing import Any

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import login_required

from engine import NotFound, definitions, versions
from engine.clock import utcnow
from engine.versions import Bundle
from engine.xml import BPMN_NS, parse_xml

from ..bootstrap import get_engine
from ..extensions import db
from . import analyst_only, bp
from .bundles import library, validate

MAX_IMPORT = 2 * 1024 * 1024


def _executable_keys(name: str, content: bytes) -> list[str]:
    tree, _problems = parse_xml(name, content)
    if tree is None:
        return []
    return [p.get("id") for p in tree.getroot().iter(f"{{{BPMN_NS}}}process") if p.get("isExecutable") == "true"]


def _render(problems: list[str], status: int) -> Any:
    return render_template("studio/import.html", problems=problems,
                           processes=definitions.latest_versions(db.session())), status


@bp.route("/import", methods=["GET", "POST"])
@login_required
def import_file() -> Any:
    """Upload one diagram: a BPMN file opens as a draft of its executable process (a new
    process, or the next version of an existing one); a DMN file joins a chosen process's draft."""
    user = analyst_only()
    if request.method == "GET":
        return _render([], 200)
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        return _render([_("Choisissez un fichier .bpmn ou .dmn.")], 422)
    name = upload.filename.replace("\\", "/").rsplit("/", 1)[-1]
    content = upload.stream.read(MAX_IMPORT + 1)
    if not name.endswith((".bpmn", ".dmn")):
        return _render([_("« %(name)s » : seuls les fichiers .bpmn et .dmn s'importent.", name=name)], 422)
    if len(content) > MAX_IMPORT:
        return _render([_("« %(name)s » dépasse %(mb)s Mo.", name=name, mb=MAX_IMPORT // (1024 * 1024))], 413)
    try:
        text = content.decode("utf-8")
    except UnicodeDecodeError:
        return _render([_("« %(name)s » n'est pas un texte UTF-8.", name=name)], 422)
    if name.endswith(".dmn"):
        key = request.form.get("process", "")
        try:
            row = versions.version(db.session(), key)
        except NotFound:
            return _render([_("Un tableau de décision rejoint un processus : choisissez lequel.")], 422)
        draft = versions.get_draft(db.session(), key, user.id)
        base = draft if draft is not None else versions.bundle_of(row, library(db.session()))
        bundle = Bundle(key, base.base_version, {**base.files, name: text}, dict(base.forms))
    else:
        keys = _executable_keys(name, content)
        key = keys[0] if keys else ""
        try:
            existing: Any = versions.version(db.session(), key) if key else None
        except NotFound:
            existing = None
        bundle = Bundle(key or name, existing.version if existing else None, {name: text}, library(db.session()))
        if existing is not None:  # the process's other files (called processes, decisions) come along
            bundle.files = {**existing.sources, name: text}
            bundle.forms = {**bundle.forms, **{n: versions.form_text(s) for n, s in (existing.forms or {}).items()}}
    _result, problems = validate(current_app, bundle)
    errors = [str(p) for p in problems if p.severity == "error"]
    if errors or not key:
        if not key and not errors:
            errors = [_("« %(name)s » ne contient aucun processus exécutable.", name=name)]
        return _render(errors, 422)
    with get_engine(current_app).transaction() as session:
        versions.save_draft(session, bundle, user.id, utcnow())
    flash(_("« %(name)s » importé : brouillon de %(key)s, à vérifier puis déployer.", name=name, key=key), "success")
    return redirect(url_for("studio.modeler", key=key))
