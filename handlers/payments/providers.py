"""The payment provider interface, and the default provider: payment at the régie.

A provider turns a payment order into a payment the applicant can make. ``start`` is called
when the applicant chooses it; it returns what to record and what to tell them:

- an offline provider (the default, :class:`RegieProvider`) records a *pending* payment and
  tells the applicant to pay at the commune's régie quoting the order's reference; the
  guichet confirms it when it reconciles the régie's takings;
- a card gateway returns a ``redirect_url`` to its payment page and, once its server calls
  back, :meth:`PaymentProvider.callback` says whether the payment went through (the
  payment is then *declared* with the gateway's transaction id, and the guichet confirms it
  against the gateway's statement). See docs/payments.md.

Providers are plain objects in ``Ports.payment_providers`` (name → provider), chosen by the
composition root; nothing else in the domain knows which ones exist.
"""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Protocol


@dataclass(frozen=True)
class OrderInfo:
    """What a provider is told of the order."""

    reference: str
    amount: Decimal
    dossier_number: str
    commune_fr: str
    commune_ar: str


@dataclass(frozen=True)
class Started:
    """``state``: ``pending`` (to be paid elsewhere) or ``declared`` (paid, to reconcile)."""

    state: str
    provider_reference: str
    instructions_fr: str
    instructions_ar: str
    redirect_url: str | None = None


class PaymentProvider(Protocol):
    name: str
    label_fr: str
    label_ar: str

    def start(self, order: OrderInfo) -> Started:
        """Begin paying ``order``; never takes money itself without the applicant."""
        ...

    def callback(self, payload: dict[str, Any]) -> tuple[str, bool]:
        """A gateway's server-to-server notice: (provider_reference, paid?)."""
        ...


class RegieProvider:
    """Payment in person at the commune's régie des recettes (cash, cheque, card terminal)."""

    name = "regie"
    label_fr = "Paiement à la régie de la commune"
    label_ar = "الأداء لدى شسيع مداخيل الجماعة"

    def start(self, order: OrderInfo) -> Started:
        amount = f"{order.amount:.2f}"
        return Started(
            state="pending", provider_reference=order.reference,
            instructions_fr=(f"Présentez l'ordre de recette {order.reference} à la régie de la commune de "
                             f"{order.commune_fr} et réglez {amount} MAD ; le guichet confirme le paiement "
                             "dès que la régie l'a encaissé."),
            instructions_ar=(f"قدموا الأمر بالاستخلاص \u2066{order.reference}\u2069 لدى شسيع مداخيل جماعة "
                             f"{order.commune_ar} وأدوا \u2066{amount}\u2069 درهم؛ يؤكد الشباك الأداء بمجرد "
                             "استخلاصه."))

    def callback(self, payload: dict[str, Any]) -> tuple[str, bool]:
        raise ValueError("the régie has no server that calls back: the guichet confirms its payments")


def default_providers() -> dict[str, PaymentProvider]:
    return {RegieProvider.name: RegieProvider()}
