"""Demo data for the embedded default: two communes, the organisms, the commissions with
their named members, and one account per role, created by the same use cases as the
administration pages. Idempotent: what exists is kept."""
from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.security import generate_password_hash

from .accounts import find_by_email
from .administration import Admin, commissions, communes, organisms, people
from .administration.grants import GrantInput
from .models import Commission, Commune, Organism

COMMUNES = [("casablanca", "Commune de Casablanca", "جماعة الدار البيضاء"),
            ("rabat", "Commune de Rabat", "جماعة الرباط")]
REGIONS = {"casablanca": "Casablanca-Settat", "rabat": "Rabat-Salé-Kénitra"}

# code: (kind, fr, ar, binding — avis conforme)
ORGANISMS = {
    "agence_urbaine": ("agence_urbaine", "Agence urbaine", "الوكالة الحضرية", True),
    "urbanisme": ("commune", "Service de l'urbanisme de la commune", "مصلحة التعمير بالجماعة", False),
    "protection_civile": ("protection_civile", "Protection civile", "الوقاية المدنية", False),
    "regie": ("operateur", "Régie de distribution (eau, électricité, assainissement)", "وكالة التوزيع", False),
    "ancfcc": ("ancfcc", "Conservation foncière (ANCFCC)", "المحافظة العقارية", False),
    "economie": ("commune", "Service des affaires économiques", "مصلحة الشؤون الاقتصادية", False),
    "hygiene": ("hygiene", "Bureau municipal d'hygiène", "المكتب الجماعي لحفظ الصحة", False),
    "autorite_locale": ("autorite_locale", "Autorité locale", "السلطة المحلية", False),
    "voirie": ("commune", "Service de la voirie", "مصلحة الطرق", False),
}

# kind: (fr, ar, [organisms seated])
COMMISSIONS = {
    "petits_projets": ("Commission des petits projets", "لجنة المشاريع الصغرى", ["agence_urbaine", "urbanisme"]),
    "grands_projets": ("Commission des grands projets", "لجنة المشاريع الكبرى",
                       ["agence_urbaine", "urbanisme", "protection_civile", "regie"]),
    "morcellement": ("Commission de morcellement", "لجنة التقسيم", ["agence_urbaine", "urbanisme", "ancfcc"]),
    "recolement": ("Commission de récolement", "لجنة المعاينة", ["urbanisme", "protection_civile"]),
    "economique": ("Commission des autorisations économiques", "لجنة الرخص الاقتصادية",
                   ["economie", "autorite_locale"]),
    "mixte": ("Commission mixte (établissements classés)", "اللجنة المختلطة",
              ["economie", "hygiene", "protection_civile", "autorite_locale"]),
    "voirie": ("Commission technique de la voirie", "اللجنة التقنية للطرق", ["voirie", "regie"]),
}

FIRST_NAMES = {"agence_urbaine": "Youssef Alaoui", "urbanisme": "Nadia Tazi", "protection_civile": "Karim Idrissi",
               "regie": "Samira Berrada", "ancfcc": "Hamid Benjelloun", "economie": "Imane Chaoui",
               "hygiene": "Dr Rachid Lahlou", "autorite_locale": "Mustapha El Amrani", "voirie": "Aziz Kettani"}


# People's names, not job titles: a name is shown as typed in French and Arabic pages alike.
DESK_NAMES = {"casablanca": ("Rachid Bennani", "Abdelkrim Fassi"), "rabat": ("Salma Ouazzani", "Amina Lahlou")}


@dataclass(frozen=True)
class DemoAccount:
    email: str
    roles: str
    created: bool


def _accounts() -> list[tuple[str, str, list[tuple[str, str | None, str | None]]]]:
    """(email, name, [(role, commune, organism)]) for every demo account."""
    out: list[tuple[str, str, list[tuple[str, str | None, str | None]]]] = []
    for code, fr, _ in COMMUNES:
        city = fr.removeprefix("Commune de ")
        agent, president = DESK_NAMES.get(code, ("Agent", "Président"))
        out.append((f"guichet@{code}.demo", f"{agent} ({city})", [("guichet_agent", code, None)]))
        out.append((f"president@{code}.demo", f"{president} ({city})", [("president", code, None)]))
        for org, name in FIRST_NAMES.items():
            out.append((f"{org.replace('_', '-')}@{code}.demo", f"{name} ({city})",
                        [("commission_member", code, org)]))
    out += [("analyste@guichet.demo", "Karima Benali", [("analyst", None, None)]),
            ("admin@guichet.demo", "Omar Sefrioui", [("admin", None, None)]),
            ("architecte@guichet.demo", "Leila Chraibi", [("architect", None, None),
                                                                       ("applicant", None, None)]),
            ("citoyen@guichet.demo", "Hassan Amrani", [("applicant", None, None)])]
    return out


ACCOUNT_COUNT = len(_accounts())


def seed(session: Session, password: str, now: datetime,
         progress: Callable[[int], None] = lambda n: None) -> list[DemoAccount]:
    """Through the administration's use cases, as the platform itself (the admin trail
    records every row created)."""
    admin = Admin.system()
    for code, fr, ar in COMMUNES:
        if session.get(Commune, code) is None:
            communes.create(session, admin, communes.CommuneInput(code, fr, ar, region=REGIONS[code]), now)
    for code, (kind, fr, ar, binding) in ORGANISMS.items():
        if session.get(Organism, code) is None:
            organisms.save(session, admin, organisms.OrganismInput(code, kind, fr, ar, binding), now, new=True)
    out = []
    shared_hash = generate_password_hash(password)  # demo accounts share one password: hash it once
    for email, name, grants in _accounts():
        created = find_by_email(session, email) is None
        if created:
            people.create(session, admin, None, people.PersonInput(email, name, "fr", [
                GrantInput(role, commune, organism) for role, commune, organism in grants]), now,
                password_hash=shared_hash)
        roles = ", ".join(f"{r}@{c}" + (f"/{o}" if o else "") if c else r for r, c, o in grants)
        out.append(DemoAccount(email, roles, created))
        progress(1)
    for commune, _, _ in COMMUNES:
        for kind, (fr, ar, seated) in COMMISSIONS.items():
            if session.scalar(select(Commission.id).where(Commission.commune_code == commune,
                                                          Commission.kind == kind)) is not None:
                continue
            commission = session.get_one(Commission, commissions.create(session, admin, commune, kind, fr, ar, now))
            for org in seated:
                commissions.seat(session, admin, commission,
                                 commissions.SeatInput(f"{org.replace('_', '-')}@{commune}.demo", org), now)
    session.flush()
    return out


def new_password() -> str:
    return secrets.token_urlsafe(9)
