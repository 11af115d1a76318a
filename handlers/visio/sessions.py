"""Scheduling sessions: the guichet agent sets the commission, date, time and agenda; the
members are told (mail + inbox notification) and see their upcoming sessions."""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import ColumnElement, func, or_, select, true
from sqlalchemy.orm import Session, lazyload

from engine import Actor, Forbidden, NotFound
from engine.models import HumanTask

from ..common import Refusal
from ..dossier_models import AgendaItem, CommissionSession, Dossier
from ..models import Commission, CommissionMember
from ..ports import Ports
from . import access, convocation

TIME = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")
OPINION_TASK = "cm_opinion"


def closed() -> Refusal:
    return Refusal("Cette séance est close : son ordre du jour ne change plus.",
                   "هذه الجلسة مختتمة: لم يعد جدول أعمالها قابلا للتغيير.", status=409)


@dataclass(frozen=True)
class Listed:
    session: CommissionSession
    commission: Commission
    role: str
    agenda_size: int


def commissions_of_agent(session: Session, actor: Actor) -> list[Commission]:
    """The commissions of the communes where ``actor`` is a guichet agent."""
    return [c for c in session.scalars(select(Commission).order_by(Commission.commune_code, Commission.id))
            if actor.holds("guichet_agent", c.commune_code)]


def _rooms(session: Session, actor: Actor) -> tuple[set[int], dict[int, Commission]]:
    """(commissions the actor sits on, every commission whose rooms the actor may enter)."""
    seated = set(session.scalars(select(CommissionMember.commission_id).where(
        CommissionMember.user_id == actor.user_id)))
    communes = actor.scopes.get("guichet_agent", frozenset()) if "guichet_agent" in actor.roles else frozenset()
    reach: ColumnElement[bool] = Commission.id.in_(sorted(seated))
    if "*" in communes:
        reach = or_(reach, true())
    elif communes:
        reach = or_(reach, Commission.commune_code.in_(sorted(communes)))
    rows = session.scalars(select(Commission).where(reach).options(lazyload(Commission.members)))
    return seated, {c.id: c for c in rows}


def visible(session: Session, actor: Actor, *, today: date,
            upcoming_only: int | None = None) -> tuple[list[Listed], list[Listed]]:
    """(upcoming, past) sessions the actor may enter, soonest first / latest first; with
    ``upcoming_only=n``, just the next ``n`` (the inbox: a bounded query, whatever the history)."""
    seated, commissions = _rooms(session, actor)
    if not commissions:
        return [], []
    size = (select(func.count()).where(AgendaItem.session_id == CommissionSession.id)
            .correlate(CommissionSession).scalar_subquery())
    query = (select(CommissionSession, size)
             .where(CommissionSession.commission_id.in_(sorted(commissions)),
                    # opened by the procedure, its dossiers since moved to an agent's session: not listed
                    or_(CommissionSession.scheduled_by.is_not(None), size > 0))
             .order_by(CommissionSession.session_date, CommissionSession.start_time, CommissionSession.id))
    if upcoming_only is not None:
        query = query.where(CommissionSession.status == "scheduled",
                            CommissionSession.session_date >= today).limit(upcoming_only)
    upcoming: list[Listed] = []
    past: list[Listed] = []
    for s, n in session.execute(query):
        role = access.MEMBER if s.commission_id in seated else access.SECRETARY
        item = Listed(s, commissions[s.commission_id], role, int(n))
        (upcoming if s.status == "scheduled" and s.session_date >= today else past).append(item)
    return upcoming, list(reversed(past))


def awaiting(session: Session, commission: Commission) -> list[Dossier]:
    """The dossiers waiting for *this* commission: an opinion round of this commission is
    open on them (a member's opinion task is READY) and the procedure put them on a session
    of this commission (its kind and commune: ``commission.convene`` resolved it), the latest
    agenda entry of the dossier. A member sitting on several commissions does not bring the
    dossiers of the others."""
    members = [m.user_id for m in commission.members]
    if not members:
        return []
    waiting = select(HumanTask.instance_id).where(HumanTask.state == "READY", HumanTask.assignee.in_(members),
                                                  HumanTask.bpmn_id.startswith(OPINION_TASK))
    latest = (select(AgendaItem.dossier_id, func.max(AgendaItem.id).label("last"))
              .group_by(AgendaItem.dossier_id).subquery())
    here = (select(latest.c.dossier_id).join(AgendaItem, AgendaItem.id == latest.c.last)
            .join(CommissionSession, CommissionSession.id == AgendaItem.session_id)
            .where(CommissionSession.commission_id == commission.id))
    return list(session.scalars(select(Dossier).where(  # no DISTINCT: PostgreSQL's json has no equality
        Dossier.commune_code == commission.commune_code, Dossier.instance_id.in_(waiting),
        Dossier.id.in_(here)).order_by(Dossier.number)))


