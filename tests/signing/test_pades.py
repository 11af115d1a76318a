"""PAdES baseline levels B-B, B-T, B-LT and B-LTA, against a local TSA and OCSP responder,
checked by pyHanko's validator (ours and its command line) and by pdfsig."""
from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from asn1crypto import cms as asn1_cms
from pyhanko.pdf_utils.reader import PdfFileReader

from signing import demo_pki
from signing.demo_pki import DemoPki, Issued
from signing.sign import Signer
from signing.verify import verify

from .conftest import PASSPHRASE
from .servers import OcspResponder, Tsa
from .tools import pdfsig_verdicts, pyhanko_summary


@pytest.fixture(scope="module")
def responder(ca: Issued) -> Iterator[OcspResponder]:
    server = OcspResponder(ca, [])
    yield server
    server.stop()


@pytest.fixture(scope="module")
def short_lived(ca: Issued, responder: OcspResponder, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A president certificate valid two days, naming the local OCSP responder."""
    issued = demo_pki.issue(demo_pki.name("DEMO Présidente (courte durée)"), issuer=ca,
                            key=demo_pki.new_key(2048), days=2, ocsp_url=responder.url)
    responder.known[issued.certificate.serial_number] = issued.certificate
    path = tmp_path_factory.mktemp("short") / "president.p12"
    path.write_bytes(demo_pki.pkcs12_bytes(issued, PASSPHRASE, "president", [ca.certificate]))
    return path


def _signer(p12: Path, level: str, tsa: Tsa, responder: OcspResponder, tsa_root_pem: Path) -> Signer:
    """B-B and B-T without revocation data (fetched revocation data is always kept in a DSS,
    which with a time stamp is B-LT already)."""
    long_term = level in ("B-LT", "B-LTA")
    return Signer.from_pkcs12(p12, PASSPHRASE, tsa_url=None if level == "B-B" else tsa.url,
                              tsa_required=level != "B-B", ocsp_url=responder.url if long_term else None,
                              ocsp_required=long_term, trust=[tsa_root_pem.read_bytes()],
                              level=level)  # type: ignore[arg-type]


@pytest.mark.parametrize("level", ["B-B", "B-T", "B-LT", "B-LTA"])
def test_each_level_is_reported_by_the_validators(level: str, short_lived: Path, tsa: Tsa,
                                                  responder: OcspResponder, tsa_root_pem: Path,
                                                  pki: DemoPki, unsigned: bytes, tmp_path: Path) -> None:
    signed = _signer(short_lived, level, tsa, responder, tsa_root_pem).sign(
        unsigned, reason="Décision", location="Casablanca")
    assert signed.level == level and signed.warnings == []
    roots = [pki.ca_certificate.read_bytes(), tsa_root_pem.read_bytes()]
    result = verify(signed.pdf, roots)
    assert result.valid and result.level == level, result

    reader = PdfFileReader(__import__("io").BytesIO(signed.pdf))
    sig = reader.embedded_regular_signatures[0]
    assert sig.sig_object["/SubFilter"] == "/ETSI.CAdES.detached"
    assert "/M" in sig.sig_object
    kinds = {a["type"].native for a in sig.signer_info["signed_attrs"]}
    assert "signing_certificate_v2" in kinds and "signing_time" not in kinds
    assert ("/DSS" in reader.root) == (level in ("B-LT", "B-LTA"))
    assert len(reader.embedded_timestamp_signatures) == (level == "B-LTA")

    path = tmp_path / f"{level}.pdf"
    path.write_bytes(signed.pdf)
    summary = pyhanko_summary(path, pki.ca_certificate, tsa_root_pem)
    assert summary.startswith("INTACT:TRUSTED")
    assert ("TIMESTAMP_TOKEN<INTACT:TRUSTED>" in summary) == (level != "B-B")
    verdicts = pdfsig_verdicts(path)
    # pdfsig checks the signature; it cannot check document time stamps ("unknown" type)
    assert verdicts[0] == ("ETSI.CAdES.detached", "Signature is Valid.")
    assert [kind for kind, _ in verdicts[1:]] == (["unknown"] if level == "B-LTA" else [])


def test_long_term_signatures_outlive_the_certificate_and_the_responder(
        short_lived: Path, tsa: Tsa, responder: OcspResponder, tsa_root_pem: Path, pki: DemoPki,
        unsigned: bytes) -> None:
    later = datetime.now(UTC) + timedelta(days=5)  # the certificate expired three days ago
    roots = [pki.ca_certificate.read_bytes(), tsa_root_pem.read_bytes()]
    signed = {level: _signer(short_lived, level, tsa, responder, tsa_root_pem).sign(
        unsigned, reason="Décision", location="Casablanca").pdf for level in ("B-T", "B-LT", "B-LTA")}
    for level in ("B-LT", "B-LTA"):
        result = verify(signed[level], roots, validation_time=later, revocation="require")
        assert result.valid and result.level == level, (level, result)
    timestamped_only = verify(signed["B-T"], roots, validation_time=later)
    assert not timestamped_only.valid and timestamped_only.level is None


def test_a_tampered_long_term_signature_is_refused(short_lived: Path, tsa: Tsa, responder: OcspResponder,
                                                  tsa_root_pem: Path, pki: DemoPki, unsigned: bytes) -> None:
    from .samples import CODE
    from .tools import tamper

    pdf = _signer(short_lived, "B-LTA", tsa, responder, tsa_root_pem).sign(
        unsigned, reason="Décision", location="Casablanca").pdf
    result = verify(tamper(pdf, CODE.encode()), [pki.ca_certificate.read_bytes(), tsa_root_pem.read_bytes()])
    assert not result.valid and result.level is None


def test_timestamp_token_is_on_the_signature(short_lived: Path, tsa: Tsa, responder: OcspResponder,
                                            tsa_root_pem: Path, unsigned: bytes) -> None:
    pdf = _signer(short_lived, "B-T", tsa, responder, tsa_root_pem).sign(
        unsigned, reason="Décision", location="Casablanca").pdf
    sig = PdfFileReader(__import__("io").BytesIO(pdf)).embedded_regular_signatures[0]
    unsigned_attrs = {a["type"].native: a for a in sig.signer_info["unsigned_attrs"]}
    token = unsigned_attrs["signature_time_stamp_token"]["values"][0]
    assert isinstance(token, asn1_cms.ContentInfo)


def test_refresh_renews_the_archive_time_stamp_before_its_certificate_expires(
        short_lived: Path, tsa: Tsa, responder: OcspResponder, tsa_root: Issued, tsa_root_pem: Path,
        pki: DemoPki, unsigned: bytes, tmp_path: Path) -> None:
    from cryptography.x509.oid import ExtendedKeyUsageOID

    from signing import archive
    from signing.errors import SigningError

    # a TSA whose certificate lapses in 20 days signs the archive time stamp...
    brief = Tsa(tmp_path / "brief", demo_pki.issue(
        demo_pki.name("Guichet DEMO TSA (brève)"), issuer=tsa_root, key=demo_pki.new_key(2048), days=20,
        extended_usage=[ExtendedKeyUsageOID.TIME_STAMPING]), [tsa_root.certificate])
    try:
        pdf = _signer(short_lived, "B-LTA", brief, responder, tsa_root_pem).sign(
            unsigned, reason="Décision", location="Casablanca").pdf
    finally:
        brief.stop()
    roots = [pki.ca_certificate.read_bytes(), tsa_root_pem.read_bytes()]
    expiry = archive.newest_timestamp_expiry(pdf)
    assert expiry is not None and expiry < datetime.now(UTC) + timedelta(days=20)
    later = datetime.now(UTC) + timedelta(days=40)
    assert not verify(pdf, roots, validation_time=later).valid  # its proof has lapsed

    assert archive.refresh(pdf, tsa_url=tsa.url, trust=roots, margin=timedelta(days=10)) is None
    renewed = archive.refresh(pdf, tsa_url=tsa.url, trust=roots)  # 180 days ahead by default
    assert renewed is not None and renewed.startswith(pdf)  # an incremental update
    reader = PdfFileReader(__import__("io").BytesIO(renewed))
    assert len(reader.embedded_timestamp_signatures) == 2
    assert archive.newest_timestamp_expiry(renewed) > datetime.now(UTC) + timedelta(days=365)  # type: ignore[operator]
    result = verify(renewed, roots, validation_time=later, revocation="require")
    assert result.valid and result.level == "B-LTA", result
    assert archive.refresh(renewed, tsa_url=tsa.url, trust=roots) is None  # nothing to do now

    bare = _signer(short_lived, "B-B", tsa, responder, tsa_root_pem).sign(unsigned, reason="r", location="l")
    with pytest.raises(SigningError, match="no time stamp"):
        archive.refresh(bare.pdf, tsa_url=tsa.url, trust=roots)


def test_pyhanko_cli_with_a_validation_context(short_lived: Path, tsa: Tsa, responder: OcspResponder,
                                               tsa_root_pem: Path, pki: DemoPki, unsigned: bytes,
                                               tmp_path: Path) -> None:
    """``pyhanko --config … sign validate --validation-context demo`` (the demo CA and the local
    TSA's root as trust, revocation checked against the local OCSP responder)."""
    import subprocess
    import sys
    config = tmp_path / "pyhanko.yml"
    config.write_text(f"validation-contexts:\n  demo:\n    trust: [{pki.ca_certificate}, {tsa_root_pem}]\n"
                      "    trust-replace: true\n")
    for level in ("B-T", "B-LT"):
        path = tmp_path / f"{level}.pdf"
        path.write_bytes(_signer(short_lived, level, tsa, responder, tsa_root_pem).sign(
            unsigned, reason="Décision", location="Casablanca").pdf)
        done = subprocess.run([sys.executable, "-m", "pyhanko", "--config", str(config), "sign", "validate",
                               "--validation-context", "demo", str(path)], capture_output=True, text=True, timeout=60)
        summary = [ln for ln in done.stdout.splitlines() if ln.startswith("Signature")][-1].split(":", 2)[2]
        assert summary.startswith("INTACT:TRUSTED,TIMESTAMP_TOKEN<INTACT:TRUSTED>"), done.stdout + done.stderr


def test_long_term_levels_need_the_tsa_root_as_a_trust_anchor(short_lived: Path, tsa: Tsa, responder: OcspResponder,
                                                               unsigned: bytes) -> None:
    from signing.errors import SigningError
    signer = Signer.from_pkcs12(short_lived, PASSPHRASE, tsa_url=tsa.url, ocsp_url=responder.url, level="B-LT")
    with pytest.raises(SigningError, match="GUICHET_TSA_TRUST"):
        signer.sign(unsigned, reason="Décision", location="Casablanca")
