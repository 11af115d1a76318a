"""The table of document requests: one row per request, its items as JSON."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from engine.models import Base

KINDS = ("completeness", "plans")  # asked at recevabilité | modified plans after the commission


class DocumentRequest(Base):
    """``items``: ``[{"document": kind, "reason": text, "mode": "missing"|"correction",
    "since": newest version number when asked, "answered_version": version or null}]``."""

    __tablename__ = "document_request"
    __table_args__ = (Index("ix_document_request_dossier", "dossier_id", "requested_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    dossier_id: Mapped[int] = mapped_column(ForeignKey("dossier.id"))
    kind: Mapped[str] = mapped_column(String(20))
    comment: Mapped[str | None] = mapped_column(Text)
    items: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    requested_by: Mapped[str | None] = mapped_column(String(36))
    requested_at: Mapped[datetime] = mapped_column()
    answered_at: Mapped[datetime | None] = mapped_column()
    answered_by: Mapped[str | None] = mapped_column(String(36))
    answer_comment: Mapped[str | None] = mapped_column(Text)

    @property
    def open(self) -> bool:
        return self.answered_at is None
