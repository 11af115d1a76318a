"""Filing receipts sealed with the commune's e-seal (PAdES), verifiable at ``/verify/<number>``.

The receipt is rendered and sealed when the dossier is filed, so it lists the documents as
filed; a commune without a seal key gives an unsealed receipt that claims no signature.
"""
from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..dossier_models import Dossier
from ..ports import Ports
from .keystore import SigningRefused, key_of
from .models import SignedDocument
from .signing import seal

log = logging.getLogger(__name__)


def seal_at_filing(session: Session, ports: Ports, dossier: Dossier, now: datetime) -> bool:
    """Render and seal the receipt of a dossier being filed; False when the commune has no seal
    (or it cannot seal now: the receipt is then served unsealed, without a claim)."""
    from signing.errors import SigningError

    from ..filing import receipt_pdf

    if ports.keystore is None or dossier.number is None or \
            key_of(session, dossier.commune_code, "seal", None, now) is None:
        return False
    try:
        pdf = receipt_pdf(session, ports, dossier, sealed=True)
        seal(session, ports, dossier, pdf, kind="receipt", code=dossier.number,
             reason=f"Récépissé de dépôt {dossier.number}", now=now)
    except (SigningError, SigningRefused) as exc:
        log.error("the receipt of %s could not be sealed: %s", dossier.number, exc)
        return False
    return True


def receipt(session: Session, ports: Ports, dossier: Dossier) -> tuple[bytes, bool]:
    """The dossier's receipt: the sealed one kept at filing, else rendered now, unsealed."""
    from ..filing import receipt_pdf

    record = session.scalar(select(SignedDocument).where(SignedDocument.dossier_id == dossier.id,
                                                         SignedDocument.kind == "receipt"))
    if record is not None:
        return ports.files.get(record.pdf_sha256), True
    return receipt_pdf(session, ports, dossier), False
