"""Sign PDF documents for the president, with endesive.

Create one :class:`Signer` per process — it opens the key (PKCS#12 file or PKCS#11
token) once — and call :meth:`Signer.sign` for each document::

    signer = Signer.from_pkcs12("instance/pki/president.p12", passphrase,
                                tsa_url="https://tsa.example/", tsa_required=False)
    signed = signer.sign(decision_pdf(doc), reason="Décision", location="Casablanca")
    store(signed.pdf)

The signature is an incremental update holding a CMS ``adbe.pkcs7.detached`` signature
(what endesive writes), SHA-256 with RSA, whose signed attributes carry the signing time,
the ESS signing-certificate-v2 reference to the signer's certificate and, when an OCSP
responder is configured, its answer; an RFC 3161 time stamp is added when a TSA is
configured. ``sign`` is a pure function of its inputs and the time: without a TSA, the
same bytes and ``signing_time`` give the same signed bytes.
"""
from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from asn1crypto import algos, core, tsp
from asn1crypto import cms as asn1_cms
from asn1crypto import ocsp as asn1_ocsp
from asn1crypto import pdf as asn1_pdf
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import rsa
from pypdf.errors import PyPdfError

from . import _endesive
from .errors import RevocationInfoUnavailable, SigningError, TimestampUnavailable
from .keys import check_certificate, der, describe, issuer_chain, load_pkcs12, parse_certificates
from .pkcs11 import TokenKey
from .revocation import fetch_ocsp

HASH = "sha256"
_CONTENTS = re.compile(rb"/Contents\s*<([0-9a-fA-F]+)>")


@dataclass(frozen=True)
class SignedPdf:
    """A signed document: the PDF bytes, whether it carries a time stamp, and warnings.

    ``warnings`` says what was configured but could not be done (a TSA or an OCSP
    responder that did not answer, when they are not required).
    """

    pdf: bytes
    timestamped: bool
    warnings: list[str] = field(default_factory=list)

    def __bytes__(self) -> bytes:
        return self.pdf


