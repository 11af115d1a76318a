"""Commission sessions through the API: schedule, agenda, convocation, attendance, opinions,
close → minutes; the pages' access rules (members and the commune's guichet agents see a
session, only an agent — the secretary — changes it)."""
from __future__ import annotations

from typing import Any

from apiflask import FileSchema, Schema
from flask import Response, current_app
from flask_babel import get_locale
from marshmallow import ValidationError

from engine import Forbidden, InvalidTaskData, NotFound
from handlers.visio import access, dossier, followup, lifecycle, minutes, sessions

from ..bootstrap import get_engine
from ..commission.sockets import broadcast
from ..extensions import db, reads_only
from ..security import token_auth
from . import bp
from .common import ERRORS, caller, ports
from .session_schemas import (
    AgendaIn,
    ClosedOut,
    CloseIn,
    ConvokedOut,
    DoneOut,
    FollowupIn,
    OpinionIn,
    OpinionOut,
    SessionIn,
    SessionListOut,
    SessionOut,
)

BASE = "/commissions/<int:commission_id>/sessions"


def _valid(schema: type[Schema], raw: Any) -> dict[str, Any]:
    """The body checked against its schema *after* the caller's access was: an outsider is
    told 404/403 whatever they send, never what a valid body would be."""
    try:
        return dict(schema().load(raw if isinstance(raw, dict) else {}))
    except ValidationError as exc:
        flat = {str(k): " ".join(map(str, v)) if isinstance(v, list) else str(v) for k, v in exc.messages_dict.items()}
        raise InvalidTaskData(flat, {k: "type" for k in flat}) from None


def _lang() -> str:
    return str(get_locale() or "fr")


def _session(commission_id: int, session_id: int) -> dict[str, Any]:
    found = lifecycle.seat(db.session(), caller(), commission_id, session_id)
    engine = get_engine(current_app)
    return lifecycle.describe(db.session(), ports(), found, _lang(), engine.clock(), engine)


@bp.get(BASE)
@reads_only
@bp.auth_required(token_auth)
@bp.output(SessionListOut)
@bp.doc(summary="A commission's sessions (upcoming, past) and, for its secretary, the dossiers waiting for it",
        responses={404: "no such commission, or the caller is neither its member nor a guichet agent of its commune"})
def session_list(commission_id: int) -> Any:
    commission, role = lifecycle.commission_of(db.session(), caller(), commission_id)
    upcoming, past = sessions.visible(db.session(), caller(), today=get_engine(current_app).clock().date())
    mine = [{**sessions.as_json(db.session(), s.session, s.commission), "agenda_size": s.agenda_size}
            for s in upcoming + past if s.commission.id == commission_id]
    waiting = sessions.awaiting(db.session(), commission) if role == access.SECRETARY else []
    return {"upcoming": [s for s in mine if s["status"] == "scheduled"],
            "past": [s for s in mine if s["status"] != "scheduled"],
            "awaiting": [{"id": d.id, "number": d.number, "procedure": d.procedure} for d in waiting]}


@bp.post(BASE)
@reads_only
@bp.auth_required(token_auth)
@bp.input(SessionIn, arg_name="raw", validation=False)
@bp.output(SessionOut, status_code=201)
@bp.doc(summary="Schedule a session (date, time, visio or place) with its agenda; the members are convened "
                "(message with an .ics invitation)", responses=ERRORS)
def schedule(commission_id: int, raw: Any) -> Any:
    if lifecycle.commission_of(db.session(), caller(), commission_id)[1] != access.SECRETARY:
        raise Forbidden("only a guichet agent of the commune schedules its commission's sessions")
    body = _valid(SessionIn, raw)
    plan = lifecycle.Plan(body["date"], body["time"], body["visio"], body["place"])
    made = lifecycle.schedule(get_engine(current_app), ports(), caller(), commission_id, plan, body["dossier_ids"])
    return _session(commission_id, made)


@bp.get(f"{BASE}/<int:session_id>")
@reads_only
@bp.auth_required(token_auth)
@bp.output(SessionOut)
@bp.doc(summary="A session: agenda with each dossier's opinions (given, missing), attendance with every "
                "join/leave interval, minutes once closed", responses={404: ERRORS[404]})
def session_detail(commission_id: int, session_id: int) -> Any:
    return _session(commission_id, session_id)


@bp.post(f"{BASE}/<int:session_id>/agenda")
@reads_only
@bp.auth_required(token_auth)
@bp.input(AgendaIn, arg_name="raw", validation=False)
@bp.output(SessionOut)
@bp.doc(summary="Put a dossier of the commune on the agenda (at position, if given); secretary only",
        responses=ERRORS)
def agenda_add(commission_id: int, session_id: int, raw: Any) -> Any:
    lifecycle.secretary(db.session(), caller(), commission_id, session_id)
    body = _valid(AgendaIn, raw)
    lifecycle.add(get_engine(current_app), caller(), commission_id, session_id, body["dossier_id"], body["position"])
    return _session(commission_id, session_id)


