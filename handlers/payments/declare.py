"""The applicant's use case: declare a payment of the dossier's payment order — a quittance
(receipt of a payment already made) uploaded, or a payment started with a provider — and
complete the procedure's payment task with it, so the guichet gets its reconciliation task."""
from __future__ import annotations

from typing import Any, NamedTuple

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine import Actor, Conflict, Engine, Forbidden, NotFound
from engine.models import HumanTask

from ..catalog import PDF
from ..common import DomainError
from ..dossier_models import Dossier, Fee
from ..dossiers import accepted_file
from ..models import Commune
from ..ports import Ports
from .models import AWAITING, Payment
from .operators import order_of
from .providers import OrderInfo
from .views import fees_of

PAY_FORM = "payer.schema.json"  # the form of the procedures' payment task
QUITTANCE_TYPES = (PDF, "image/png", "image/jpeg")


class PaymentClosed(Conflict):
    """No payment task waits for the applicant (``reason``: ``no_payment_awaited``)."""

    reason = "no_payment_awaited"

    def __init__(self) -> None:
        super().__init__("no payment is awaited on this dossier now")


class Declared(NamedTuple):
    payment_id: int
    state: str
    redirect_url: str | None
    fees: dict[str, Any]  # the dossier's fees as the API shows them, after the declaration


def payment_task(session: Session, dossier: Dossier) -> HumanTask | None:
    """The applicant's open payment task on the dossier, if any."""
    if dossier.instance_id is None:
        return None
    return session.scalar(select(HumanTask).where(
        HumanTask.instance_id == dossier.instance_id, HumanTask.state == "READY", HumanTask.form == PAY_FORM,
        HumanTask.assignee == dossier.applicant_id).limit(1))


def declare(engine: Engine, ports: Ports, applicant: Actor, dossier_id: int, *, method: str,
            provider: str | None = None, content: bytes | None = None) -> Declared:
    """Record the payment (its own transaction), then complete the payment task with it."""
    with engine.transaction() as session:
        dossier = session.get(Dossier, dossier_id, with_for_update=True)
        if dossier is None:
            raise NotFound(f"no dossier {dossier_id}")
        if dossier.applicant_id != applicant.user_id:
            raise Forbidden("only the applicant pays a dossier's fees")
        task = payment_task(session, dossier)
        order = order_of(session, dossier.id)
        if task is None or order is None:
            raise PaymentClosed()
        payment = Payment(order_id=order.id, method=method, amount=order.amount, declared_by=applicant.user_id,
                          declared_at=engine.clock(), state="declared")
        redirect = None
        if method == "quittance":
            if not content:
                raise InvalidPayment("no_quittance")
            payment.document_type, _pages = accepted_file(content, QUITTANCE_TYPES)
            payment.document_sha256 = ports.files.put(content)
        elif method == "provider" and provider in ports.payment_providers:
            commune = session.get_one(Commune, dossier.commune_code)
            started = ports.payment_providers[provider].start(OrderInfo(
                order.reference, order.amount, dossier.number or "", commune.name_fr, commune.name_ar))
            payment.method, payment.state = provider, started.state
            payment.provider_reference, redirect = started.provider_reference, started.redirect_url
            payment.instructions_fr, payment.instructions_ar = started.instructions_fr, started.instructions_ar
        else:
            raise InvalidPayment("unknown_method")
        for earlier in session.scalars(select(Payment).where(Payment.order_id == order.id,
                                                             Payment.state.in_(AWAITING))):
            earlier.state = "withdrawn"  # the newest declaration is the one the guichet checks
        session.add(payment)
        session.flush()
        task_id, payment_id, state = task.id, payment.id, payment.state
    engine.complete(task_id, {}, applicant)
    with engine.transaction(write=False) as session:
        fees = list(session.scalars(select(Fee).where(Fee.dossier_id == dossier_id)))
        shown = fees_of(session, dossier_id, fees).out(None, ports.payment_providers)
    return Declared(payment_id, state, redirect, shown)


class InvalidPayment(DomainError):
    """A declaration the guichet could not use: 422; ``code``: no_quittance | unknown_method."""

    def __init__(self, code: str):
        self.code = code
        super().__init__({"no_quittance": "attach the quittance (PDF or image)",
                          "unknown_method": "unknown way of paying"}[code])
