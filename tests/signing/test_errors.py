"""Every way the president's key or certificate can be unusable gives an error to act on."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from signing import demo_pki, errors
from signing.demo_pki import DemoPki, Issued
from signing.errors import (
    CertificateNotValidNow,
    KeyFileError,
    KeyUsageNotAllowed,
    SigningError,
    WrongPassphrase,
)
from signing.sign import Signer

from .conftest import PASSPHRASE


def p12(tmp_path: Path, ca: Issued, **issue: object) -> Path:
    issued = demo_pki.issue(demo_pki.name("DEMO Président (test)"), issuer=ca,
                            key=demo_pki.new_key(2048), **issue)  # type: ignore[arg-type]
    path = tmp_path / "president.p12"
    path.write_bytes(demo_pki.pkcs12_bytes(issued, PASSPHRASE, "president", [ca.certificate]))
    return path


def test_wrong_passphrase(pki: DemoPki) -> None:
    with pytest.raises(WrongPassphrase, match=f"does not open {pki.president_pkcs12}"):
        Signer.from_pkcs12(pki.president_pkcs12, "not the passphrase")


def test_missing_or_foreign_key_file(tmp_path: Path, pki: DemoPki) -> None:
    with pytest.raises(KeyFileError, match="cannot read"):
        Signer.from_pkcs12(tmp_path / "absent.p12", PASSPHRASE)
    with pytest.raises(KeyFileError, match="not a PKCS#12"):
        Signer.from_pkcs12(pki.ca_certificate, PASSPHRASE)  # a PEM certificate


def test_expired_certificate(tmp_path: Path, ca: Issued) -> None:
    path = p12(tmp_path, ca, not_before=datetime.now(UTC) - timedelta(days=400), days=365)
    with pytest.raises(CertificateNotValidNow, match="expired on .*new certificate"):
        Signer.from_pkcs12(path, PASSPHRASE)


def test_not_yet_valid_certificate(tmp_path: Path, ca: Issued) -> None:
    path = p12(tmp_path, ca, not_before=datetime.now(UTC) + timedelta(days=3))
    with pytest.raises(CertificateNotValidNow, match="valid only from .*clock"):
        Signer.from_pkcs12(path, PASSPHRASE)


def test_a_certificate_expiring_while_the_process_runs(signer: Signer, unsigned: bytes) -> None:
    later = signer.certificate.not_valid_after_utc + timedelta(days=1)
    with pytest.raises(CertificateNotValidNow, match="expired"):
        signer.sign(unsigned, reason="r", location="l", signing_time=later)


@pytest.mark.parametrize("usage", [
    {"digital_signature": False, "content_commitment": False, "key_encipherment": True},
])
def test_certificate_without_signing_key_usage(tmp_path: Path, ca: Issued, usage: dict[str, bool]) -> None:
    path = p12(tmp_path, ca, key_usage=usage)
    with pytest.raises(KeyUsageNotAllowed, match="does not allow digital signature or non-repudiation"):
        Signer.from_pkcs12(path, PASSPHRASE)


def test_non_repudiation_alone_is_enough(tmp_path: Path, ca: Issued, unsigned: bytes) -> None:
    path = p12(tmp_path, ca, key_usage={"digital_signature": False, "content_commitment": True})
    assert Signer.from_pkcs12(path, PASSPHRASE).sign(unsigned, reason="r", location="l").pdf


def test_every_error_is_a_signing_error_with_a_message() -> None:
    classes = [c for c in vars(errors).values() if isinstance(c, type) and issubclass(c, Exception)]
    assert len(classes) > 10
    assert all(issubclass(c, SigningError) for c in classes)
