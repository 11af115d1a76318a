"""Ask an OCSP responder about the signer's certificate, or read the CA's revocation list.

The answers are embedded in the document security store (PAdES B-LT), so the signature
can be validated later without reaching the responder. A *revoked* answer stops the
signature: a revoked key must not sign.
"""
from __future__ import annotations

import urllib.error
import urllib.request
from collections.abc import Sequence
from datetime import datetime

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.x509 import ocsp

from .errors import CertificateRevoked, RevocationInfoUnavailable
from .keys import describe, parse_certificates_or_crl


def fetch_ocsp(cert: x509.Certificate, issuer: x509.Certificate | None, url: str,
               timeout: float) -> bytes:
    """The DER OCSP response saying ``cert`` is good.

    Raises :class:`CertificateRevoked`, or :class:`RevocationInfoUnavailable` when the
    responder cannot be reached or gives no usable answer.
    """
    if issuer is None:
        raise RevocationInfoUnavailable(
            f"cannot ask {url} about {describe(cert)}: its issuer's certificate is not known "
            "(put the CA certificate in the PKCS#12 file or on the token)")
    request = ocsp.OCSPRequestBuilder().add_certificate(cert, issuer, hashes.SHA1()).build()
    http = urllib.request.Request(url, data=request.public_bytes(serialization.Encoding.DER),
                                  headers={"Content-Type": "application/ocsp-request"})
    try:
        with urllib.request.urlopen(http, timeout=timeout) as reply:
            data = reply.read()
    except (urllib.error.URLError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        raise RevocationInfoUnavailable(f"the OCSP responder {url} is unreachable ({reason})") from None
    try:
        response = ocsp.load_der_ocsp_response(data)
    except ValueError:
        raise RevocationInfoUnavailable(f"the OCSP responder {url} sent something that is not an "
                                        "OCSP response") from None
    if response.response_status != ocsp.OCSPResponseStatus.SUCCESSFUL:
        raise RevocationInfoUnavailable(
            f"the OCSP responder {url} answered {response.response_status.name}")
    if response.serial_number != cert.serial_number:
        raise RevocationInfoUnavailable(f"the OCSP responder {url} answered about another certificate")
    if response.certificate_status == ocsp.OCSPCertStatus.REVOKED:
        raise CertificateRevoked(
            f"the signing certificate {describe(cert)} was revoked on "
            f"{response.revocation_time_utc:%Y-%m-%d %H:%M} UTC (OCSP {url}): it must not sign; "
            "have a new certificate issued")
    if response.certificate_status != ocsp.OCSPCertStatus.GOOD:
        raise RevocationInfoUnavailable(f"the OCSP responder {url} does not know {describe(cert)}")
    return data


def check_crls(cert: x509.Certificate, chain: Sequence[x509.Certificate], crls: Sequence[bytes],
               at: datetime) -> list[bytes]:
    """The DER revocation lists among ``crls`` that the signer's issuer signed.

    Raises :class:`CertificateRevoked` when one lists ``cert`` as revoked at ``at``. A list
    not signed by the issuer is ignored (another CA's); an unreadable one is an error.
    """
    issuer = chain[0] if chain else None
    kept: list[bytes] = []
    for data in crls:
        try:
            crl = x509.load_der_x509_crl(parse_certificates_or_crl(data))
        except ValueError:
            raise RevocationInfoUnavailable("a configured revocation list is not a CRL (PEM or DER)") from None
        if issuer is None or crl.issuer != issuer.subject or \
                not crl.is_signature_valid(issuer.public_key()):  # type: ignore[arg-type]
            continue
        entry = crl.get_revoked_certificate_by_serial_number(cert.serial_number)
        if entry is not None and entry.revocation_date_utc <= at:
            raise CertificateRevoked(
                f"the signing certificate {describe(cert)} was revoked on "
                f"{entry.revocation_date_utc:%Y-%m-%d %H:%M} UTC (revocation list of "
                f"{crl.issuer.rfc4514_string()}): it must not sign; have a new certificate issued")
        kept.append(crl.public_bytes(serialization.Encoding.DER))
    return kept
