"""Commissions: who is competent, convening a session, and compiling the members' opinions."""
from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

from sqlalchemy import func, select

from engine import ServiceCall
from engine.clock import utcnow
from engine.expressions import BINDING, OPINIONS
from engine.registry import LookupCall

from .common import DomainError, dossier_of, param
from .dossier_models import AgendaItem, CommissionSession, Dossier
from .models import Commission, CommissionMember
from .ports import Ports

AVIS = ("favorable", "favorable_reserve", "defavorable", "ajourne")


def resolve(call: ServiceCall, ports: Ports) -> dict[str, Any]:
    """The commission of ``kind`` for the dossier's commune, and its nominative members."""
    dossier = dossier_of(call)
    kind = param(call, "kind")
    commission = call.session.scalar(select(Commission).where(
        Commission.commune_code == dossier.commune_code, Commission.kind == kind))
    # seated today: the permanent members and those called for this kind of project
    seated = [m for m in commission.members if m.sits_for(call.now.date(), dossier.procedure)] if commission else []
    if commission is None or not seated:
        raise DomainError(f"no '{kind}' commission with members for commune '{dossier.commune_code}': "
                          "an administrator must set it up")
    # keyed by user: the opinions collected by the multi-instance task come back keyed alike
    members = {m.user_id: {"user": m.user_id, "organism": m.organism_code} for m in seated}
    return {"commission_id": commission.id, "members": members}


def organism_member(call: LookupCall, organism: str) -> str:
    """``membre_organisme("hygiene")`` in an expression (an assignee): the member who sits
    for that organism on this dossier's commission — the one the procedure resolved
    (``commission_id`` in the data), else the commune's commission that seats the organism."""
    dossier = call.session.get(Dossier, call.data.get("dossier_id")) if call.data.get("dossier_id") else None
    if dossier is None:
        raise DomainError("membre_organisme : le processus n'a pas de dossier")
    today = utcnow().date()  # the step's frozen clock
    query = (select(CommissionMember.user_id).join(Commission, Commission.id == CommissionMember.commission_id)
             .where(Commission.commune_code == dossier.commune_code, CommissionMember.organism_code == organism,
                    CommissionMember.valid_from.is_(None) | (CommissionMember.valid_from <= today),
                    CommissionMember.valid_until.is_(None) | (CommissionMember.valid_until >= today),
                    CommissionMember.project_type.is_(None) | (CommissionMember.project_type == dossier.procedure)))
    resolved = call.data.get("commission_id")
    found = call.session.scalar(query.where(Commission.id == resolved)) if resolved else None
    found = found or call.session.scalar(query.order_by(Commission.id, CommissionMember.id).limit(1))
    if found is None:
        raise DomainError(f"membre_organisme : aucun membre de l'organisme « {organism} » ne siège dans une "
                          f"commission de la commune « {dossier.commune_code} »")
    return str(found)


def convene(call: ServiceCall, ports: Ports) -> dict[str, Any]:
    """Put the dossier on the next scheduled session of its commission: the earliest one a
    guichet agent scheduled from today on (and after any session that already examined it:
    an adjourned dossier goes to a new one); when there is none, on a session ``delay_days``
    ahead at least, created for the purpose."""
    dossier = dossier_of(call)
    commission_id = call.data["commission_id"]
    last = call.session.scalar(select(func.max(CommissionSession.session_date)).join(
        AgendaItem, AgendaItem.session_id == CommissionSession.id).where(
        AgendaItem.dossier_id == dossier.id, CommissionSession.commission_id == commission_id))
    earliest = call.now.date() if last is None or last < call.now.date() else last + timedelta(days=1)
    session = call.session.scalar(select(CommissionSession).where(
        CommissionSession.commission_id == commission_id, CommissionSession.status == "scheduled",
        CommissionSession.scheduled_by.isnot(None), CommissionSession.session_date >= earliest)
        .order_by(CommissionSession.session_date, CommissionSession.start_time, CommissionSession.id))
    if session is None:
        day = (call.now + timedelta(days=int(param(call, "delay_days", 2)))).date()
        if last is not None and day <= last:
            day = last + timedelta(days=1)
        while day.weekday() >= 5:  # commissions sit on working days
            day += timedelta(days=1)
        session = call.session.scalar(select(CommissionSession).where(
            CommissionSession.commission_id == commission_id, CommissionSession.session_date == day,
            CommissionSession.status == "scheduled"))
    if session is None:
        session = CommissionSession(commission_id=commission_id, session_date=day, status="scheduled")
        call.session.add(session)
        call.session.flush()
    position = call.session.scalar(select(func.max(AgendaItem.position)).where(AgendaItem.session_id == session.id))
    call.session.add(AgendaItem(session_id=session.id, dossier_id=dossier.id, position=(position or 0) + 1))
    # a new session collects a fresh round of opinions
    return {"session_id": session.id, "session_date": session.session_date.isoformat(), "opinions": {}}


