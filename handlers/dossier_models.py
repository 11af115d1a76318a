"""Dossiers and what happens to them: documents, opinions, sessions, fees, decisions, messages."""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, Numeric, String, Text, UniqueConstraint, text, true
from sqlalchemy.orm import Mapped, mapped_column

from engine.models import Base


class Dossier(Base):
    __tablename__ = "dossier"
    __table_args__ = (Index("ix_dossier_commune_status", "commune_code", "status"),
                      Index("ix_dossier_applicant", "applicant_id", "created_at"),
                      # the inbox and task pages join tasks to their dossier by instance
                      Index("ix_dossier_instance", "instance_id"),
                      # an agent's newest dossiers first, however long the commune's history
                      # (agents never see drafts: partial, so counting reads the index only)
                      Index("ix_dossier_commune_created", "commune_code", "created_at", "id",
                            postgresql_where=text("instance_id IS NOT NULL"),
                            sqlite_where=text("instance_id IS NOT NULL")),
                      # the same for administrators and agents of every commune ("*")
                      Index("ix_dossier_created", "created_at", "id"))

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str | None] = mapped_column(String(60), unique=True)
    procedure: Mapped[str] = mapped_column(String(60))
    # the catalog version it was filed under: its checklist and form never change under it
    catalog_id: Mapped[int | None] = mapped_column(ForeignKey("catalog_version.id"))
    commune_code: Mapped[str] = mapped_column(ForeignKey("commune.code"))
    applicant_id: Mapped[str] = mapped_column(ForeignKey("app_user.id"))
    fields: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    status: Mapped[str] = mapped_column(String(40))  # public status code, labels in the catalog
    instance_id: Mapped[int | None] = mapped_column(ForeignKey("process_instance.id"))
    outcome: Mapped[str | None] = mapped_column(String(40))
    created_at: Mapped[datetime] = mapped_column()
    submitted_at: Mapped[datetime | None] = mapped_column()
    closed_at: Mapped[datetime | None] = mapped_column()


class DossierCounter(Base):
    """Per procedure, commune and year: the last sequence number handed out."""

    __tablename__ = "dossier_counter"

    procedure_code: Mapped[str] = mapped_column(String(20), primary_key=True)
    commune_code: Mapped[str] = mapped_column(String(50), primary_key=True)
    year: Mapped[int] = mapped_column(primary_key=True)
    last: Mapped[int] = mapped_column(default=0)


