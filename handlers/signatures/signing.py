"""The signature job: sign a document with the key of the person who approved it (opened
with the PIN their authorization carries), or seal it with the commune's seal; record who
signed, with which key, under which grant (an interim's names the delegating president)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..common import DomainError
from ..dossier_models import Dossier
from ..models import Commune
from ..ports import Ports
from . import authorization
from .keystore import SigningRefused, has_key, key_of, president_grant
from .models import SignedDocument, SignerKey


@dataclass(frozen=True)
class Signed:
    pdf_sha256: str
    timestamped: bool
    level: str
    record: SignedDocument


def sign_approved(session: Session, ports: Ports, dossier: Dossier, *, pdf_sha256: str, approver: str | None,
                  kind: str, code: str, reason: str, now: datetime) -> Signed:
    """Sign the stored document ``pdf_sha256`` for the approver, as the procedure's signing
    step does. A signer who enrolled a key signs with it alone, and only with the
    authorization their approval left for this very document; without enrolled keys the
    installation's key (``ports.signer``) signs, when one is configured."""
    commune = session.get_one(Commune, dossier.commune_code)
    grant = president_grant(session, approver, dossier.commune_code, now.date()) if approver else None
    key: SignerKey | None = None
    store = ports.keystore
    if approver and store is not None and has_key(session, dossier.commune_code, approver):
        auth, pin = authorization.redeem(session, store, dossier_id=dossier.id, document_sha256=pdf_sha256, now=now)
        if auth.user_id != approver:
            raise SigningRefused("authorization_mismatch", "the signing authorization is not the approver's")
        key = session.get_one(SignerKey, auth.signer_key_id)
        signer = store.open(key, pin)
        del pin
    else:
        signer = ports.signer()
        if signer is None:
            raise DomainError("no signing key is configured for this signer (enrol a key, or set "
                              "GUICHET_SIGNING_*): the task stays open")
    try:
        signed = signer.sign(ports.files.get(pdf_sha256), reason=reason, location=commune.name_fr)
    finally:
        if key is not None:
            signer.close()
    return _record(session, ports, dossier, signed, kind=kind, code=code, key=key, user_id=approver,
                   grant_id=grant.id if grant else None, delegated_by=grant.delegated_by if grant else None, now=now)


def seal(session: Session, ports: Ports, dossier: Dossier, pdf: bytes, *, kind: str, code: str, reason: str,
         now: datetime) -> Signed:
    """E-seal ``pdf`` with the commune's seal key (a legal person's seal: no human approval,
    its secret is the commune's, beside the keys)."""
    signed, key = seal_pdf(session, ports, dossier.commune_code, pdf, reason=reason, now=now)
    return _record(session, ports, dossier, signed, kind=kind, code=code, key=key, user_id=None, grant_id=None,
                   delegated_by=None, now=now)


def seal_pdf(session: Session, ports: Ports, commune_code: str, pdf: bytes, *, reason: str,
             now: datetime) -> tuple[Any, SignerKey]:
    """``pdf`` sealed with the commune's seal key, and that key; nothing recorded."""
    store = ports.keystore
    key = key_of(session, commune_code, "seal", None, now) if store is not None else None
    if store is None or key is None:
        raise SigningRefused("no_seal", f"the commune {commune_code} has no active seal key")
    secret = store.seal_secret(commune_code)
    if secret is None:
        raise SigningRefused("no_seal", f"the secret of the seal key of {commune_code} is missing")
    commune = session.get_one(Commune, commune_code)
    with store.open(key, secret) as signer:
        return signer.sign(pdf, reason=reason, location=commune.name_fr), key


def has_seal(session: Session, ports: Ports, commune_code: str, now: datetime) -> bool:
    """Whether the commune seals its documents (a key store and an active seal key)."""
    return ports.keystore is not None and key_of(session, commune_code, "seal", None, now) is not None


def record(session: Session, ports: Ports, dossier: Dossier, signed: Any, *, kind: str, code: str,
           key: SignerKey | None, now: datetime) -> Signed:
    """Record a document signed for the commune (sealed with ``key``, or by the installation's
    key when None) as a signed document of the dossier."""
    return _record(session, ports, dossier, signed, kind=kind, code=code, key=key, user_id=None, grant_id=None,
                   delegated_by=None, now=now)


def _record(session: Session, ports: Ports, dossier: Dossier, signed: Any, *, kind: str, code: str,
            key: SignerKey | None, user_id: str | None, grant_id: int | None, delegated_by: str | None,
            now: datetime) -> Signed:
    digest = ports.files.put(signed.pdf)
    record = session.scalar(select(SignedDocument).where(SignedDocument.verification_code == code))
    if record is None:
        record = SignedDocument(dossier_id=dossier.id, kind=kind, verification_code=code)
        session.add(record)
    record.pdf_sha256, record.signer_key_id, record.user_id = digest, key.id if key else None, user_id
    record.grant_id, record.delegated_by, record.level, record.signed_at = grant_id, delegated_by, signed.level, now
    session.flush()
    return Signed(digest, signed.timestamped, signed.level, record)
