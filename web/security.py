"""Who is asking: session users (Flask-Login) for pages, Bearer tokens for the API."""
from __future__ import annotations

import threading
import time
from collections import OrderedDict
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any

from apiflask import HTTPTokenAuth
from flask import current_app, g, jsonify, session
from flask_login import UserMixin, current_user
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import bindparam, select

from engine import Actor
from engine.clock import utcnow
from engine.rawsql import Hot
from handlers.accounts import actor_for, actor_of
from handlers.models import RoleGrant, User

from .extensions import db, login_manager
from .http_errors import status_message

TOKEN_MAX_AGE = 12 * 3600
token_auth = HTTPTokenAuth(scheme="Bearer", description="`POST /api/v1/tokens` gives a token")


@dataclass
class LoginUser(UserMixin):
    """The session's view of a user: identity, language, the engine's Actor, and the
    account's session version (sessions and tokens carrying an older one are refused)."""

    id: str
    email: str
    full_name: str
    locale: str
    actor: Actor
    session_version: int = 0

    @classmethod
    def of(cls, user: User) -> LoginUser:
        return cls(user.id, user.email, user.full_name, user.locale, actor_for(user), user.session_version or 0)

    def has(self, role: str) -> bool:
        return role in self.actor.roles


SESSION_VERSION = "sv"  # the session cookie's copy of the account's session version


def _fetch(user_id: str) -> LoginUser | None:
    """The user and the grants they hold today, in one Core statement (every request runs
    it: no ORM objects, and no cache, so an administrator's change holds at the next request
    on every node). A deactivated account is no one."""
    rows = _USER_WITH_GRANTS.all(db.session, {"uid": user_id})
    if not rows or not rows[0].active:
        return None
    first, today = rows[0], utcnow().date()
    held = [(row.role, row.commune_code) for row in rows if row.role is not None
            and (row.valid_from is None or row.valid_from <= today)
            and (row.valid_until is None or today <= row.valid_until)]
    return LoginUser(first.id, first.email, first.full_name, first.locale, actor_of(first.id, held),
                     first.session_version)


@login_manager.user_loader
def _load_user(user_id: str) -> LoginUser | None:
    """The session's user, unless the account's sessions were revoked since it signed in."""
    user = _fetch(user_id)
    if user is None or session.get(SESSION_VERSION, 0) != user.session_version:
        return None
    return user


_U, _G = User.__table__, RoleGrant.__table__  # Core columns: every request runs it
_USER_WITH_GRANTS = Hot(select(_U.c.id, _U.c.email, _U.c.full_name, _U.c.locale, _U.c.session_version, _U.c.active,
                                _G.c.role, _G.c.commune_code, _G.c.valid_from, _G.c.valid_until)
                         .outerjoin(_G, _G.c.user_id == _U.c.id).where(_U.c.id == bindparam("uid")))


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="guichet-api-token")


def issue_token(user_id: str, session_version: int) -> str:
    """A Bearer token; revoked with the account's sessions (sign-out, password change)."""
    return _serializer().dumps({"u": user_id, "v": session_version})


@token_auth.error_handler
def _auth_error(status: int) -> Any:
    return jsonify(message=status_message(status), detail={"reason": HTTPStatus(status).phrase}), status


class _VerifiedTokens:
    """Tokens whose signature this process has verified, with when they were signed: a
    client's next calls skip the HMAC and the decoding (a tenth of a short request's
    work). Only the signature is remembered: the age is checked on every call, and the
    account, its grants and its session version are read on every call."""

    def __init__(self, size: int = 4096):
        self._items: OrderedDict[tuple[str, str], tuple[dict[str, Any], float]] = OrderedDict()
        self._lock = threading.Lock()
        self._size = size

    def payload(self, token: str) -> dict[str, Any] | None:
        key = (str(current_app.config["SECRET_KEY"]), token)
        with self._lock:
            found = self._items.get(key)
            if found is not None:
                self._items.move_to_end(key)
        if found is None:
            try:
                data, signed = _serializer().loads(token, max_age=TOKEN_MAX_AGE, return_timestamp=True)
            except (SignatureExpired, BadSignature):
                return None
            found = (data, signed.timestamp())
            with self._lock:
                self._items[key] = found
                while len(self._items) > self._size:
                    self._items.popitem(last=False)
        data, signed_at = found
        if time.time() - signed_at > TOKEN_MAX_AGE:
            return None
        return data if isinstance(data, dict) else None


_TOKENS = _VerifiedTokens()


@token_auth.verify_token
def _verify_token(token: str) -> LoginUser | None:
    data = _TOKENS.payload(token)
    if data is None:
        return None
    user = _fetch(str(data.get("u")))
    if user is None or data.get("v", 0) != user.session_version:
        return None
    return user


def current() -> LoginUser | None:
    """The user of this request, by token on the API and by session on pages."""
    if "guichet_user" not in g:
        token_user = token_auth.current_user if _has_token_user() else None
        g.guichet_user = token_user or (current_user if current_user.is_authenticated else None)
    return g.guichet_user


def _has_token_user() -> bool:
    try:
        return token_auth.current_user is not None
    except (RuntimeError, AttributeError):
        return False


def actor() -> Actor:
    user = current()
    if user is None:
        raise PermissionError("not signed in")
    return user.actor
