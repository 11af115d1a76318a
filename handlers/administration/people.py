"""People: invited by e-mail (a one-time link to choose a password), deactivated, reset, and
the view of who holds what in a commune."""
from __future__ import annotations

import hashlib
import secrets
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session
from werkzeug.security import generate_password_hash

from ..models import RoleGrant, User
from ..notify import insert_messages
from ..ports import Ports
from . import audit, checks, grants
from .errors import AdminProblem
from .models import Invitation
from .scope import Admin

LINK_DAYS = 7
# no password matches it (werkzeug finds no method in it): an invited or reset account has
# no password until its link is used — and a thousand-line import hashes nothing
UNUSABLE = "!no-password"
LOCALES = ("fr", "ar")


@dataclass(frozen=True)
class PersonInput:
    email: str
    full_name: str
    locale: str = "fr"
    grants: list[grants.GrantInput] = field(default_factory=list)


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _values(u: User) -> dict[str, Any]:
    return {"email": u.email, "full_name": u.full_name, "locale": u.locale, "active": u.active}


def _communes(u: User) -> set[str | None]:
    return {g.commune_code for g in u.grants if g.role not in ("applicant", "architect")}


def manageable(session: Session, admin: Admin, user_id: str) -> User:
    """A person the administrator may manage: any for the national one; for a commune's, a
    person whose every staff role is held in that administrator's communes."""
    user = session.get(User, user_id) if user_id else None
    if user is None:
        raise AdminProblem("unknown_person", who=user_id[:40] or "—")
    held = _communes(user)
    if not admin.national and (not held or None in held or not held <= admin.communes):
        raise AdminProblem("out_of_scope")
    return user


def create(session: Session, admin: Admin, ports: Ports | None, data: PersonInput, now: datetime, *,
           password_hash: str | None = None) -> User:
    """A new account with its grants. Without ``password_hash`` (the demo gives one) it gets
    an invitation: an e-mail with a one-time link to choose a password."""
    email = checks.email(data.email)
    name = checks.text(data.full_name, "full_name")
    locale = data.locale if data.locale in LOCALES else "fr"
    if not data.grants:
        raise AdminProblem("required", field="role")
    checked = [grants.checked(session, admin, g) for g in data.grants]  # every rule before any write
    if session.scalar(select(User.id).where(User.email == email)) is not None:
        raise AdminProblem("email_taken", email=email)
    user = User(id=str(uuid.uuid4()), email=email, full_name=str(name), locale=locale, created_at=now,
                password_hash=password_hash or UNUSABLE, active=True)
    session.add(user)
    session.flush()
    commune = next((g.commune_code for g in checked if g.commune_code), None)
    audit.record(session, admin, "person.created", email, commune, now, after=_values(user))
    for grant in data.grants:
        grants.add(session, admin, user, grant, now)
    if password_hash is None:
        if ports is None:
            raise ValueError("an invitation needs the ports (its e-mail)")
        _send_link(session, admin, ports, user, "invitation", now)
    return user


def _send_link(session: Session, admin: Admin, ports: Ports, user: User, purpose: str, now: datetime) -> None:
    """A one-time link (earlier unused links of the person stop working), sent by e-mail."""
    session.execute(update(Invitation).where(Invitation.user_id == user.id, Invitation.used_at.is_(None))
                    .values(used_at=now))
    token = secrets.token_urlsafe(32)
    session.add(Invitation(token_sha256=_digest(token), user_id=user.id, purpose=purpose, created_by=admin.user_id,
                           created_at=now, expires_at=now + timedelta(days=LINK_DAYS)))
    base = ports.verify_base_url.rstrip("/")
    link = f"{base}/auth/welcome/{token}"
    ar = user.locale == "ar"
    subject = ("الشباك — اختيار كلمة المرور" if ar else "Guichet — choisissez votre mot de passe")
    body = (f"مرحبا {user.full_name}،\n\nلاختيار كلمة مرور حسابك ({user.email})، افتح هذا الرابط خلال "
            f"{LINK_DAYS} أيام. لا يصلح إلا مرة واحدة:\n\n\u2066{link}\u2069\n" if ar else
            f"Bonjour {user.full_name},\n\nPour choisir le mot de passe de votre compte ({user.email}), ouvrez ce "
            f"lien dans les {LINK_DAYS} jours. Il ne sert qu'une fois :\n\n{link}\n")
    insert_messages(session, ports, [
        {"dossier_id": None, "recipient_id": user.id, "channel": "email", "template": purpose, "lang": user.locale,
         "subject": subject, "body": body, "created_at": now, "sent_at": None, "reference": None}], now)


