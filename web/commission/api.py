"""The room's JSON routes (docs/realtime.md): the dossier on screen, opinions, annotations,
the annotated plan export and closing the session. Errors are JSON ``{message, detail}``."""
from __future__ import annotations

from typing import Any

from flask import current_app, flash, jsonify, redirect, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import login_required

from handlers.visio import access, dossier, export, minutes
from handlers.visio import strokes as notes

from .. import errors, security
from ..bootstrap import get_engine
from ..extensions import db
from . import bp
from .sockets import broadcast

JSON_ENDPOINTS = {"commission.dossier", "commission.opinion", "commission.annotations", "commission.export",
                  "commission.close"}


def _wants_json() -> bool:
    """The room's JSON routes answer JSON; closing from the session page's form, a page."""
    return request.endpoint in JSON_ENDPOINTS and (request.endpoint != "commission.close" or request.is_json)


errors.JSON_WANTED.append(_wants_json)


def _ports() -> Any:
    return current_app.extensions["guichet.ports"]


@bp.get("/sessions/<int:session_id>/dossiers/<int:dossier_id>", endpoint="dossier")
@login_required
def dossier_context(session_id: int, dossier_id: int) -> Any:
    seat = access.seat(db.session(), security.actor(), session_id)
    return jsonify(dossier.context(db.session(), _ports(), seat, dossier_id, str(get_locale() or "fr"),
                                   get_engine(current_app)))


@bp.post("/sessions/<int:session_id>/dossiers/<int:dossier_id>/opinion", endpoint="opinion")
@login_required
def opinion(session_id: int, dossier_id: int) -> Any:
    given = dossier.give_opinion(get_engine(current_app), security.actor(), session_id, dossier_id,
                                 request.get_json(silent=True))
    broadcast("opinion", given, session_id)
    return jsonify(opinion=given)


@bp.get("/sessions/<int:session_id>/documents/<int:version_id>/annotations", endpoint="annotations")
@login_required
def annotation_list(session_id: int, version_id: int) -> Any:
    seat = access.seat(db.session(), security.actor(), session_id)
    doc = access.document(db.session(), seat, version_id)
    return jsonify([notes.as_json(db.session(), a) for a in notes.live(db.session(), session_id, doc.id)])


@bp.post("/sessions/<int:session_id>/documents/<int:version_id>/export", endpoint="export")
@login_required
def export_plan(session_id: int, version_id: int) -> Any:
    engine = get_engine(current_app)
    with engine.transaction() as session:
        doc = export.annotated_plan(session, _ports(), security.actor(), session_id, version_id, engine.clock())
        made = {"id": doc.id, "kind": doc.kind, "version": doc.version, "dossier_id": doc.dossier_id,
                "url": f"/commission/documents/{doc.id}/file"}
    return jsonify(made), 201


@bp.post("/sessions/<int:session_id>/close", endpoint="close")
@login_required
def close(session_id: int) -> Any:
    engine = get_engine(current_app)
    body = (request.get_json(silent=True) or {}) if request.is_json else {}
    body = body if isinstance(body, dict) else {}
    confirmed = body.get("confirm") is True if request.is_json else request.form.get("confirm") == "on"
    early = body.get("before_date") is True if request.is_json else request.form.get("before_date") == "on"
    closed = minutes.close(engine, _ports(), security.actor(), session_id, confirmed=confirmed, before_date=early)
    url = f"/commission/sessions/{session_id}/minutes.pdf"
    broadcast("closed", {"minutes_url": url}, session_id)
    if not request.is_json:
        flash(_("Séance close : le procès-verbal signé est joint à chaque dossier."), "success")
        return redirect(url_for("commission.session", session_id=session_id))
    return jsonify(minutes_url=url, sha256=closed.minutes_sha256, documents=closed.documents)
