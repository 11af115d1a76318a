"""What a verifier reads of a PAdES signature beyond pyHanko's verdict: the validation
material in the document security store (DSS), the document time stamps, and the PAdES
baseline level (ETSI EN 319 142-1) the signature reaches.

* **B-B** — SubFilter ``ETSI.CAdES.detached``, an ESS signing-certificate-v2 attribute and
  no CMS signing-time, the signature valid and trusted;
* **B-T** — and a trusted RFC 3161 time stamp on the signature;
* **B-LT** — and, in the DSS, revocation data (OCSP answer or CRL) about the signer's
  certificate: the signature validates at its time stamp's time without going on line;
* **B-LTA** — and a trusted document time stamp added after that material.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from asn1crypto import cms as asn1_cms
from asn1crypto import core
from asn1crypto import crl as asn1_crl
from asn1crypto import ocsp as asn1_ocsp
from asn1crypto import tsp as asn1_tsp
from asn1crypto import x509 as asn1_x509
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.general import (
    MultivaluedAttributeError,
    NonexistentAttributeError,
    find_unique_cms_attribute,
)
from pyhanko.sign.validation.dss import DocumentSecurityStore, NoDSSFoundError
from pyhanko.sign.validation.pdf_embedded import EmbeddedPdfSignature

PADES = "/ETSI.CAdES.detached"


@dataclass
class Material:
    """The validation material a PDF carries: DSS certificates, OCSP answers and CRLs."""

    certs: list[asn1_x509.Certificate] = field(default_factory=list)
    ocsps: list[asn1_ocsp.OCSPResponse] = field(default_factory=list)
    crls: list[asn1_crl.CertificateList] = field(default_factory=list)

    def covers(self, cert: asn1_x509.Certificate) -> bool:
        """Whether revocation data about ``cert`` is present (an OCSP answer or its CA's CRL)."""
        for response in self.ocsps:
            try:
                basic = response["response_bytes"]["response"].parsed
                for single in basic["tbs_response_data"]["responses"]:
                    if single["cert_id"]["serial_number"].native == cert.serial_number:
                        return True
            except (KeyError, ValueError, TypeError):
                continue
        return any(c["tbs_cert_list"]["issuer"] == cert.issuer for c in self.crls)


def material(reader: PdfFileReader) -> Material:
    """The DSS of ``reader`` (empty when it has none)."""
    try:
        dss = DocumentSecurityStore.read_dss(reader)
    except NoDSSFoundError:
        return Material()
    context = dss.as_validation_context({"trust_roots": []})
    return Material(list(dss.load_certs()), list(context.ocsps), list(context.crls))


def baseline_attributes(sig: EmbeddedPdfSignature) -> tuple[bool, str]:
    """Whether the CMS has what B-B asks (and, if not, why)."""
    subfilter = str(sig.sig_object.get("/SubFilter", ""))
    if subfilter != PADES:
        return False, f"SubFilter {subfilter or '(none)'} is not {PADES}"
    attrs = sig.signer_info["signed_attrs"]
    try:
        find_unique_cms_attribute(attrs, "signing_certificate_v2")
    except (NonexistentAttributeError, MultivaluedAttributeError):
        return False, "no signing-certificate-v2 attribute"
    try:
        find_unique_cms_attribute(attrs, "signing_time")
        return False, "a CMS signing-time attribute (PAdES baseline forbids it)"
    except NonexistentAttributeError:
        return True, ""
    except MultivaluedAttributeError:
        return False, "a CMS signing-time attribute (PAdES baseline forbids it)"


def signature_timestamp_time(sig: EmbeddedPdfSignature) -> datetime | None:
    """The time in the signature's RFC 3161 token, if it has one (not yet validated)."""
    for attr in unsigned_attributes(sig.signer_info):
        if attr["type"].native == "signature_time_stamp_token":
            token: asn1_cms.ContentInfo = attr["values"][0]
            info = token["content"]["encap_content_info"]["content"].parsed
            if isinstance(info, asn1_tsp.TSTInfo):
                when: datetime = info["gen_time"].native
                return when
    return None


def unsigned_attributes(signer_info: asn1_cms.SignerInfo) -> list[asn1_cms.CMSAttribute]:
    """The unsigned attributes, without converting them to Python values (asn1crypto's
    ``.native`` re-encodes the whole time-stamp token: hundreds of milliseconds)."""
    unsigned = signer_info["unsigned_attrs"]
    return [] if isinstance(unsigned, core.Void) else list(unsigned)


def level(*, baseline: bool, valid: bool, timestamp_trusted: bool, long_term: bool,
          archive_trusted: bool) -> str | None:
    """The highest PAdES baseline level the facts support, or None."""
    if not (baseline and valid):
        return None
    if not timestamp_trusted:
        return "B-B"
    if not long_term:
        return "B-T"
    return "B-LTA" if archive_trusted else "B-LT"
