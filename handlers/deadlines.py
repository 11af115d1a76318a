"""Deadline watch over open tasks: a reminder before the due date, a breach notice after.

Run periodically (Celery beat, or the embedded ticker); each task is reminded and flagged
once, whatever the number of nodes running the watch (a row lock decides).
"""
from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.models import HumanTask

from .dossier_models import Dossier
from .notify import guichet_agents, holders, record
from .ports import Ports

REMINDER_WINDOW = timedelta(days=2)


def watch(session: Session, ports: Ports, now: datetime, window: timedelta = REMINDER_WINDOW,
          limit: int = 200) -> tuple[int, int]:
    """Send due reminders and breach notices; returns how many of each."""
    reminded = breached = 0
    due_soon = session.scalars(select(HumanTask).where(
        HumanTask.state == "READY", HumanTask.reminded_at.is_(None), HumanTask.due_at <= now + window,
        HumanTask.due_at > now).order_by(HumanTask.due_at).limit(limit).with_for_update(skip_locked=True))
    for task in due_soon:
        if _notify(session, ports, task, now, "deadline_reminder", guichet=False):
            reminded += 1
        task.reminded_at = now
    late = session.scalars(select(HumanTask).where(
        HumanTask.state == "READY", HumanTask.breached_at.is_(None), HumanTask.due_at <= now)
        .order_by(HumanTask.due_at).limit(limit).with_for_update(skip_locked=True))
    for task in late:
        if _notify(session, ports, task, now, "deadline_breached", guichet=True):
            breached += 1
        task.breached_at = now
    return reminded, breached


def _notify(session: Session, ports: Ports, task: HumanTask, now: datetime, template: str, *, guichet: bool) -> bool:
    dossier = session.scalar(select(Dossier).where(Dossier.instance_id == task.instance_id))
    if dossier is None:
        return False
    people = holders(session, [(task.assignee, task.role)], dossier.commune_code)
    if guichet:
        people += guichet_agents(session, dossier.commune_code)
    record(session, ports, dossier, people, template, {"task": task.title}, now)
    return True
