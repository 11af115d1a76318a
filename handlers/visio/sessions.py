"""Scheduling sessions: the guichet agent sets the commission, date, time and agenda; the
members are told (mail + inbox notification) and see their upcoming sessions."""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import ColumnElement, func, or_, select, true
from sqlalchemy.orm import Session, lazyload

from engine import Actor, Conflict, Forbidden, NotFound
from engine.models import HumanTask
from engine.outbox import enqueue

from ..common import DomainError
from ..dossier_models import AgendaItem, CommissionSession, Dossier, Notification
from ..models import Commission, CommissionMember, User
from ..ports import Ports
from . import access

TIME = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")
OPINION_TASK = "cm_opinion"


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
             dossier_ids: list[int], now: datetime) -> CommissionSession:
    """A new session of ``commission_id`` on ``day`` at ``time`` with the given agenda; the
    members are notified. Dossiers already on another open session move to this one."""
    commission = session.get(Commission, commission_id)
    if commission is None:
        raise NotFound(f"no commission {commission_id}")
    if not actor.holds("guichet_agent", commission.commune_code):
        raise Forbidden("only a guichet agent of the commune schedules its commission's sessions")
    if not TIME.match(time or ""):
        raise DomainError("the time must be HH:MM")
    if day < now.date():
        raise DomainError("a session cannot be scheduled in the past")
    sitting = CommissionSession(commission_id=commission.id, session_date=day, start_time=time, status="scheduled",
                                scheduled_by=actor.user_id)
    session.add(sitting)
    session.flush()
    for dossier_id in dossier_ids:
        add_to_agenda(session, actor, sitting, dossier_id)
    notify_members(session, ports, sitting, commission, now)
    return sitting


def add_to_agenda(session: Session, actor: Actor, sitting: CommissionSession, dossier_id: int) -> AgendaItem:
    """Put a dossier of the commune on the session's agenda, taking it off any other open
    session of the same commission (a dossier is examined once per round)."""
    commission = session.get_one(Commission, sitting.commission_id)
    if sitting.status != "scheduled":
        raise Conflict("this session is closed: its agenda can no longer change")
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
        raise Conflict("this session is closed: its agenda can no longer change")
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


SUBJECT = {"fr": "Guichet — séance de commission", "ar": "الشباك — جلسة اللجنة"}
TEMPLATE = {
    "fr": "Séance de la {commission} le {day} à {time} : {count} dossier(s) à l'ordre du jour. "
          "Salle de la commission : {url}",
    "ar": "جلسة {commission} يوم {day} على الساعة {time}: {count} ملف(ات) في جدول الأعمال. قاعة اللجنة: {url}",
}


def notify_members(session: Session, ports: Ports, sitting: CommissionSession, commission: Commission,
                   now: datetime) -> list[Notification]:
    """One message per member in their language (recorded, shown in the inbox, mailed)."""
    count = len(agenda(session, sitting.id))
    url = f"{ports.verify_base_url.rstrip('/')}/commission/sessions/{sitting.id}"
    out = []
    for member in commission.members:
        user = session.get_one(User, member.user_id)
        lang = user.locale if user.locale in TEMPLATE else "fr"
        body = TEMPLATE[lang].format(commission=commission.name_ar if lang == "ar" else commission.name_fr,
                                     day=sitting.session_date.isoformat(), time=sitting.start_time or "—",
                                     count=count, url=url)
        note = Notification(dossier_id=None, recipient_id=user.id, channel="email", template="session_scheduled",
                            lang=lang, subject=SUBJECT[lang], body=body, created_at=now)
        session.add(note)
        session.flush()
        if "email" in ports.channels:
            enqueue(session, "notification", ref=str(note.id), now=now)
        out.append(note)
    return out


def as_json(session: Session, sitting: CommissionSession, commission: Commission) -> dict[str, Any]:
    return {"id": sitting.id, "commission": commission.name_fr, "commission_ar": commission.name_ar,
            "date": sitting.session_date.isoformat(), "time": sitting.start_time, "status": sitting.status}
