"""Notifications: recorded on the dossier in the recipient's language, delivered by a job.

``notify.send`` is the service task diagrams use; :func:`task_arrived` tells people a task
is waiting for them; :func:`deliver` is the job that hands a message to its channel.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from datetime import date, datetime
from typing import Any, cast

from sqlalchemy import Select, String, Table, bindparam, insert, literal, select, union_all
from sqlalchemy.orm import Session

from engine import ServiceCall
from engine.clock import utcnow
from engine.db import checkpoint
from engine.models import HumanTask, OutboxMessage
from engine.outbox import enqueue_many
from engine.rawsql import Hot

from . import messages
from .channels import Attachment
from .common import DomainError, dossier_of, param
from .dossier_models import Dossier, Notification
from .models import RoleGrant, User
from .ports import Ports

NOTE = cast(Table, Notification.__table__)
_INSERT = insert(NOTE).returning(NOTE.c.id, sort_by_parameter_order=True)


def holders(session: Session, tasks: Iterable[tuple[str | None, str | None]], commune: str,
            today: date | None = None) -> list[str]:
    """The people who may do tasks given as (assignee, role): the assignees, else the
    active holders of the role in the commune as of ``today``."""
    people: set[str] = set()
    roles = set()
    for assignee, role in tasks:
        if assignee:
            people.add(assignee)
        elif role:
            roles.add(role)
    if roles:
        people |= set(session.scalars(select(RoleGrant.user_id).join(User, User.id == RoleGrant.user_id).where(
            RoleGrant.role.in_(roles), _covers(RoleGrant.commune_code, commune),
            _held(RoleGrant.__table__.c, User.__table__.c, today or utcnow().date()))))
    return sorted(people)


def _covers(grant_commune: Any, commune: Any) -> Any:
    """A grant covers the commune it names, and a grant naming none covers them all."""
    return (grant_commune == commune) | grant_commune.is_(None)


def _held(grant: Any, user: Any, today: Any) -> Any:
    """The grant is in force on ``today`` and its holder's account is active."""
    return ((grant.valid_from.is_(None) | (grant.valid_from <= today))
            & (grant.valid_until.is_(None) | (grant.valid_until >= today)) & user.active.is_(True))


def guichet_agents(session: Session, commune: str, today: date | None = None) -> list[str]:
    return list(session.scalars(select(RoleGrant.user_id).join(User, User.id == RoleGrant.user_id).where(
        RoleGrant.role == "guichet_agent", RoleGrant.commune_code == commune,
        _held(RoleGrant.__table__.c, User.__table__.c, today or utcnow().date()))))


def _recipients(call: ServiceCall, dossier: Dossier, audience: str) -> list[str]:
    session = call.session
    if audience == "applicant":
        return [dossier.applicant_id]
    if audience == "members":
        return [str(m) for m in call.data.get("members", {})]
    if audience == "guichet":
        return guichet_agents(session, dossier.commune_code, call.now.date())
    if audience == "task_holders":
        tasks = session.execute(select(HumanTask.assignee, HumanTask.role).where(
            HumanTask.instance_id == call.instance_id, HumanTask.state == "READY")).all()
        return holders(session, [(a, r) for a, r in tasks], dossier.commune_code, call.now.date())
    raise DomainError(f"unknown audience '{audience}' (applicant, members, guichet, task_holders)")


def record(session: Session, ports: Ports, dossier: Any, recipients: Iterable[str], template: str,
           values: dict[str, Any], now: datetime, channel: str = "email") -> list[int]:
    """Record one message per recipient, in their language, and queue its delivery.

    ``dossier`` is anything with the dossier's ``id``, ``number`` and ``procedure``.
    Returns the ids of the recorded messages.
    """
    people = list(dict.fromkeys(recipients))
    locales: dict[str, str] = {}
    if people:  # one query for every recipient's language, not a User (and its grants) each
        locales = {user_id: locale for user_id, locale in
                   session.execute(select(User.id, User.locale).where(User.id.in_(people)))}
    rows = [message(session, ports, dossier, user_id, locales.get(user_id, "fr"), template, values, now, channel)
            for user_id in people]
    return insert_messages(session, ports, rows, now)


