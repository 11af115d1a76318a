"""Fees: amounts from the rate the fees decision table gives, and payment confirmation."""
from __future__ import annotations

import secrets
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine import ServiceCall

from .common import DomainError, dossier_of, param
from .dossier_models import Dossier, Fee
from .payments.models import PaymentOrder


def _decimal(value: Any, what: str) -> Decimal:
    try:
        return Decimal(str(value)).quantize(Decimal("0.01"))
    except (InvalidOperation, ValueError):
        raise DomainError(f"{what} must be a number, not {value!r}") from None


def record(call: ServiceCall, ports: Any) -> dict[str, Any]:
    """Compute ``fee_rate`` × the dossier field ``base_field`` and record it as a fee."""
    dossier = dossier_of(call)
    base_field = param(call, "base_field")
    base = _decimal(dossier.fields.get(base_field, 0), base_field)
    rate = _decimal(call.data.get("fee_rate", 0), "fee_rate")
    amount = (base * rate).quantize(Decimal("0.01"))
    if amount > 0:
        basis = str(call.data.get("fee_basis") or "").strip() or None
        call.session.add(Fee(dossier_id=dossier.id, label=param(call, "label"), base=base, rate=rate,
                             amount=amount, base_field=base_field, legal_basis=basis))
        order = issue_order(call.session, dossier, amount, call.now)
        return {"fees_total": str(amount), "fees_due": True, "payment_order": order.reference}
    return {"fees_total": str(amount), "fees_due": False}


def issue_order(session: Session, dossier: Dossier, amount: Decimal, now: datetime) -> PaymentOrder:
    """The dossier's payment order (ordre de recette) for ``amount`` more; its reference is the
    dossier number's, its check code what the order's QR code carries."""
    order = session.scalar(select(PaymentOrder).where(PaymentOrder.dossier_id == dossier.id))
    if order is None:
        order = PaymentOrder(dossier_id=dossier.id, reference=f"OR-{dossier.number}",
                             check_code=secrets.token_urlsafe(12), amount=Decimal(0), issued_at=now)
        session.add(order)
    order.amount = (order.amount or Decimal(0)) + amount
    order.paid_at = None
    session.flush()
    return order


def mark_paid(call: ServiceCall, ports: Any) -> dict[str, Any]:
    """Record the payment reference the guichet confirmed on every unpaid fee."""
    dossier = dossier_of(call)
    reference = call.data.get("payment_reference")
    if not reference:
        raise DomainError("the payment confirmation carries no reference", code="payment.reference")
    for fee in call.session.scalars(select(Fee).where(Fee.dossier_id == dossier.id, Fee.paid_at.is_(None))):
        fee.paid_reference, fee.paid_at = reference, call.now
    return {}
