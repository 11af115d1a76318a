"""Administration through the API, continued: commissions and their seats, the CSV import
(with its dry run), the audit trail, and the tasks stranded on someone who cannot do them."""
from __future__ import annotations

from typing import Any

from apiflask import Schema
from apiflask.fields import Boolean, Date, DateTime, Dict, File, Integer, List, Nested, String
from flask import request
from flask_babel import get_locale

from engine.clock import utcnow
from handlers.administration import AdminProblem, audit, checks, commissions, importing, problems

from ..extensions import db, reads_only
from ..security import token_auth
from . import bp
from .admin import ADMIN_ERRORS, Done, admin, run
from .common import ports


class CommissionIn(Schema):
    kind = String(required=True)
    name_fr = String(required=True)
    name_ar = String(required=True)


class SeatIn(Schema):
    email = String(required=True)
    organism = String(required=True)
    project_type = String(load_default=None, allow_none=True, metadata={"description": "none: a permanent member"})
    valid_from = String(load_default=None, allow_none=True)
    valid_until = String(load_default=None, allow_none=True)


class SeatOut(Schema):
    id = Integer()
    user_id = String()
    organism = String(attribute="organism_code")
    project_type = String(allow_none=True)
    valid_from = Date(allow_none=True)
    valid_until = Date(allow_none=True)


class CommissionOut(Schema):
    id = Integer()
    commune = String(attribute="commune_code")
    kind = String()
    name_fr = String()
    name_ar = String()
    members = List(Nested(SeatOut))


class EndIn(Schema):
    last_day = String(load_default=None, allow_none=True, metadata={"description": "YYYY-MM-DD; default yesterday"})


class ImportIn(Schema):
    file = File(required=True)
    dry_run = Boolean(load_default=True)


class ImportOut(Schema):
    lines = Integer()
    written = Boolean()
    people = Integer()
    grants = Integer()
    seats = Integer()
    problems = List(Dict(), metadata={"description": "[{line, code, message}] — every problem, by line"})


class EventOut(Schema):
    at = DateTime()
    actor = String()
    action = String()
    target = String()
    commune = String(allow_none=True)
    before = Dict(allow_none=True)
    after = Dict(allow_none=True)


class StrandedOut(Schema):
    task_id = String()
    title = String()
    dossier_id = Integer()
    number = String(allow_none=True)
    commune = String()
    assignee = String()
    assignee_name = String()
    reason = String(metadata={"description": "inactive | left"})
    candidates = List(Dict(), metadata={"description": "[{id, name}] who may take it over"})


class ReassignIn(Schema):
    user = String(required=True)


@bp.get("/admin/communes/<code>/commissions")
@bp.auth_required(token_auth)
@bp.output(CommissionOut(many=True))
@bp.doc(summary="A commune's commissions with their seats (dated)", responses=ADMIN_ERRORS)
def admin_commissions(code: str) -> Any:
    return commissions.of_commune(db.session(), admin(), code)


@bp.post("/admin/communes/<code>/commissions")
@reads_only
@bp.auth_required(token_auth)
@bp.input(CommissionIn, arg_name="body")
@bp.output(Done, status_code=201)
@bp.doc(summary="Create a commission of a kind in a commune", responses=ADMIN_ERRORS)
def admin_commission_create(code: str, body: dict[str, Any]) -> Any:
    admin().check(code)
    run(commissions.create, admin(), code, body["kind"], body["name_fr"], body["name_ar"], utcnow())
    return {"ok": True}


@bp.post("/admin/commissions/<int:commission_id>/seats")
@reads_only
@bp.auth_required(token_auth)
@bp.input(SeatIn, arg_name="body")
@bp.output(Done, status_code=201)
@bp.doc(summary="Seat a person for an organism (permanent, or for one project type), with dates",
        responses=ADMIN_ERRORS)
def admin_seat_add(commission_id: int, body: dict[str, Any]) -> Any:
    data = commissions.SeatInput(body["email"], body["organism"], body.get("project_type"),
                                 checks.day(body.get("valid_from")), checks.day(body.get("valid_until")))
    run(commissions.seat_in, admin(), commission_id, data, utcnow())
    return {"ok": True}


@bp.post("/admin/seats/<int:member_id>/end")
@reads_only
@bp.auth_required(token_auth)
@bp.input(EndIn, arg_name="body")
@bp.output(Done)
@bp.doc(summary="A member leaves the commission after a given day (the seat is kept for the record)",
        responses=ADMIN_ERRORS)
def admin_seat_end(member_id: int, body: dict[str, Any]) -> Any:
    run(commissions.end_seat, admin(), member_id, checks.day(body.get("last_day")), utcnow())
    return {"ok": True}


@bp.post("/admin/communes/<code>/import")
@reads_only
@bp.auth_required(token_auth)
@bp.input(ImportIn, location="form_and_files", arg_name="body")
@bp.output(ImportOut)
@bp.doc(summary="Import people and memberships from a CSV (dry_run: check only); with any problem nothing is "
                "written and the answer is 422 listing every problem by line", responses=ADMIN_ERRORS)
def admin_import(code: str, body: dict[str, Any]) -> Any:
    who = admin()
    who.check(code)
    content = body["file"].read(2_000_001)
    lang = str(get_locale() or "fr")
    try:
        if len(content) > 2_000_000:
            raise AdminProblem("csv_too_big", limit=importing.MAX_LINES)
        report = run(importing.run, who, ports(), content, utcnow(), dry_run=body["dry_run"])
    except AdminProblem as problem:
        report = importing.ImportReport(problems=[(1, problem)])
    out = {"lines": report.lines, "written": report.written, "people": report.people, "grants": report.grants,
           "seats": report.seats,
           "problems": [{"line": n, "code": p.code, "message": p.text(lang)} for n, p in report.problems]}
    return out, 422 if report.problems else 200


@bp.get("/admin/audit")
@bp.auth_required(token_auth)
@bp.output(EventOut(many=True))
@bp.doc(summary="The administration trail, newest first (national administrator)", responses=ADMIN_ERRORS)
def admin_audit() -> Any:
    commune = (request.args.get("commune") or "").strip()[:50] or None
    return audit.events(db.session(), admin(), commune=commune)


@bp.get("/admin/problems")
@bp.auth_required(token_auth)
@bp.output(StrandedOut(many=True))
@bp.doc(summary="Tasks waiting on a deactivated person or one no longer seated", responses=ADMIN_ERRORS)
def admin_problems() -> Any:
    who, session, today = admin(), db.session(), utcnow().date()
    return [{**row.__dict__, "candidates": [{"id": uid, "name": name} for uid, name in
                                            problems.candidates(session, who, row.task_id, today)]}
            for row in problems.stranded(session, who, today)]


@bp.post("/admin/problems/<task_id>/reassign")
@reads_only
@bp.auth_required(token_auth)
@bp.input(ReassignIn, arg_name="body")
@bp.output(Done)
@bp.doc(summary="Hand a stranded task to one of its candidates", responses=ADMIN_ERRORS)
def admin_reassign(task_id: str, body: dict[str, Any]) -> Any:
    run(problems.reassign, admin(), ports(), task_id[:36], body["user"][:36], utcnow())
    return {"ok": True}
