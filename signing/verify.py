"""Check a signed PDF with pyHanko's validator: integrity, signer, time, trust.

``verify(pdf, trust_roots)`` never raises for a bad document: a PDF that is unreadable,
unsigned, altered or signed by someone outside the trust anchors gives a
:class:`Verification` whose flags are false and whose ``problems`` say why, in words a
person can act on. It does not go on line: revocation data embedded in the signature is
used, nothing is fetched.
"""
from __future__ import annotations

import asyncio
import dataclasses
import io
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Literal

from asn1crypto import ocsp as asn1_ocsp
from asn1crypto import pem
from asn1crypto import x509 as asn1_x509
from pyhanko.pdf_utils.misc import PdfError
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.diff_analysis import ModificationLevel
from pyhanko.sign.general import (
    MultivaluedAttributeError,
    NonexistentAttributeError,
    find_unique_cms_attribute,
)
from pyhanko.sign.validation import validate_pdf_signature, validate_pdf_timestamp
from pyhanko.sign.validation.errors import SignatureValidationError
from pyhanko.sign.validation.pdf_embedded import EmbeddedPdfSignature
from pyhanko.sign.validation.settings import KeyUsageConstraints
from pyhanko.sign.validation.status import PdfSignatureStatus, SignatureCoverageLevel
from pyhanko_certvalidator import ValidationContext

from . import pades

# What the signer accepts (see keys.check_certificate); pyHanko alone wants nonRepudiation.
KEY_USAGE = KeyUsageConstraints(key_usage={"digital_signature", "non_repudiation"},
                                match_all_key_usages=False)

__all__ = ["Verification", "verify"]
RevocationPolicy = Literal["soft-fail", "hard-fail", "require"]


@dataclass(frozen=True)
class Verification:
    """What a verifier can say about the (last) signature of a PDF.

    ``intact``: the signed bytes are unchanged and the signature is mathematically
    correct. ``trusted``: the signer's certificate chains to one of the trust anchors
    and allows signing. ``covers_whole_document``: nothing was appended after signing.
    ``valid``: pyHanko's overall judgement (all of the above, or only permitted changes
    after signing, and a sound time stamp if there is one). ``level``: the PAdES
    baseline level reached ("B-B", "B-T", "B-LT", "B-LTA"), None for a signature that is
    not a valid PAdES baseline one. ``archive_timestamp``: the time of the oldest trusted
    document time stamp covering the signature (B-LTA).
    """

    signed: bool
    intact: bool
    trusted: bool
    valid: bool
    covers_whole_document: bool
    signer_subject: str | None = None
    signer_common_name: str | None = None
    signing_time: datetime | None = None
    timestamp: datetime | None = None
    timestamp_trusted: bool = False
    revocation_embedded: bool = False
    problems: tuple[str, ...] = ()
    #: one stable code per problem, in the same order, for a caller to word in its language:
    #: unreadable, unsigned, unverifiable, altered, bad_signature, untrusted, appended,
    #: appended_forbidden, timestamp_untrusted, several_signatures
    issues: tuple[str, ...] = ()
    level: str | None = None
    archive_timestamp: datetime | None = None
    signer_valid_until: datetime | None = None

    @classmethod
    def failed(cls, problem: str, *, signed: bool = False, issue: str = "unverifiable") -> Verification:
        """A result for a document that could not be checked at all."""
        return cls(signed=signed, intact=False, trusted=False, valid=False,
                   covers_whole_document=False, problems=(problem,), issues=(issue,))


