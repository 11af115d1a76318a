"""Notifications: recorded on the dossier in the recipient's language, delivered by a job.

``notify.send`` is the service task diagrams use; :func:`task_arrived` tells people a task
is waiting for them; :func:`deliver` is the job that hands a message to its channel.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine import ServiceCall
from engine.models import HumanTask, OutboxMessage
from engine.outbox import enqueue

from . import messages
from .common import DomainError, dossier_of, param
from .dossier_models import Dossier, Notification
from .models import RoleGrant, User
from .ports import Ports


def holders(session: Session, tasks: Iterable[tuple[str | None, str | None]], commune: str) -> list[str]:
    """The people who may do tasks given as (assignee, role): the assignees, else the holders
    of the role in the commune."""
    people: set[str] = set()
    roles = set()
    for assignee, role in tasks:
        if assignee:
            people.add(assignee)
        elif role:
            roles.add(role)
    if roles:
        people |= set(session.scalars(select(RoleGrant.user_id).where(
            RoleGrant.role.in_(roles), (RoleGrant.commune_code == commune) | RoleGrant.commune_code.is_(None))))
    return sorted(people)


def guichet_agents(session: Session, commune: str) -> list[str]:
    return list(session.scalars(select(RoleGrant.user_id).where(
        RoleGrant.role == "guichet_agent", RoleGrant.commune_code == commune)))


def _recipients(call: ServiceCall, dossier: Dossier, audience: str) -> list[str]:
    session = call.session
    if audience == "applicant":
        return [dossier.applicant_id]
    if audience == "members":
        return [str(m) for m in call.data.get("members", {})]
    if audience == "guichet":
        return guichet_agents(session, dossier.commune_code)
    if audience == "task_holders":
        tasks = session.execute(select(HumanTask.assignee, HumanTask.role).where(
            HumanTask.instance_id == call.instance_id, HumanTask.state == "READY")).all()
        return holders(session, [(a, r) for a, r in tasks], dossier.commune_code)
    raise DomainError(f"unknown audience '{audience}' (applicant, members, guichet, task_holders)")


def record(session: Session, ports: Ports, dossier: Dossier, recipients: Iterable[str], template: str,
           values: dict[str, Any], now: datetime, channel: str = "email") -> list[Notification]:
    """Record one message per recipient, in their language, and queue its delivery."""
    if template not in messages.TEMPLATES:
        raise DomainError(f"unknown message template '{template}'")
    procedure = ports.catalog().procedure(dossier.procedure)
    out = []
    people = list(dict.fromkeys(recipients))
    locales: dict[str, str] = {}
    if people:  # one query for every recipient's language, not a User (and its grants) each
        rows = session.execute(select(User.id, User.locale).where(User.id.in_(people)))
        locales = {user_id: locale for user_id, locale in rows}
    for user_id in people:
        lang = locales.get(user_id, "fr")
        filled = {**values, "number": dossier.number, "procedure": procedure.ar if lang == "ar" else procedure.fr,
                  "date": now.date().isoformat()}
        note = Notification(dossier_id=dossier.id, recipient_id=user_id, channel=channel, template=template,
                            lang=lang, subject=messages.subject(lang, filled),
                            body=messages.render(template, lang, filled), created_at=now)
        session.add(note)
        out.append(note)
    session.flush()  # one batched INSERT for every recipient; their ids name the delivery jobs
    if channel in ports.channels:
        for note in out:
            enqueue(session, "notification", ref=str(note.id), now=now)
    return out


def send(call: ServiceCall, ports: Ports) -> dict[str, Any]:
    """Record ``template`` for ``to`` (applicant | members | guichet | task_holders, comma-separated)."""
    dossier = dossier_of(call)
    recipients = []
    for audience in str(param(call, "to", "applicant")).split(","):
        recipients += _recipients(call, dossier, audience.strip())
    record(call.session, ports, dossier, recipients, str(param(call, "template")), dict(call.data), call.now,
           channel=str(param(call, "channel", "email")))
    return {}


def task_arrived(session: Session, task: Mapping[str, Any], now: datetime, *, ports: Ports) -> None:
    """Tell the people who may do a new task (a ``human_task`` row) that it is waiting."""
    # several tasks can arrive in one step (one per commission member): one look-up
    cache = session.info.setdefault("guichet.dossier_of_instance", {})
    if task["instance_id"] not in cache:
        cache[task["instance_id"]] = session.scalar(select(Dossier).where(Dossier.instance_id == task["instance_id"]))
    dossier = cache[task["instance_id"]]
    if dossier is None or task["role"] == "applicant":
        return  # applicants are told by the procedure's own messages
    people = holders(session, [(task["assignee"], task["role"])], dossier.commune_code)
    record(session, ports, dossier, people, "task_arrived", {"task": task["title"]}, now)


def deliver(session: Session, job: OutboxMessage, now: datetime, *, ports: Ports) -> None:
    """The delivery job: hand the message to its channel once (a redelivered job finds it sent)."""
    note = session.get(Notification, int(job.ref or 0), with_for_update=True)
    if note is None or note.sent_at is not None:
        return
    user = session.get_one(User, note.recipient_id)
    note.reference = ports.channels[note.channel].send(
        to_address=user.email, to_name=user.full_name, subject=note.subject, body=note.body, lang=note.lang)
    note.sent_at = now
