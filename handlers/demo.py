"""Demo data for the embedded default: communes and one account per role."""
from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from .accounts import create_user, find_by_email
from .models import Commune

COMMUNES = [
    ("casablanca", "Commune de Casablanca", "جماعة الدار البيضاء"),
    ("rabat", "Commune de Rabat", "جماعة الرباط"),
    ("tanger", "Commune de Tanger", "جماعة طنجة"),
]

# (email, full name, [(role, commune)])
ACCOUNTS: list[tuple[str, str, list[tuple[str, str | None]]]] = [
    ("guichet@casablanca.demo", "Salma Bennani (guichet)", [("guichet_agent", "casablanca")]),
    ("agence-urbaine@casablanca.demo", "Youssef Alaoui (agence urbaine)", [("commission_member", "casablanca")]),
    ("urbanisme@casablanca.demo", "Nadia Tazi (service urbanisme)", [("commission_member", "casablanca")]),
    ("protection-civile@casablanca.demo", "Karim Idrissi (protection civile)", [("commission_member", "casablanca")]),
    ("president@casablanca.demo", "Le président de la commune", [("president", "casablanca")]),
    ("guichet@rabat.demo", "Omar Fassi (guichet Rabat)", [("guichet_agent", "rabat")]),
    ("analyste@guichet.demo", "Analyste de processus", [("analyst", None)]),
    ("admin@guichet.demo", "Administrateur", [("admin", None)]),
    ("architecte@guichet.demo", "Leila Chraibi (architecte)", [("architect", None), ("applicant", None)]),
    ("citoyen@guichet.demo", "Hassan Amrani (pétitionnaire)", [("applicant", None)]),
]


@dataclass(frozen=True)
class DemoAccount:
    email: str
    roles: str
    created: bool


def seed(session: Session, password: str, now: datetime,
         progress: Callable[[int], None] = lambda n: None) -> list[DemoAccount]:
    """Create what is missing (idempotent): existing communes and accounts are kept as they are."""
    for code, fr, ar in COMMUNES:
        if session.get(Commune, code) is None:
            session.add(Commune(code=code, name_fr=fr, name_ar=ar))
    session.flush()
    out = []
    for email, name, grants in ACCOUNTS:
        created = find_by_email(session, email) is None
        if created:
            create_user(session, email=email, full_name=name, password=password, grants=grants, now=now)
        roles = ", ".join(f"{r}@{c}" if c else r for r, c in grants)
        out.append(DemoAccount(email, roles, created))
        progress(1)
    return out


def new_password() -> str:
    return secrets.token_urlsafe(9)
