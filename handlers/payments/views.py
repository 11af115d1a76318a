"""What pages and the API show of a dossier's fees: each line of the fee decision table with
its legal basis, the total, the payment order and every payment declared against it."""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..dossier_models import Fee
from .models import AWAITING, Payment, PaymentOrder


@dataclass(frozen=True)
class FeesView:
    lines: list[Fee]
    order: PaymentOrder | None
    payments: list[Payment]  # newest first

    @property
    def total(self) -> Decimal:
        return sum((f.amount for f in self.lines), Decimal(0))

    @property
    def state(self) -> str:
        """none | due | declared (waiting for the guichet) | paid."""
        if not self.lines:
            return "none"
        if all(f.paid_at for f in self.lines):
            return "paid"
        if any(p.state in AWAITING for p in self.payments):
            return "declared"
        return "due"

    def out(self, pdf_url: str | None, providers: dict[str, Any]) -> dict[str, Any]:
        """The API's shape (amounts as decimal strings)."""
        order = None
        if self.order is not None:
            order = {"reference": self.order.reference, "amount": f"{self.order.amount:.2f}",
                     "issued_at": self.order.issued_at, "paid_at": self.order.paid_at, "pdf": pdf_url}
        return {
            "currency": "MAD", "total": f"{self.total:.2f}", "state": self.state, "order": order,
            "lines": [{"label": f.label, "base": f"{f.base:.2f}", "base_field": f.base_field, "rate": f"{f.rate:.2f}",
                       "amount": f"{f.amount:.2f}", "legal_basis": f.legal_basis, "paid_at": f.paid_at}
                      for f in self.lines],
            "payments": [payment_out(p, providers, self.order) for p in self.payments]}


def payment_out(p: Payment, providers: dict[str, Any], order: PaymentOrder | None) -> dict[str, Any]:
    return {"id": p.id, "method": p.method, "state": p.state, "amount": f"{p.amount:.2f}",
            "provider_reference": p.provider_reference, "has_quittance": p.document_sha256 is not None,
            "instructions_fr": p.instructions_fr, "instructions_ar": p.instructions_ar,
            "declared_at": p.declared_at, "reviewed_at": p.reviewed_at, "reject_reason": p.reject_reason}


def fees_of(session: Session, dossier_id: int, fees: Sequence[Fee]) -> FeesView:
    """The dossier's fees view; ``fees`` already read (the dossier view has them)."""
    order = session.scalar(select(PaymentOrder).where(PaymentOrder.dossier_id == dossier_id))
    payments: list[Payment] = []
    if order is not None:
        payments = list(session.scalars(select(Payment).where(Payment.order_id == order.id)
                                        .order_by(Payment.id.desc())))
    return FeesView(list(fees), order, payments)
