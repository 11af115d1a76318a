"""Ask an OCSP responder about the signer's certificate, to embed the answer.

The answer is embedded in the signature (the ``adbe-revocationInfoArchival`` signed
attribute, where validators look for it in ``adbe.pkcs7.detached`` signatures), so the
signature can be validated later without reaching the responder. A *revoked* answer
stops the signature: a revoked key must not sign.
"""
from __future__ import annotations

import urllib.error
import urllib.request

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.x509 import ocsp

from .errors import CertificateRevoked, RevocationInfoUnavailable
from .keys import describe


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
