"""The session pages: upcoming and past sessions, scheduling, one session (agenda,
attendance, minutes), the room page, and the PDFs the room shows."""
from __future__ import annotations

from datetime import date
from typing import Any

from flask import Response, current_app, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import login_required

from engine import Forbidden, NotFound
from handlers.common import DomainError
from handlers.dossier_models import Dossier
from handlers.visio import access, followup, lifecycle, room, sessions

from .. import security
from ..bootstrap import get_engine
from ..extensions import db
from . import bp


def _today() -> date:
    return get_engine(current_app).clock().date()


def _ports() -> Any:
    return current_app.extensions["guichet.ports"]


def _may_list() -> None:
    actor = security.actor()
    if not {"commission_member", "guichet_agent"} & actor.roles:
        raise Forbidden("commission sessions are for commission members and guichet agents")


@bp.get("/sessions", endpoint="sessions")
@login_required
def session_list() -> Any:
    _may_list()
    upcoming, past = sessions.visible(db.session(), security.actor(), today=_today())
    return render_template("commission/sessions.html", upcoming=upcoming, past=past,
                           may_schedule=bool(sessions.commissions_of_agent(db.session(), security.actor())))


@bp.route("/sessions/new", methods=["GET", "POST"], endpoint="new")
@login_required
def new_session() -> Any:
    actor = security.actor()
    commissions = sessions.commissions_of_agent(db.session(), actor)
    if not commissions:
        raise Forbidden("only guichet agents schedule commission sessions")
    chosen = request.values.get("commission_id", type=int) or commissions[0].id
    commission = next((c for c in commissions if c.id == chosen), commissions[0])
    errors: dict[str, str] = {}
    if request.method == "POST":
        try:
            day = date.fromisoformat(request.form.get("date", ""))
        except ValueError:
            errors["date"] = _("Indiquez une date (AAAA-MM-JJ).")
            day = None
        time = request.form.get("time", "")
        if not sessions.TIME.match(time):
            errors["time"] = _("Indiquez une heure (HH:MM).")
        if day is not None and day < _today():
            errors["date"] = _("La séance ne peut pas être dans le passé.")
        dossier_ids = [int(v) for v in request.form.getlist("dossier_id") if v.isdigit()]
        if not errors and day is not None:
            engine = get_engine(current_app)
            with engine.transaction() as s:
                place = request.form.get("place", "").strip() or None
                made = sessions.schedule(s, _ports(), actor, commission_id=commission.id, day=day, time=time,
                                         dossier_ids=dossier_ids, now=engine.clock(), place=place,
                                         visio=place is None)
                made_id = made.id
            flash(_("Séance programmée ; les membres sont convoqués."), "success")
            return redirect(url_for("commission.session", session_id=made_id))
    return render_template("commission/new.html", commissions=commissions, commission=commission,
                           awaiting=sessions.awaiting(db.session(), commission), errors=errors,
                           form=request.form, catalog=_ports().catalog(db.session())), 422 if errors else 200


@bp.get("/sessions/<int:session_id>", endpoint="session")
@login_required
def session_page(session_id: int) -> Any:
    seat = access.seat(db.session(), security.actor(), session_id)
    items = [(item, db.session().get_one(Dossier, item.dossier_id)) for item in sessions.agenda(db.session(), session_id)]
    awaiting = sessions.awaiting(db.session(), seat.commission) if seat.role == access.SECRETARY else []
    on_agenda = {d.id for _, d in items}
    engine = get_engine(current_app)
    summary = lifecycle.describe(db.session(), _ports(), seat, str(get_locale() or "fr"), engine.clock(), engine)
    return render_template("commission/session.html", seat=seat, sitting=seat.session, commission=seat.commission,
                           items=items, attendance=room.attendance(db.session(), session_id), summary=summary,
                           followups={i["dossier_id"]: i for i in summary["agenda"]},
                           awaiting=[d for d in awaiting if d.id not in on_agenda], catalog=_ports().catalog(db.session()))


