"""Presence, attendance and chat. Presence is the open attendance rows, so every web node
sees the same room; the rows also give the minutes their join and leave times."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..common import DomainError
from ..dossier_models import CommissionSession
from ..models import User
from . import access
from .models import Attendance, ChatMessage

MAX_CHAT = 2000
CHAT_REPLAY = 200


def join(session: Session, seat: access.Seat, sid: str, now: datetime) -> Attendance:
    """Open an attendance row for this socket (a second join from the same socket is one row)."""
    row = session.scalar(select(Attendance).where(Attendance.sid == sid, Attendance.left_at.is_(None)))
    if row is not None and row.session_id == seat.session.id:
        return row
    if row is not None:
        row.left_at = now
    row = Attendance(session_id=seat.session.id, user_id=seat.user_id, role=seat.role, sid=sid, joined_at=now)
    session.add(row)
    session.flush()
    return row


def current(session: Session, sid: str) -> Attendance | None:
    """The open attendance of a socket, if it joined a room."""
    return session.scalar(select(Attendance).where(Attendance.sid == sid, Attendance.left_at.is_(None)))


def closed_for(session: Session, sid: str) -> bool:
    """Whether the socket's last room was closed under it (closing ends every attendance)."""
    return session.scalar(select(CommissionSession.status).join(Attendance, Attendance.session_id ==
                                                                CommissionSession.id)
                          .where(Attendance.sid == sid).order_by(Attendance.id.desc()).limit(1)) == "closed"


def leave(session: Session, sid: str, now: datetime) -> Attendance | None:
    row = current(session, sid)
    if row is not None:
        row.left_at = now
    return row


def set_media(session: Session, row: Attendance, payload: Any) -> None:
    if not isinstance(payload, dict) or not set(payload) <= {"audio", "video", "speaking"} \
            or not all(isinstance(v, bool) for v in payload.values()):
        raise DomainError("media must be an object of booleans: audio, video, speaking")
    for key, value in payload.items():
        setattr(row, key, value)


def present(session: Session, session_id: int) -> list[dict[str, Any]]:
    rows = session.execute(select(Attendance, User.full_name).join(User, User.id == Attendance.user_id).where(
        Attendance.session_id == session_id, Attendance.left_at.is_(None)).order_by(Attendance.joined_at))
    return [{"sid": a.sid, "user_id": a.user_id, "name": name, "role": a.role, "joined_at": a.joined_at.isoformat(),
             "audio": a.audio, "video": a.video, "speaking": a.speaking} for a, name in rows]


def chat(session: Session, seat: access.Seat, text: Any, now: datetime) -> ChatMessage:
    if not isinstance(text, str) or not text.strip() or len(text) > MAX_CHAT or "\x00" in text:
        raise DomainError(f"a chat message is 1 to {MAX_CHAT} characters", code="chat.length", max=MAX_CHAT)
    row = ChatMessage(session_id=seat.session.id, author_id=seat.user_id, text=text.strip(), at=now)
    session.add(row)
    session.flush()
    return row


def chat_json(session: Session, row: ChatMessage) -> dict[str, Any]:
    author = session.get(User, row.author_id)
    return {"id": row.id, "author": {"id": row.author_id, "name": author.full_name if author else row.author_id},
            "text": row.text, "at": row.at.isoformat()}


def chat_log(session: Session, session_id: int) -> list[dict[str, Any]]:
    rows = list(session.scalars(select(ChatMessage).where(ChatMessage.session_id == session_id)
                                .order_by(ChatMessage.at.desc(), ChatMessage.id.desc()).limit(CHAT_REPLAY)))
    return [chat_json(session, r) for r in reversed(rows)]


def attendance(session: Session, session_id: int) -> list[tuple[str, str, str, datetime, datetime | None]]:
    """Who attended, for the minutes: (user id, name, role, joined, left), by arrival."""
    rows = session.execute(select(Attendance, User.full_name).join(User, User.id == Attendance.user_id).where(
        Attendance.session_id == session_id).order_by(Attendance.joined_at, Attendance.id))
    return [(a.user_id, name, a.role, a.joined_at, a.left_at) for a, name in rows]
