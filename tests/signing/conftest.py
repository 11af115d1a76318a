"""Fixtures for the signing tests: a demo PKI, a signer, a local TSA, a SoftHSM2 token.

Every key and certificate is generated into pytest's temporary directories; nothing
private is written in the repository. Services bind 127.0.0.1 only and are stopped here.
"""
from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import PyKCS11
import pytest
from asn1crypto import core
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import ExtendedKeyUsageOID

from signing import demo_pki, fonts
from signing.demo_pki import DemoPki, Issued
from signing.errors import FontNotFound
from signing.render import decision_pdf
from signing.sign import Signer

from .samples import DECISION
from .servers import Tsa
from .tools import missing, require_tool

PASSPHRASE = "demo passphrase 2026"
TOKEN_LABEL = "guichet-test"
PIN = "123456"
SO_PIN = "12345678"
KEY_LABEL = "president"
REPO = Path(__file__).resolve().parents[2]
SOFTHSM_MODULES = ("/usr/lib/softhsm/libsofthsm2.so",
                   "/usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so",
                   "/usr/lib/aarch64-linux-gnu/softhsm/libsofthsm2.so")


@pytest.fixture(scope="session")
def output_dir() -> Path:
    """``test-output/signing`` at the repository root (gitignored): renderings kept to look at."""
    path = REPO / "test-output" / "signing"
    path.mkdir(parents=True, exist_ok=True)
    return path


@pytest.fixture(scope="session")
def pki(tmp_path_factory: pytest.TempPathFactory) -> DemoPki:
    return demo_pki.create(tmp_path_factory.mktemp("pki"), PASSPHRASE)


@pytest.fixture(scope="session")
def ca(pki: DemoPki) -> Issued:
    return demo_pki.load_ca(pki, PASSPHRASE)


@pytest.fixture(scope="session")
def signer(pki: DemoPki) -> Iterator[Signer]:
    with Signer.from_pkcs12(pki.president_pkcs12, PASSPHRASE) as s:
        yield s


@pytest.fixture(scope="session")
def fonts_installed() -> None:
    """The Debian font packages documents are set in (fonts-hosny-amiri, fonts-dejavu-core)."""
    try:
        fonts.fonts()
    except FontNotFound as exc:
        missing(str(exc))


@pytest.fixture(scope="session")
def unsigned(fonts_installed: None) -> bytes:
    """The sample decision, rendered once."""
    return decision_pdf(DECISION)


@pytest.fixture(scope="session")
def tsa_root() -> Issued:
    """A separate DEMO root for the time-stamping authority."""
    return demo_pki.issue(demo_pki.name("Guichet DEMO TSA Root"), ca=True, key=demo_pki.new_key(2048))


@pytest.fixture(scope="session")
def tsa(tmp_path_factory: pytest.TempPathFactory, tsa_root: Issued) -> Iterator[Tsa]:
    """An RFC 3161 TSA on 127.0.0.1 (``openssl ts``)."""
    require_tool("openssl", "openssl")
    unit = demo_pki.issue(demo_pki.name("Guichet DEMO TSA"), issuer=tsa_root, key=demo_pki.new_key(2048),
                          extended_usage=[ExtendedKeyUsageOID.TIME_STAMPING])
    server = Tsa(tmp_path_factory.mktemp("tsa"), unit, [tsa_root.certificate])
    yield server
    server.stop()


@pytest.fixture(scope="session")
def tsa_root_pem(tmp_path_factory: pytest.TempPathFactory, tsa_root: Issued) -> Path:
    path = tmp_path_factory.mktemp("tsa-root") / "tsa-root.pem"
    path.write_bytes(demo_pki.pem(tsa_root.certificate))
    return path


@pytest.fixture(scope="session")
def softhsm(tmp_path_factory: pytest.TempPathFactory, pki: DemoPki) -> Iterator[str]:
    """A SoftHSM2 token holding the president's key (imported non-extractable) and
    certificate; yields the PKCS#11 module path."""
    from tests import softhsm as shared

    util = require_tool("softhsm2-util", "softhsm2")
    module = shared.module()
    assert module, f"softhsm2-util is installed but no libsofthsm2.so in {shared.MODULES}"
    base = tmp_path_factory.mktemp("softhsm")
    with pytest.MonkeyPatch.context():
        shared.init_token(TOKEN_LABEL, PIN)
        key, cert, _ = pkcs12.load_key_and_certificates(pki.president_pkcs12.read_bytes(),
                                                        PASSPHRASE.encode())
        assert key is not None and cert is not None
        pem_key = base / "president.key"  # plaintext only for the import, then removed
        fd = os.open(pem_key, os.O_WRONLY | os.O_CREAT, 0o600)
        with os.fdopen(fd, "wb") as out:
            out.write(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                        serialization.NoEncryption()))
        try:
            subprocess.run([util, "--import", str(pem_key), "--token", TOKEN_LABEL, "--label", KEY_LABEL,
                            "--id", "01", "--pin", PIN], check=True, capture_output=True)
        finally:
            pem_key.unlink()
        _store_certificate(module, cert)
        yield module


def _store_certificate(module: str, cert: x509.Certificate) -> None:
    """Put the president's certificate on the token, next to its key (same CKA_ID)."""
    lib = PyKCS11.PyKCS11Lib()
    lib.load(module)
    slot = next(s for s in lib.getSlotList(tokenPresent=True)
                if lib.getTokenInfo(s).label.strip() == TOKEN_LABEL)
    session = lib.openSession(slot, PyKCS11.CKF_SERIAL_SESSION | PyKCS11.CKF_RW_SESSION)
    session.login(PIN)
    session.createObject([
        (PyKCS11.CKA_CLASS, PyKCS11.CKO_CERTIFICATE), (PyKCS11.CKA_CERTIFICATE_TYPE, PyKCS11.CKC_X_509),
        (PyKCS11.CKA_TOKEN, PyKCS11.CK_TRUE), (PyKCS11.CKA_LABEL, KEY_LABEL),
        (PyKCS11.CKA_ID, (0x01,)), (PyKCS11.CKA_SUBJECT, cert.subject.public_bytes()),
        (PyKCS11.CKA_ISSUER, cert.issuer.public_bytes()),
        (PyKCS11.CKA_SERIAL_NUMBER, core.Integer(cert.serial_number).dump()),
        (PyKCS11.CKA_VALUE, cert.public_bytes(serialization.Encoding.DER))])
    session.logout()
    session.closeSession()
