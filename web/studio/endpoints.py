"""The modeler's JSON endpoints (session sign-in, CSRF token header): validate, deploy,
save a draft, preview a form with the inbox's own renderer."""
from __future__ import annotations

import json
from typing import Any

from flask import current_app, jsonify, render_template, request
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import login_required

from engine import versions
from engine.clock import utcnow

from .. import formkit
from ..bootstrap import get_engine
from . import analyst_only, bp
from .bundles import BadBundle, StaleBase, parse_bundle, problem_out
from .bundles import deploy as deploy_bundle
from .bundles import validate as validate_bundle

MAX_COMMENT = 2000


def _body() -> dict[str, Any]:
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise BadBundle("not_object")
    return body


def _bad(exc: BadBundle) -> Any:
    return jsonify(message=exc.text(), problems=[], detail={"reason": str(exc)}), 400


@bp.post("/validate")
@login_required
def validate() -> Any:
    analyst_only()
    try:
        body = _body()
        bundle = parse_bundle(str(body.get("key", "")), None, body.get("files"), body.get("forms", {}))
    except BadBundle as exc:
        return _bad(exc)
    result, problems = validate_bundle(current_app, bundle)
    return jsonify(ok=not any(p.severity == "error" for p in problems),
                   processes=[p.key for p in result.processes], problems=[problem_out(p) for p in problems])


@bp.post("/processes/<key>/deploy")
@login_required
def deploy(key: str) -> Any:
    user = analyst_only()
    try:
        body = _body()
        bundle = parse_bundle(key, body.get("base_version"), body.get("files"), body.get("forms", {}))
        comment = str(body.get("comment") or "").strip()[:MAX_COMMENT] or None
        base = body.get("base_version")
        if base is not None and not isinstance(base, int):
            raise BadBundle("base_version")
        called = body.get("called_versions") or {}
        if not isinstance(called, dict) or not all(isinstance(v, int) for v in called.values()):
            raise BadBundle("called_versions")
    except BadBundle as exc:
        return _bad(exc)
    try:
        outcomes, problems = deploy_bundle(current_app, bundle, author=user.email[:100], comment=comment,
                                           draft_owner=user.id, check_base=not body.get("force"),
                                           called_versions=called)
    except StaleBase as exc:
        message = _("« %(key)s » v%(latest)s a été déployé par %(by)s depuis l'ouverture de la v%(base)s : "
                    "rouvrez le processus, ou déployez quand même.", key=exc.key, latest=exc.latest_version,
                    by=exc.latest_by or "?", base=exc.base)
        return jsonify(message=message, stale=True, stale_key=exc.key, latest_version=exc.latest_version,
                       problems=[]), 409
    if not outcomes:
        return jsonify(message=_("Les diagrammes ne sont pas valides : rien n'a été déployé."),
                       problems=[problem_out(p) for p in problems]), 422
    return jsonify(deployed=[{"key": o.process_key, "version": o.version, "created": o.created, "newest": o.newest}
                             for o in outcomes], problems=[problem_out(p) for p in problems]), 201


@bp.post("/processes/<key>/draft")
@login_required
def save_draft(key: str) -> Any:
    user = analyst_only()
    try:
        body = _body()
        base = body.get("base_version")
        if base is not None and not isinstance(base, int):
            raise BadBundle("base_version")
        called = body.get("called_versions") or {}
        if not isinstance(called, dict) or not all(isinstance(v, int) for v in called.values()):
            raise BadBundle("called_versions")
        bundle = parse_bundle(key, base, body.get("files"), body.get("forms", {}))
    except BadBundle as exc:
        return _bad(exc)
    with get_engine(current_app).transaction() as session:
        versions.save_draft(session, bundle, user.id, utcnow())
    return jsonify(saved=True, key=key)


@bp.post("/processes/<key>/draft/discard")
@login_required
def discard_draft(key: str) -> Any:
    user = analyst_only()
    with get_engine(current_app).transaction() as session:
        versions.discard_draft(session, key, user.id)
    return jsonify(discarded=True, key=key)


@bp.post("/forms/preview")
@login_required
def preview() -> Any:
    """The form as the inbox would render it (same :mod:`web.formkit`), or why it cannot be."""
    analyst_only()
    body = request.get_json(silent=True) or {}
    try:
        schema = json.loads(body.get("schema") or "{}")
        ui = json.loads(body.get("ui") or "{}")
    except json.JSONDecodeError as exc:
        from ..http_errors import isolated
        return jsonify(message=_("JSON illisible à la ligne %(line)s, colonne %(column)s.",
                                 line=isolated(str(exc.lineno)), column=isolated(str(exc.colno))),
                       detail={"reason": str(exc)}), 422
    except TypeError as exc:
        return jsonify(message=_("Le schéma et les indications d'affichage doivent être du texte JSON."),
                       detail={"reason": str(exc)}), 422
    if not isinstance(schema, dict) or not isinstance(ui, dict):
        return jsonify(message=_("Le schéma et les indications d'affichage doivent être des objets JSON.")), 422
    try:
        fields = formkit.fields(schema, ui, str(get_locale() or "fr"))
    except (AttributeError, TypeError, ValueError) as exc:
        return jsonify(message=_("Ce formulaire ne peut pas être affiché : vérifiez les types et les propriétés "
                                 "de ses champs."), detail={"reason": str(exc)}), 422
    return jsonify(html=render_template("studio/_preview.html", fields=fields, title=schema.get("title")))
