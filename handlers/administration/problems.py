"""Tasks left to people who can no longer do them — a deactivated account, a member whose
seat ended — listed for the administrators and handed to someone else from there."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from engine import assign
from engine.models import HumanTask, ProcessDefinition, ProcessInstance

from ..dossier_models import Dossier
from ..models import Commission, CommissionMember, RoleGrant, User
from ..notify import task_arrived
from ..ports import Ports
from . import audit
from .errors import AdminProblem
from .scope import Admin


@dataclass(frozen=True)
class Stranded:
    task_id: str
    title: str
    dossier_id: int
    number: str | None
    commune: str
    assignee: str
    assignee_name: str
    reason: str  # inactive | left
    due_at: datetime | None


def _seated(session: Session, users: set[str], day: date) -> set[tuple[str, str]]:
    """(user, commune) for every seat held on ``day`` by ``users``."""
    if not users:
        return set()
    rows = session.execute(select(CommissionMember, Commission.commune_code).join(
        Commission, Commission.id == CommissionMember.commission_id).where(CommissionMember.user_id.in_(sorted(users))))
    return {(m.user_id, commune) for m, commune in rows if m.active_on(day)}


def stranded(session: Session, admin: Admin, day: date) -> list[Stranded]:
    """Waiting tasks whose assignee is deactivated, or is a commission member without a seat
    in the dossier's commune any more, in the communes the administrator sees."""
    query = (select(HumanTask, Dossier, User).join(Dossier, Dossier.instance_id == HumanTask.instance_id)
             .join(User, User.id == HumanTask.assignee)
             .where(HumanTask.state == "READY", or_(User.active.is_(False), HumanTask.role == "commission_member")))
    if not admin.national:
        query = query.where(Dossier.commune_code.in_(sorted(admin.communes)))
    rows = list(session.execute(query.order_by(HumanTask.due_at, HumanTask.created_at)))
    seats = _seated(session, {u.id for _, _, u in rows if u.active}, day)
    out = []
    for task, dossier, user in rows:
        reason = "inactive" if not user.active else None
        if reason is None and (user.id, dossier.commune_code) not in seats:
            reason = "left"
        if reason:
            out.append(Stranded(task.id, task.title, dossier.id, dossier.number, dossier.commune_code, user.id,
                                user.full_name, reason, task.due_at))
    return out


def _task(session: Session, admin: Admin, task_id: str) -> tuple[HumanTask, Dossier]:
    row = session.execute(select(HumanTask, Dossier).join(Dossier, Dossier.instance_id == HumanTask.instance_id)
                          .where(HumanTask.id == task_id)).one_or_none()
    if row is None:
        raise AdminProblem("task_gone")
    task, dossier = row
    admin.check(dossier.commune_code)
    if task.state != "READY" or task.assignee is None:
        raise AdminProblem("task_gone")
    return task, dossier


def candidates(session: Session, admin: Admin, task_id: str, day: date) -> list[tuple[str, str]]:
    """Who may take the task over: active people seated today on a commission of the
    dossier's commune (an opinion task), else the active holders of the task's role there;
    (user id, name), those sitting for the same organism as the current assignee first."""
    task, dossier = _task(session, admin, task_id)
    if task.role == "commission_member":
        rows = session.execute(select(CommissionMember, User).join(User, User.id == CommissionMember.user_id)
                               .join(Commission, Commission.id == CommissionMember.commission_id)
                               .where(Commission.commune_code == dossier.commune_code, User.active.is_(True)))
        organisms = {m.organism_code for m, _ in session.execute(
            select(CommissionMember, Commission.id).join(Commission, Commission.id == CommissionMember.commission_id)
            .where(CommissionMember.user_id == task.assignee, Commission.commune_code == dossier.commune_code))}
        found = {(u.id, u.full_name, m.organism_code not in organisms) for m, u in rows if m.active_on(day)}
    else:
        rows = session.execute(select(RoleGrant, User).join(User, User.id == RoleGrant.user_id).where(
            RoleGrant.role == task.role, RoleGrant.commune_code == dossier.commune_code, User.active.is_(True)))
        found = {(u.id, u.full_name, False) for g, u in rows if g.active_on(day)}
    best: dict[str, tuple[bool, str]] = {}
    for uid, name, other in found:
        if uid != task.assignee and (uid not in best or not other):
            best[uid] = (other, name)
    return [(uid, name) for uid, (_, name) in sorted(best.items(), key=lambda i: (i[1][0], i[1][1]))]


def reassign(session: Session, admin: Admin, ports: Ports, task_id: str, user_id: str, now: datetime) -> None:
    """Hand the task to ``user_id`` (one of :func:`candidates`), who is told it waits."""
    task, dossier = _task(session, admin, task_id)
    allowed = dict(candidates(session, admin, task_id, now.date()))
    if user_id not in allowed:
        name = session.scalar(select(User.full_name).where(User.id == user_id)) if user_id else None
        raise AdminProblem("bad_assignee", who=name or (user_id or "—")[:40])
    previous = assign.reassign(session, task_id, user_id, actor=admin.user_id, now=now)
    audit.record(session, admin, "task.reassigned", f"{dossier.number or dossier.id}: {task.title}",
                 dossier.commune_code, now, before={"assignee": previous}, after={"assignee": user_id})
    forms = session.scalar(select(ProcessDefinition.forms).join(
        ProcessInstance, ProcessInstance.definition_id == ProcessDefinition.id).where(
        ProcessInstance.id == task.instance_id)) or {}
    task_arrived(session, [{"instance_id": task.instance_id, "role": task.role, "assignee": user_id,
                            "title": task.title, "form": task.form}], now, lambda _task: forms, ports=ports)
