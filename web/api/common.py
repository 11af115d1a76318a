"""Shared bits of the API routes: the caller, the ports, serializers of domain rows."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import current_app
from flask_babel import get_locale
from sqlalchemy.orm import Session

from engine import Actor
from handlers.dossier_models import Dossier
from handlers.ports import Ports

from .. import security
from ..extensions import db

ERRORS = {400: "malformed request body", 403: "not allowed", 404: "not found, or not visible to the caller",
          409: "stale or concurrent change", 422: "invalid data: `detail.fields` says which"}


def caller() -> Actor:
    user = security.token_auth.current_user
    if user is None:
        raise PermissionError("a Bearer token is required")
    return user.actor


def ports() -> Ports:
    return current_app.extensions["guichet.ports"]


def status_label(code: str, catalog_id: int | None = None, session: Session | None = None) -> str:
    """A status's label in the caller's language, from the dossier's catalog version (read
    in ``session``, the use case's own, when the answer is made inside its transaction)."""
    return ports().catalog(session or db.session(), catalog_id).status_label(code, str(get_locale() or "fr"))


def dossier_out(d: Dossier, session: Session | None = None) -> dict[str, Any]:
    return {"id": d.id, "number": d.number, "procedure": d.procedure, "commune": d.commune_code,
            "status": {"code": d.status, "label": status_label(d.status, d.catalog_id, session)}, "fields": d.fields,
            "created_at": d.created_at, "submitted_at": d.submitted_at, "outcome": d.outcome}


def task_out(t: Any, dossier_id: int, number: str | None, procedure: str, commune: str,
             now: datetime) -> dict[str, Any]:
    return {"id": t.id, "bpmn_id": t.bpmn_id, "title": t.title, "role": t.role, "assignee": t.assignee,
            "claimed_by": t.claimed_by, "due_at": t.due_at, "overdue": bool(t.due_at and t.due_at < now),
            "dossier_id": dossier_id, "dossier_number": number, "procedure": procedure, "commune": commune}
