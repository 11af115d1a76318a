"""Read side for the web and the API: inbox, dossier lists and details, visibility.

Every query reads projections and domain rows; none deserializes a workflow. Visibility
is enforced in the query itself: an applicant sees only their dossiers, an agent or a
president their commune's, a commission member the dossiers they were asked about.
"""
from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import and_, bindparam, exists, false, func, or_, select, union
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from engine import Actor, NotFound, definitions
from engine.models import HumanTask, ProcessDefinition, ProcessInstance
from engine.rawsql import Hot

from .completeness.models import DocumentRequest
from .dossier_models import Decision, DocumentVersion, Dossier, Fee, StatusChange
from .models import Commune, Organism, RoleGrant
from .signatures import signed_by

COMMUNE_ROLES = ("guichet_agent", "president")


def _scoped(actor: Actor, role: str, column: Any) -> Any:
    communes = actor.scopes.get(role, frozenset())
    return column.isnot(None) if "*" in communes else column.in_(sorted(communes))


def _visibility(actor: Actor) -> list[Any]:
    """The clauses (OR-ed) selecting the dossiers ``actor`` may see, one per index that serves it."""
    if "admin" in actor.roles:
        return [Dossier.id.isnot(None)]
    clauses = [Dossier.applicant_id == actor.user_id]
    for role in COMMUNE_ROLES:
        if role in actor.roles:
            communes = actor.scopes.get(role, frozenset())
            if "*" in communes:
                clauses.append(Dossier.instance_id.isnot(None))
            else:  # one clause per commune: each walks ix_dossier_commune_created in order
                clauses += [and_(Dossier.instance_id.isnot(None), Dossier.commune_code == c) for c in sorted(communes)]
    if "commission_member" in actor.roles:
        clauses.append(exists().where(HumanTask.instance_id == Dossier.instance_id,
                                      HumanTask.assignee == actor.user_id))
    return clauses


def visible_dossiers(actor: Actor) -> Any:
    """A WHERE clause selecting the dossiers ``actor`` may see."""
    return or_(*_visibility(actor))


def my_tasks(actor: Actor) -> Any:
    """A WHERE clause selecting the READY tasks ``actor`` may do."""
    clauses = [HumanTask.assignee == actor.user_id]
    for role in actor.roles:
        clauses.append(and_(HumanTask.assignee.is_(None), HumanTask.role == role,
                            _scoped(actor, role, HumanTask.scope)))
    return and_(HumanTask.state == "READY", or_(*clauses) if clauses else false())


COUNT_CAP = 1000  # lists count this far, then say "1000+": an exact count grows with history


@dataclass(frozen=True)
class Page:
    items: list[Any]
    total: int  # exact up to COUNT_CAP
    page: int
    per_page: int
    capped: bool = False  # more than COUNT_CAP rows match


@dataclass(frozen=True)
class Listing:
    """A list's statements, built once: its page (LIMIT and OFFSET bound as ``lim`` and
    ``off``) and its count (up to ``cap``)."""
    window: Any
    count: Any

    @classmethod
    def of(cls, query: Any) -> Listing:
        counted = query.order_by(None).limit(bindparam("cap")).subquery()
        return cls(Hot(query.limit(bindparam("lim")).offset(bindparam("off"))),
                   Hot(select(func.count()).select_from(counted)))


def _page(session: Session | Connection, listing: Listing, page: int, per_page: int,
          params: dict[str, Any]) -> Page:
    offset = (page - 1) * per_page
    rows = listing.window.all(session, {**params, "lim": per_page, "off": offset})
    if len(rows) < per_page and (rows or page == 1):  # the last page: the rows say how many there are
        total = offset + len(rows)
    else:  # an inbox is mostly one page: the count's statement only when there are more
        total = listing.count.scalar(session, {**params, "cap": COUNT_CAP + 1}) or 0
    return Page(list(rows), min(total, COUNT_CAP), page, per_page, total > COUNT_CAP)


def inbox(session: Session, actor: Actor, *, page: int = 1, per_page: int = 50,
          order: str = "due") -> Page:
    """The READY tasks ``actor`` may do, with their dossier, soonest deadline first: items
    (task, dossier id, number, procedure, commune), the task a row of the columns a list
    shows (:data:`TASK_COLUMNS`), not an ORM object: no identity map, no entity to build."""
    found = _page(session.connection(), _inbox_query(actor, order), page, per_page, {"uid": actor.user_id})
    return Page([(t, t.dossier_id, t.number, t.procedure, t.commune_code) for t in found.items],
                found.total, found.page, found.per_page, found.capped)


_T = HumanTask.__table__.c
TASK_COLUMNS = (_T.id, _T.instance_id, _T.bpmn_id, _T.title, _T.role, _T.scope, _T.assignee, _T.claimed_by,
                _T.form, _T.due_at, _T.state, _T.created_at, _T.completed_by)  # what lists and answers show
