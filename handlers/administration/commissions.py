"""Commissions per commune and kind, their nominative permanent members and the occasional
members called for one project type, each seat with its dates: a member who leaves has the
seat ended, not deleted, so that past sessions keep their composition."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, lazyload

from ..models import Commission, CommissionMember, Organism, RoleGrant, User
from . import audit, checks, grants
from .errors import AdminProblem
from .scope import Admin


@dataclass(frozen=True)
class SeatInput:
    email: str
    organism: str
    project_type: str | None = None  # None: a permanent member
    valid_from: date | None = None
    valid_until: date | None = None


def _values(m: CommissionMember) -> dict[str, Any]:
    return {"commission": m.commission_id, "user": m.user_id, "organism": m.organism_code,
            "project_type": m.project_type, "valid_from": m.valid_from, "valid_until": m.valid_until}


def create(session: Session, admin: Admin, commune: str, kind: str, name_fr: str, name_ar: str,
           now: datetime) -> int:
    admin.check(commune)
    from . import communes
    communes.get(session, admin, commune)
    kind = checks.code(kind, "kind")
    if session.scalar(select(Commission.id).where(Commission.commune_code == commune, Commission.kind == kind)):
        raise AdminProblem("commission_exists", code=commune, kind=kind)
    commission = Commission(commune_code=commune, kind=kind, name_fr=checks.text(name_fr, "name_fr"),
                            name_ar=checks.text(name_ar, "name_ar"))
    session.add(commission)
    session.flush()
    audit.record(session, admin, "commission.created", f"{commune}/{kind}", commune, now,
                 after={"kind": kind, "name_fr": commission.name_fr, "name_ar": commission.name_ar})
    return commission.id


def get(session: Session, admin: Admin, commission_id: int) -> Commission:
    commission = session.get(Commission, commission_id) if checks.row_id(commission_id) else None
    if commission is None:
        raise AdminProblem("unknown_commission", code="—", kind=str(commission_id))
    admin.check(commission.commune_code)
    return commission


def by_kind(session: Session, admin: Admin, commune: str, kind: str) -> Commission:
    admin.check(commune)
    commission = session.scalar(select(Commission).where(Commission.commune_code == commune, Commission.kind == kind)
                                .options(lazyload(Commission.members)))  # an import seats hundreds
    if commission is None:
        raise AdminProblem("unknown_commission", code=commune, kind=kind[:50])
    return commission


def seat(session: Session, admin: Admin, commission: Commission, data: SeatInput, now: datetime) -> CommissionMember:
    """Seat a person for an organism (from ``valid_from``, None: from always); they get the
    commission member's role in the commune for that organism if they lack it. A person
    whose seat had ended takes it again with the new dates."""
    admin.check(commission.commune_code)
    user = session.scalar(select(User).where(User.email == checks.email(data.email)))
    if user is None:
        raise AdminProblem("unknown_person", who=data.email[:80])
    if session.get(Organism, data.organism or "") is None:
        raise AdminProblem("unknown_organism", code=(data.organism or "—")[:50])
    project_type = checks.text(data.project_type, "project_type", required=False, limit=80)
    start, end = checks.period(data.valid_from, data.valid_until)
    member = session.scalar(select(CommissionMember).where(CommissionMember.commission_id == commission.id,
                                                           CommissionMember.user_id == user.id))
    before = None
    if member is not None:
        if member.valid_until is None or member.valid_until >= (start or now.date()):
            raise AdminProblem("already_seated", who=user.email, kind=commission.kind)
        before = _values(member)
        member.organism_code, member.project_type, member.valid_from, member.valid_until = (
            data.organism, project_type, start, end)
    else:
        member = CommissionMember(commission_id=commission.id, user_id=user.id, organism_code=data.organism,
                                  project_type=project_type, valid_from=start, valid_until=end)
        session.add(member)
    held = session.scalar(select(RoleGrant.id).where(
        RoleGrant.user_id == user.id, RoleGrant.role == "commission_member",
        RoleGrant.commune_code == commission.commune_code, RoleGrant.organism_code == data.organism))
    if held is None:
        grants.add(session, admin, user, grants.GrantInput("commission_member", commission.commune_code,
                                                           data.organism), now)
    session.flush()
    audit.record(session, admin, "seat.added", f"{commission.commune_code}/{commission.kind}: {user.email}",
                 commission.commune_code, now, before=before, after=_values(member))
    return member


def seat_in(session: Session, admin: Admin, commission_id: int, data: SeatInput, now: datetime) -> int:
    """:func:`seat` in the commission ``commission_id``; returns the seat's id."""
    return seat(session, admin, get(session, admin, commission_id), data, now).id


def end_seat(session: Session, admin: Admin, member_id: int, last_day: date | None, now: datetime) -> None:
    """The member leaves the commission after ``last_day`` (default: yesterday, so that from
    today the open opinion tasks they hold show as problems)."""
    member = session.get(CommissionMember, member_id) if checks.row_id(member_id) else None
    if member is None:
        raise AdminProblem("not_seated", who=str(member_id))
    commission = get(session, admin, member.commission_id)
    last = last_day or (now.date() - timedelta(days=1))
    if member.valid_from and last < member.valid_from:
        last = member.valid_from - timedelta(days=1)  # never started: ended before it began
    before = _values(member)
    member.valid_until = last
    audit.record(session, admin, "seat.ended", f"{commission.commune_code}/{commission.kind}: {member.user_id}",
                 commission.commune_code, now, before=before, after=_values(member))


def of_commune(session: Session, admin: Admin, commune: str) -> list[Commission]:
    admin.check(commune)
    return list(session.scalars(select(Commission).where(Commission.commune_code == commune)
                                .order_by(Commission.kind)))


def seated_on(commission: Commission, day: date, project_type: str | None) -> list[CommissionMember]:
    """The members who sit on ``day`` for a dossier of ``project_type``."""
    return [m for m in commission.members if m.sits_for(day, project_type)]
