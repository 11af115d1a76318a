"""Schemas of what the guichet and the applicant exchange: document requests, fees and their
breakdown, the payment order and the payments declared against it."""
from __future__ import annotations

from apiflask import Schema
from apiflask.fields import Boolean, DateTime, File, Integer, List, Nested, String
from apiflask.validators import Length, OneOf


class RequestedItemOut(Schema):
    document = String(metadata={"description": "document kind of the procedure's checklist"})
    label_fr = String()
    label_ar = String()
    reason = String(metadata={"description": "why the agent asks for it"})
    mode = String(metadata={"description": "missing | correction (a corrected version of an uploaded one)"})
    version_when_requested = Integer(metadata={"description": "newest version when asked (0: none)"})
    answered_version = Integer(allow_none=True, metadata={"description": "the version that answers it"})
    answered = Boolean()


class RequestOut(Schema):
    id = Integer()
    kind = String(metadata={"description": "completeness (recevabilité) | plans (after the commission)"})
    comment = String(allow_none=True, metadata={"description": "the agent's free comment"})
    requested_at = DateTime()
    open = Boolean(metadata={"description": "true until the applicant completes the task that answers it"})
    answered_at = DateTime(allow_none=True)
    answer_comment = String(allow_none=True)
    missing = List(String(), metadata={"description": "documents still without a new version"})
    items = List(Nested(RequestedItemOut))


class FeeLineOut(Schema):
    label = String()
    base = String(metadata={"description": "the dossier's figure the rate applies to (decimal string)"})
    base_field = String(allow_none=True, metadata={"description": "the filing field it comes from"})
    rate = String(metadata={"description": "rate from the fee decision table (decimal string)"})
    amount = String(metadata={"description": "MAD (decimal string)"})
    legal_basis = String(allow_none=True)
    paid_at = DateTime(allow_none=True)


class PaymentOut(Schema):
    id = Integer()
    method = String(metadata={"description": "quittance (receipt uploaded) | a provider's name (e.g. regie)"})
    state = String(metadata={"description": "pending (to pay at the provider) | declared | confirmed | rejected"})
    amount = String()
    provider_reference = String(allow_none=True)
    instructions_fr = String(allow_none=True)
    instructions_ar = String(allow_none=True)
    has_quittance = Boolean()
    declared_at = DateTime()
    reviewed_at = DateTime(allow_none=True)
    reject_reason = String(allow_none=True)


class PaymentOrderOut(Schema):
    reference = String(metadata={"description": "the ordre de recette's reference"})
    amount = String()
    issued_at = DateTime()
    paid_at = DateTime(allow_none=True)
    pdf = String(metadata={"description": "URL of the payment order PDF"})


class FeesOut(Schema):
    currency = String()
    total = String()
    state = String(metadata={"description": "none | due | declared | paid"})
    lines = List(Nested(FeeLineOut))
    order = Nested(PaymentOrderOut, allow_none=True)
    payments = List(Nested(PaymentOut))


class PaymentIn(Schema):
    method = String(required=True, validate=OneOf(["quittance", "provider"]))
    provider = String(load_default=None, validate=Length(max=40))
    file = File(load_default=None, metadata={"description": "the quittance (PDF or image), for method=quittance"})
