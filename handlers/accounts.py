"""Accounts: creating users, checking passwords, and the engine's view of a user."""
from __future__ import annotations

import time
import uuid
from collections import defaultdict
from collections.abc import Iterable
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import bindparam, select, update
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash, generate_password_hash

from engine import Actor

from . import throttle
from .models import LoginAttempt, RoleGrant, User
from .roles import ROLES
from .throttle import TooManyAttempts

__all__ = ["TooManyAttempts", "WrongPassword", "actor_for", "actor_of", "authenticate", "change_password",
           "create_user", "display_name", "find_by_email", "revoke_sessions"]


def create_user(session: Session, *, email: str, full_name: str, password: str | None = None,
                grants: list[tuple[str, str | None, str | None]], now: datetime, locale: str = "fr",
                password_hash: str | None = None) -> User:
    """Create a user with ``grants`` as (role, commune code or None, organism or None);
    give ``password`` or an already computed ``password_hash``."""
    if password_hash is None:
        if not password:
            raise ValueError("a user needs a password")
        password_hash = generate_password_hash(password)
    unknown = {g[0] for g in grants} - set(ROLES)
    if unknown:
        raise ValueError(f"unknown roles: {', '.join(sorted(unknown))}")
    user = User(id=str(uuid.uuid4()), email=email.strip().lower(), full_name=full_name,
                password_hash=password_hash, locale=locale, created_at=now)
    user.grants = [RoleGrant(role=role, commune_code=commune, organism_code=organism)
                   for role, commune, organism in grants]
    session.add(user)
    return user


def find_by_email(session: Session, email: str) -> User | None:
    return session.scalar(select(User).where(User.email == email.strip().lower()))


def authenticate(session: Session, email: str, password: str, *, ip: str = "-",
                 now: datetime | None = None) -> User | None:
    """The user with these credentials, or None. Every attempt is counted first, atomically,
    per account and per address (:mod:`.throttle`): past the limits it raises
    :class:`TooManyAttempts` without checking the password. Every attempt is recorded."""
    now = now or datetime.now(UTC)
    email = email.strip().lower()
    reservation = throttle.reserve(session, email, ip, now)
    user = find_by_email(session, email)
    stored = user.password_hash if user is not None else None
    session.commit()  # no lock held while the (deliberately slow) hash is checked
    ok = stored is not None and check_password_hash(stored, password) and bool(user and user.active)
    throttle.writing(session)
    session.add(LoginAttempt(email=email[:255], ip=ip[:64], at=now, success=ok))
    if ok:
        throttle.succeeded(session, reservation)
    session.commit()
    return user if ok else None


NAME_TTL = 60.0  # seconds a process remembers a person's name (ids are never reused)
_NAMES: dict[str, tuple[str, float]] = {}
_USER_NAME = select(User.__table__.c.full_name).where(User.__table__.c.id == bindparam("uid"))


def display_name(session: Session, user_id: str | None) -> str | None:
    """How a person is shown to others: their name (never their internal id).

    Remembered a minute by each process: the crowd refused at once because one of them
    already did a task (a 409 names who did it) is told that name without a query each.
    """
    if not user_id:
        return None
    now = time.monotonic()
    known = _NAMES.get(user_id)
    if known is not None and known[1] > now:
        return known[0]
    name = session.scalar(_USER_NAME, {"uid": user_id})
    if name is not None:
        if len(_NAMES) >= 4096:  # bounded: a process meets few names a minute
            _NAMES.clear()
        _NAMES[user_id] = (name, now + NAME_TTL)
    return name


class WrongPassword(Exception):
    """The current password given to change it is not the account's."""


def revoke_sessions(session: Session, user_id: str) -> int:
    """End every session and Bearer token of ``user_id`` (sign-out everywhere, an
    administrator's revocation); returns the new session version."""
    table: Any = User.__table__
    version = session.execute(update(table).where(table.c.id == user_id)
                              .values(session_version=table.c.session_version + 1)
                              .returning(table.c.session_version)).scalar_one_or_none()
    if version is None:
        raise LookupError(f"no user {user_id}")
    session.commit()
    return int(version)


def change_password(session: Session, user_id: str, current: str, new: str) -> int:
    """Set a new password (the current one must be given) and end every other session and
    token; returns the new session version, for the session that made the change."""
    user = session.get(User, user_id)
    if user is None or not check_password_hash(user.password_hash, current):
        raise WrongPassword()
    user.password_hash = generate_password_hash(new)
    session.flush()
    return revoke_sessions(session, user_id)


def actor_for(user: User, day: date | None = None) -> Actor:
    """The engine's view of a user: the roles held on ``day`` (today) and, per role, the
    communes it covers; a deactivated account holds none."""
    day = day or datetime.now(UTC).date()
    return actor_of(user.id, [(grant.role, grant.commune_code) for grant in user.grants
                              if user.active is not False and grant.active_on(day)])


def actor_of(user_id: str, grants: Iterable[tuple[str, str | None]]) -> Actor:
    """An Actor from (role, commune) grants; a commune of None covers every commune."""
    scopes: dict[str, set[str]] = defaultdict(set)
    for role, commune in grants:
        scopes[role].add(commune or "*")
    return Actor(user_id, frozenset(scopes), {r: frozenset(c) for r, c in scopes.items()})
