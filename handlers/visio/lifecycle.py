"""A session's life through the API, one use case per action (each owns its transaction):
schedule, change the agenda, convene, read it (agenda, opinions, attendance), close.
Who may do what is the pages' rule (:mod:`.access`): the commission's members and the
guichet agents of its commune see it; only an agent (the secretary) changes it."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine import Actor, Engine, NotFound
from engine.models import HumanTask

from ..common import Refusal
from ..dossier_models import AgendaItem, CommissionSession, Dossier
from ..models import Commission
from ..ports import Ports
from ..queries import MAX_ID
from . import access, convocation, dossier, room, sessions
from .sessions import OPINION_TASK


@dataclass(frozen=True)
class Plan:
    """What the secretary asks for: a date, an HH:MM time, in the visio room or at a place."""

    day: date
    time: str
    visio: bool = True
    place: str | None = None


def commission_of(session: Session, actor: Actor, commission_id: int) -> tuple[Commission, str]:
    """The commission and the actor's role in it; NotFound for whoever is not in its room."""
    commission = session.get(Commission, commission_id) if 0 < commission_id <= MAX_ID else None
    role = access.role_in(session, actor, commission) if commission is not None else None
    if commission is None or role is None:
        raise NotFound(f"no commission {commission_id}")
    return commission, role


def seat(session: Session, actor: Actor, commission_id: int, session_id: int) -> access.Seat:
    """The actor's seat in a session of that commission (a session of another: NotFound)."""
    found = access.seat(session, actor, session_id)
    if found.commission.id != commission_id:
        raise NotFound(f"no session {session_id}")
    return found


def secretary(session: Session, actor: Actor, commission_id: int, session_id: int) -> access.Seat:
    seat(session, actor, commission_id, session_id)
    return access.secretary(session, actor, session_id)


def schedule(engine: Engine, ports: Ports, actor: Actor, commission_id: int, plan: Plan,
             dossier_ids: list[int]) -> int:
    with engine.transaction() as session:
        commission_of(session, actor, commission_id)
        made = sessions.schedule(session, ports, actor, commission_id=commission_id, day=plan.day, time=plan.time,
                                 dossier_ids=dossier_ids, now=engine.clock(), place=plan.place, visio=plan.visio)
        return made.id


def add(engine: Engine, actor: Actor, commission_id: int, session_id: int, dossier_id: int,
        position: int | None) -> None:
    with engine.transaction() as session:
        found = secretary(session, actor, commission_id, session_id)
        sessions.add_to_agenda(session, actor, found.session, dossier_id)
        if position is not None:
            sessions.move(session, found.session, dossier_id, position)


def remove(engine: Engine, actor: Actor, commission_id: int, session_id: int, dossier_id: int) -> None:
    """Take a dossier off the agenda. A dossier whose opinion round is open stays on some
    session of the commission: it is moved (added to another session), not dropped."""
    with engine.transaction() as session:
        found = secretary(session, actor, commission_id, session_id)
        if found.session.status != "scheduled":
            raise sessions.closed()
        item = session.scalar(select(AgendaItem).where(AgendaItem.session_id == session_id,
                                                       AgendaItem.dossier_id == dossier_id)) \
            if 0 < dossier_id <= MAX_ID else None
        if item is None:
            raise NotFound(f"dossier {dossier_id} is not on this session's agenda")
        target = session.get_one(Dossier, dossier_id)
        others = session.scalar(select(AgendaItem.id).join(CommissionSession, CommissionSession.id ==
                                                           AgendaItem.session_id).where(
            AgendaItem.dossier_id == dossier_id, AgendaItem.id != item.id,
            CommissionSession.commission_id == commission_id).limit(1))
        if others is None and round_open(session, target):
            raise Refusal("Ce dossier attend l'avis de la commission : inscrivez-le à une autre séance plutôt "
                          "que de le retirer.", "هذا الملف ينتظر رأي اللجنة: أدرجه في جلسة أخرى بدل سحبه.",
                          status=409)
        session.delete(item)
        session.flush()
        for n, rest in enumerate(sessions.agenda(session, session_id), start=1):
            rest.position = n


def round_open(session: Session, target: Dossier) -> bool:
    return target.instance_id is not None and session.scalar(select(HumanTask.id).where(
        HumanTask.instance_id == target.instance_id, HumanTask.state == "READY",
        HumanTask.bpmn_id.startswith(OPINION_TASK)).limit(1)) is not None


def convene(engine: Engine, ports: Ports, actor: Actor, commission_id: int, session_id: int) -> int:
    """Send the convocation (again: after the agenda or the time changed); how many members."""
    with engine.transaction() as session:
        found = secretary(session, actor, commission_id, session_id)
        if found.session.status != "scheduled":
            raise sessions.closed()
        return len(convocation.convene(session, ports, found.session, found.commission, engine.clock()))


def attendance(session: Session, session_id: int) -> list[dict[str, Any]]:
    """One entry per person, with every interval they were in the room (join, leave)."""
    people: dict[str, dict[str, Any]] = {}
    for user_id, name, role, joined, left in room.attendance(session, session_id):
        entry = people.setdefault(user_id, {"user_id": user_id, "name": name, "role": role, "intervals": []})
        entry["intervals"].append({"joined_at": joined, "left_at": left})
    return list(people.values())


def describe(session: Session, ports: Ports, found: access.Seat, lang: str, now: datetime,
             engine: Engine | None = None) -> dict[str, Any]:
    """The session with its agenda (each dossier's opinions: given and missing), attendance
    and minutes; the next steps the secretary may take on each dossier (:mod:`.followup`)."""
    from .followup import steps
    sitting = found.session
    items = []
    for item in sessions.agenda(session, sitting.id):
        d = session.get_one(Dossier, item.dossier_id)
        catalog = ports.catalog(session, d.catalog_id)
        given = dossier.opinions(session, sitting, d, engine)
        items.append({"position": item.position, "dossier_id": d.id, "number": d.number,
                      "procedure": catalog.procedure_label(d.procedure, lang),
                      "status": {"code": d.status, "label": catalog.status_label(d.status, lang)},
                      "opinions": given, "missing": [o["member"] for o in given if o["state"] == "open"],
                      "next_steps": steps(session, found, d, given, engine) if found.role == access.SECRETARY else []})
    return {**sessions.as_json(session, sitting, found.commission), "commission_id": found.commission.id,
            "role": found.role, "convened_at": sitting.convened_at, "closed_at": sitting.closed_at,
            "before_its_date": sitting.session_date > now.date(),
            "minutes_url": (f"/api/v1/commissions/{found.commission.id}/sessions/{sitting.id}/minutes.pdf"
                            if sitting.minutes_sha256 else None),
            "minutes_sha256": sitting.minutes_sha256, "agenda": items,
            "attendance": attendance(session, sitting.id)}
