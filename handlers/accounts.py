"""Accounts: creating users, checking passwords, and the engine's view of a user."""
from __future__ import annotations

import uuid
from collections import defaultdict
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash, generate_password_hash

from engine import Actor

from .models import RoleGrant, User
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


def authenticate(session: Session, email: str, password: str) -> User | None:
    user = find_by_email(session, email)
    if user is None or not check_password_hash(user.password_hash, password):
        return None
    return user


def actor_for(user: User) -> Actor:
    """The engine's view of a user: roles and, per role, the communes it covers."""
    scopes: dict[str, set[str]] = defaultdict(set)
    for grant in user.grants:
        scopes[grant.role].add(grant.commune_code or "*")
    return Actor(user.id, frozenset(scopes), {r: frozenset(c) for r, c in scopes.items()})