def message(session: Session, ports: Ports, dossier: Any, user_id: str, lang: str, template: str,
            values: dict[str, Any], now: datetime, channel: str = "email") -> dict[str, Any]:
    """The ``notification`` row of ``template`` (a message of the dossier's catalog) for one
    recipient, rendered in ``lang``."""
    catalog = ports.catalog(session, dossier.catalog_id)
    if template not in catalog.messages:
        raise DomainError(f"unknown message template '{template}'")
    procedure = catalog.procedure(dossier.procedure)
    filled = {**values, "number": dossier.number, "procedure": procedure.ar if lang == "ar" else procedure.fr,
              "date": now.date().isoformat()}
    return {"dossier_id": dossier.id, "recipient_id": user_id, "channel": channel, "template": template,
            "lang": lang, "subject": messages.subject(lang, filled), "body": messages.render(catalog.messages[template], lang, filled),
            "created_at": now, "sent_at": None, "reference": None}


def insert_messages(session: Session, ports: Ports, rows: list[dict[str, Any]], now: datetime) -> list[int]:
    """Insert message rows in one statement, and one delivery job each where a channel exists."""
    if not rows:
        return []
    ids = list(session.scalars(_INSERT, rows))
    deliverable = [str(i) for i, row in zip(ids, rows, strict=True) if row["channel"] in ports.channels]
    enqueue_many(session, "notification", deliverable, now=now)
    return ids


def send(call: ServiceCall, ports: Ports) -> dict[str, Any]:
    """Record ``template`` for ``to`` (applicant | members | guichet | task_holders, comma-separated)."""
    dossier = dossier_of(call)
    recipients = []
    for audience in str(param(call, "to", "applicant")).split(","):
        recipients += _recipients(call, dossier, audience.strip())
    record(call.session, ports, dossier, recipients, str(param(call, "template")), dict(call.data), call.now,
           channel=str(param(call, "channel", "email")))
    return {}


# Core columns: this runs in every step, and ORM-enabled statements cost more to run.
D, G, U = (cast(Table, m.__table__) for m in (Dossier, RoleGrant, User))
_DOSSIER = (D.c.id, D.c.number, D.c.procedure, D.c.catalog_id)


def _holders(roles: int) -> Select[Any]:
    return (select(*_DOSSIER, G.c.role, U.c.id.label("user_id"), U.c.locale)
            .join(G, G.c.role.in_([bindparam(f"r{i}") for i in range(roles)])
                  & _covers(G.c.commune_code, D.c.commune_code))
            .join(U, U.c.id == G.c.user_id)
            .where(D.c.instance_id == bindparam("iid"), _held(G.c, U.c, bindparam("today"))))


def _assignees(users: int) -> Select[Any]:
    return (select(*_DOSSIER, literal(None, String).label("role"), U.c.id.label("user_id"), U.c.locale)
            .join(U, U.c.id.in_([bindparam(f"u{i}") for i in range(users)]))
            .where(D.c.instance_id == bindparam("iid"), U.c.active.is_(True)))


_PEOPLE: dict[tuple[int, int], Hot] = {}  # by the (rounded up) number of roles and of assignees


def _slots(values: list[str]) -> int:
    """How many parameters a list takes: its length rounded up to a power of two, so that a
    handful of statements (each built and compiled once) serve every list."""
    return 0 if not values else 1 << (len(values) - 1).bit_length()


