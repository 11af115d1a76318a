"""Closing a session: the minutes (procès-verbal) rendered, sealed with the commune's seal
(:mod:`handlers.signatures.minutes`) and attached to every dossier of the agenda."""
from __future__ import annotations

import io
import logging
from dataclasses import dataclass
from datetime import datetime

from pypdf import PdfReader
from sqlalchemy import select
from sqlalchemy.orm import Session

from engine import Actor, Engine, EngineError
from engine.models import HumanTask
from signing.minutes import AgendaEntry, GivenOpinion, MinutesDocument, PlanSnapshot, Presence, minutes_pdf

from ..common import Refusal
from ..dossier_models import AgendaItem, CommissionSession, DocumentVersion, Dossier
from ..models import Commission, Commune, User
from ..ports import Ports
from ..signatures import minutes as sealed_minutes
from . import access, dossier, export, room
from .models import Annotation
from .sessions import agenda

log = logging.getLogger(__name__)
KIND = "proces_verbal"
RECORDS = {KIND, "avis_recueillis"}  # what the commission writes, not what it examines
WAIT_TASK = "cm_pv_wait"  # shared.bpmn: the commission process waits there for the signed minutes


@dataclass(frozen=True)
class Closed:
    minutes_sha256: str
    documents: list[int]


def document(session: Session, ports: Ports, sitting: CommissionSession, closed_at: datetime, *,
             only: int | None = None, remote: bool = False) -> MinutesDocument:
    """The minutes' data, as :mod:`signing.minutes` renders it (``only``: that dossier of the
    agenda; ``remote``: its opinions collected outside the session, no attendance)."""
    commission_row = session.get_one(Commission, sitting.commission_id)
    commune = session.get_one(Commune, commission_row.commune_code)
    entries = []
    for item in agenda(session, sitting.id):
        if only is not None and item.dossier_id != only:
            continue
        d = session.get_one(Dossier, item.dossier_id)
        procedure = ports.catalog(session, d.catalog_id).procedure(d.procedure)
        opinions = tuple(GivenOpinion(o["member"], o["organism"], o["avis"], o["reserves"], o["motive"], o["given_by"])
                         for o in dossier.opinions(session, sitting, d))
        versions = session.scalars(select(DocumentVersion).where(DocumentVersion.dossier_id == d.id, DocumentVersion.id.in_(
            select(Annotation.version_id).where(Annotation.session_id == sitting.id, Annotation.deleted_at.is_(None))))
            .order_by(DocumentVersion.kind, DocumentVersion.version))
        plans = tuple(PlanSnapshot(f"{dossier.document_label(session, ports, d, v.kind, 'fr')} v{v.version}",
                                   ports.files.get(v.sha256),
                                   tuple(export.marks(session, sitting.id, v.id)))
                      for v in versions)
        examined = tuple(f"{dossier.document_label(session, ports, d, v.kind, 'fr')} v{v.version} — {v.sha256}"
                         for v in dossier.latest_documents(session, d.id) if v.kind not in RECORDS)
        entries.append(AgendaEntry(d.number or str(d.id), procedure.fr, procedure.ar,
                                   session.get_one(User, d.applicant_id).full_name, opinions, plans, examined))
    presences = () if remote else tuple(Presence(name, role, joined, left) for _, name, role, joined, left in
                                        room.attendance(session, sitting.id))
    return MinutesDocument(commune.name_fr, commune.name_ar, commission_row.name_fr, commission_row.name_ar,
                           sitting.session_date, sitting.start_time, presences, tuple(entries), closed_at,
                           reference=f"session-{sitting.id}", remote=remote)


def close(engine: Engine, ports: Ports, actor: Actor, session_id: int, *, confirmed: bool,
          before_date: bool = False) -> Closed:
    """Close the session (secretary only): everyone still present is marked as leaving now,
    the minutes are rendered, signed and attached to each dossier of the agenda. Only when
    ``confirmed`` (it cannot be undone), and before the session's day only when
    ``before_date`` says the secretary knows it."""
    now = engine.clock()
    with engine.transaction() as session:
        seat = access.secretary(session, actor, session_id)
        sitting = session.get_one(CommissionSession, session_id, with_for_update=True)
        if sitting.status != "scheduled":
            raise Refusal("Cette séance est déjà close.", "هذه الجلسة مختتمة من قبل.", status=409)
        if not confirmed:
            raise Refusal("Confirmez la clôture : elle signe le procès-verbal et ne peut pas être annulée.",
                          "أكد الاختتام: فهو يوقع المحضر ولا يمكن التراجع عنه.")
        if sitting.session_date > now.date() and not before_date:
            raise Refusal(f"Cette séance est prévue le {sitting.session_date:%d/%m/%Y} : confirmez que vous la "
                          "closez avant sa date.",
                          f"هذه الجلسة مقررة يوم \u2066{sitting.session_date:%d/%m/%Y}\u2069: أكد أنك تختتمها قبل "
                          "موعدها.", status=409)
        for row in session.scalars(select(room.Attendance).where(room.Attendance.session_id == session_id,
                                                                 room.Attendance.left_at.is_(None))):
            row.left_at = now
        session.flush()
        pdf = minutes_pdf(document(session, ports, sitting, now))
        signed, key = sealed_minutes.sign(
            session, ports, seat.commission.commune_code, pdf,
            reason=f"Procès-verbal — {seat.commission.name_fr} — {sitting.session_date}", now=now)
        pages = len(PdfReader(io.BytesIO(signed.pdf)).pages)
        dossiers = [session.get_one(Dossier, item.dossier_id) for item in agenda(session, session_id)]
        attached = [export.attach(session, ports, d.id, KIND, f"proces-verbal-{sitting.session_date}.pdf",
                                  signed.pdf, pages, actor.user_id, now).id for d in dossiers]
        sealed_minutes.record_for(session, ports, dossiers, signed, key, document_kind=KIND,
                                  reference=f"PV-{sitting.id}", now=now)
        sitting.status, sitting.closed_at = "closed", now
        digest = ports.files.put(signed.pdf)
        sitting.minutes_sha256 = digest
        waiting = list(session.scalars(select(HumanTask.id).join(Dossier, Dossier.instance_id == HumanTask.instance_id)
                                       .join(AgendaItem, AgendaItem.dossier_id == Dossier.id)
                                       .where(AgendaItem.session_id == session_id, HumanTask.state == "READY",
                                              HumanTask.bpmn_id == WAIT_TASK)))
    # the procedures waiting for these minutes (commission.bpmn's cm_pv_wait) go on to their decision
    for task_id in waiting:
        try:
            engine.complete(task_id, {}, actor)
        except EngineError as exc:  # the minutes are signed: the task stays in the agents' inbox
            log.warning("waiting task %s not completed after closing session %s: %s", task_id, session_id, exc)
    return Closed(digest, attached)
