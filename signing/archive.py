"""Keep long-term signatures verifiable: renew the archive time stamp before it lapses.

A PAdES B-LTA document proves its signature existed by a document time stamp; that proof
lasts as long as the time-stamping authority's certificate. :func:`refresh` adds, before
it expires, the validation material of the newest time stamp to the DSS and a new
document time stamp over everything (pyHanko's archival time-stamp chain), so a document
signed today still validates after every certificate involved has expired.
"""
from __future__ import annotations

import io
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from asn1crypto import cms as asn1_cms
from asn1crypto import x509 as asn1_x509
from pyhanko.pdf_utils.misc import PdfError
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign import signers
from pyhanko.sign.general import SigningError as PyHankoSigningError
from pyhanko.sign.timestamps import HTTPTimeStamper, TimestampRequestError
from pyhanko_certvalidator import ValidationContext

from .errors import SigningError, TimestampUnavailable
from .keys import der, parse_certificates
from .pades import unsigned_attributes

MARGIN = timedelta(days=180)


def newest_timestamp_expiry(pdf: bytes) -> datetime | None:
    """When the certificate of the document's newest time stamp expires (document time
    stamp, else the last signature's own time stamp); None when it has none."""
    reader = _reader(pdf)
    stamps = sorted(reader.embedded_timestamp_signatures, key=lambda s: s.signed_revision)
    if stamps:
        return _not_after(stamps[-1].signer_cert)
    signatures = reader.embedded_regular_signatures
    if not signatures:
        return None
    for attr in unsigned_attributes(signatures[-1].signer_info):
        if attr["type"].native == "signature_time_stamp_token":
            token: asn1_cms.ContentInfo = attr["values"][0]
            return _not_after(_tsa_certificate(token["content"]))
    return None


def refresh(pdf: bytes, *, tsa_url: str, trust: Sequence[bytes], now: datetime | None = None,
            margin: timedelta = MARGIN, timeout: float = 10.0) -> bytes | None:
    """The document with a new archive time stamp, or None when its newest time stamp's
    certificate outlives ``now + margin`` (nothing to do yet).

    Raises :class:`SigningError` for a document without any time stamp (it was never
    long-term: sign it again at B-LT) and :class:`TimestampUnavailable` when the TSA does
    not answer (nothing is written: run again later).
    """
    now = now or datetime.now(UTC)
    expiry = newest_timestamp_expiry(pdf)
    if expiry is None:
        raise SigningError("the document carries no time stamp to renew: it was not signed for "
                           "the long term (PAdES B-LT or B-LTA)")
    if expiry > now + margin:
        return None
    roots = [asn1_x509.Certificate.load(d) for data in trust for d in der(parse_certificates(data))]
    context = ValidationContext(trust_roots=roots, allow_fetching=True, revocation_mode="soft-fail")
    stamper = signers.PdfTimeStamper(HTTPTimeStamper(tsa_url, timeout=int(timeout)))
    try:
        out = stamper.update_archival_timestamp_chain(_reader(pdf), context, in_place=False)
    except TimestampRequestError as exc:
        raise TimestampUnavailable(f"the time-stamping authority {tsa_url} gave no time stamp ({exc}): "
                                   "nothing was changed; run again when it is back") from None
    except (PyHankoSigningError, PdfError) as exc:
        raise SigningError(f"the archive time stamp could not be renewed: {exc}") from None
    return bytes(out.getvalue())


def _reader(pdf: bytes) -> PdfFileReader:
    try:
        return PdfFileReader(io.BytesIO(pdf), strict=False)
    except (PdfError, ValueError) as exc:
        raise SigningError(f"not a readable PDF ({exc})") from None


def _tsa_certificate(signed_data: asn1_cms.SignedData) -> asn1_x509.Certificate:
    sid = signed_data["signer_infos"][0]["sid"]
    for choice in signed_data["certificates"]:
        cert = choice.chosen
        if sid.name == "issuer_and_serial_number" and \
                cert.issuer == sid.chosen["issuer"] and cert.serial_number == sid.chosen["serial_number"].native:
            return cert  # type: ignore[no-any-return]
        if sid.name == "subject_key_identifier" and cert.key_identifier == sid.chosen.native:
            return cert  # type: ignore[no-any-return]
    raise SigningError("the time stamp does not carry its authority's certificate")


def _not_after(cert: asn1_x509.Certificate) -> datetime:
    when: datetime = cert["tbs_certificate"]["validity"]["not_after"].native
    return when