def _people_of(session: Session, tasks: list[Mapping[str, Any]], today: date) -> list[Any]:
    """Who may do each task (a role's holders in the dossier's commune or everywhere, or the
    assignee), with their language and the dossier, in one statement."""
    roles = sorted({t["role"] for t in tasks if not t["assignee"] and t["role"]})
    users = sorted({t["assignee"] for t in tasks if t["assignee"]})
    if not roles and not users:
        return []
    shape = (_slots(roles), _slots(users))
    statement = _PEOPLE.get(shape)
    if statement is None:
        parts = ([_holders(shape[0])] if roles else []) + ([_assignees(shape[1])] if users else [])
        statement = _PEOPLE[shape] = Hot(parts[0] if len(parts) == 1 else union_all(*parts))
    params: dict[str, Any] = {"iid": tasks[0]["instance_id"], "today": today}
    # the lists fill their slots, the last value repeated (IN is unchanged by repeats)
    params.update({f"r{i}": roles[min(i, len(roles) - 1)] for i in range(shape[0])})
    params.update({f"u{i}": users[min(i, len(users) - 1)] for i in range(shape[1])})
    return statement.all(session, params)


def task_arrived(session: Session, tasks: list[Mapping[str, Any]], now: datetime,
                 forms_of: Callable[[Mapping[str, Any]], Mapping[str, Any]], *, ports: Ports) -> None:
    """Tell the people who may do new tasks (``human_task`` rows of one step) that they wait.

    One statement finds every task's people with their language, one inserts the messages
    (and, with a delivery channel, one queues their jobs). ``forms_of`` gives a task's
    forms as deployed with the version it runs (the engine has them loaded): a task's
    title is its form's.
    """
    tasks = [t for t in tasks if t["role"] != "applicant"]  # told by the procedure's own messages
    if not tasks:
        return
    rows = _people_of(session, tasks, now.date())
    by_role: dict[str, list[Any]] = {}
    by_user: dict[str, Any] = {}
    for row in rows:
        if row.role is None:
            by_user[row.user_id] = row
        else:
            by_role.setdefault(row.role, []).append(row)
    out, seen = [], set()

    def titles(task: Mapping[str, Any]) -> Mapping[str, Any]:
        """The task's titles by language: its form's (the BPMN name where it has none)."""
        ui = forms_of(task).get(str(task["form"]).replace(".schema.json", ".ui.json"), {}) if task.get("form") else {}
        names = ui.get("title", {}) if isinstance(ui, Mapping) else {}
        return names if isinstance(names, Mapping) else {}

    for task in tasks:
        named = titles(task)
        if task["assignee"]:  # that person alone (no message if no such user)
            people = [by_user[task["assignee"]]] if task["assignee"] in by_user else []
        else:
            people = by_role.get(task["role"] or "", [])
        for person in sorted(people, key=lambda p: p.user_id):
            if (person.user_id, task["title"]) not in seen:  # one message per person and task title
                seen.add((person.user_id, task["title"]))
                out.append(message(session, ports, person, person.user_id, person.locale, "task_arrived",
                                   {"task": str(named.get(person.locale or "fr") or task["title"])}, now))
    insert_messages(session, ports, out, now)


def deliver(session: Session, job: OutboxMessage, now: datetime, *, ports: Ports) -> None:
    """The delivery job: hand the message to its channel, exactly once as far as a crash allows.

    The message's reference (its Message-ID) is made once and committed, with the attempt's
    time, *before* the channel is called; ``sent_at`` is committed after. A job redelivered
    after a crash in between finds the reference and sends again under the same Message-ID
    (a duplicate the recipient's mail system can recognise); one that finds ``sent_at`` does
    nothing.
    """
    note = session.get(Notification, int(job.ref or 0), with_for_update=True)
    if note is None or note.sent_at is not None:
        return
    channel = ports.channels[note.channel]
    user = session.get_one(User, note.recipient_id)
    if note.reference is None:
        note.reference = channel.new_reference()
    note.attempted_at = now
    checkpoint(session)  # the reference is stored before anything leaves
    attached: tuple[Attachment, ...] = ()
    if note.attachment_sha256:
        attached = (Attachment(note.attachment_name or "piece-jointe", note.attachment_type or
                               "application/octet-stream", ports.files.get(note.attachment_sha256)),)
    note.reference = channel.send(to_address=user.email, to_name=user.full_name, subject=note.subject,
                                  body=note.body, lang=note.lang, reference=note.reference, attachments=attached)
    note.sent_at = now
