"""The DEMO PKI: clearly labelled, passphrase-protected, never committable."""
from __future__ import annotations

import stat
from pathlib import Path

import pytest
from click.testing import CliRunner
from cryptography import x509

from signing import demo_pki
from signing.cli import pki as pki_group
from signing.demo_pki import DemoPki
from signing.errors import SigningError, WrongPassphrase
from signing.sign import Signer
from signing.verify import verify

from .conftest import PASSPHRASE


def test_demo_pki_files(pki: DemoPki) -> None:
    ca = x509.load_pem_x509_certificate(pki.ca_certificate.read_bytes())
    president = x509.load_pem_x509_certificate(pki.president_certificate.read_bytes())
    assert "DEMO" in ca.subject.rfc4514_string() and "DEMO" in president.subject.rfc4514_string()
    assert president.issuer == ca.subject
    assert ca.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
    usage = president.extensions.get_extension_for_class(x509.KeyUsage).value
    assert usage.digital_signature and usage.content_commitment
    assert president.public_key().key_size >= 3072  # type: ignore[union-attr]
    for private in (pki.president_pkcs12, pki.ca_pkcs12):
        assert stat.S_IMODE(private.stat().st_mode) == 0o600
    assert (pki.directory / ".gitignore").read_text().splitlines()[-1] == "*"
    assert not list(pki.directory.glob(".*.tmp")), "no temporary file left behind"


def test_demo_president_signs_and_is_trusted_under_the_demo_ca(pki: DemoPki, unsigned: bytes) -> None:
    with pytest.raises(WrongPassphrase):
        Signer.from_pkcs12(pki.president_pkcs12, "wrong")
    signed = Signer.from_pkcs12(pki.president_pkcs12, PASSPHRASE).sign(unsigned, reason="r", location="l")
    assert verify(signed.pdf, [pki.ca_certificate.read_bytes()]).valid


def test_an_existing_pki_is_kept(pki: DemoPki) -> None:
    before = pki.president_pkcs12.read_bytes()
    with pytest.raises(SigningError, match="already exists"):
        demo_pki.create(pki.directory, PASSPHRASE)
    assert pki.president_pkcs12.read_bytes() == before


def test_short_passphrases_are_refused(tmp_path: Path) -> None:
    with pytest.raises(SigningError, match="at least 8"):
        demo_pki.create(tmp_path, "short")
    assert not any(tmp_path.iterdir())


def test_cli_pki_demo(tmp_path: Path) -> None:
    runner = CliRunner()
    target = tmp_path / "instance" / "pki"
    done = runner.invoke(pki_group, ["demo", str(target)], env={"GUICHET_SIGNING_PASSPHRASE": PASSPHRASE})
    assert done.exit_code == 0, done.output
    assert "DEMO PKI created" in done.output and "demo-root-ca.pem" in done.output
    assert (target / "president.p12").is_file()
    again = runner.invoke(pki_group, ["demo", str(target), "--passphrase", PASSPHRASE])
    assert again.exit_code == 1 and "already exists" in again.output
    prompted = runner.invoke(pki_group, ["demo", str(target), "--overwrite"], input=f"{PASSPHRASE}\n{PASSPHRASE}\n")
    assert prompted.exit_code == 0, prompted.output
