"""RFC 3161 time stamps from a TSA on 127.0.0.1 (``openssl ts`` behind http.server)."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from signing.demo_pki import DemoPki
from signing.errors import TimestampUnavailable
from signing.sign import Signer
from signing.verify import verify

from .conftest import PASSPHRASE
from .servers import Tsa
from .tools import closed_port_url, pdfsig_valid, pyhanko_summary, pyhanko_validate


def test_timestamped_signature_shows_a_trusted_time_stamp(pki: DemoPki, tsa: Tsa, tsa_root_pem: Path,
                                                         unsigned: bytes, tmp_path: Path) -> None:
    signer = Signer.from_pkcs12(pki.president_pkcs12, PASSPHRASE, tsa_url=tsa.url, tsa_required=True)
    before = tsa.requests
    signed = signer.sign(unsigned, reason="Décision", location="Casablanca")
    assert signed.timestamped and signed.warnings == []
    assert tsa.requests == before + 1, "one time stamp per signature"
    path = tmp_path / "timestamped.pdf"
    path.write_bytes(signed.pdf)

    assert pyhanko_summary(path, pki.ca_certificate, tsa_root_pem) == \
        "INTACT:TRUSTED,TIMESTAMP_TOKEN<INTACT:TRUSTED>,UNTOUCHED"
    pretty = pyhanko_validate(path, pki.ca_certificate, tsa_root_pem, pretty=True)
    assert "Signature timestamp token:" in pretty and "The TSA certificate is trusted." in pretty
    assert pdfsig_valid(path)

    result = verify(signed.pdf, [pki.ca_certificate.read_bytes(), tsa_root_pem.read_bytes()])
    assert result.valid and result.timestamp_trusted
    assert result.timestamp is not None
    assert abs(result.timestamp - datetime.now(UTC)) < timedelta(minutes=2)

    untrusted_tsa = verify(signed.pdf, [pki.ca_certificate.read_bytes()])
    assert untrusted_tsa.trusted and not untrusted_tsa.timestamp_trusted and not untrusted_tsa.valid
    assert any("time stamp is not trusted" in p for p in untrusted_tsa.problems)


def test_unreachable_tsa_fails_when_a_time_stamp_is_required(pki: DemoPki, unsigned: bytes) -> None:
    signer = Signer.from_pkcs12(pki.president_pkcs12, PASSPHRASE, tsa_url=closed_port_url(),
                                tsa_required=True, tsa_timeout=2)
    with pytest.raises(TimestampUnavailable, match="gave no time stamp.*nothing was signed"):
        signer.sign(unsigned, reason="Décision", location="Casablanca")


def test_unreachable_tsa_signs_without_and_says_so_when_allowed(pki: DemoPki, unsigned: bytes) -> None:
    url = closed_port_url()
    signer = Signer.from_pkcs12(pki.president_pkcs12, PASSPHRASE, tsa_url=url, tsa_timeout=2)
    signed = signer.sign(unsigned, reason="Décision", location="Casablanca")
    assert not signed.timestamped
    assert len(signed.warnings) == 1 and url in signed.warnings[0]
    assert "signed without a time stamp" in signed.warnings[0]
    result = verify(signed.pdf, [pki.ca_certificate.read_bytes()])
    assert result.valid and result.timestamp is None


def test_required_time_stamp_needs_a_tsa(pki: DemoPki) -> None:
    with pytest.raises(ValueError, match="tsa_url"):
        Signer.from_pkcs12(pki.president_pkcs12, PASSPHRASE, tsa_required=True)


def test_any_data_is_time_stamped_for_the_audit_checkpoints(tsa: Tsa) -> None:
    import hashlib

    from asn1crypto import cms, tsp

    from signing.timestamp import stamp
    data = b'{"entries":[[1,3,"abc"]]}'
    token = cms.ContentInfo.load(stamp(data, tsa.url))
    info = tsp.TSTInfo.load(token["content"]["encap_content_info"]["content"].parsed.dump())
    assert info["message_imprint"]["hashed_message"].native == hashlib.sha256(data).digest()
    assert abs(info["gen_time"].native - datetime.now(UTC)) < timedelta(minutes=2)