_TASK_DOSSIER = (Dossier.id.label("dossier_id"), Dossier.number, Dossier.procedure, Dossier.commune_code)

_INBOX_QUERIES: OrderedDict[tuple[Any, ...], Listing] = OrderedDict()
_INBOX_LOCK = threading.Lock()


def _inbox_query(actor: Actor, order: str) -> Listing:
    """The inbox's statements for an actor's roles and scopes (the user, the window bound
    parameters), built once: building and hashing them cost more than running them."""
    key = (order, tuple(sorted((role, tuple(sorted(actor.scopes.get(role, ())))) for role in actor.roles)))
    with _INBOX_LOCK:
        found = _INBOX_QUERIES.get(key)
        if found is not None:
            _INBOX_QUERIES.move_to_end(key)
            return found
    clauses = [HumanTask.assignee == bindparam("uid")]
    for role in sorted(actor.roles):
        clauses.append(and_(HumanTask.assignee.is_(None), HumanTask.role == role,
                            _scoped(actor, role, HumanTask.scope)))
    query = (select(*TASK_COLUMNS, *_TASK_DOSSIER).select_from(HumanTask).join(Dossier, Dossier.instance_id == HumanTask.instance_id)
             .where(HumanTask.state == "READY", or_(*clauses)))
    keys = {"due": (HumanTask.due_at.is_(None), HumanTask.due_at, HumanTask.created_at),
            "recent": (HumanTask.created_at.desc(),)}
    listing = Listing.of(query.order_by(*keys.get(order, keys["due"])))
    with _INBOX_LOCK:
        _INBOX_QUERIES[key] = listing
        while len(_INBOX_QUERIES) > 256:
            _INBOX_QUERIES.popitem(last=False)
    return listing


def dossiers(session: Session, actor: Actor, *, status: str | None = None, procedure: str | None = None,
             page: int = 1, per_page: int = 50) -> Page:
    """The dossiers ``actor`` may see, newest first.

    Shaped for long histories: each visibility clause is its own branch, read in index
    order and cut at the window needed (this page, or enough to count to COUNT_CAP); the
    union of those few rows is then sorted. An OR of the clauses would make PostgreSQL
    fetch and sort every dossier of the commune, ever.
    """
    filters = [Dossier.status == status] if status else []
    if procedure:
        filters.append(Dossier.procedure == procedure)
    order = (Dossier.created_at.desc(), Dossier.id.desc())

    def newest(limit: int) -> Any:  # the union of each branch's newest ``limit`` ids
        branches = [select(Dossier.id, Dossier.created_at).where(clause, *filters).order_by(*order).limit(limit)
                    .subquery() for clause in _visibility(actor)]
        return union(*(select(b.c.id, b.c.created_at) for b in branches)).subquery()

    total = session.scalar(select(func.count()).select_from(newest(COUNT_CAP + 1))) or 0
    window = newest(page * per_page)
    ids = (select(window.c.id).order_by(window.c.created_at.desc(), window.c.id.desc())
           .limit(per_page).offset((page - 1) * per_page).subquery())
    rows = session.execute(select(Dossier).join(ids, ids.c.id == Dossier.id).order_by(*order)).all()
    return Page(list(rows), min(total, COUNT_CAP), page, per_page, total > COUNT_CAP)


MAX_ID = 2**31 - 1  # ids are 32-bit on PostgreSQL: anything larger names nothing


def dossier(session: Session, actor: Actor, dossier_id: int) -> Dossier:
    """The dossier if ``actor`` may see it; NotFound otherwise (no hint that it exists)."""
    if not 0 < dossier_id <= MAX_ID:
        raise NotFound(f"no dossier {dossier_id}")
    found = session.scalar(select(Dossier).where(Dossier.id == dossier_id, visible_dossiers(actor)))
    if found is None:
        raise NotFound(f"no dossier {dossier_id}")
    return found


@dataclass(frozen=True)
class DossierView:
    dossier: Dossier
    commune: Commune
    timeline: list[StatusChange]
    documents: list[DocumentVersion]
    open_steps: list[HumanTask]
    done_steps: list[HumanTask]
    fees: list[Fee]
    decision: Decision | None
    organisms: dict[str, Organism]  # who acted for which organism (commission members)
    signed_by: Any = None  # handlers.signatures.signed_by.SignedBy of the signed decision

    def events(self) -> list[tuple[datetime, str, Any]]:
        """The public timeline, oldest first: ("status", code) and ("step", completed task)."""
        out: list[tuple[datetime, str, Any]] = [(s.at, "status", s.status) for s in self.timeline]
        out += [(t.completed_at, "step", t) for t in self.done_steps if t.completed_at]
        return sorted(out, key=lambda e: (e[0], e[1] == "status"))

    @property
    def current_deadline(self) -> datetime | None:
        due = [t.due_at for t in self.open_steps if t.due_at]
        return min(due) if due else None


