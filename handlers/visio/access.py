"""Who may enter a session's room: that commission's named members, and the guichet agents
of its commune acting as secretary. Everyone else — members of other commissions
included — is refused, on every route and every socket event alike."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine import Actor, Forbidden, NotFound

from ..dossier_models import AgendaItem, CommissionSession, DocumentVersion
from ..models import Commission, CommissionMember
from ..queries import MAX_ID

MEMBER, SECRETARY = "member", "secretary"


@dataclass(frozen=True)
class Seat:
    """A user's place in one session's room."""

    session: CommissionSession
    commission: Commission
    role: str  # member | secretary
    user_id: str


def role_in(session: Session, actor: Actor, commission: Commission) -> str | None:
    """``member``, ``secretary`` or None for ``actor`` in ``commission``'s room."""
    if session.scalar(select(CommissionMember.id).where(
            CommissionMember.commission_id == commission.id, CommissionMember.user_id == actor.user_id)):
        return MEMBER
    if actor.holds("guichet_agent", commission.commune_code):
        return SECRETARY
    return None


def seat(session: Session, actor: Actor, session_id: int) -> Seat:
    """The actor's seat in the room of ``session_id``: NotFound if there is no such session
    *or* the actor is not one of its room users (what one may not see, one cannot tell exists)."""
    if not isinstance(session_id, int) or isinstance(session_id, bool) or not 0 < session_id <= MAX_ID:
        raise NotFound(f"no session {session_id!r}")
    sitting = session.get(CommissionSession, session_id)
    if sitting is None:
        raise NotFound(f"no session {session_id}")
    commission = session.get_one(Commission, sitting.commission_id)
    role = role_in(session, actor, commission)
    if role is None:
        raise NotFound(f"no session {session_id}")
    return Seat(sitting, commission, role, actor.user_id)


def secretary(session: Session, actor: Actor, session_id: int) -> Seat:
    found = seat(session, actor, session_id)
    if found.role != SECRETARY:
        raise Forbidden("only the guichet agent (secretary) may do this")
    return found


def on_agenda(session: Session, sitting: CommissionSession, dossier_id: int) -> bool:
    return session.scalar(select(AgendaItem.id).where(
        AgendaItem.session_id == sitting.id, AgendaItem.dossier_id == dossier_id)) is not None


def document(session: Session, seat: Seat, version_id: int) -> DocumentVersion:
    """A document version of a dossier on the seat's agenda (NotFound otherwise)."""
    if not isinstance(version_id, int) or isinstance(version_id, bool) or not 0 < version_id <= MAX_ID:
        raise NotFound(f"no document {version_id!r}")
    doc = session.get(DocumentVersion, version_id)
    if doc is None or not on_agenda(session, seat.session, doc.dossier_id):
        raise NotFound(f"no document {version_id} on this session's agenda")
    return doc


def document_anywhere(session: Session, actor: Actor, version_id: int) -> DocumentVersion:
    """A document version the actor may read in some room: its dossier is on the agenda
    of a session of a commission the actor sits on or is secretary of."""
    if not 0 < version_id <= MAX_ID:
        raise NotFound(f"no document {version_id}")
    doc = session.get(DocumentVersion, version_id)
    if doc is None:
        raise NotFound(f"no document {version_id}")
    sittings = session.scalars(select(CommissionSession).join(
        AgendaItem, AgendaItem.session_id == CommissionSession.id).where(AgendaItem.dossier_id == doc.dossier_id))
    for sitting in sittings:
        if role_in(session, actor, session.get_one(Commission, sitting.commission_id)):
            return doc
    raise NotFound(f"no document {version_id}")  # the same answer as for a missing one
