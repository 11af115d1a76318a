"""Open the president's key from a PKCS#12 file, and check a signing certificate.

A certificate may sign at a given time when it is valid then and declares the
``digitalSignature`` or ``nonRepudiation`` key usage; these checks run when a key is
opened and again for every signature (a process may outlive a certificate).
"""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from pathlib import Path

from asn1crypto import pem
from asn1crypto import pkcs12 as asn1_pkcs12
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import pkcs12

from .errors import (
    CertificateNotValidNow,
    KeyFileError,
    KeyUsageNotAllowed,
    UnsupportedKey,
    WrongPassphrase,
)


def describe(cert: x509.Certificate) -> str:
    """A short human name for a certificate: its subject, RFC 4514."""
    return cert.subject.rfc4514_string()


def check_certificate(cert: x509.Certificate, at: datetime) -> None:
    """Raise unless ``cert`` may sign at ``at`` (validity period and key usage)."""
    if cert.not_valid_after_utc < at:
        raise CertificateNotValidNow(
            f"the signing certificate {describe(cert)} expired on "
            f"{cert.not_valid_after_utc:%Y-%m-%d %H:%M} UTC (signing time {at:%Y-%m-%d %H:%M} UTC): "
            "have a new certificate issued for the president and configure it")
    if cert.not_valid_before_utc > at:
        raise CertificateNotValidNow(
            f"the signing certificate {describe(cert)} is valid only from "
            f"{cert.not_valid_before_utc:%Y-%m-%d %H:%M} UTC (signing time {at:%Y-%m-%d %H:%M} UTC): "
            "check this machine's clock, or wait until the certificate takes effect")
    try:
        usage = cert.extensions.get_extension_for_class(x509.KeyUsage).value
    except x509.ExtensionNotFound:
        raise KeyUsageNotAllowed(
            f"the certificate {describe(cert)} has no key usage extension; a signing certificate "
            "must declare digitalSignature or nonRepudiation: use a certificate issued for "
            "signing documents") from None
    if not (usage.digital_signature or usage.content_commitment):
        raise KeyUsageNotAllowed(
            f"the certificate {describe(cert)} does not allow digital signature or "
            "non-repudiation (its key usage forbids signing documents): use a certificate "
            "issued for signing documents")


def parse_certificates(data: bytes) -> list[x509.Certificate]:
    """Every certificate in ``data``: DER, or PEM with one or more certificates."""
    if pem.detect(data):
        return [x509.load_der_x509_certificate(der) for _, _, der in pem.unarmor(data, multiple=True)]
    return [x509.load_der_x509_certificate(data)]


def parse_certificates_or_crl(data: bytes) -> bytes:
    """The DER of a single PEM or DER object (a CRL, say)."""
    if pem.detect(data):
        return bytes(pem.unarmor(data)[2])
    return data


def issuer_chain(cert: x509.Certificate, candidates: Iterable[x509.Certificate]) -> tuple[x509.Certificate, ...]:
    """The issuers of ``cert`` found among ``candidates``, nearest first (root included)."""
    pool = {c.subject.public_bytes(): c for c in candidates if c != cert}
    chain: list[x509.Certificate] = []
    current = cert
    while current.issuer != current.subject:
        issuer = pool.pop(current.issuer.public_bytes(), None)
        if issuer is None:
            break
        chain.append(issuer)
        current = issuer
    return tuple(chain)


def require_rsa(public_key: object, where: str) -> None:
    """Signatures are RSA PKCS#1 v1.5 (what every PDF reader checks): refuse other keys."""
    if not isinstance(public_key, rsa.RSAPublicKey):
        raise UnsupportedKey(
            f"{where} holds a {type(public_key).__name__.removeprefix('_')} key; only RSA keys can "
            "sign here: issue the president an RSA (3072-bit) key")


def load_pkcs12(path: Path | str, passphrase: str) -> tuple[
        rsa.RSAPrivateKey, x509.Certificate, tuple[x509.Certificate, ...]]:
    """The private key, its certificate and its issuers from a PKCS#12 file.

    Raises :class:`KeyFileError` (missing, unreadable, not PKCS#12, no key),
    :class:`WrongPassphrase` and :class:`UnsupportedKey`. The certificate is checked by
    the caller (:func:`check_certificate`).
    """
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise KeyFileError(f"cannot read the PKCS#12 file {path}: {exc.strerror}") from None
    try:
        key, cert, extra = pkcs12.load_key_and_certificates(data, passphrase.encode())
    except ValueError:
        if not _is_pkcs12(data):
            raise KeyFileError(f"{path} is not a PKCS#12 (.p12/.pfx) file") from None
        raise WrongPassphrase(
            f"the passphrase does not open {path}: check the configured passphrase "
            "(GUICHET_SIGNING_PASSPHRASE)") from None
    if key is None or cert is None:
        raise KeyFileError(f"{path} holds no private key with its certificate")
    require_rsa(key.public_key(), str(path))
    assert isinstance(key, rsa.RSAPrivateKey)
    if key.public_key().public_numbers() != cert.public_key().public_numbers():  # type: ignore[union-attr]
        raise KeyFileError(f"in {path}, the private key does not match the certificate {describe(cert)}")
    return key, cert, issuer_chain(cert, extra)


def _is_pkcs12(data: bytes) -> bool:
    try:
        pfx = asn1_pkcs12.Pfx.load(data)
        return bool(pfx["version"].native == "v3" and pfx["auth_safe"]["content_type"].native)
    except ValueError:
        return False


def der(certs: Sequence[x509.Certificate]) -> list[bytes]:
    """The DER encoding of each certificate."""
    return [c.public_bytes(serialization.Encoding.DER) for c in certs]
