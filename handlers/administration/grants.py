"""Role grants as administrators give them: per commune, bounded in time, and the interim
president who holds ``president`` for the dates of a delegation from the titular one."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..models import Commune, Organism, RoleGrant, User
from . import audit, checks
from .errors import AdminProblem
from .scope import Admin

COMMUNE_ROLES = ("guichet_agent", "president", "commission_member")  # held for one commune
GLOBAL_ROLES = ("analyst", "architect", "applicant")  # held everywhere (national administrator only)
INTERIM = "interim_president"  # a president by delegation: dates and the titular required
ASSIGNABLE = (*COMMUNE_ROLES, INTERIM, "admin", *GLOBAL_ROLES)


@dataclass(frozen=True)
class GrantInput:
    role: str
    commune: str | None = None
    organism: str | None = None
    valid_from: date | None = None
    valid_until: date | None = None
    delegated_by: str | None = None  # the titular president's e-mail (interim president)


def values(g: RoleGrant) -> dict[str, Any]:
    return {"user": g.user_id, "role": g.role, "commune": g.commune_code, "organism": g.organism_code,
            "valid_from": g.valid_from, "valid_until": g.valid_until, "delegated_by": g.delegated_by}


def _titular(session: Session, email: str | None, commune: str) -> str:
    email = (email or "").strip().lower()
    row = session.scalar(select(User.id).join(RoleGrant, RoleGrant.user_id == User.id).where(
        User.email == email, RoleGrant.role == "president", RoleGrant.commune_code == commune,
        RoleGrant.delegated_by.is_(None)))
    if row is None:
        raise AdminProblem("not_president", who=email or "—", code=commune)
    return str(row)


def checked(session: Session, admin: Admin, data: GrantInput) -> RoleGrant:
    """A new (unsaved) grant from ``data``, every rule checked; ``out_of_scope`` for a commune
    that is not the administrator's, ``national_only`` for a role held everywhere."""
    role = (data.role or "").strip()
    if role not in ASSIGNABLE:
        raise AdminProblem("unknown_role", role=role[:40] or "—")
    commune = (data.commune or "").strip() or None
    start, end = checks.period(data.valid_from, data.valid_until)
    if role in GLOBAL_ROLES or (role == "admin" and commune is None):
        admin.national_only()
        commune = None
    elif commune is None:
        raise AdminProblem("role_needs_commune", role=role)
    if commune is not None:
        admin.check(commune)
        if session.get(Commune, commune) is None:
            raise AdminProblem("unknown_commune", code=commune[:50])
    organism = (data.organism or "").strip() or None
    if role == "commission_member":
        if organism is None:
            raise AdminProblem("member_needs_organism")
        if session.get(Organism, organism) is None:
            raise AdminProblem("unknown_organism", code=organism[:50])
    else:
        organism = None
    delegated_by = None
    if role == INTERIM:
        if start is None or end is None or not data.delegated_by:
            raise AdminProblem("interim_needs_dates")
        delegated_by = _titular(session, data.delegated_by, str(commune))
        role = "president"
    return RoleGrant(role=role, commune_code=commune, organism_code=organism, valid_from=start, valid_until=end,
                     delegated_by=delegated_by)


def add(session: Session, admin: Admin, user: User, data: GrantInput, now: datetime) -> RoleGrant:
    grant = checked(session, admin, data)
    for held in user.grants:
        if (held.role, held.commune_code, held.organism_code) == (grant.role, grant.commune_code,
                                                                   grant.organism_code):
            raise AdminProblem("grant_exists", who=user.email, code=grant.commune_code or "*")
    grant.user_id = user.id
    user.grants.append(grant)
    session.flush()
    audit.record(session, admin, "grant.added", user.email, grant.commune_code, now, after=values(grant))
    return grant


def remove(session: Session, admin: Admin, grant_id: int, now: datetime) -> None:
    grant = session.get(RoleGrant, grant_id) if checks.row_id(grant_id) else None
    if grant is None or grant.role not in ("admin", *COMMUNE_ROLES, *GLOBAL_ROLES):
        raise AdminProblem("unknown_grant")
    if grant.commune_code is None:
        admin.national_only()
    else:
        admin.check(grant.commune_code)
    before = values(grant)
    email = grant.user.email
    session.delete(grant)
    session.flush()
    audit.record(session, admin, "grant.removed", email, before["commune"], now, before=before)