def schedule(session: Session, ports: Ports, actor: Actor, *, commission_id: int, day: date, time: str,
             dossier_ids: list[int], now: datetime, place: str | None = None, visio: bool = True) -> CommissionSession:
    """A new session of ``commission_id`` on ``day`` at ``time`` (in the visio room, or in
    person at ``place``) with the given agenda; the members are convened. Dossiers already
    on another open session move to this one."""
    commission = session.get(Commission, commission_id)
    if commission is None:
        raise NotFound(f"no commission {commission_id}")
    if not actor.holds("guichet_agent", commission.commune_code):
        raise Forbidden("only a guichet agent of the commune schedules its commission's sessions")
    if not TIME.match(time or ""):
        raise Refusal("Indiquez une heure (HH:MM).", "حدد ساعة (HH:MM).")
    if day < now.date():
        raise Refusal("Une séance ne peut pas être programmée dans le passé.", "لا يمكن برمجة جلسة في الماضي.")
    place = (place or "").strip() or None
    if not visio and place is None:
        raise Refusal("Indiquez le lieu de la séance, ou choisissez la visioconférence.",
                      "حدد مكان الجلسة، أو اختر الاجتماع عن بعد.")
    if place is not None and (len(place) > 200 or any(ord(c) < 32 for c in place)):
        raise Refusal("Le lieu est un texte d'au plus 200 caractères.", "المكان نص لا يتجاوز 200 حرف.")
    sitting = CommissionSession(commission_id=commission.id, session_date=day, start_time=time, status="scheduled",
                                scheduled_by=actor.user_id, place=place, visio=visio)
    session.add(sitting)
    session.flush()
    for dossier_id in dossier_ids:
        add_to_agenda(session, actor, sitting, dossier_id)
    convocation.convene(session, ports, sitting, commission, now)
    return sitting


def add_to_agenda(session: Session, actor: Actor, sitting: CommissionSession, dossier_id: int) -> AgendaItem:
    """Put a dossier of the commune on the session's agenda, taking it off any other open
    session of the same commission (a dossier is examined once per round)."""
    commission = session.get_one(Commission, sitting.commission_id)
    if sitting.status != "scheduled":
        raise closed()
    dossier = session.get(Dossier, dossier_id) if isinstance(dossier_id, int) and dossier_id > 0 else None
    if dossier is None or dossier.commune_code != commission.commune_code or dossier.instance_id is None:
        raise NotFound(f"no filed dossier {dossier_id} in this commune")
    others = session.scalars(select(AgendaItem).join(CommissionSession, CommissionSession.id == AgendaItem.session_id)
                             .where(AgendaItem.dossier_id == dossier.id, AgendaItem.session_id != sitting.id,
                                    CommissionSession.commission_id == commission.id,
                                    CommissionSession.status == "scheduled"))
    for other in others:
        session.delete(other)
    existing = session.scalar(select(AgendaItem).where(AgendaItem.session_id == sitting.id,
                                                       AgendaItem.dossier_id == dossier.id))
    if existing is not None:
        return existing
    last = session.scalar(select(func.max(AgendaItem.position)).where(AgendaItem.session_id == sitting.id))
    item = AgendaItem(session_id=sitting.id, dossier_id=dossier.id, position=(last or 0) + 1)
    session.add(item)
    session.flush()
    return item


def move(session: Session, sitting: CommissionSession, dossier_id: int, position: int) -> list[AgendaItem]:
    """Move an agenda item to ``position`` (1-based) and renumber the agenda."""
    if sitting.status != "scheduled":
        raise closed()
    items = agenda(session, sitting.id)
    moving = next((i for i in items if i.dossier_id == dossier_id), None)
    if moving is None:
        raise NotFound(f"dossier {dossier_id} is not on this session's agenda")
    items.remove(moving)
    items.insert(max(0, min(len(items), position - 1)), moving)
    for n, item in enumerate(items, start=1):
        item.position = n
    return items


def agenda(session: Session, session_id: int) -> list[AgendaItem]:
    return list(session.scalars(select(AgendaItem).where(AgendaItem.session_id == session_id)
                                .order_by(AgendaItem.position, AgendaItem.id)))


def as_json(session: Session, sitting: CommissionSession, commission: Commission) -> dict[str, Any]:
    return {"id": sitting.id, "commission": commission.name_fr, "commission_ar": commission.name_ar,
            "date": sitting.session_date.isoformat(), "time": sitting.start_time, "status": sitting.status,
            "place": sitting.place, "visio": sitting.visio}
