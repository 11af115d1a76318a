"""Decisions: recorded from the deliberation, rendered as a bilingual PDF, signed by the
president (async), each with a verification code its QR code points at."""
from __future__ import annotations

import secrets
from typing import Any

from sqlalchemy import select

from engine import ServiceCall
from engine.expressions import AUTHORS

from . import decision_content as content
from .audit_seal import seal
from .common import DomainError, dossier_of
from .dossier_models import Decision, Dossier, Fee
from .models import Commune, User
from .ports import Ports

OUTCOMES = ("accord", "accord_conditions", "refus", "accord_tacite")


def record(call: ServiceCall, ports: Ports) -> dict[str, Any]:
    """Record the outcome of the deliberation (or tacit approval) as the dossier's decision."""
    dossier = dossier_of(call)
    outcome = call.data.get("outcome")
    if outcome not in OUTCOMES:
        raise DomainError(f"cannot decide on outcome {outcome!r}")
    decision = call.session.scalar(select(Decision).where(Decision.dossier_id == dossier.id))
    if decision is None:
        decision = Decision(dossier_id=dossier.id, verification_code=secrets.token_urlsafe(12),
                            decided_at=call.now, outcome=outcome)
        call.session.add(decision)
    elif decision.signed:
        raise DomainError(f"dossier {dossier.number} already has a signed decision")
    decision.outcome = outcome
    decision.conditions = list(call.data.get("conditions") or [])
    decision.motive = "; ".join(call.data.get("motives") or []) or None
    dossier.outcome = outcome
    call.session.flush()
    # the dossier's history up to its decision, sealed with the key the database does not hold
    seal(call.session, ports, call.now, reason="decision", instance_ids=[call.instance_id])
    return {"decision_id": decision.id, "verification_code": decision.verification_code}


def document(call: ServiceCall, ports: Ports, dossier: Dossier, decision: Decision) -> Any:
    """The data of the decision document, as the signing library renders it."""
    from signing.render import DecisionDocument  # the library has no Flask, no database

    session = call.session
    catalog = ports.catalog(session, dossier.catalog_id)
    procedure = catalog.procedure(dossier.procedure)
    commune = session.get_one(Commune, dossier.commune_code)
    applicant = session.get_one(User, dossier.applicant_id)
    fees = [(f.label, f.amount) for f in session.scalars(select(Fee).where(Fee.dossier_id == dossier.id))]
    reserves_ar: list[str] = []
    if decision.outcome == "refus":  # a refusal states its grounds
        reserves = [m for m in (decision.motive or "").split("; ") if m]
        if not reserves:
            reserves, reserves_ar = [UNFAVOURABLE[0]], [UNFAVOURABLE[1]]
    elif decision.outcome == "accord_tacite":
        reserves, reserves_ar = [TACIT[0]], [TACIT[1]]
    else:
        reserves = list(decision.conditions)
    return DecisionDocument(
        commune_fr=commune.name_fr, commune_ar=commune.name_ar, procedure_fr=procedure.fr,
        procedure_ar=procedure.ar, dossier_number=dossier.number or "", applicant=applicant.full_name,
        parcel=str(dossier.fields.get("parcelle") or "—"),
        kind="refus" if decision.outcome == "refus" else "autorisation", reserves=reserves, reserves_ar=reserves_ar,
        fees=fees,
        legal_references=content.legal_references(procedure),
        particulars=content.particulars(catalog, procedure, dossier.fields, call.data, fees),
        verification_code=decision.verification_code,
        verify_base_url=ports.verify_base_url, date=call.now.date(), logo=logo_of(ports, commune))


def logo_of(ports: Ports, commune: Commune) -> bytes | None:
    """The commune's letterhead logo, from the file store (None: the neutral seal)."""
    return ports.files.get(commune.logo_sha256) if commune.logo_sha256 else None


TACIT = ("Autorisation acquise tacitement : l'administration n'a pas statué dans le délai légal "
         "(le silence vaut accord)",
         "ترخيص مكتسب ضمنيا: لم تبت الإدارة داخل الأجل القانوني (السكوت يعتبر موافقة)")
UNFAVOURABLE = ("Avis défavorable de la commission", "رأي غير موافق للجنة")


def render(call: ServiceCall, ports: Ports) -> dict[str, Any]:
    """Render the (unsigned) decision PDF into the file store."""
    from signing.render import decision_pdf

    dossier = dossier_of(call)
    decision = call.session.scalar(select(Decision).where(Decision.dossier_id == dossier.id))
    if decision is None:
        raise DomainError("no decision recorded for this dossier")
    if decision.signed:
        return {}
    decision.pdf_sha256 = ports.files.put(decision_pdf(document(call, ports, dossier, decision)))
    return {"decision_pdf": decision.pdf_sha256}


def sign(call: ServiceCall, ports: Ports) -> dict[str, Any]:
    """Sign the rendered decision with the key of the president who approved it (see
    :mod:`handlers.signatures.signing`). Idempotent: a signed decision is left as it is, so a
    redelivered job yields one signed authorization, not two."""
    from .signatures.signing import sign_approved

    dossier = dossier_of(call)
    decision = call.session.scalar(select(Decision).where(Decision.dossier_id == dossier.id)
                                   .with_for_update())
    if decision is None or decision.pdf_sha256 is None:
        raise DomainError("no rendered decision to sign")
    if decision.signed:
        return {"signed_pdf": decision.pdf_sha256}
    approver = (call.data.get(AUTHORS) or {}).get("sg_approve")
    signed = sign_approved(call.session, ports, dossier, pdf_sha256=decision.pdf_sha256, approver=approver,
                           kind="decision", code=decision.verification_code,
                           reason=f"Décision {dossier.number}", now=call.now)
    decision.pdf_sha256 = signed.pdf_sha256
    decision.signed, decision.signed_at = True, call.now
    return {"signed_pdf": decision.pdf_sha256, "timestamped": signed.timestamped, "level": signed.level}
