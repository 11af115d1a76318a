"""Revocation data from an OCSP responder on 127.0.0.1, embedded in the signature."""
from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from signing import demo_pki
from signing.demo_pki import DemoPki, Issued
from signing.errors import CertificateRevoked, RevocationInfoUnavailable
from signing.sign import Signer
from signing.verify import verify

from .conftest import PASSPHRASE
from .servers import OcspResponder
from .tools import closed_port_url, pdfsig_valid, pyhanko_summary


@pytest.fixture
def responder(ca: Issued) -> Iterator[OcspResponder]:
    server = OcspResponder(ca, [])
    yield server
    server.stop()


@pytest.fixture
def president_p12(ca: Issued, responder: OcspResponder, tmp_path: Path) -> tuple[Path, int]:
    """A president certificate naming the local responder (AIA), known to it; its serial."""
    issued = demo_pki.issue(demo_pki.name("DEMO Président (OCSP)"), issuer=ca, key=demo_pki.new_key(2048),
                            ocsp_url=responder.url)
    responder.known[issued.certificate.serial_number] = issued.certificate
    path = tmp_path / "president-ocsp.p12"
    path.write_bytes(demo_pki.pkcs12_bytes(issued, PASSPHRASE, "president", [ca.certificate]))
    return path, issued.certificate.serial_number


def test_ocsp_answer_is_embedded_and_used(president_p12: tuple[Path, int], responder: OcspResponder,
                                         pki: DemoPki, unsigned: bytes, tmp_path: Path) -> None:
    signer = Signer.from_pkcs12(president_p12[0], PASSPHRASE, ocsp_url=responder.url, ocsp_required=True)
    signed = signer.sign(unsigned, reason="Décision", location="Casablanca")
    assert signed.warnings == [] and responder.requests == 1
    path = tmp_path / "ocsp.pdf"
    path.write_bytes(signed.pdf)
    # pyHanko checks revocation on line (hard-fail) against the responder in the certificate;
    # the answer is kept in the document security store, an update validators accept
    assert pyhanko_summary(path, pki.ca_certificate) == \
        "INTACT:TRUSTED,EXTENDED_WITH_LTA_UPDATES,ACCEPTABLE_MODIFICATIONS"
    assert pdfsig_valid(path)
    responder.stop()  # from now on only the embedded answer can tell
    roots = [pki.ca_certificate.read_bytes()]
    result = verify(signed.pdf, roots, revocation="require")
    assert result.valid and result.revocation_embedded

    # the same certificate without the embedded answer fails when revocation data is required
    bare = Signer.from_pkcs12(president_p12[0], PASSPHRASE).sign(unsigned, reason="r", location="l")
    without = verify(bare.pdf, roots, revocation="require")
    assert without.intact and not without.trusted and not without.revocation_embedded


def test_a_revoked_certificate_does_not_sign(president_p12: tuple[Path, int], responder: OcspResponder,
                                            unsigned: bytes) -> None:
    signer = Signer.from_pkcs12(president_p12[0], PASSPHRASE, ocsp_url=responder.url)
    responder.revoked.add(president_p12[1])
    with pytest.raises(CertificateRevoked, match="revoked on .* must not sign"):
        signer.sign(unsigned, reason="Décision", location="Casablanca")


def test_unreachable_responder(president_p12: tuple[Path, int], unsigned: bytes) -> None:
    url = closed_port_url()
    required = Signer.from_pkcs12(president_p12[0], PASSPHRASE, ocsp_url=url, ocsp_required=True,
                                  ocsp_timeout=2)
    with pytest.raises(RevocationInfoUnavailable, match="unreachable"):
        required.sign(unsigned, reason="Décision", location="Casablanca")
    optional = Signer.from_pkcs12(president_p12[0], PASSPHRASE, ocsp_url=url, ocsp_timeout=2)
    signed = optional.sign(unsigned, reason="Décision", location="Casablanca")
    assert len(signed.warnings) == 1 and "without embedded revocation data" in signed.warnings[0]
