"""Accounts: creating users, checking passwords, and the engine's view of a user."""
from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash, generate_password_hash

from engine import Actor

from .models import LoginAttempt, RoleGrant, User
from .roles import ROLES


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


MAX_FAILURES_PER_ACCOUNT = 5
MAX_FAILURES_PER_ADDRESS = 20
THROTTLE_WINDOW = timedelta(minutes=15)


class TooManyAttempts(Exception):
    """Sign-in refused for a while after repeated failures (HTTP 429)."""

    def __init__(self, retry_after: timedelta):
        self.retry_after = retry_after
        super().__init__(f"too many failed sign-ins: retry in {int(retry_after.total_seconds() // 60) + 1} min")


def authenticate(session: Session, email: str, password: str, *, ip: str = "-",
                 now: datetime | None = None) -> User | None:
    """The user with these credentials, or None; every attempt is recorded, and repeated
    failures for an account or from an address lock sign-in for a while."""
    now = now or datetime.now(UTC)
    email = email.strip().lower()
    since = now - THROTTLE_WINDOW
    failures = select(func.count()).select_from(LoginAttempt).where(
        LoginAttempt.success.is_(False), LoginAttempt.at > since)
    by_account = session.scalar(failures.where(LoginAttempt.email == email)) or 0
    by_address = session.scalar(failures.where(LoginAttempt.ip == ip)) or 0
    if by_account >= MAX_FAILURES_PER_ACCOUNT or by_address >= MAX_FAILURES_PER_ADDRESS:
        raise TooManyAttempts(THROTTLE_WINDOW)
    user = find_by_email(session, email)
    ok = user is not None and check_password_hash(user.password_hash, password)
    session.add(LoginAttempt(email=email[:255], ip=ip[:64], at=now, success=ok))
    session.commit()
    return user if ok else None


def actor_for(user: User) -> Actor:
    """The engine's view of a user: roles and, per role, the communes it covers."""
    return actor_of(user.id, [(grant.role, grant.commune_code) for grant in user.grants])


def actor_of(user_id: str, grants: Iterable[tuple[str, str | None]]) -> Actor:
    """An Actor from (role, commune) grants; a commune of None covers every commune."""
    scopes: dict[str, set[str]] = defaultdict(set)
    for role, commune in grants:
        scopes[role].add(commune or "*")
    return Actor(user_id, frozenset(scopes), {r: frozenset(c) for r, c in scopes.items()})
