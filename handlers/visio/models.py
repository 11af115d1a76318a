"""The room's tables: attendance (who was there, from when to when), annotations (vectors
in PDF page coordinates, tied to a document version) and chat messages."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from engine.models import Base


class Attendance(Base):
    """One presence of one person in a session's room, through one socket: join and leave
    times for the minutes, media state for the presence list (shared by every web node)."""

    __tablename__ = "session_attendance"
    __table_args__ = (Index("ix_session_attendance_session", "session_id", "left_at"),
                      Index("ix_session_attendance_sid", "sid"))

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("commission_session.id"))
    user_id: Mapped[str] = mapped_column(ForeignKey("app_user.id"))
    role: Mapped[str] = mapped_column(String(20))  # member | secretary
    sid: Mapped[str] = mapped_column(String(64))
    joined_at: Mapped[datetime] = mapped_column()
    left_at: Mapped[datetime | None] = mapped_column()
    audio: Mapped[bool] = mapped_column(default=False)
    video: Mapped[bool] = mapped_column(default=False)
    speaking: Mapped[bool] = mapped_column(default=False)


class Annotation(Base):
    """A stroke on a plan page, in PDF user-space points; soft-deleted when its author undoes it."""

    __tablename__ = "plan_annotation"
    __table_args__ = (Index("ix_plan_annotation_version", "version_id", "deleted_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("commission_session.id"))
    version_id: Mapped[int] = mapped_column(ForeignKey("document_version.id"))
    page: Mapped[int] = mapped_column()  # 1-based
    kind: Mapped[str] = mapped_column(String(20))  # pen | rect | arrow | text | highlight
    geometry: Mapped[dict[str, Any]] = mapped_column(JSON)
    style: Mapped[dict[str, Any]] = mapped_column(JSON)
    author_id: Mapped[str] = mapped_column(ForeignKey("app_user.id"))
    created_at: Mapped[datetime] = mapped_column()
    deleted_at: Mapped[datetime | None] = mapped_column()


class ChatMessage(Base):
    __tablename__ = "session_chat"
    __table_args__ = (Index("ix_session_chat_session", "session_id", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("commission_session.id"))
    author_id: Mapped[str] = mapped_column(ForeignKey("app_user.id"))
    text: Mapped[str] = mapped_column(Text)
    at: Mapped[datetime] = mapped_column()
