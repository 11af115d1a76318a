"""Fees: amounts from the rate the fees decision table gives, and payment confirmation."""
from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import select

from engine import ServiceCall

from .common import DomainError, dossier_of, param
from .dossier_models import Fee


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
        call.session.add(Fee(dossier_id=dossier.id, label=param(call, "label"), base=base, rate=rate,
                             amount=amount))
    return {"fees_total": str(amount), "fees_due": amount > 0}


def mark_paid(call: ServiceCall, ports: Any) -> dict[str, Any]:
    """Record the payment reference the guichet confirmed on every unpaid fee."""
    dossier = dossier_of(call)
    reference = call.data.get("payment_reference")
    if not reference:
        raise DomainError("the payment confirmation carries no reference", code="payment.reference")
    for fee in call.session.scalars(select(Fee).where(Fee.dossier_id == dossier.id, Fee.paid_at.is_(None))):
        fee.paid_reference, fee.paid_at = reference, call.now
    return {}
