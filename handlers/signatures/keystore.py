"""Where the signers' keys are and how one is opened: the configuration the composition root
hands in, and the selection of the key of a person, for a commune, on a day."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from ..common import DomainError
from ..models import RoleGrant
from .models import SignerKey


class SigningRefused(DomainError):
    """Signing cannot go ahead; ``code`` names the reason (the web layer words it in French
    and Arabic), ``str()`` says it for logs and jobs."""

    code: str

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


@dataclass
class KeyStore:
    """The signers' keys: ``pkcs11_module`` (one token per signer on it), ``keys_dir`` (the
    encrypted PKCS#12 files), ``authorization_key`` (32 bytes outside the database sealing
    the PINs handed to the signature job), ``seal_secrets`` (a directory of
    ``<commune>.secret`` files opening each commune's seal key), and the signing options."""

    keys_dir: Path
    authorization_key: Callable[[], bytes]
    pkcs11_module: str | None = None
    seal_secrets: Path | None = None
    tsa_url: str | None = None
    level: str | None = None
    trust: Callable[[], list[bytes]] = field(default=lambda: [])
    ttl: timedelta = timedelta(minutes=15)
    demo_ca: Callable[[], Any] = field(default=lambda: None)  # signing.demo_pki.Issued, demo only
    crls: Callable[[], list[bytes]] = field(default=lambda: [])  # the CAs' revocation lists
    # a profession's DEMO order CA (signing.demo_pki.Issued), demo and tests only
    professional_ca: Callable[[str], Any] = field(default=lambda profession: None)

    def unlock(self, key: SignerKey, pin: str) -> Any:
        """:meth:`open` for a person at the keyboard: a wrong PIN or an unusable key is a
        :class:`SigningRefused` the page words (``wrong_pin``, ``key_unusable``)."""
        from signing.errors import KeyAccessError, SigningError

        try:
            return self.open(key, pin)
        except KeyAccessError as exc:
            raise SigningRefused("wrong_pin", f"your key did not open: {exc}") from None
        except SigningError as exc:
            raise SigningRefused("key_unusable", f"your key cannot sign: {exc}") from None

    def open(self, key: SignerKey, secret: str, clock: Callable[[], datetime] | None = None) -> Any:
        """A :class:`signing.sign.Signer` on ``key``, unlocked with ``secret`` (PIN or
        passphrase). Raises the signing errors (wrong PIN, absent token, expired
        certificate) and :class:`SigningRefused` when the key is not the enrolled one."""
        from signing.sign import Signer

        if key.status != "active" or not key.certificate_pem:
            raise SigningRefused("key_inactive", f"signer key {key.id} is {key.status}, not active")
        options: dict[str, Any] = {"tsa_url": self.tsa_url, "level": self.level, "trust": self.trust(),
                                   "clock": clock, "crls": self.crls(), **_responder(key.certificate_pem)}
        if key.backend == "pkcs11":
            if not self.pkcs11_module:
                raise SigningRefused("no_token_module", "no PKCS#11 module is configured (GUICHET_PKCS11_MODULE)")
            signer = Signer.from_pkcs11(self.pkcs11_module, key.token_label or "", secret, key.key_label or "",
                                        chain=[key.certificate_pem.encode()], **options)
        else:
            signer = Signer.from_pkcs12(key.pkcs12_path or "", secret, **options)
        if format(signer.certificate.serial_number, "x") != key.serial:
            signer.close()
            raise SigningRefused("key_mismatch", f"the key opened for signer key {key.id} holds another "
                                 "certificate than the one enrolled")
        return signer

    def seal_secret(self, commune_code: str) -> str | None:
        """The secret opening the commune's seal key, from its file; None when absent."""
        if self.seal_secrets is None:
            return None
        path = self.seal_secrets / f"{commune_code}.secret"
        return path.read_text().strip() if path.exists() else None


def president_grant(session: Session, user_id: str, commune_code: str, day: date) -> RoleGrant | None:
    """The ``president`` grant ``user_id`` holds for the commune on ``day`` (titular or interim)."""
    grants = session.scalars(select(RoleGrant).where(
        RoleGrant.user_id == user_id, RoleGrant.role == "president",
        or_(RoleGrant.commune_code == commune_code, RoleGrant.commune_code.is_(None))))
    active = [g for g in grants if g.active_on(day)]
    # a commune-specific grant (a delegation names its commune) before an all-communes one
    active.sort(key=lambda g: (g.commune_code is None, g.id))
    return active[0] if active else None


def key_of(session: Session, commune_code: str, purpose: str, user_id: str | None,
           now: datetime) -> SignerKey | None:
    """The active key of this signer (``user_id`` None: the commune's seal), valid at ``now``."""
    query = select(SignerKey).where(SignerKey.commune_code == commune_code, SignerKey.purpose == purpose,
                                    SignerKey.status == "active")
    query = query.where(SignerKey.user_id.is_(None) if user_id is None else SignerKey.user_id == user_id)
    keys = [k for k in session.scalars(query.order_by(SignerKey.id.desc()))
            if k.not_after is None or k.not_after > now]
    return keys[0] if keys else None


def has_key(session: Session, commune_code: str, user_id: str) -> bool:
    """Whether ``user_id`` has enrolled a president key for the commune (active or not): then
    nothing is signed for them with any other key."""
    return session.scalar(select(SignerKey.id).where(
        SignerKey.commune_code == commune_code, SignerKey.purpose == "president",
        SignerKey.user_id == user_id).limit(1)) is not None


def _responder(certificate_pem: str) -> dict[str, Any]:
    """The certificate's own OCSP responder (AIA), asked before each signature: a revoked
    certificate does not sign, and an unreachable responder stops the signature."""
    from cryptography import x509

    from signing.keys import parse_certificates

    cert = parse_certificates(certificate_pem.encode())[0]
    try:
        access = cert.extensions.get_extension_for_class(x509.AuthorityInformationAccess).value
    except x509.ExtensionNotFound:
        return {}
    urls = [d.access_location.value for d in access if d.access_method == x509.oid.AuthorityInformationAccessOID.OCSP]
    return {"ocsp_url": urls[0], "ocsp_required": True} if urls else {}
