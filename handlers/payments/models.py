"""Payment orders (one per dossier whose fees are due) and the payments declared against them."""
from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import ForeignKey, Index, Numeric, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from engine.models import Base

# pending: to be paid at the provider (e.g. cash at the régie); declared: a quittance was
# uploaded; confirmed / rejected: reconciled by the guichet; withdrawn: replaced by a newer one
STATES = ("pending", "declared", "confirmed", "rejected", "withdrawn")
AWAITING = ("pending", "declared")


class PaymentOrder(Base):
    """The ordre de recette: what the applicant owes, under a reference the régie quotes."""

    __tablename__ = "payment_order"

    id: Mapped[int] = mapped_column(primary_key=True)
    dossier_id: Mapped[int] = mapped_column(ForeignKey("dossier.id"), unique=True)
    reference: Mapped[str] = mapped_column(String(60), unique=True)
    check_code: Mapped[str] = mapped_column(String(40), unique=True)  # the QR code's public check
    amount: Mapped[Decimal] = mapped_column(Numeric(14, 2))
    issued_at: Mapped[datetime] = mapped_column()
    paid_at: Mapped[datetime | None] = mapped_column()


class Payment(Base):
    __tablename__ = "payment"
    __table_args__ = (Index("ix_payment_order", "order_id", "declared_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("payment_order.id"))
    method: Mapped[str] = mapped_column(String(40))  # quittance | a provider's name
    state: Mapped[str] = mapped_column(String(20))
    amount: Mapped[Decimal] = mapped_column(Numeric(14, 2))
    provider_reference: Mapped[str | None] = mapped_column(String(100))
    instructions_fr: Mapped[str | None] = mapped_column(Text)  # what the provider told the applicant
    instructions_ar: Mapped[str | None] = mapped_column(Text)
    document_sha256: Mapped[str | None] = mapped_column(String(64))
    document_type: Mapped[str | None] = mapped_column(String(100))
    declared_by: Mapped[str] = mapped_column(String(36))
    declared_at: Mapped[datetime] = mapped_column()
    reviewed_by: Mapped[str | None] = mapped_column(String(36))
    reviewed_at: Mapped[datetime | None] = mapped_column()
    reject_reason: Mapped[str | None] = mapped_column(Text)
