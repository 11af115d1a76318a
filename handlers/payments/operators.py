"""Operators diagrams name for payments.

- ``payments.declared`` guards the applicant's payment task (its ``check``): a payment is
  declared (quittance uploaded) or pending at a provider; otherwise 422.
- ``payments.reconcile`` records the guichet's reconciliation of that payment: confirmed (the
  fees and the order are paid) or rejected with its reason (the applicant pays again).
"""
from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine import InvalidTaskData, ServiceCall
from engine.expressions import AUTHORS

from ..common import DomainError, dossier_of, param
from ..dossier_models import Fee
from ..ports import Ports
from .models import AWAITING, Payment, PaymentOrder


def order_of(session: Session, dossier_id: int) -> PaymentOrder | None:
    return session.scalar(select(PaymentOrder).where(PaymentOrder.dossier_id == dossier_id))


def awaiting(session: Session, order: PaymentOrder) -> Payment | None:
    """The newest payment of the order waiting for the guichet's reconciliation."""
    return session.scalar(select(Payment).where(Payment.order_id == order.id, Payment.state.in_(AWAITING))
                          .order_by(Payment.id.desc()).limit(1))


def declared(call: ServiceCall, ports: Ports) -> dict[str, Any]:
    """Check: the applicant declared a payment of the dossier's order."""
    order = order_of(call.session, dossier_of(call).id)
    if order is None or awaiting(call.session, order) is None:
        raise InvalidTaskData({"payment": "no payment declared: upload the quittance or choose a way to pay"},
                              {"payment": "payment_missing"})
    return {}


def reconcile(call: ServiceCall, ports: Ports) -> dict[str, Any]:
    """Record the guichet's verdict (``payment_confirmed``, ``payment_reject_reason``)."""
    dossier = dossier_of(call)
    order = order_of(call.session, dossier.id)
    payment = awaiting(call.session, order) if order is not None else None
    if order is None or payment is None:
        raise DomainError("no payment waits for reconciliation on this dossier", code="payment.none_waiting")
    confirmed = call.data.get("payment_confirmed") is True
    payment.reviewed_by = (call.data.get(AUTHORS) or {}).get(str(param(call, "from_task", "")))
    payment.reviewed_at = call.now
    if confirmed:
        payment.state = "confirmed"
        order.paid_at = call.now
        for fee in call.session.scalars(select(Fee).where(Fee.dossier_id == dossier.id, Fee.paid_at.is_(None))):
            fee.paid_reference, fee.paid_at = payment.provider_reference or order.reference, call.now
    else:
        payment.state = "rejected"
        payment.reject_reason = str(call.data.get("payment_reject_reason") or "").strip() or None
    return {"payment_confirmed": confirmed, "payment_reject_reason": payment.reject_reason or "—"}
