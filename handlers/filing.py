"""Filing: the checklist check and the filing receipt's data."""
from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from engine import ServiceCall

from .common import dossier_of
from .dossier_models import DocumentVersion, Dossier
from .ports import Ports


def latest_documents(session: Session, dossier_id: int) -> list[DocumentVersion]:
    """The newest version of each document kind of a dossier."""
    newest = (select(DocumentVersion.kind, func.max(DocumentVersion.version).label("v"))
              .where(DocumentVersion.dossier_id == dossier_id).group_by(DocumentVersion.kind).subquery())
    return list(session.scalars(select(DocumentVersion).join(
        newest, (DocumentVersion.kind == newest.c.kind) & (DocumentVersion.version == newest.c.v))
        .where(DocumentVersion.dossier_id == dossier_id).order_by(DocumentVersion.kind)))


def missing_documents(session: Session, dossier: Dossier, ports: Ports) -> list[str]:
    procedure = ports.catalog(session, dossier.catalog_id).procedure(dossier.procedure)
    required = [item.kind for item in procedure.checklist if item.required_for(dossier.fields)]
    if not required:  # nothing to look for: no statement
        return []
    have = {d.kind for d in latest_documents(session, dossier.id)}
    return [kind for kind in required if kind not in have]


def checklist(call: ServiceCall, ports: Ports) -> dict[str, Any]:
    """The required documents of the legal checklist the dossier still lacks."""
    return {"checklist_missing": missing_documents(call.session, dossier_of(call), ports)}


def receipt(call: ServiceCall, ports: Ports) -> dict[str, Any]:
    """The filing receipt's content: number, date, and each document with its digest.

    Also ties the dossier to its process instance, in the same transaction as the first
    step, so everything that follows (task notifications…) finds the dossier."""
    from .signatures.receipts import seal_at_filing

    dossier = dossier_of(call)
    dossier.instance_id = call.instance_id
    docs = latest_documents(call.session, dossier.id)
    sealed = seal_at_filing(call.session, ports, dossier, call.now)
    return {"receipt_sealed": sealed, "receipt": {
        "number": dossier.number, "filed_at": (dossier.submitted_at or call.now).isoformat(),
        "documents": [{"kind": d.kind, "version": d.version, "sha256": d.sha256, "pages": d.pages}
                      for d in docs]}}


def receipt_pdf(session: Session, ports: Ports, dossier: Dossier, *, sealed: bool = False) -> bytes:
    """The filing receipt (récépissé) of a submitted dossier, as a bilingual PDF (unsealed:
    see :mod:`handlers.signatures.receipts` for the sealed one)."""
    from signing.render import ReceiptDocument
    from signing.render import receipt_pdf as render

    from .decision import logo_of
    from .models import Commune, User

    procedure = ports.catalog(session, dossier.catalog_id).procedure(dossier.procedure)
    commune = session.get_one(Commune, dossier.commune_code)
    applicant = session.get_one(User, dossier.applicant_id)
    labels = {item.kind: item.fr for item in procedure.checklist}
    docs = [f"{labels.get(d.kind, d.kind)} (v{d.version}, {d.pages} p., sha256 {d.sha256[:12]}…)"
            for d in latest_documents(session, dossier.id)]
    return render(ReceiptDocument(
        commune_fr=commune.name_fr, commune_ar=commune.name_ar, procedure_fr=procedure.fr,
        procedure_ar=procedure.ar, dossier_number=dossier.number or "", applicant=applicant.full_name,
        parcel=str(dossier.fields.get("parcelle") or "—"), verification_code=dossier.number or "draft",
        verify_base_url=ports.verify_base_url, date=(dossier.submitted_at or dossier.created_at).date(),
        documents=docs, sealed=sealed, logo=logo_of(ports, commune)))
