"""Commission minutes (procès-verbal) and "avis recueillis" records, sealed for the commune.

The minutes are the commission's record, not a decision: no one approves them with a PIN.
Like the filing receipts, they carry the e-seal of the commission's commune; a commune
without a seal key (where receipts go unsealed) has them signed by the installation's key
instead, as before per-commune keys. Each dossier of the agenda records the sealed minutes
it received (kind ``minutes``), with the key that sealed them.
"""
from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from ..common import DomainError
from ..dossier_models import Dossier
from ..models import Commune
from ..ports import Ports
from .models import SignerKey
from .signing import has_seal, record, seal_pdf

KINDS = {"proces_verbal": "minutes", "avis_recueillis": "opinions"}  # document kind -> signed-document kind


def sign(session: Session, ports: Ports, commune_code: str, pdf: bytes, *, reason: str,
         now: datetime) -> tuple[Any, SignerKey | None]:
    """``pdf`` sealed with the commune's seal, else signed with the installation's key (then
    no key is returned). Raises :class:`DomainError` ``signing.no_key`` when neither exists."""
    if has_seal(session, ports, commune_code, now):
        return seal_pdf(session, ports, commune_code, pdf, reason=reason, now=now)
    signer = ports.signer()
    if signer is None:
        raise DomainError("no seal key for the commune and no installation key (GUICHET_SIGNING_*): the minutes "
                          "cannot be signed", code="signing.no_key")
    commune = session.get_one(Commune, commune_code)
    return signer.sign(pdf, reason=reason, location=commune.name_fr), None


def record_for(session: Session, ports: Ports, dossiers: Iterable[Dossier], signed: Any, key: SignerKey | None, *,
               document_kind: str, reference: str, now: datetime) -> None:
    """Record the signed minutes for each dossier they were attached to, under the code
    ``<reference>-<dossier number or id>``."""
    for dossier in dossiers:
        record(session, ports, dossier, signed, kind=KINDS[document_kind],
               code=f"{reference}-{dossier.number or dossier.id}", key=key, now=now)
