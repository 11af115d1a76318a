"""The dossier side of the analysts' cockpit: which dossiers wait at an element, and the
dossier behind an instance. Projections and domain rows only."""
from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine import observe
from engine.models import HumanTask

from .dossier_models import Dossier
from .models import User


def waiting_dossiers(session: Session, definition_id: int, elements: Iterable[str], *,
                     limit: int = 200) -> list[tuple[HumanTask, Dossier | None]]:
    """The open tasks at ``elements`` (instances on ``definition_id``) with their dossier,
    soonest deadline first."""
    query = observe.waiting_at(session, definition_id, elements).subquery()
    rows = session.execute(
        select(HumanTask, Dossier).join(query, query.c.id == HumanTask.id)
        .outerjoin(Dossier, Dossier.instance_id == HumanTask.instance_id)
        .order_by(HumanTask.due_at.is_(None), HumanTask.due_at, HumanTask.created_at).limit(limit))
    return [(task, dossier) for task, dossier in rows]


def dossier_of_instance(session: Session, instance_id: int) -> Dossier | None:
    return session.scalar(select(Dossier).where(Dossier.instance_id == instance_id))


def people(session: Session, ids: Iterable[str | None]) -> dict[str, str]:
    """User id → full name, for the ids that name a user (others, e.g. "system", stay as they are)."""
    wanted = sorted({i for i in ids if i})
    if not wanted:
        return {}
    return {uid: name for uid, name in session.execute(select(User.id, User.full_name).where(User.id.in_(wanted)))}


def stats_table(stats: dict[str, observe.ElementStats], names: dict[str, str]) -> list[dict[str, Any]]:
    """The per-element figures as rows (elements with something to show), by element id."""
    return [{"id": element, "name": names.get(element, element), "waiting": s.waiting, "overdue": s.overdue,
             "done": s.done, "median_dwell": s.median_dwell, "incidents": s.incidents}
            for element, s in sorted(stats.items())]