@bp.post("/sessions/<int:session_id>/dossiers/<int:dossier_id>/followup", endpoint="followup")
@login_required
def followup_action(session_id: int, dossier_id: int) -> Any:
    """Secretary, after the session: relaunch the absent members, adjourn the dossier, or proceed
    without the missing opinions when none is binding."""
    done = followup.act(get_engine(current_app), _ports(), security.actor(), session_id, dossier_id,
                        request.form.get("action", ""))
    if done["action"] == followup.RELAUNCH:
        flash(_("Les membres dont l'avis manque ont été relancés."), "success")
    elif done["action"] == followup.PROCEED:
        flash(_("La procédure se poursuit sans les avis manquants, consignés « non exprimé »."), "success")
    else:
        flash(_("Dossier reporté à la séance suivante."), "success")
    return redirect(url_for("commission.session", session_id=session_id))


@bp.post("/sessions/<int:session_id>/agenda", endpoint="agenda")
@login_required
def agenda_edit(session_id: int) -> Any:
    """Secretary: add a dossier (``dossier_id``) or move it (``dossier_id`` + ``position``)."""
    engine = get_engine(current_app)
    dossier_id = request.form.get("dossier_id", type=int)
    position = request.form.get("position", type=int)
    with engine.transaction() as s:
        seat = access.secretary(s, security.actor(), session_id)
        if dossier_id is None:
            raise DomainError("choose a dossier")
        if position is None:
            sessions.add_to_agenda(s, security.actor(), seat.session, dossier_id)
        else:
            sessions.move(s, seat.session, dossier_id, position)
    flash(_("Ordre du jour mis à jour."), "success")
    return redirect(url_for("commission.session", session_id=session_id))


@bp.get("/sessions/<int:session_id>/room", endpoint="room")
@login_required
def room_page(session_id: int) -> Any:
    from flask_wtf.csrf import generate_csrf
    seat = access.seat(db.session(), security.actor(), session_id)
    lang = str(get_locale() or "fr")
    catalog = _ports().catalog(db.session())
    agenda = []
    for item in sessions.agenda(db.session(), session_id):
        d = db.session().get_one(Dossier, item.dossier_id)
        agenda.append({"dossier_id": d.id, "number": d.number, "procedure": catalog.procedure_label(d.procedure, lang),
                       "title": str(d.fields.get("objet") or d.fields.get("parcelle") or d.number)})
    user = security.current()
    room_data = {"session": sessions.as_json(db.session(), seat.session, seat.commission),
                 "me": {"id": seat.user_id, "name": user.full_name if user else "", "role": seat.role},
                 "agenda": agenda, "ice_servers": current_app.config.get("GUICHET_ICE_SERVERS", []),
                 "csrf_token": generate_csrf(), "lang": lang}
    return render_template("commission/room.html", room_data=room_data, seat=seat)


def _pdf(content: bytes, name: str) -> Response:
    return Response(content, mimetype="application/pdf", headers={
        "Content-Disposition": f'inline; filename="{name}"', "X-Content-Type-Options": "nosniff",
        "Cache-Control": "private, no-store"})


@bp.get("/documents/<int:version_id>/file", endpoint="document")
@login_required
def document_file(version_id: int) -> Any:
    doc = access.document_anywhere(db.session(), security.actor(), version_id)
    return _pdf(_ports().files.get(doc.sha256), f"{doc.kind}-v{doc.version}.pdf")


@bp.get("/sessions/<int:session_id>/minutes.pdf", endpoint="minutes")
@login_required
def minutes_file(session_id: int) -> Any:
    seat = access.seat(db.session(), security.actor(), session_id)
    if not seat.session.minutes_sha256:
        raise NotFound("this session is not closed yet: no minutes")
    return _pdf(_ports().files.get(seat.session.minutes_sha256), f"proces-verbal-{seat.session.session_date}.pdf")


@bp.app_context_processor
def _upcoming() -> dict[str, Any]:
    """``upcoming_sessions()`` for the inbox: the user's next sessions."""
    def upcoming_sessions() -> list[Any]:
        user = security.current()
        if user is None or not {"commission_member", "guichet_agent"} & user.actor.roles:
            return []
        return sessions.visible(db.session(), user.actor, today=_today(), upcoming_only=5)[0]
    return {"upcoming_sessions": upcoming_sessions}