_MARKER = re.compile(r"^\s*(?:[-–—•*]|\(?\d{1,3}[.)°-])\s*")


def reserve_lines(text: Any) -> list[str]:
    """Reserves typed one per line become one condition each; a typed bullet or number
    ("- ", "2) ", "3. ") is dropped, since the decision numbers its conditions itself."""
    return [line for line in (_MARKER.sub("", raw).strip() for raw in str(text or "").splitlines()) if line]


def compile_opinions(call: ServiceCall, ports: Ports) -> dict[str, Any]:
    """Record every member's opinion and sum them up for the deliberation table.

    Which opinions are binding (*avis conformes*) is what the procedure's decision table
    ``avis_conformes`` answered before (``avis_conformes`` in the task data: organism
    codes). The opinions go into the data as ``avis_recus`` (organism, value, binding,
    reserves, motive), what the analyst helpers of ``engine.expressions`` read; the counts
    stay for diagrams that read them directly. Each opinion's row (the one the visio room
    wrote when it was given, completed, else a new one) names who gave it when an
    administrator handed the seat's task to someone else."""
    from .visio.dossier import current_session_id, record, seat_authors
    dossier = dossier_of(call)
    members = {m.user_id: m for m in call.session.scalars(select(CommissionMember).where(
        CommissionMember.commission_id == call.data["commission_id"]))}
    # the session the dossier sits on now (its latest agenda entry: an agent may have moved
    # it from the session the procedure convened), and who gave each seat's opinion
    sitting = current_session_id(call.session, dossier.id) or call.data.get("session_id")
    authors = seat_authors(call.session, dossier)
    binding_organisms = set(call.data.get(BINDING) or ())
    summary = {"defavorable": 0, "binding_defavorable": 0, "ajourne": 0, "reserves": 0, "plans": 0}
    conditions: list[str] = []
    motives: list[str] = []
    received: list[dict[str, Any]] = []
    for user_id, op in call.data.get("opinions", {}).items():
        member = members.get(user_id)
        if member is None or op.get("avis") not in AVIS:
            raise DomainError(f"opinion from {user_id!r} is not from a member of this commission")
        binding = member.organism_code in binding_organisms
        record(call.session, dossier.id, sitting, member.user_id, member.organism_code, binding, op, call.now,
               given_by=authors.get(member.user_id))
        received.append({"organisme": member.organism_code, "avis": op["avis"], "conforme": binding,
                         "reserves": op.get("reserves"), "motif": op.get("motif"),
                         "plans_modifies": bool(op.get("plans_modifies"))})
        if op["avis"] == "defavorable":
            summary["defavorable"] += 1
            summary["binding_defavorable"] += int(binding)
            motives.append(f"{member.organism.name_fr} : {op.get('motif') or 'avis défavorable'}")
        elif op["avis"] == "ajourne":
            summary["ajourne"] += 1
        elif op["avis"] == "favorable_reserve":
            summary["reserves"] += 1
            summary["plans"] += int(bool(op.get("plans_modifies")))
            conditions += [f"{member.organism.name_fr} : {line}" for line in reserve_lines(op.get("reserves"))]
    return {**summary, "conditions": conditions, "motives": motives, OPINIONS: received}
