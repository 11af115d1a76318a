"""The dossier on screen in the room: its data, its documents, every member's opinion task,
and recording a member's opinion from the room (it completes their own BPMN task)."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from engine import Actor, Conflict, Engine, Forbidden, InvalidTaskData, NotFound
from engine import reads as engine_reads
from engine.expressions import BINDING
from engine.models import HumanTask

from ..dossier_models import AgendaItem, CommissionSession, DocumentVersion, Dossier, Opinion
from ..models import CommissionMember, User
from ..ports import Ports
from . import access, fields
from .sessions import OPINION_TASK

# documents the room adds to a dossier, beside the procedure's checklist
KINDS = {"plan_annote": {"fr": "Plan annoté par la commission", "ar": "تصميم مشروح من طرف اللجنة"},
         "proces_verbal": {"fr": "Procès-verbal de la commission", "ar": "محضر اللجنة"}}
# the room's field names → the avis form's (processes/forms/avis.schema.json)
UNEXPRESSED = "non_exprime"  # a missing opinion, once the secretary proceeded without it (.unexpressed)
FORM_FIELDS = {"avis": "avis", "reserves": "reserves", "motive": "motif", "plans_modifies": "plans_modifies"}


def document_label(session: Session, ports: Ports, dossier: Dossier, kind: str, lang: str) -> str:
    catalog = ports.catalog(session, dossier.catalog_id)
    if kind in catalog.documents:
        return catalog.document_label(kind, lang)
    return KINDS.get(kind, {}).get(lang, kind)


def _dossier(session: Session, seat: access.Seat, dossier_id: int) -> Dossier:
    dossier = session.get(Dossier, dossier_id) if 0 < dossier_id <= 2**31 - 1 else None
    if dossier is None or not access.on_agenda(session, seat.session, dossier.id):
        raise NotFound(f"dossier {dossier_id} is not on this session's agenda")
    return dossier


def latest_documents(session: Session, dossier_id: int) -> list[DocumentVersion]:
    """The newest version of each document kind."""
    newest: dict[str, DocumentVersion] = {}
    for doc in session.scalars(select(DocumentVersion).where(DocumentVersion.dossier_id == dossier_id)
                               .order_by(DocumentVersion.kind, DocumentVersion.version)):
        newest[doc.kind] = doc
    return list(newest.values())


def opinion_task(session: Session, dossier: Dossier, member_id: str) -> HumanTask | None:
    """The member's opinion task of the current round (the newest) on the dossier: their
    seat's, also when an administrator handed it to someone else."""
    if dossier.instance_id is None:
        return None
    return session.scalar(select(HumanTask).where(
        HumanTask.instance_id == dossier.instance_id,
        func.coalesce(HumanTask.first_assignee, HumanTask.assignee) == member_id,
        HumanTask.bpmn_id.startswith(OPINION_TASK)).order_by(HumanTask.created_at.desc(), HumanTask.id.desc()))


def seat_authors(session: Session, dossier: Dossier) -> dict[str, str | None]:
    """Each seat's member → who completed the seat's newest opinion task, or, while it is
    still READY in the projection (completed in the step running now), its assignee: only
    they could complete it. One statement for the whole round."""
    if dossier.instance_id is None:
        return {}
    seat = func.coalesce(HumanTask.first_assignee, HumanTask.assignee)
    rows = session.execute(select(seat, HumanTask.completed_by, HumanTask.assignee).where(
        HumanTask.instance_id == dossier.instance_id, HumanTask.bpmn_id.startswith(OPINION_TASK))
        .order_by(HumanTask.created_at, HumanTask.id))
    return {member: by or holder for member, by, holder in rows}  # the newest task last


def current_session_id(session: Session, dossier_id: int) -> int | None:
    """The session the dossier sits on now: its latest agenda entry (the procedure convenes a
    new session for each round of opinions; an agent may move the dossier to another)."""
    return session.scalar(select(AgendaItem.session_id).where(AgendaItem.dossier_id == dossier_id)
                          .order_by(AgendaItem.id.desc()).limit(1))


def binding_organisms(engine: Engine, session: Session, task: Any) -> frozenset[str] | None:
    """The organisms whose opinion is binding (*avis conformes*) in this round, as the
    procedure's decision table ``avis_conformes`` answered before the opinion tasks opened:
    read from an opinion task's data (``task``: its entity or a row with its ``id``, or
    None). None when no task of the round says (none yet, or gone from the stored state
    once the round ended)."""
    data = engine_reads.task_data(engine, session, task.id) if task is not None else None
    if data is None or BINDING not in data:
        return None
    return frozenset(data.get(BINDING) or ())


