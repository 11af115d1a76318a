"""Tasks through the API: the caller's inbox, one task with its form, claim, complete."""
from __future__ import annotations

from typing import Any

from flask import current_app

from engine import Forbidden, NotFound
from engine.clock import utcnow
from handlers import queries
from handlers.completeness.views import open_request_of
from handlers.dossier_models import Dossier
from handlers.signatures import approval

from ..bootstrap import get_engine
from ..extensions import db, reads_only
from ..security import token_auth
from . import bp
from .common import ERRORS, caller, task_out
from .schemas import CompleteIn, CompleteOut, Pagination, TaskDetailOut, TaskPage


@bp.get("/tasks")
@reads_only
@bp.auth_required(token_auth)
@bp.input(Pagination, location="query", arg_name="query")
@bp.output(TaskPage)
@bp.doc(summary="The caller's inbox, soonest deadline first")
def inbox(query: dict[str, Any]) -> Any:
    page = queries.inbox(db.session(), caller(), page=query["page"], per_page=query["per_page"])
    now = utcnow()
    return {"items": [task_out(t, did, num, proc, com, now) for t, did, num, proc, com in page.items],
            "total": page.total, "total_capped": page.capped, "page": page.page, "per_page": page.per_page}


@bp.get("/tasks/<task_id>")
@reads_only
@bp.auth_required(token_auth)
@bp.output(TaskDetailOut)
@bp.doc(summary="A task with its dossier and the JSON Schema of its form", responses={404: "not found, or not visible to the caller"})
def task(task_id: str) -> Any:
    t, form = queries.task_with_form(db.session(), caller(), task_id)
    schema, ui = ((form.schema or {"properties": {}}), (form.ui or {})) if t.form else ({}, {})
    request = open_request_of(db.session(), current_app.extensions["guichet.ports"],
                              db.session.get_one(Dossier, t.dossier_id)) if t.request_open else None
    return {**task_out(t, t.dossier_id, t.number, t.procedure, t.commune_code, utcnow()), "form": schema, "ui": ui,
            "version": form.version, "state": t.state, "request": request.out() if request is not None else None}


@bp.post("/tasks/<task_id>/claim")
@reads_only
@bp.auth_required(token_auth)
@bp.output(CompleteOut)
@bp.doc(summary="Take a task of one's role", responses=ERRORS)
def claim(task_id: str) -> Any:
    _ht, d = queries.task(db.session(), caller(), task_id)
    get_engine(current_app).claim(task_id, caller())
    return {"dossier_id": d.id, "status": d.status}


@bp.post("/tasks/<task_id>/complete")
@reads_only
@bp.auth_required(token_auth)
@bp.input(CompleteIn, arg_name="body")
@bp.output(CompleteOut)
@bp.doc(summary="Complete a task; 409 when stale, 422 with field errors",
        responses={code: text for code, text in ERRORS.items() if code != 403})  # not yours: 404
def complete(task_id: str, body: dict[str, Any]) -> Any:
    # The engine checks, under the instance lock, that the caller may do the task before it
    # says anything of the task's state; a task the caller may not see is answered as absent.
    try:
        dossier_id, status = approval.complete(get_engine(current_app), current_app.extensions["guichet.ports"], caller(),
                                        task_id, body["data"], pin=body.get("pin"),
                                        expected_version=body["expected_version"])
    except Forbidden as exc:
        raise NotFound(f"no task {task_id}") from exc
    return {"dossier_id": dossier_id, "status": status}
