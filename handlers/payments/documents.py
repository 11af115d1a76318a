"""The payment order's PDF and its public check (what its QR code opens)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine import NotFound

from ..dossier_models import Dossier, Fee
from ..models import Commune, User
from ..ports import Ports
from .models import PaymentOrder


def check_url(ports: Ports, order: PaymentOrder) -> str:
    return f"{ports.verify_base_url.rstrip('/')}/ordre-de-recette/{order.check_code}"


def order_pdf(session: Session, ports: Ports, dossier: Dossier) -> bytes:
    """The dossier's payment order as a PDF; NotFound when no fee is due."""
    from signing.payment_order import OrderLine, PaymentOrderDocument, payment_order_pdf

    order = session.scalar(select(PaymentOrder).where(PaymentOrder.dossier_id == dossier.id))
    if order is None:
        raise NotFound("no payment order for this dossier")
    procedure = ports.catalog(session, dossier.catalog_id).procedure(dossier.procedure)
    commune = session.get_one(Commune, dossier.commune_code)
    fees = session.scalars(select(Fee).where(Fee.dossier_id == dossier.id).order_by(Fee.id))
    return payment_order_pdf(PaymentOrderDocument(
        commune_fr=commune.name_fr, commune_ar=commune.name_ar, procedure_fr=procedure.fr, procedure_ar=procedure.ar,
        dossier_number=dossier.number or "", applicant=session.get_one(User, dossier.applicant_id).full_name,
        reference=order.reference, check_url=check_url(ports, order), date=order.issued_at.date(),
        lines=[OrderLine(f.label, f.base, f.rate, f.amount, f.legal_basis) for f in fees]))


@dataclass(frozen=True)
class OrderCheck:
    """What anyone holding the order learns from its QR code: no personal data."""

    reference: str
    amount: Decimal
    issued_at: datetime
    paid_at: datetime | None
    commune_fr: str
    commune_ar: str


def check(session: Session, code: str) -> OrderCheck:
    row = session.execute(select(PaymentOrder, Commune).join(Dossier, Dossier.id == PaymentOrder.dossier_id)
                          .join(Commune, Commune.code == Dossier.commune_code)
                          .where(PaymentOrder.check_code == code[:40])).one_or_none()
    if row is None:
        raise NotFound("no such payment order")
    order, commune = row
    return OrderCheck(order.reference, order.amount, order.issued_at, order.paid_at, commune.name_fr, commune.name_ar)