def dossier_view(session: Session, actor: Actor, dossier_id: int) -> DossierView:
    if not 0 < dossier_id <= MAX_ID:
        raise NotFound(f"no dossier {dossier_id}")
    # the dossier, its commune and its decision in one round trip (the status page is hot)
    row = session.execute(select(Dossier, Commune, Decision).join(Commune, Commune.code == Dossier.commune_code)
                          .outerjoin(Decision, Decision.dossier_id == Dossier.id)
                          .where(Dossier.id == dossier_id, visible_dossiers(actor))).one_or_none()
    if row is None:
        raise NotFound(f"no dossier {dossier_id}")
    d, commune, decision = row
    steps: list[HumanTask] = []
    if d.instance_id is not None:
        steps = list(session.scalars(select(HumanTask).where(HumanTask.instance_id == d.instance_id)
                                     .order_by(HumanTask.created_at, HumanTask.bpmn_id)))
    return DossierView(
        dossier=d, commune=commune,
        timeline=list(session.scalars(select(StatusChange).where(StatusChange.dossier_id == d.id)
                                      .order_by(StatusChange.at, StatusChange.id))),
        documents=list(session.scalars(select(DocumentVersion).where(DocumentVersion.dossier_id == d.id)
                                       .order_by(DocumentVersion.kind, DocumentVersion.version.desc()))),
        open_steps=[t for t in steps if t.state == "READY"],
        done_steps=[t for t in steps if t.state == "COMPLETED"],
        fees=list(session.scalars(select(Fee).where(Fee.dossier_id == d.id))),
        decision=decision,
        organisms=_organisms(session, {t.completed_by or t.assignee for t in steps} - {None}),
        signed_by=signed_by.of(session, decision.verification_code) if decision is not None and decision.signed
        else None)


def _organisms(session: Session, users: set[Any]) -> dict[str, Organism]:
    if not users:
        return {}
    rows = session.execute(select(RoleGrant.user_id, Organism).join(Organism, Organism.code == RoleGrant.organism_code)
                           .where(RoleGrant.user_id.in_(sorted(users)), RoleGrant.role == "commission_member"))
    return {user_id: organism for user_id, organism in rows}


def task(session: Session, actor: Actor, task_id: str) -> tuple[HumanTask, Dossier]:
    """A task the actor may do (or has done), with its dossier; NotFound otherwise."""
    row = session.execute(select(HumanTask, Dossier).join(Dossier, Dossier.instance_id == HumanTask.instance_id)
                          .where(HumanTask.id == task_id)).one_or_none()
    return _visible_task(actor, task_id, row)


def _visible_task(actor: Actor, task_id: str, row: Any) -> Any:
    if row is None or not _may_see(actor, row[0]):
        raise NotFound(f"no task {task_id}")
    return row


def _may_see(actor: Actor, task: Any) -> bool:
    """A task is the actor's to do, or was done by them."""
    return actor.may_complete(task.role, task.scope, task.assignee) or task.completed_by == actor.user_id


_REQUEST_OPEN = (exists().where(DocumentRequest.dossier_id == Dossier.id, DocumentRequest.answered_at.is_(None))
                 .label("request_open"))
_TASK_WITH_FORM = Hot(select(*TASK_COLUMNS, *_TASK_DOSSIER, *definitions.instance_form_columns(), _REQUEST_OPEN)
                      .select_from(HumanTask).join(Dossier, Dossier.instance_id == HumanTask.instance_id)
                      .join(ProcessInstance, ProcessInstance.id == HumanTask.instance_id)
                      .join(ProcessDefinition, ProcessDefinition.id == ProcessInstance.definition_id)
                      .where(HumanTask.id == bindparam("tid")))


def task_with_form(session: Session, actor: Actor, task_id: str) -> tuple[Any, definitions.TaskForm]:
    """:func:`task`, with the task's form as deployed, its instance's version and whether
    the dossier has an open document request: one statement (the state is not read unless
    the instance has called processes). The task is a row of :data:`TASK_COLUMNS` with its
    dossier's ``dossier_id``, ``number``, ``procedure``, ``commune_code`` and
    ``request_open``, not ORM objects (:func:`task` gives those)."""
    row = _TASK_WITH_FORM.one_or_none(session, {"tid": task_id})
    if row is None or not _may_see(actor, row):
        raise NotFound(f"no task {task_id}")
    return row, definitions.task_form(session, row, row.instance_id, row.form, row.id)


def dossier_status(session: Session, instance_id: int) -> tuple[int | None, str | None]:
    """The id and status of the dossier an instance runs (None, None for none)."""
    row = _DOSSIER_STATUS.one_or_none(session, {"iid": instance_id})
    return (row.id, row.status) if row else (None, None)


_DOSSIER_STATUS = Hot(select(Dossier.__table__.c.id, Dossier.__table__.c.status).where(
    Dossier.__table__.c.instance_id == bindparam("iid")))
