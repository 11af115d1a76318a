"""How a dossier's opinions were examined, for the commission process (``shared.bpmn``):
in a held session, whose signed minutes the decision waits for, or collected remotely,
recorded in their own signed "avis recueillis" document. Two operators:
``commission.minutes`` says which (``examen``) and ``opinions.collected`` signs the record."""
from __future__ import annotations

import io
from typing import Any

from pypdf import PdfReader
from sqlalchemy import select

from engine import ServiceCall

from ..common import DomainError, dossier_of
from ..dossier_models import CommissionSession, DocumentVersion, Opinion
from ..ports import Ports
from ..signatures import minutes as sealed_minutes
from . import dossier as room_dossier
from . import export
from .models import Attendance

MINUTES, WAITING, COLLECTED = "proces_verbal", "attente_proces_verbal", "avis_recueillis"
KIND = "avis_recueillis"


def held(call: ServiceCall, sitting: CommissionSession) -> bool:
    """A session that sits: scheduled (and convened) by an agent, or whose room was entered."""
    return sitting.scheduled_by is not None or call.session.scalar(
        select(Attendance.id).where(Attendance.session_id == sitting.id).limit(1)) is not None


def state(call: ServiceCall, ports: Ports) -> dict[str, Any]:
    """``examen``: ``proces_verbal`` when the session that examined the dossier is closed and
    its minutes signed (every opinion given before it closed); ``attente_proces_verbal``
    while that session is still open; ``avis_recueillis`` when the opinions were collected
    outside a session (none held, or the last opinions came after it closed)."""
    dossier = dossier_of(call)
    session_id = room_dossier.current_session_id(call.session, dossier.id)
    sitting = call.session.get(CommissionSession, session_id) if session_id else None
    if sitting is None or not held(call, sitting):
        return {"examen": COLLECTED, "seance_id": session_id}
    if sitting.status != "closed" or not sitting.minutes_sha256:
        return {"examen": WAITING, "seance_id": sitting.id}
    late = call.session.scalar(select(Opinion.id).where(
        Opinion.dossier_id == dossier.id, Opinion.session_id == sitting.id,
        Opinion.given_at > sitting.closed_at).limit(1))
    if late is not None:
        return {"examen": COLLECTED, "seance_id": sitting.id}
    return {"examen": MINUTES, "seance_id": sitting.id, "proces_verbal": sitting.minutes_sha256}


def collected(call: ServiceCall, ports: Ports) -> dict[str, Any]:
    """Render the dossier's opinions as a signed "avis recueillis" record and attach it
    (idempotent: a redelivered job finds the record of this round and leaves it)."""
    from signing.minutes import minutes_pdf

    from .minutes import document
    dossier = dossier_of(call)
    session_id = room_dossier.current_session_id(call.session, dossier.id)
    sitting = call.session.get(CommissionSession, session_id) if session_id else None
    if sitting is None:
        raise DomainError("the dossier was on no session of its commission: no opinions to record")
    name = f"avis-recueillis-seance-{sitting.id}.pdf"
    done = call.session.scalar(select(DocumentVersion).where(
        DocumentVersion.dossier_id == dossier.id, DocumentVersion.kind == KIND, DocumentVersion.filename == name))
    if done is not None:
        return {"avis_recueillis": done.sha256}
    doc = document(call.session, ports, sitting, call.now, only=dossier.id, remote=True)
    signed, key = sealed_minutes.sign(call.session, ports, dossier.commune_code, minutes_pdf(doc),
                                      reason=f"Avis recueillis — {dossier.number}", now=call.now)
    pages = len(PdfReader(io.BytesIO(signed.pdf)).pages)
    attached = export.attach(call.session, ports, dossier.id, KIND, name, signed.pdf, pages,
                             dossier.applicant_id, call.now)
    sealed_minutes.record_for(call.session, ports, [dossier], signed, key, document_kind=KIND,
                              reference=f"AR-{sitting.id}", now=call.now)
    return {"avis_recueillis": attached.sha256}
