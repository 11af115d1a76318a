"""Organisms seated on commissions (agence urbaine, protection civile, régie, hygiène…):
created by the national administrator; their members are the seats held for them."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..models import Commission, CommissionMember, Organism, User
from . import audit, checks
from .errors import AdminProblem
from .scope import Admin


@dataclass(frozen=True)
class OrganismInput:
    code: str
    kind: str
    name_fr: str
    name_ar: str
    binding: bool = False  # its opinion is an avis conforme


def _values(o: Organism) -> dict[str, Any]:
    return {"code": o.code, "kind": o.kind, "name_fr": o.name_fr, "name_ar": o.name_ar, "binding": o.binding}


def save(session: Session, admin: Admin, data: OrganismInput, now: datetime, *, new: bool) -> str:
    """Create (``new``) or update an organism."""
    admin.national_only()
    code = checks.code(data.code)
    values = {"kind": checks.code(data.kind, "kind"), "name_fr": checks.text(data.name_fr, "name_fr"),
              "name_ar": checks.text(data.name_ar, "name_ar"), "binding": bool(data.binding)}
    organism = session.get(Organism, code)
    if new and organism is not None:
        raise AdminProblem("organism_exists", code=code)
    if not new and organism is None:
        raise AdminProblem("unknown_organism", code=code)
    before = None if organism is None else _values(organism)
    if organism is None:
        organism = Organism(code=code, **values)
        session.add(organism)
    else:
        for key, value in values.items():
            setattr(organism, key, value)
    session.flush()
    audit.record(session, admin, "organism.created" if new else "organism.updated", code, None, now,
                 before=before, after=_values(organism))
    return code


def listed(session: Session) -> list[Organism]:
    return list(session.scalars(select(Organism).order_by(Organism.code)))


@dataclass(frozen=True)
class Seat:
    commune: str
    commission: str
    name: str
    email: str
    active: bool
    project_type: str | None
    valid_from: Any
    valid_until: Any


def members(session: Session, admin: Admin, code: str) -> list[Seat]:
    """The seats held for organism ``code`` in the communes the administrator sees."""
    if session.get(Organism, code) is None:
        raise AdminProblem("unknown_organism", code=code[:50])
    query = (select(CommissionMember, Commission, User).join(Commission, Commission.id == CommissionMember.commission_id)
             .join(User, User.id == CommissionMember.user_id).where(CommissionMember.organism_code == code))
    if not admin.national:
        query = query.where(Commission.commune_code.in_(sorted(admin.communes)))
    rows = session.execute(query.order_by(Commission.commune_code, Commission.kind, User.full_name))
    return [Seat(c.commune_code, c.kind, u.full_name, u.email, u.active, m.project_type, m.valid_from, m.valid_until)
            for m, c, u in rows]
