"""``guichet signatures refresh``: renew the archive time stamp of every signed document
before the certificate of its newest time stamp expires (see :mod:`signing.archive`)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select

from engine import Engine

from ..dossier_models import Decision
from ..ports import Ports
from .models import SignedDocument


@dataclass(frozen=True)
class Refreshed:
    code: str
    outcome: str  # renewed | current | skipped
    detail: str = ""


def refresh_all(engine: Engine, ports: Ports, now: datetime, margin: timedelta) -> list[Refreshed]:
    """One transaction per document, under its row lock; the signed file is replaced by its
    incremental update (the stored original stays in the file store)."""
    from signing import archive
    from signing.errors import SigningError

    store = ports.keystore
    if store is None or not store.tsa_url:
        raise SigningError("no time-stamping authority is configured (GUICHET_TSA_URL): nothing can be renewed")
    trust = [*ports.trust_roots(), *store.trust()]
    with engine.transaction(write=False) as session:
        ids = list(session.scalars(select(SignedDocument.id).order_by(SignedDocument.id)))
    report = []
    for record_id in ids:
        with engine.transaction() as session:
            record = session.get_one(SignedDocument, record_id, with_for_update=True)
            try:
                renewed = archive.refresh(ports.files.get(record.pdf_sha256), tsa_url=store.tsa_url, trust=trust,
                                          now=now, margin=margin)
            except SigningError as exc:
                report.append(Refreshed(record.verification_code, "skipped", str(exc)))
                continue
            if renewed is None:
                report.append(Refreshed(record.verification_code, "current"))
                continue
            digest = ports.files.put(renewed)
            if record.kind == "decision":
                decision = session.scalar(select(Decision).where(Decision.verification_code == record.verification_code))
                if decision is not None and decision.pdf_sha256 == record.pdf_sha256:
                    decision.pdf_sha256 = digest
            record.pdf_sha256 = digest
            report.append(Refreshed(record.verification_code, "renewed"))
    return report