def invitation(session: Session, token: str, now: datetime) -> Invitation:
    """The unused, unexpired link ``token``; ``link_invalid`` otherwise."""
    row = session.scalar(select(Invitation).where(Invitation.token_sha256 == _digest(token or "")))
    if row is None or row.used_at is not None or row.expires_at < now:
        raise AdminProblem("link_invalid")
    return row


def accept(session: Session, token: str, password: str, confirm: str, now: datetime) -> str:
    """Choose one's password through a link; the link is spent. Returns the user's id."""
    link = invitation(session, token, now)
    if len(password or "") < 10 or len(password) > 200:
        raise AdminProblem("password_short")
    if password != confirm:
        raise AdminProblem("password_mismatch")
    spent = session.execute(update(Invitation).where(Invitation.id == link.id, Invitation.used_at.is_(None))
                            .values(used_at=now))
    if getattr(spent, "rowcount", 0) != 1:  # used meanwhile by another request
        raise AdminProblem("link_invalid")
    user = session.get_one(User, link.user_id)
    if not user.active:
        raise AdminProblem("link_invalid")
    user.password_hash = generate_password_hash(password)
    user.session_version = (user.session_version or 0) + 1
    return user.id


def set_active(session: Session, admin: Admin, ports: Ports | None, user_id: str, active: bool,
               now: datetime) -> None:
    """Deactivate (the person's sessions and tokens end at once, on every node, and their
    open tasks show in the problems list) or reactivate a person."""
    user = manageable(session, admin, user_id)
    if user.id == admin.user_id and not active:
        raise AdminProblem("self")
    before = _values(user)
    user.active = active
    user.session_version = (user.session_version or 0) + 1
    if not active:
        session.execute(update(Invitation).where(Invitation.user_id == user.id, Invitation.used_at.is_(None))
                        .values(used_at=now))
    audit.record(session, admin, "person.activated" if active else "person.deactivated", user.email,
                 _first_commune(user), now, before=before, after=_values(user))


def reset(session: Session, admin: Admin, ports: Ports, user_id: str, now: datetime) -> None:
    """The password stops working, every session ends, a new one-time link goes by e-mail."""
    user = manageable(session, admin, user_id)
    user.password_hash = UNUSABLE
    user.session_version = (user.session_version or 0) + 1
    _send_link(session, admin, ports, user, "reset", now)
    audit.record(session, admin, "person.reset", user.email, _first_commune(user), now)


def _first_commune(user: User) -> str | None:
    return next((g.commune_code for g in user.grants if g.commune_code), None)


def give_role(session: Session, admin: Admin, user_id: str, data: grants.GrantInput, now: datetime) -> None:
    """Give a person one more role (the person must be the administrator's to manage)."""
    grants.add(session, admin, manageable(session, admin, user_id), data, now)


def find(session: Session, email: str) -> User:
    user = session.scalar(select(User).where(User.email == (email or "").strip().lower()))
    if user is None:
        raise AdminProblem("unknown_person", who=(email or "—")[:80])
    return user


def holders(session: Session, admin: Admin, commune: str | None) -> list[User]:
    """Who holds what: the people with a staff role in ``commune`` (every staff member for the
    national administrator when no commune is given), with their grants."""
    if commune is None:
        admin.national_only()
        where: Any = RoleGrant.role.notin_(("applicant", "architect"))
    else:
        admin.check(commune)
        where = RoleGrant.commune_code == commune
    ids = select(RoleGrant.user_id).where(where)
    return list(session.scalars(select(User).where(User.id.in_(ids)).order_by(User.full_name)))