def opinions(session: Session, sitting: CommissionSession, dossier: Dossier,
             engine: Engine | None = None) -> list[dict[str, Any]]:
    """Every member's opinion task for the dossier, with the opinion once given (this
    round's: recorded in the session the dossier sits on now). ``binding``: what the
    procedure's decision table decided (given the ``engine`` to read it), else what the
    round's compilation recorded with the opinion, else not binding."""
    out = []
    current = current_session_id(session, dossier.id)
    members = list(session.scalars(select(CommissionMember).where(
        CommissionMember.commission_id == sitting.commission_id).order_by(CommissionMember.id)))
    tasks = {m.user_id: opinion_task(session, dossier, m.user_id) for m in members}
    newest = max((t for t in tasks.values() if t is not None), key=lambda t: (t.state == "READY", t.created_at),
                 default=None)
    decided = binding_organisms(engine, session, newest) if engine is not None else None
    for member in members:
        task = tasks[member.user_id]
        given = None
        if task is not None:  # given; or recorded « non exprimé » as the round closed without it
            given = session.scalar(select(Opinion).where(
                Opinion.dossier_id == dossier.id, Opinion.member_id == member.user_id, Opinion.session_id == current))
            given = given if given is not None and (task.state != "READY" or given.avis == UNEXPRESSED) else None
        user = session.get_one(User, member.user_id)
        author = session.get_one(User, given.given_by).full_name if given and given.given_by else None
        handed = task.assignee if task is not None and task.assignee not in (None, member.user_id) else None
        when = given.given_at if given else (task.completed_at if task else None)
        binding = member.organism_code in decided if decided is not None else bool(given and given.binding)
        out.append({"member_id": member.user_id, "member": user.full_name, "given_by": author,
                    "holder_id": handed, "holder": session.get_one(User, handed).full_name if handed else None,
                    "organism": member.organism.name_fr,
                    "organism_ar": member.organism.name_ar, "binding": binding,
                    "task_id": task.id if task else None,
                    "state": "none" if task is None else ("open" if task.state == "READY" and given is None
                                                          else "done"),
                    "avis": given.avis if given else None, "reserves": given.reserves if given else None,
                    "motive": given.motive if given else None,
                    "given_at": when.isoformat() if when else None})
    return out


def context(session: Session, ports: Ports, seat: access.Seat, dossier_id: int, lang: str,
            engine: Engine | None = None) -> dict[str, Any]:
    """The JSON of ``GET /commission/sessions/<sid>/dossiers/<did>`` (docs/realtime.md)."""
    dossier = _dossier(session, seat, dossier_id)
    catalog = ports.catalog(session, dossier.catalog_id)
    procedure = catalog.procedure(dossier.procedure)
    applicant = session.get_one(User, dossier.applicant_id)
    return {
        "dossier": {"id": dossier.id, "number": dossier.number, "procedure": procedure.ar if lang == "ar" else procedure.fr,
                    "status": {"code": dossier.status, "label": catalog.status_label(dossier.status, lang)},
                    "fields": fields.labelled(catalog, dossier.procedure, dossier.fields or {}, lang),
                    "applicant": applicant.full_name},
        "documents": [{"id": d.id, "kind": d.kind, "label": document_label(session, ports, dossier, d.kind, lang),
                       "version": d.version, "filename": d.filename, "pages": d.pages,
                       "url": f"/commission/documents/{d.id}/file"} for d in latest_documents(session, dossier.id)],
        "opinions": opinions(session, seat.session, dossier, engine)}


