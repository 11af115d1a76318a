"""The administration's audit trail: every change, who made it, the values before and after."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..models import User
from .models import AdminEvent
from .scope import Admin


def _plain(values: dict[str, Any] | None) -> dict[str, Any] | None:
    if values is None:
        return None
    return {k: v.isoformat() if isinstance(v, date | datetime) else v for k, v in values.items()}


def record(session: Session, admin: Admin, action: str, target: str, commune: str | None, now: datetime, *,
           before: dict[str, Any] | None = None, after: dict[str, Any] | None = None) -> None:
    session.add(AdminEvent(at=now, actor_id=admin.user_id, action=action, target=target[:200], commune_code=commune,
                           before=_plain(before), after=_plain(after)))


@dataclass(frozen=True)
class EventView:
    at: datetime
    actor: str
    action: str
    target: str
    commune: str | None
    before: dict[str, Any] | None
    after: dict[str, Any] | None


def events(session: Session, admin: Admin, *, commune: str | None = None, limit: int = 200) -> list[EventView]:
    """The newest administration actions, for the national administrator only."""
    admin.national_only()
    query = select(AdminEvent, User.full_name).outerjoin(User, User.id == AdminEvent.actor_id)
    if commune:
        query = query.where(AdminEvent.commune_code == commune)
    rows = session.execute(query.order_by(AdminEvent.id.desc()).limit(limit))
    return [EventView(e.at, name or e.actor_id, e.action, e.target, e.commune_code, e.before, e.after)
            for e, name in rows]