def verify(pdf: bytes, trust_roots: Sequence[bytes], *, validation_time: datetime | None = None,
           revocation: RevocationPolicy = "soft-fail") -> Verification:
    """Verify the last signature of ``pdf`` (see :func:`_verify`); pyHanko runs its own event
    loop, so from a thread whose loop is running the work goes to a short-lived thread."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return _verify(pdf, trust_roots, validation_time=validation_time, revocation=revocation)
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(_verify, pdf, trust_roots, validation_time=validation_time,
                           revocation=revocation).result()


def _verify(pdf: bytes, trust_roots: Sequence[bytes], *, validation_time: datetime | None = None,
            revocation: RevocationPolicy = "soft-fail") -> Verification:
    """Verify the last signature of ``pdf`` against ``trust_roots`` (DER or PEM certificates).

    ``validation_time`` defaults to now. ``revocation``: with "soft-fail" (default) a
    certificate is refused when the embedded revocation data says it is revoked; with
    "require" every certificate needs embedded revocation data saying it is good.

    Long-term validation: document time stamps after the signature are checked newest
    first, each at the time of the next (the newest at ``validation_time``); when the
    signature is time-stamped and the DSS holds revocation data about the signer, the
    signer's certificate is judged at the signature's time stamp with that data — so a
    B-LT/B-LTA signature stays valid after the signer's certificate has expired.
    """
    try:
        roots = [asn1_x509.Certificate.load(der) for data in trust_roots for der in _ders(data)]
    except ValueError as exc:
        raise ValueError(f"a trust anchor is not a certificate (PEM or DER): {exc}") from None
    try:
        reader = PdfFileReader(io.BytesIO(pdf), strict=False)
        signatures = reader.embedded_regular_signatures
        stamps = reader.embedded_timestamp_signatures
        dss = pades.material(reader)
    except (PdfError, ValueError, KeyError, IndexError) as exc:
        return Verification.failed(f"not a readable PDF ({exc})", issue="unreadable")
    if not signatures:
        return Verification.failed("the document carries no signature", issue="unsigned")
    sig = signatures[-1]
    now = validation_time or datetime.now(UTC)
    legacy_ocsp = _embedded_ocsp(sig)

    def context(moment: datetime, policy: RevocationPolicy = "soft-fail") -> ValidationContext:
        return ValidationContext(trust_roots=roots, other_certs=dss.certs, allow_fetching=False,
                                 revocation_mode=policy, ocsps=[*legacy_ocsp, *dss.ocsps],
                                 crls=dss.crls, moment=moment)

    try:
        archive_time, archive_trusted = _archive_chain(
            [s for s in stamps if s.signed_revision > sig.signed_revision], now, context)
        ts_time = pades.signature_timestamp_time(sig)
        long_term = ts_time is not None and dss.covers(sig.signer_cert)
        signer_moment = ts_time if long_term and ts_time is not None else now
        status = validate_pdf_signature(sig, signer_validation_context=context(signer_moment, revocation),
                                        ts_validation_context=context(archive_time),
                                        key_usage_settings=KEY_USAGE)
    except (SignatureValidationError, PdfError, ValueError) as exc:
        return Verification.failed(f"the signature could not be checked ({exc})", signed=True, issue="unverifiable")
    baseline, _why = pades.baseline_attributes(sig)
    result = _result(status, bool(legacy_ocsp) or dss.covers(sig.signer_cert), len(signatures),
                     trailing=_trailing_bytes(pdf))
    ts = status.timestamp_validity
    level = pades.level(baseline=baseline, valid=result.valid,
                        timestamp_trusted=bool(ts is not None and ts.trusted), long_term=long_term,
                        archive_trusted=archive_trusted)
    return dataclasses.replace(result, level=level, archive_timestamp=archive_time if archive_trusted else None)


def _archive_chain(stamps: list[EmbeddedPdfSignature], now: datetime,
                   context: Callable[[datetime], ValidationContext]) -> tuple[datetime, bool]:
    """Validate document time stamps newest first; (the oldest one's time, all trusted)."""
    moment = now
    for stamp in sorted(stamps, key=lambda s: s.signed_revision, reverse=True):
        status = validate_pdf_timestamp(stamp, validation_context=context(moment))
        if not (status.intact and status.valid and status.trusted):
            return now, False
        moment = status.timestamp
    return moment, bool(stamps)


def _trailing_bytes(pdf: bytes) -> bool:
    """Bytes after the last revision's end (``%%EOF``): not a revision pyHanko weighs, but
    content added to the file all the same."""
    end = pdf.rfind(b"%%EOF")
    return end < 0 or bool(pdf[end + 5:].strip())


def _result(status: PdfSignatureStatus, revocation_embedded: bool, count: int, *,
            trailing: bool = False) -> Verification:
    cert = status.signing_cert
    ts = status.timestamp_validity
    whole = status.coverage == SignatureCoverageLevel.ENTIRE_FILE
    # later revisions that only add validation material and document time stamps (B-LT/B-LTA)
    archival_only = not trailing and status.modification_level in (ModificationLevel.NONE,
                                                                    ModificationLevel.LTA_UPDATES)
    problems, issues = [], []

    def problem(issue: str, text: str) -> None:
        issues.append(issue)
        problems.append(text)

    if not status.intact:
        problem("altered", "the document was altered after it was signed (its digest does not match)")
    elif not status.valid:
        problem("bad_signature", "the signature value is not correct for this document and certificate")
    if status.intact and status.valid and not status.trusted:
        problem("untrusted", "the signer's certificate does not chain to a trusted authority, is "
                "revoked or expired, or does not allow signing" +
                (f" ({status.trust_problem_indic})" if status.trust_problem_indic else ""))
    if not whole and not archival_only:
        problem("appended" if status.docmdp_ok else "appended_forbidden", "content was added after the "
                "signature" + ("" if status.docmdp_ok else ", and those changes are not permitted"))
    if ts is not None and not ts.trusted:
        problem("timestamp_untrusted", "the time stamp is not trusted (its authority is not a trust anchor)")
    if count > 1:
        problem("several_signatures", f"the document has {count} signatures; this result is about the last one")
    return Verification(
        signed=True, intact=bool(status.intact and status.valid), trusted=status.trusted,
        valid=status.bottom_line, covers_whole_document=whole,
        signer_subject=cert.subject.human_friendly,
        signer_common_name=cert.subject.native.get("common_name"),
        signer_valid_until=cert["tbs_certificate"]["validity"]["not_after"].native,
        signing_time=status.signer_reported_dt,
        timestamp=ts.timestamp if ts is not None else None,
        timestamp_trusted=bool(ts is not None and ts.trusted),
        revocation_embedded=revocation_embedded,
        problems=tuple(problems), issues=tuple(issues))


def _ders(data: bytes) -> list[bytes]:
    if pem.detect(data):
        return [der for _, _, der in pem.unarmor(data, multiple=True)]
    return [data]


def _embedded_ocsp(sig: EmbeddedPdfSignature) -> list[asn1_ocsp.OCSPResponse]:
    """The OCSP responses in the ``adbe-revocationInfoArchival`` signed attribute."""
    try:
        archival = find_unique_cms_attribute(sig.signer_info["signed_attrs"],
                                             "adobe_revocation_info_archival")
    except (NonexistentAttributeError, MultivaluedAttributeError):
        return []
    return list(archival["ocsp"]) if archival["ocsp"].native else []
