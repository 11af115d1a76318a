"""``notify.send``: record a message to the people concerned, in each one's language.

Delivery (SMTP, SMS gateway) comes with the async work; every message is recorded on the
dossier either way.
"""
from __future__ import annotations

from typing import Any

from sqlalchemy import select

from engine import ServiceCall
from engine.models import HumanTask

from . import messages
from .common import DomainError, dossier_of, param
from .dossier_models import Dossier, Notification
from .models import RoleGrant, User
from .ports import Ports


def _recipients(call: ServiceCall, dossier: Dossier, audience: str) -> list[str]:
    session = call.session
    if audience == "applicant":
        return [dossier.applicant_id]
    if audience == "members":
        return [str(m) for m in call.data.get("members", [])]
    if audience == "guichet":
        return list(session.scalars(select(RoleGrant.user_id).where(
            RoleGrant.role == "guichet_agent", RoleGrant.commune_code == dossier.commune_code)))
    if audience == "task_holders":
        rows = session.execute(select(HumanTask.assignee, HumanTask.role).where(
            HumanTask.instance_id == call.instance_id, HumanTask.state == "READY")).all()
        people = {a for a, _ in rows if a}
        roles = {r for a, r in rows if not a and r}
        if roles:
            people |= set(session.scalars(select(RoleGrant.user_id).where(
                RoleGrant.role.in_(roles), RoleGrant.commune_code == dossier.commune_code)))
        return sorted(people)
    raise DomainError(f"unknown audience '{audience}' (applicant, members, guichet, task_holders)")


def send(call: ServiceCall, ports: Ports) -> dict[str, Any]:
    """Record ``template`` for ``to`` (applicant | members | guichet | task_holders)."""
    dossier = dossier_of(call)
    template = param(call, "template")
    if template not in messages.TEMPLATES:
        raise DomainError(f"unknown message template '{template}'")
    procedure = ports.catalog().procedure(dossier.procedure)
    recipients = []
    for audience in str(param(call, "to", "applicant")).split(","):
        recipients += _recipients(call, dossier, audience.strip())
    for user_id in dict.fromkeys(recipients):
        user = call.session.get(User, user_id)
        lang = user.locale if user else "fr"
        values = {**call.data, "number": dossier.number, "procedure": getattr(procedure, lang, procedure.fr),
                  "date": call.now.date().isoformat()}
        call.session.add(Notification(
            dossier_id=dossier.id, recipient_id=user_id, channel="email", template=template, lang=lang,
            body=messages.render(template, lang, values), created_at=call.now))
    return {}
