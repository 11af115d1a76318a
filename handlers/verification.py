"""Public verification of a signed decision: by its code (the QR code) or by the PDF itself."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine import NotFound

from .dossier_models import Decision, Dossier
from .models import Commune
from .ports import Ports
from .signatures import signed_by


@dataclass(frozen=True)
class Summary:
    """What anyone may learn from a verification code: no personal data beyond the dossier."""

    number: str
    procedure_fr: str
    procedure_ar: str
    commune_fr: str
    commune_ar: str
    outcome: str
    decided_at: Any
    signed_at: Any
    kind: str = "decision"  # or "receipt": a filing receipt sealed by the commune


@dataclass(frozen=True)
class Result:
    summary: Summary
    verification: Any  # signing.verify.Verification
    pdf_sha256: str | None
    signed_by: Any = None  # handlers.signatures.signed_by.SignedBy: who signed, under which grant


def check_pdf(ports: Ports, pdf: bytes) -> Any:
    """Verify an uploaded PDF against the configured trust anchors (never raises on bad input)."""
    from signing.verify import verify
    return verify(pdf, ports.trust_roots())


def by_code(session: Session, ports: Ports, code: str) -> Result:
    row = session.execute(select(Decision, Dossier).join(Dossier, Dossier.id == Decision.dossier_id)
                          .where(Decision.verification_code == code, Decision.signed.is_(True))).one_or_none()
    if row is None:
        return _receipt(session, ports, code)
    decision, dossier = row
    procedure = ports.catalog(session, dossier.catalog_id).procedure(dossier.procedure)
    commune = session.get_one(Commune, dossier.commune_code)
    summary = Summary(dossier.number or "", procedure.fr, procedure.ar, commune.name_fr, commune.name_ar,
                      decision.outcome, decision.decided_at, decision.signed_at)
    assert decision.pdf_sha256 is not None
    return Result(summary, check_pdf(ports, ports.files.get(decision.pdf_sha256)), decision.pdf_sha256,
                  signed_by.of(session, code))


def _receipt(session: Session, ports: Ports, code: str) -> Result:
    """A filing receipt sealed with the commune's seal: its code is the dossier number."""
    from .signatures.models import SignedDocument

    row = session.execute(select(SignedDocument, Dossier).join(Dossier, Dossier.id == SignedDocument.dossier_id)
                          .where(SignedDocument.verification_code == code,
                                 SignedDocument.kind == "receipt")).one_or_none()
    if row is None:
        raise NotFound("no signed decision or sealed receipt has this verification code")
    record, dossier = row
    procedure = ports.catalog(session, dossier.catalog_id).procedure(dossier.procedure)
    commune = session.get_one(Commune, dossier.commune_code)
    summary = Summary(dossier.number or "", procedure.fr, procedure.ar, commune.name_fr, commune.name_ar,
                      "depot", dossier.submitted_at, record.signed_at, kind="receipt")
    return Result(summary, check_pdf(ports, ports.files.get(record.pdf_sha256)), record.pdf_sha256)