def give_opinion(engine: Engine, actor: Actor, session_id: int, dossier_id: int, payload: Any) -> dict[str, Any]:
    """Complete the member's own opinion task with ``{avis, reserves?, motive?,
    plans_modifies?, task_id?}`` (validated against the avis form) and record the opinion
    for the room and the minutes. Conflict when the task is no longer open (or ``task_id``
    names an older one), InvalidTaskData on field errors."""
    with engine.transaction(write=False) as session:
        seat = access.seat(session, actor, session_id)
        if seat.role != access.MEMBER:
            raise Forbidden("only the commission's members give opinions", code="opinion.members_only")
        if not isinstance(payload, dict):
            raise InvalidTaskData({"": "the opinion must be a JSON object"}, {"": "type"})
        if seat.session.status != "scheduled":
            raise Conflict("this session is closed", code="session.closed")
        dossier = _dossier(session, seat, dossier_id)
        task = opinion_task(session, dossier, actor.user_id)
        if task is None:
            raise NotFound("you have no opinion task on this dossier", code="opinion.no_task")
        if task.state != "READY" or payload.get("task_id") not in (None, task.id):
            raise Conflict("your opinion on this dossier was already given", code="opinion.given")
        if task.assignee != actor.user_id:
            raise Conflict("an administrator handed your seat's opinion to someone else", code="opinion.handed_over")
        if current_session_id(session, dossier.id) != session_id:
            raise Conflict("this dossier is now on the agenda of another session", code="opinion.other_session")
        task_id, dossier_pk = task.id, dossier.id
        member = session.scalar(select(CommissionMember).where(
            CommissionMember.commission_id == seat.commission.id, CommissionMember.user_id == actor.user_id))
        assert member is not None
        organism = member.organism
        decided = binding_organisms(engine, session, task)
        binding = organism.code in decided if decided is not None else False
        name = session.get_one(User, actor.user_id).full_name
    unknown = set(payload) - set(FORM_FIELDS) - {"task_id"}
    if unknown:
        raise InvalidTaskData({k: "unexpected field" for k in sorted(unknown)}, {k: "additionalProperties"
                                                                                for k in unknown})
    opinion = {FORM_FIELDS[k]: v for k, v in payload.items() if k in FORM_FIELDS and v not in (None, "")}
    try:
        engine.complete(task_id, {"opinion": opinion}, actor)
    except InvalidTaskData as exc:
        back = {v: k for k, v in FORM_FIELDS.items()}
        rename = {path: back.get(path.removeprefix("opinion").lstrip("/."), path) or "avis" for path in exc.errors}
        raise InvalidTaskData({rename[p]: m for p, m in exc.errors.items()},
                              {rename[p]: c for p, c in exc.codes.items() if p in rename}) from None
    now = engine.clock()
    with engine.transaction() as session:
        record(session, dossier_pk, session_id, actor.user_id, organism.code, binding, opinion, now)
    return {"dossier_id": dossier_pk, "member_id": actor.user_id, "member": name, "organism": organism.name_fr,
            "binding": binding, "avis": opinion["avis"], "reserves": opinion.get("reserves"), "motive": opinion.get("motif"),
            "given_at": now.isoformat()}


def record_given(engine: Engine, session: Session, task_id: str, data: Any) -> None:
    """An opinion task completed outside the room (its inbox form, the API): its opinion is
    recorded for the room, the secretary's page and the minutes in the step's transaction,
    as the room records the ones given there, and not only when the round ends. Nothing
    when the step's compilation already recorded the seat's (the round's last opinion), or
    when the task is no opinion of a dossier on an agenda."""
    task = session.execute(select(  # as the step wrote it (not an ORM copy the session may hold from before)
        HumanTask.id, HumanTask.bpmn_id, HumanTask.instance_id, HumanTask.first_assignee, HumanTask.assignee,
        HumanTask.completed_by, HumanTask.completed_at).where(HumanTask.id == task_id)).one_or_none()
    opinion = data.get("opinion") if isinstance(data, dict) else None
    if task is None or not task.bpmn_id.startswith(OPINION_TASK) or not isinstance(opinion, dict):
        return
    dossier = session.scalar(select(Dossier).where(Dossier.instance_id == task.instance_id))
    sitting_id = current_session_id(session, dossier.id) if dossier is not None else None
    if dossier is None or sitting_id is None or task.completed_at is None:
        return
    seat = task.first_assignee or task.assignee
    sitting = session.get_one(CommissionSession, sitting_id)
    member = session.scalar(select(CommissionMember).where(
        CommissionMember.commission_id == sitting.commission_id, CommissionMember.user_id == seat))
    if member is None or session.scalar(select(Opinion.id).where(
            Opinion.dossier_id == dossier.id, Opinion.session_id == sitting_id, Opinion.member_id == seat)) is not None:
        return
    decided = binding_organisms(engine, session, task)
    record(session, dossier.id, sitting_id, member.user_id, member.organism_code,
           decided is not None and member.organism_code in decided, opinion, task.completed_at,
           given_by=task.completed_by)


def record(session: Session, dossier_id: int, session_id: int | None, member_id: str, organism: str, binding: bool,
           opinion: dict[str, Any], now: datetime, given_by: str | None = None) -> Opinion:
    """The opinion row of (dossier, session, member), created or updated: the room writes it
    when the member gives it, the procedure's compilation when the round ends. ``given_by``:
    who gave it when not the seat's member (the task was handed to them)."""
    row = session.scalar(select(Opinion).where(Opinion.dossier_id == dossier_id, Opinion.session_id == session_id,
                                               Opinion.member_id == member_id))
    if row is None:
        row = Opinion(dossier_id=dossier_id, session_id=session_id, member_id=member_id, given_at=now)
        session.add(row)
    row.organism_code, row.binding, row.avis = organism, binding, opinion["avis"]
    row.given_by = given_by if given_by != member_id else None
    row.reserves, row.motive = opinion.get("reserves"), opinion.get("motif")
    row.requires_new_plans = bool(opinion.get("plans_modifies"))
    session.flush()
    return row