class StatusChange(Base):
    """The dossier's public timeline: every status it went through, when."""

    __tablename__ = "status_change"
    __table_args__ = (Index("ix_status_change_dossier", "dossier_id", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    dossier_id: Mapped[int] = mapped_column(ForeignKey("dossier.id"))
    status: Mapped[str] = mapped_column(String(40))
    at: Mapped[datetime] = mapped_column()
    note: Mapped[str | None] = mapped_column(Text)


class DocumentVersion(Base):
    """One uploaded version of one checklist document; the bytes live content-addressed on disk."""

    __tablename__ = "document_version"
    __table_args__ = (UniqueConstraint("dossier_id", "kind", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    dossier_id: Mapped[int] = mapped_column(ForeignKey("dossier.id"))
    kind: Mapped[str] = mapped_column(String(60))
    version: Mapped[int] = mapped_column()
    filename: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(100))
    sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column()
    pages: Mapped[int | None] = mapped_column()
    uploaded_by: Mapped[str] = mapped_column(String(36))
    uploaded_at: Mapped[datetime] = mapped_column()
    # the PDF's own signature as checked at upload (handlers.signatures.plans), None when unsigned
    signature: Mapped[dict[str, Any] | None] = mapped_column(JSON, default=None)


class CommissionSession(Base):
    """A sitting of a commission: scheduled by a guichet agent (or by the procedure when none
    was), held in the visio room, closed with signed minutes (``minutes_sha256``)."""

    __tablename__ = "commission_session"

    id: Mapped[int] = mapped_column(primary_key=True)
    commission_id: Mapped[int] = mapped_column(ForeignKey("commission.id"))
    session_date: Mapped[date] = mapped_column()
    status: Mapped[str] = mapped_column(String(20), default="scheduled")  # scheduled | closed
    start_time: Mapped[str | None] = mapped_column(String(5))  # "HH:MM", local time
    scheduled_by: Mapped[str | None] = mapped_column(String(36))
    closed_at: Mapped[datetime | None] = mapped_column()
    minutes_sha256: Mapped[str | None] = mapped_column(String(64))
    place: Mapped[str | None] = mapped_column(String(200))  # the meeting room, when it sits in person
    visio: Mapped[bool] = mapped_column(default=True, server_default=true())  # held in the visio room
    convened_at: Mapped[datetime | None] = mapped_column()  # when the members were last convened


class AgendaItem(Base):
    __tablename__ = "agenda_item"
    __table_args__ = (UniqueConstraint("session_id", "dossier_id"), Index("ix_agenda_item_dossier", "dossier_id"))

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("commission_session.id"))
    dossier_id: Mapped[int] = mapped_column(ForeignKey("dossier.id"))
    position: Mapped[int] = mapped_column(default=0)  # order on the agenda


class Opinion(Base):
    """One member's *avis* on a dossier in a session."""

    __tablename__ = "opinion"
    __table_args__ = (UniqueConstraint("dossier_id", "session_id", "member_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    dossier_id: Mapped[int] = mapped_column(ForeignKey("dossier.id"))
    session_id: Mapped[int | None] = mapped_column(ForeignKey("commission_session.id"))
    member_id: Mapped[str] = mapped_column(ForeignKey("app_user.id"))  # the seat's member
    given_by: Mapped[str | None] = mapped_column(ForeignKey("app_user.id", name="fk_opinion_given_by"))  # when not them
    organism_code: Mapped[str] = mapped_column(ForeignKey("organism.code"))
    binding: Mapped[bool] = mapped_column()
    avis: Mapped[str] = mapped_column(String(30))  # favorable | favorable_reserve | defavorable | ajourne
    reserves: Mapped[str | None] = mapped_column(Text)
    motive: Mapped[str | None] = mapped_column(Text)
    requires_new_plans: Mapped[bool] = mapped_column(default=False)
    given_at: Mapped[datetime] = mapped_column()


class Fee(Base):
    __tablename__ = "fee"
    __table_args__ = (Index("ix_fee_dossier", "dossier_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    dossier_id: Mapped[int] = mapped_column(ForeignKey("dossier.id"))
    label: Mapped[str] = mapped_column(String(200))
    base: Mapped[Decimal] = mapped_column(Numeric(14, 2))
    rate: Mapped[Decimal] = mapped_column(Numeric(14, 2))
    amount: Mapped[Decimal] = mapped_column(Numeric(14, 2))
    base_field: Mapped[str | None] = mapped_column(String(60))  # the filing field the rate applies to
    legal_basis: Mapped[str | None] = mapped_column(String(300))  # from the fee decision table
    paid_reference: Mapped[str | None] = mapped_column(String(100))
    paid_at: Mapped[datetime | None] = mapped_column()


class Decision(Base):
    """The authorization or refusal; ``pdf_sha256`` points into the file store."""

    __tablename__ = "decision"

    id: Mapped[int] = mapped_column(primary_key=True)
    dossier_id: Mapped[int] = mapped_column(ForeignKey("dossier.id"), unique=True)
    outcome: Mapped[str] = mapped_column(String(40))  # accord | accord_conditions | refus | accord_tacite
    conditions: Mapped[list[str]] = mapped_column(JSON, default=list)
    motive: Mapped[str | None] = mapped_column(Text)
    verification_code: Mapped[str] = mapped_column(String(40), unique=True)
    pdf_sha256: Mapped[str | None] = mapped_column(String(64))
    signed: Mapped[bool] = mapped_column(default=False)
    decided_at: Mapped[datetime] = mapped_column()
    signed_at: Mapped[datetime | None] = mapped_column()


class Notification(Base):
    """Every message sent about a dossier, recorded on it (delivery comes with the async work)."""

    __tablename__ = "notification"
    __table_args__ = (Index("ix_notification_dossier", "dossier_id", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    dossier_id: Mapped[int | None] = mapped_column(ForeignKey("dossier.id"))
    recipient_id: Mapped[str] = mapped_column(ForeignKey("app_user.id"))
    subject: Mapped[str] = mapped_column(String(255), default="")
    channel: Mapped[str] = mapped_column(String(20))  # email | sms
    template: Mapped[str] = mapped_column(String(60))
    lang: Mapped[str] = mapped_column(String(5))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column()
    attempted_at: Mapped[datetime | None] = mapped_column()  # committed before the channel is called
    sent_at: Mapped[datetime | None] = mapped_column()
    reference: Mapped[str | None] = mapped_column(String(255))  # the message id, made before the first attempt
    attachment_name: Mapped[str | None] = mapped_column(String(120))  # e.g. the convocation's .ics
    attachment_type: Mapped[str | None] = mapped_column(String(80))
    attachment_sha256: Mapped[str | None] = mapped_column(String(64))  # in the file store