@bp.delete(f"{BASE}/<int:session_id>/agenda/<int:dossier_id>")
@reads_only
@bp.auth_required(token_auth)
@bp.output(SessionOut)
@bp.doc(summary="Take a dossier off the agenda (409 when it waits for this commission and is on no other "
                "session: adjourn it instead); secretary only", responses=ERRORS)
def agenda_remove(commission_id: int, session_id: int, dossier_id: int) -> Any:
    lifecycle.remove(get_engine(current_app), caller(), commission_id, session_id, dossier_id)
    return _session(commission_id, session_id)


@bp.post(f"{BASE}/<int:session_id>/convocation")
@reads_only
@bp.auth_required(token_auth)
@bp.output(ConvokedOut)
@bp.doc(summary="Convene the members again (after the agenda or time changed), with the .ics; secretary only",
        responses=ERRORS)
def convocation(commission_id: int, session_id: int) -> Any:
    return {"convened": lifecycle.convene(get_engine(current_app), ports(), caller(), commission_id, session_id)}


@bp.post(f"{BASE}/<int:session_id>/agenda/<int:dossier_id>/opinion")
@reads_only
@bp.auth_required(token_auth)
@bp.input(OpinionIn, arg_name="raw", validation=False)
@bp.output(OpinionOut)
@bp.doc(summary="A member gives their opinion on a dossier of the agenda (completes their own opinion task)",
        responses=ERRORS)
def opinion(commission_id: int, session_id: int, dossier_id: int, raw: Any) -> Any:
    if lifecycle.seat(db.session(), caller(), commission_id, session_id).role != access.MEMBER:
        raise Forbidden("only the commission's members give opinions")
    body = _valid(OpinionIn, raw)
    given = dossier.give_opinion(get_engine(current_app), caller(), session_id, dossier_id,
                                 {k: v for k, v in body.items() if v is not None})
    broadcast("opinion", given, session_id)
    found = lifecycle.seat(db.session(), caller(), commission_id, session_id)
    target = next(o for o in dossier.opinions(db.session(), found.session,
                                              db.session().get_one(dossier.Dossier, dossier_id))
                  if o["member_id"] == caller().user_id)
    return target


@bp.post(f"{BASE}/<int:session_id>/agenda/<int:dossier_id>/followup")
@reads_only
@bp.auth_required(token_auth)
@bp.input(FollowupIn, arg_name="raw", validation=False)
@bp.output(DoneOut)
@bp.doc(summary="After the session, on a dossier whose opinions are missing: relaunch the absent members, or "
                "adjourn it to the commission's next session, or (session closed) proceed without them when none is "
                "binding per the procedure's avis_conformes table — 409 with the reason otherwise; secretary only",
        responses=ERRORS)
def followup_action(commission_id: int, session_id: int, dossier_id: int, raw: Any) -> Any:
    lifecycle.secretary(db.session(), caller(), commission_id, session_id)
    body = _valid(FollowupIn, raw)
    return followup.act(get_engine(current_app), ports(), caller(), session_id, dossier_id, body["action"])


@bp.post(f"{BASE}/<int:session_id>/close")
@reads_only
@bp.auth_required(token_auth)
@bp.input(CloseIn, arg_name="raw", validation=False)
@bp.output(ClosedOut)
@bp.doc(summary="Close the session: the minutes are rendered, signed and attached to each dossier; the "
                "room's media stop. 409 before the session's day unless before_date is true; secretary only",
        responses=ERRORS)
def close(commission_id: int, session_id: int, raw: Any) -> Any:
    lifecycle.secretary(db.session(), caller(), commission_id, session_id)
    body = _valid(CloseIn, raw)
    closed = minutes.close(get_engine(current_app), ports(), caller(), session_id, confirmed=body["confirm"],
                           before_date=body["before_date"])
    url = f"/api/v1/commissions/{commission_id}/sessions/{session_id}/minutes.pdf"
    broadcast("closed", {"minutes_url": f"/commission/sessions/{session_id}/minutes.pdf"}, session_id)
    return {"minutes_url": url, "sha256": closed.minutes_sha256, "documents": closed.documents}


@bp.get(f"{BASE}/<int:session_id>/minutes.pdf")
@reads_only
@bp.auth_required(token_auth)
@bp.output(FileSchema, content_type="application/pdf", description="the signed minutes")
@bp.doc(summary="The session's signed minutes (PDF)", responses={404: "no such session, or not closed yet"})
def minutes_file(commission_id: int, session_id: int) -> Any:
    found = lifecycle.seat(db.session(), caller(), commission_id, session_id)
    if not found.session.minutes_sha256:
        raise NotFound("this session is not closed yet: no minutes")
    return Response(ports().files.get(found.session.minutes_sha256), mimetype="application/pdf", headers={
        "Content-Disposition": f'attachment; filename="proces-verbal-{found.session.session_date}.pdf"',
        "X-Content-Type-Options": "nosniff"})