class Signer:
    """The president's signing key, opened once, and the signing options.

    Use :meth:`from_pkcs12` or :meth:`from_pkcs11`; the certificate must be valid now
    (``clock``) and allow signing, or the constructor raises. ``tsa_url``: an RFC 3161
    time-stamping authority; ``tsa_required``: fail when it gives no token (otherwise sign
    without and say so in :attr:`SignedPdf.warnings`). ``ocsp_url``/``ocsp_required``: the
    same for revocation data embedded from an OCSP responder. Safe to share between
    threads.
    """

    def __init__(self, certificate: x509.Certificate, chain: Sequence[x509.Certificate], *,
                 private_key: rsa.RSAPrivateKey | None = None, token: TokenKey | None = None,
                 tsa_url: str | None = None, tsa_required: bool = False, tsa_timeout: float = 10.0,
                 ocsp_url: str | None = None, ocsp_required: bool = False,
                 ocsp_timeout: float = 10.0, clock: Callable[[], datetime] | None = None) -> None:
        if (private_key is None) == (token is None):
            raise ValueError("give exactly one of private_key and token")
        if tsa_required and not tsa_url:
            raise ValueError("tsa_required needs a tsa_url")
        if ocsp_required and not ocsp_url:
            raise ValueError("ocsp_required needs an ocsp_url")
        self._clock = clock or (lambda: datetime.now(UTC))
        check_certificate(certificate, self._clock())
        self.certificate = certificate
        self.chain = tuple(chain)
        self.tsa_url, self.tsa_required, self.tsa_timeout = tsa_url, tsa_required, tsa_timeout
        self.ocsp_url, self.ocsp_required, self.ocsp_timeout = ocsp_url, ocsp_required, ocsp_timeout
        self._key = private_key
        self._token = token
        self._ess = signing_certificate_attribute(asn1_x509.Certificate.load(der([certificate])[0]))
        self._cms = _endesive.load()

    @classmethod
    def from_pkcs12(cls, path: Path | str, passphrase: str, **options: Any) -> Signer:
        """Open the key and certificates of a PKCS#12 file (``options``: see the class)."""
        key, cert, chain = load_pkcs12(path, passphrase)
        return cls(cert, chain, private_key=key, **options)

    @classmethod
    def from_pkcs11(cls, module_path: str, token_label: str, pin: str, key_label: str, *,
                    chain: Sequence[bytes] = (), **options: Any) -> Signer:
        """Log in to a PKCS#11 token once and use its key ``key_label``.

        The certificate is read from the token (same CKA_ID or label as the key); its
        issuers are taken from the token and from ``chain`` (PEM or DER certificates).
        """
        token = TokenKey(module_path, token_label, pin, key_label)
        try:
            extra = [c for data in chain for c in parse_certificates(data)]
            issuers = issuer_chain(token.cert, extra + token.other_certificates())
            return cls(token.cert, issuers, token=token, **options)
        except BaseException:
            token.close()
            raise

    @property
    def subject(self) -> str:
        """The signer's certificate subject (RFC 4514)."""
        return describe(self.certificate)

    def close(self) -> None:
        """Release the token session, if any."""
        if self._token is not None:
            self._token.close()

    def __enter__(self) -> Signer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def sign(self, pdf: bytes, *, reason: str, location: str,
             signing_time: datetime | None = None) -> SignedPdf:
        """Sign ``pdf``; return the signed bytes, or raise and return nothing.

        ``signing_time`` (default: now) is the time the signer claims; the certificate
        must be valid then. Raises the :mod:`signing.errors` for an unusable certificate,
        token, TSA (when required) or OCSP responder (when required).
        """
        when = (signing_time or self._clock()).astimezone(UTC).replace(microsecond=0)
        if not pdf.startswith(b"%PDF-"):
            raise SigningError("the document to sign is not a PDF (it does not start with %PDF-)")
        check_certificate(self.certificate, when)
        warnings: list[str] = []
        revinfo = self._revocation_info(warnings)
        udct: dict[str, Any] = {
            "sigflags": 3, "sigpage": 0, "auto_sigfield": True, "application": "Guichet",
            "reason": reason, "location": location,
            "signingdate": when.strftime("D:%Y%m%d%H%M%S+00'00'"),
            "attrs": _signed_attributes(self._ess, when, revinfo),
            # endesive draws the second /ID half at random; derive it for reproducible output
            "newid": hashlib.sha256(pdf + when.isoformat().encode()).hexdigest(),
            "aligned": self._reserve(revinfo),
        }
        try:
            update = self._cms.sign(pdf, udct, self._key, self.certificate, list(self.chain), HASH,
                                    self._token, self.tsa_url,
                                    {"timeout": self.tsa_timeout} if self.tsa_url else None)
        except PyPdfError as exc:
            raise SigningError(f"the document to sign is not a readable PDF: {exc}") from None
        except ValueError as exc:
            raise SigningError(f"the signature did not fit the space reserved for it: {exc}") from None
        timestamped = _has_timestamp(update)
        if self.tsa_url and not timestamped:
            message = (f"the time-stamping authority {self.tsa_url} gave no time stamp "
                       "(unreachable, or it refused the request)")
            if self.tsa_required:
                raise TimestampUnavailable(f"{message}; nothing was signed: retry when it is back, "
                                           "or allow signing without a time stamp")
            warnings.append(f"{message}: signed without a time stamp")
        return SignedPdf(pdf + update, timestamped, warnings)

    def _revocation_info(self, warnings: list[str]) -> bytes | None:
        if not self.ocsp_url:
            return None
        try:
            return fetch_ocsp(self.certificate, self.chain[0] if self.chain else None,
                              self.ocsp_url, self.ocsp_timeout)
        except RevocationInfoUnavailable as exc:
            if self.ocsp_required:
                raise
            warnings.append(f"{exc}: signed without embedded revocation data")
            return None

    def _reserve(self, revinfo: bytes | None) -> int:
        """Bytes reserved for the CMS blob: endesive then signs once instead of twice."""
        size = 2048 + sum(len(d) for d in der([self.certificate, *self.chain]))
        size += self.certificate.public_key().key_size // 8  # type: ignore[union-attr]
        size += len(revinfo) + 256 if revinfo else 0
        size += 8192 if self.tsa_url else 0  # token + the TSA's certificates
        return -(-size // 1024) * 1024


def signing_certificate_attribute(cert: asn1_x509.Certificate) -> bytes:
    """The ESS signing-certificate-v2 attribute binding the signature to ``cert`` (DER)."""
    ess = tsp.SigningCertificateV2({"certs": [tsp.ESSCertIDv2({
        "hash_algorithm": algos.DigestAlgorithm({"algorithm": HASH}),
        "cert_hash": hashlib.sha256(cert.dump()).digest(),
        "issuer_serial": tsp.IssuerSerial({
            "issuer": [asn1_x509.GeneralName({"directory_name": cert.issuer})],
            "serial_number": cert.serial_number}),
    })]})
    return asn1_cms.CMSAttribute({"type": "signing_certificate_v2", "values": [ess]}).dump()


def _signed_attributes(ess: bytes, when: datetime,
                       revinfo: bytes | None) -> Callable[[bytes], list[asn1_cms.CMSAttribute]]:
    """endesive's hook for the signed attributes (it must be a plain function).

    Every attribute but the digest is encoded here and handed over re-loaded from DER:
    asn1crypto re-encodes a freshly *built* structure each time it is nested one level
    deeper, which made the CMS assembly cost ~30 ms; parsed structures are copied as bytes.
    """
    fixed = [
        asn1_cms.CMSAttribute({"type": "content_type", "values": ["data"]}).dump(),
        asn1_cms.CMSAttribute({"type": "signing_time",
                               "values": [asn1_cms.Time({"utc_time": core.UTCTime(when)})]}).dump(),
        ess,
    ]
    if revinfo:
        archival = asn1_pdf.RevocationInfoArchival({"ocsp": [asn1_ocsp.OCSPResponse.load(revinfo)]})
        fixed.append(asn1_cms.CMSAttribute({"type": "adobe_revocation_info_archival",
                                            "values": [archival]}).dump())

    def attributes(digest: bytes) -> list[asn1_cms.CMSAttribute]:
        """content-type, signing-time, message-digest, ESS certificate (+ revocation data)."""
        attrs = [asn1_cms.CMSAttribute.load(encoded) for encoded in fixed]
        attrs.insert(2, asn1_cms.CMSAttribute({"type": "message_digest", "values": [digest]}))
        return attrs

    return attributes


def _has_timestamp(update: bytes) -> bool:
    """Whether the signature written in ``update`` carries an RFC 3161 time-stamp token."""
    hexes = _CONTENTS.findall(update)
    if not hexes:
        return False
    blob = bytes.fromhex(max(hexes, key=len).decode())
    info = asn1_cms.ContentInfo.load(blob, strict=False)
    unsigned = info["content"]["signer_infos"][0]["unsigned_attrs"]
    return any(attr["type"].native == "signature_time_stamp_token" for attr in unsigned) \
        if unsigned.native else False
