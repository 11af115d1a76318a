"""Enrolment: a signer's key is generated in their token slot (or an encrypted PKCS#12), a
CSR goes to the CA, the certificate comes back and is installed beside the key.

``request`` (the signer, with their PIN) → ``issue`` (an administrator, or the demo CA) →
``install`` (the signer, with their PIN) → the key is active. Renewing is enrolling again:
installing the new certificate supersedes the signer's older keys for that commune.
"""
from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from cryptography import x509
from sqlalchemy import select
from sqlalchemy.orm import Session

from ..models import Commune, User
from .keystore import KeyStore, SigningRefused
from .models import PURPOSES, SignerKey

WARN_BEFORE = timedelta(days=30)


def subject_for(session: Session, commune_code: str | None, purpose: str, user_id: str | None) -> x509.Name:
    """The certificate subject: the person (or the commune, for its seal), in the commune; a
    professional in their profession."""
    from signing.demo_pki import name

    if purpose == "architect":
        return name(session.get_one(User, user_id).full_name, "Architecte")
    commune = session.get_one(Commune, commune_code)
    if purpose == "seal":
        return name(f"Cachet électronique — {commune.name_fr}", commune.name_fr)
    user = session.get_one(User, user_id)
    return name(user.full_name, commune.name_fr)


def request(session: Session, store: KeyStore, *, commune_code: str | None, purpose: str, user_id: str | None,
            secret: str, now: datetime, backend: str | None = None, token_label: str | None = None) -> SignerKey:
    """Generate the key (in the token ``token_label`` with the PIN ``secret``, or in a new
    PKCS#12 file encrypted with it) and keep its CSR; the key is pending until installed."""
    from signing import enrolment

    if purpose not in PURPOSES:
        raise SigningRefused("bad_purpose", f"unknown key purpose {purpose!r}")
    if (purpose == "seal") != (user_id is None):
        raise SigningRefused("bad_purpose", "a seal belongs to the commune, a president's key to a person")
    if (purpose == "architect") != (commune_code is None):
        raise SigningRefused("bad_purpose", "a professional's key belongs to no commune, any other key to one")
    if len(secret) < 6:
        raise SigningRefused("weak_pin", "choose a PIN of at least 6 characters")
    backend = backend or ("pkcs11" if token_label else "pkcs12")
    key = SignerKey(commune_code=commune_code, purpose=purpose, user_id=user_id, backend=backend,
                    status="pending", created_at=now)
    session.add(key)
    session.flush()
    subject = subject_for(session, commune_code, purpose, user_id)
    key.key_label = f"guichet-{key.id}"
    if backend == "pkcs11":
        if not store.pkcs11_module or not token_label:
            raise SigningRefused("no_token_module", "a key in a token needs the PKCS#11 module and the token's label")
        key.token_label = token_label
        key.csr_pem = enrolment.token_csr(store.pkcs11_module, token_label, secret, key.key_label, subject).decode()
    else:
        path = store.keys_dir / f"{commune_code or 'ordre'}-{purpose}-{key.id}.p12"
        key.pkcs12_path = str(path)
        key.csr_pem = enrolment.pkcs12_csr(path, secret, subject).decode()
    return key


def issue(session: Session, key_id: int, certificate_pem: str) -> SignerKey:
    """Record the certificate the CA issued for a pending key (checked against its CSR)."""
    key = session.get_one(SignerKey, key_id, with_for_update=True)
    if key.status not in ("pending", "issued") or not key.csr_pem:
        raise SigningRefused("not_pending", f"key {key_id} awaits no certificate (it is {key.status})")
    from signing.keys import parse_certificates

    cert = parse_certificates(certificate_pem.encode())[0]
    csr = x509.load_pem_x509_csr(key.csr_pem.encode())
    if cert.public_key().public_numbers() != csr.public_key().public_numbers():  # type: ignore[union-attr]
        raise SigningRefused("wrong_certificate", "this certificate was not issued for this key's request")
    key.certificate_pem = certificate_pem
    key.serial, key.subject = format(cert.serial_number, "x"), cert.subject.rfc4514_string()
    key.not_after, key.status = cert.not_valid_after_utc, "issued"
    return key


def issue_with_demo_ca(session: Session, store: KeyStore, key_id: int,
                       demo_ca: Callable[[], object]) -> SignerKey:
    """The demo CA answers the CSR at once (demo installations and tests)."""
    from signing.demo_pki import issue_for_csr, pem

    key = session.get_one(SignerKey, key_id)
    ca = demo_ca()
    if ca is None or not key.csr_pem:
        raise SigningRefused("no_demo_ca", "no demo CA is available here: an administrator issues certificates")
    cert = issue_for_csr(key.csr_pem.encode(), ca)  # type: ignore[arg-type]
    return issue(session, key_id, (pem(cert) + pem(ca.certificate)).decode())  # type: ignore[attr-defined]


def install(session: Session, store: KeyStore, key_id: int, secret: str, now: datetime) -> SignerKey:
    """Put the issued certificate beside the key (token or PKCS#12, opened with ``secret``);
    the key becomes active and the signer's older keys for the commune are superseded."""
    from signing import enrolment
    from signing.keys import parse_certificates

    key = session.get_one(SignerKey, key_id, with_for_update=True)
    if key.status != "issued" or not key.certificate_pem:
        raise SigningRefused("not_issued", f"key {key_id} has no certificate to install (it is {key.status})")
    cert, *chain = parse_certificates(key.certificate_pem.encode())
    if key.backend == "pkcs11":
        assert store.pkcs11_module and key.token_label and key.key_label
        enrolment.token_store_certificate(store.pkcs11_module, key.token_label, secret, key.key_label, cert, chain)
    else:
        from pathlib import Path
        enrolment.pkcs12_store_certificate(Path(key.pkcs12_path or ""), secret, cert, chain)
    query = select(SignerKey).where(SignerKey.purpose == key.purpose, SignerKey.status == "active",
                                    SignerKey.id != key.id,
                                    SignerKey.commune_code.is_(None) if key.commune_code is None
                                    else SignerKey.commune_code == key.commune_code)
    query = query.where(SignerKey.user_id.is_(None) if key.user_id is None else SignerKey.user_id == key.user_id)
    for older in session.scalars(query):
        older.status = "superseded"
    key.status = "active"
    return key


def revoke(session: Session, key_id: int, now: datetime) -> SignerKey:
    """Stop a key from signing (the CA is told separately: its CRL/OCSP is checked at signing)."""
    key = session.get_one(SignerKey, key_id, with_for_update=True)
    key.status, key.revoked_at = "revoked", now
    return key


def expiring(session: Session, now: datetime, within: timedelta = WARN_BEFORE) -> list[SignerKey]:
    """Active keys whose certificate expires within ``within`` (30 days): to be renewed."""
    return list(session.scalars(select(SignerKey).where(
        SignerKey.status == "active", SignerKey.not_after.is_not(None), SignerKey.not_after <= now + within)
        .order_by(SignerKey.not_after)))
