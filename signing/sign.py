"""Sign PDF documents as PAdES baseline signatures (ETSI EN 319 142-1), with pyHanko.

Create one :class:`Signer` per key — it opens the key (PKCS#12 file or PKCS#11 token)
once — and call :meth:`Signer.sign` for each document::

    signer = Signer.from_pkcs12("instance/pki/president.p12", passphrase,
                                tsa_url="https://tsa.example/", level="B-LTA")
    signed = signer.sign(decision_pdf(doc), reason="Décision", location="Casablanca")
    store(signed.pdf)

The signature is an incremental update holding a CMS signature with SubFilter
``ETSI.CAdES.detached``, SHA-256 with RSA, whose signed attributes are the content type,
the message digest and the ESS signing-certificate-v2 reference — no CMS signing-time
(PAdES baseline forbids it: the claimed time is the signature dictionary's ``/M``). That
is **B-B**. Then, by ``level``:

* **B-T** — an RFC 3161 time stamp on the signature from the configured TSA;
* **B-LT** — the validation material (the signer's chain, the TSA's, the OCSP answers and
  CRLs that say they are good) in the document security store (DSS), so the signature
  still validates when the certificate has expired or its responder is gone;
* **B-LTA** — and a document time stamp over all of it, which
  :func:`signing.archive.refresh` renews before its own certificate expires.

Revocation is checked before signing whenever an OCSP responder or CRLs are configured: a
revoked certificate does not sign.
"""
from __future__ import annotations

import hashlib
import io
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

from asn1crypto import crl as asn1_crl
from asn1crypto import ocsp as asn1_ocsp
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.misc import PdfError
from pyhanko.sign import signers
from pyhanko.sign.fields import SigSeedSubFilter
from pyhanko.sign.general import SigningError as PyHankoSigningError
from pyhanko.sign.timestamps import HTTPTimeStamper, TimestampRequestError
from pyhanko_certvalidator import ValidationContext
from pyhanko_certvalidator.errors import PathBuildingError, PathValidationError, ValidationError

from ._pyhanko import RawSigner, run, sign_at
from .errors import RevocationInfoUnavailable, SigningError, TimestampUnavailable
from .keys import check_certificate, der, describe, issuer_chain, load_pkcs12, parse_certificates
from .pkcs11 import TokenKey
from .revocation import check_crls, fetch_ocsp

HASH = "sha256"
Level = Literal["B-B", "B-T", "B-LT", "B-LTA"]
LEVELS: tuple[Level, ...] = ("B-B", "B-T", "B-LT", "B-LTA")


@dataclass(frozen=True)
class SignedPdf:
    """A signed document: the PDF bytes, the PAdES level reached, and warnings.

    ``warnings`` says what was configured but could not be done (a TSA or an OCSP
    responder that did not answer, when they are not required).
    """

    pdf: bytes
    timestamped: bool
    warnings: list[str] = field(default_factory=list)
    level: Level = "B-B"

    def __bytes__(self) -> bytes:
        return self.pdf


