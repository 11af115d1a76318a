"""The single-use authorization the signer's approval hands the signature job.

At approval the signer types the PIN (or passphrase) of their key; it is checked by
opening the key, then sealed with AES-256-GCM under the *authorization key* — a secret
file on the application hosts, never in the database nor in a broker message — with the
dossier, the digest of the document approved, the key, the signer and an expiry as
associated data. The job finds the authorization for its dossier and document, opens it
(a row forged or edited without the authorization key does not decrypt; one for another
document or dossier is not found), marks it used in the transaction that stores the
signature, and forgets the PIN. Nothing is signed without one.
"""
from __future__ import annotations

import json
import secrets
from datetime import datetime

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from sqlalchemy import select
from sqlalchemy.orm import Session

from .keystore import KeyStore, SigningRefused
from .models import SignAuthorization, SignerKey


def _aad(auth_id: str, dossier_id: int, document_sha256: str, key_id: int, user_id: str,
         expires_at: datetime) -> bytes:
    return json.dumps([auth_id, dossier_id, document_sha256, key_id, user_id, expires_at.isoformat()]).encode()


def issue(session: Session, store: KeyStore, *, dossier_id: int, document_sha256: str, key: SignerKey,
          user_id: str, pin: str, now: datetime) -> SignAuthorization:
    """Seal ``pin`` into a fresh authorization for this document (the caller checked the PIN)."""
    auth_id = secrets.token_hex(16)
    expires = now + store.ttl
    sealed = AESGCM(store.authorization_key()).encrypt(
        bytes.fromhex(auth_id)[:12], pin.encode(),
        _aad(auth_id, dossier_id, document_sha256, key.id, user_id, expires))
    auth = SignAuthorization(id=auth_id, dossier_id=dossier_id, document_sha256=document_sha256,
                             signer_key_id=key.id, user_id=user_id, expires_at=expires, sealed=sealed)
    session.add(auth)
    session.flush()
    return auth


def redeem(session: Session, store: KeyStore, *, dossier_id: int, document_sha256: str,
           now: datetime) -> tuple[SignAuthorization, str]:
    """The newest unused, unexpired authorization for this dossier and document, marked used,
    and its PIN. Raises :class:`SigningRefused` when there is none or it does not open."""
    auth = session.scalar(select(SignAuthorization).where(
        SignAuthorization.dossier_id == dossier_id, SignAuthorization.document_sha256 == document_sha256,
        SignAuthorization.used_at.is_(None)).order_by(SignAuthorization.expires_at.desc())
        .limit(1).with_for_update())
    if auth is None:
        raise SigningRefused("no_authorization", "no signing authorization for this document: the signer "
                             "must approve it with the PIN of their key")
    if auth.expires_at <= now:
        raise SigningRefused("authorization_expired", "the signing authorization expired before the "
                             "signature ran: the signer must approve again")
    try:
        pin = AESGCM(store.authorization_key()).decrypt(
            bytes.fromhex(auth.id)[:12], auth.sealed,
            _aad(auth.id, auth.dossier_id, auth.document_sha256, auth.signer_key_id, auth.user_id,
                 auth.expires_at)).decode()
    except (InvalidTag, ValueError):
        raise SigningRefused("authorization_invalid", "the signing authorization does not open with this "
                             "installation's authorization key (forged or altered)") from None
    auth.used_at = now
    return auth, pin