class Signer:
    """A signing key, opened once, and the signing options.

    Use :meth:`from_pkcs12` or :meth:`from_pkcs11`; the certificate must be valid now
    (``clock``) and allow signing, or the constructor raises. ``level``: the PAdES
    baseline level to produce (default B-T with a TSA, else B-B); B-T and above need
    ``tsa_url``. ``tsa_required``: fail when the TSA gives no token (otherwise sign at
    B-B and say so in :attr:`SignedPdf.warnings`). ``ocsp_url``/``ocsp_required``: ask
    that OCSP responder about the signer before each signature (embedded at B-LT);
    ``crls``: certificate revocation lists checked and embedded the same way.
    ``trust``: certificates the validation material is gathered up to (the signer's root
    is always included; add the TSA's root for B-LT). Safe to share between threads.
    """

    def __init__(self, certificate: x509.Certificate, chain: Sequence[x509.Certificate], *,
                 private_key: rsa.RSAPrivateKey | None = None, token: TokenKey | None = None,
                 tsa_url: str | None = None, tsa_required: bool = False, tsa_timeout: float = 10.0,
                 ocsp_url: str | None = None, ocsp_required: bool = False,
                 ocsp_timeout: float = 10.0, crls: Sequence[bytes] = (),
                 trust: Sequence[bytes] = (), level: Level | None = None,
                 clock: Callable[[], datetime] | None = None) -> None:
        if (private_key is None) == (token is None):
            raise ValueError("give exactly one of private_key and token")
        if tsa_required and not tsa_url:
            raise ValueError("tsa_required needs a tsa_url")
        if ocsp_required and not ocsp_url:
            raise ValueError("ocsp_required needs an ocsp_url")
        self.level: Level = level or ("B-T" if tsa_url else "B-B")
        if self.level not in LEVELS:
            raise ValueError(f"unknown PAdES level {self.level!r} (one of {', '.join(LEVELS)})")
        if self.level != "B-B" and not tsa_url:
            raise ValueError(f"PAdES {self.level} needs a time-stamping authority (tsa_url)")
        self._clock = clock or (lambda: datetime.now(UTC))
        check_certificate(certificate, self._clock())
        self.certificate = certificate
        self.chain = tuple(chain)
        self.tsa_url, self.tsa_required, self.tsa_timeout = tsa_url, tsa_required, tsa_timeout
        self.ocsp_url, self.ocsp_required, self.ocsp_timeout = ocsp_url, ocsp_required, ocsp_timeout
        self.crls = tuple(crls)
        self._trust = [c for data in trust for c in parse_certificates(data)]
        self._token = token
        if private_key is not None:
            key = private_key

            def raw(data: bytes) -> bytes:
                return key.sign(data, padding.PKCS1v15(), hashes.SHA256())
        else:
            assert token is not None
            handle = token.certificate()[0]

            def raw(data: bytes) -> bytes:
                return token.sign(handle, data, HASH)
        self._raw = RawSigner(certificate, self.chain, raw)
        self._timestamper = HTTPTimeStamper(tsa_url, timeout=int(tsa_timeout)) if tsa_url else None

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

        ``signing_time`` (default: now) is the time the signer claims (``/M``); the
        certificate must be valid then. Raises the :mod:`signing.errors` for an unusable
        certificate, token, TSA (when required) or OCSP responder (when required).
        """
        when = (signing_time or self._clock()).astimezone(UTC).replace(microsecond=0)
        if not pdf.startswith(b"%PDF-"):
            raise SigningError("the document to sign is not a PDF (it does not start with %PDF-)")
        check_certificate(self.certificate, when)
        warnings: list[str] = []
        ocsps = self._revocation_info(warnings)
        crls = check_crls(self.certificate, self.chain, self.crls, when)
        level = self.level
        try:
            out = self._sign(pdf, reason, location, when, level, ocsps, crls)
        except TimestampRequestError as exc:
            message = (f"the time-stamping authority {self.tsa_url} gave no time stamp "
                       f"(unreachable, or it refused the request: {exc})")
            if self.tsa_required:
                raise TimestampUnavailable(f"{message}; nothing was signed: retry when it is back, "
                                           "or allow signing without a time stamp") from None
            warnings.append(f"{message}: signed without a time stamp")
            level = "B-B"
            out = self._sign(pdf, reason, location, when, level, ocsps, crls)
        return SignedPdf(out, level != "B-B", warnings, level)

    def check_revocation(self, at: datetime | None = None) -> None:
        """Raise :class:`~signing.errors.CertificateRevoked` when the configured OCSP responder
        or revocation lists say the certificate is revoked (as :meth:`sign` would)."""
        when = at or self._clock()
        self._revocation_info([])
        check_crls(self.certificate, self.chain, self.crls, when)

    def _sign(self, pdf: bytes, reason: str, location: str, when: datetime, level: Level,
              ocsps: list[bytes], crls: list[bytes]) -> bytes:
        # revocation data fetched for the check before signing is kept in the DSS at any level
        long_term = level in ("B-LT", "B-LTA") or bool(ocsps or crls)
        context = None
        if long_term:
            roots = [*self._trust, *(c for c in self.chain if c.issuer == c.subject)]
            context = ValidationContext(
                trust_roots=[asn1_x509.Certificate.load(d) for d in der(roots)],
                other_certs=[asn1_x509.Certificate.load(d) for d in der(list(self.chain))],
                ocsps=[asn1_ocsp.OCSPResponse.load(o) for o in ocsps],
                crls=[asn1_crl.CertificateList.load(c) for c in crls],
                allow_fetching=False, revocation_mode="soft-fail", moment=when)
        meta = signers.PdfSignatureMetadata(
            field_name="Signature1", md_algorithm=HASH, subfilter=SigSeedSubFilter.PADES,
            reason=reason, location=location, embed_validation_info=long_term,
            use_pades_lta=level == "B-LTA", validation_context=context,
            app_build_props=None)
        pdf_signer = signers.PdfSigner(meta, self._raw, timestamper=self._timestamper if level != "B-B" else None)
        try:
            writer = IncrementalPdfFileWriter(io.BytesIO(pdf))
        except (PdfError, ValueError, KeyError, IndexError) as exc:
            raise SigningError(f"the document to sign is not a readable PDF: {exc}") from None
        # pyHanko draws the second /ID half at random: derive it for reproducible output
        first = writer.document_id[0]
        writer._document_id = generic.ArrayObject([  # noqa: SLF001
            generic.ByteStringObject(first),
            generic.ByteStringObject(hashlib.sha256(pdf + when.isoformat().encode()).digest()[:16])])
        try:
            return run(sign_at(pdf_signer, writer, when, self._reserve(ocsps, crls, level)))
        except TimestampRequestError:
            raise
        except (PathBuildingError, PathValidationError, ValidationError) as exc:
            raise SigningError(
                f"the validation data for PAdES {level} could not be gathered ({exc}): give the "
                "time-stamping authority's root certificate as a trust anchor (GUICHET_TSA_TRUST), "
                "or sign at B-T") from None
        except PyHankoSigningError as exc:
            raise SigningError(f"the document could not be signed: {exc}") from None
        except PdfError as exc:
            raise SigningError(f"the document to sign is not a readable PDF: {exc}") from None

    def _revocation_info(self, warnings: list[str]) -> list[bytes]:
        if not self.ocsp_url:
            return []
        try:
            return [fetch_ocsp(self.certificate, self.chain[0] if self.chain else None,
                               self.ocsp_url, self.ocsp_timeout)]
        except RevocationInfoUnavailable as exc:
            if self.ocsp_required:
                raise
            warnings.append(f"{exc}: signed without embedded revocation data")
            return []

    def _reserve(self, ocsps: list[bytes], crls: list[bytes], level: Level) -> int:
        """Bytes reserved for the CMS blob, so the document is written once."""
        size = 2048 + sum(len(d) for d in der([self.certificate, *self.chain]))
        size += self.certificate.public_key().key_size // 8  # type: ignore[union-attr]
        size += 8192 if level != "B-B" else 0  # token + the TSA's certificates
        return -(-size // 1024) * 1024 * 2  # pyHanko counts hexadecimal digits
