"""Signing with a key that stays on a PKCS#11 token (SoftHSM2 from Debian's softhsm2)."""
from __future__ import annotations

from pathlib import Path

import PyKCS11
import pytest

from signing.demo_pki import DemoPki
from signing.errors import KeyNotFound, SigningError, TokenAbsent, TokenError, WrongPin
from signing.sign import Signer
from signing.verify import verify

from .conftest import KEY_LABEL, PIN, TOKEN_LABEL
from .tools import pdfsig_valid, pyhanko_summary


def test_token_signature_validates(softhsm: str, unsigned: bytes, pki: DemoPki, tmp_path: Path) -> None:
    path = tmp_path / "token-signed.pdf"
    with Signer.from_pkcs11(softhsm, TOKEN_LABEL, PIN, KEY_LABEL,
                            chain=[pki.ca_certificate.read_bytes()]) as signer:
        path.write_bytes(signer.sign(unsigned, reason="Décision", location="Casablanca").pdf)
    assert pyhanko_summary(path, pki.ca_certificate) == "INTACT:TRUSTED,UNTOUCHED"
    assert pdfsig_valid(path)
    result = verify(path.read_bytes(), [pki.ca_certificate.read_bytes()])
    assert result.valid and result.signer_common_name == "DEMO Président du Conseil communal"


def test_token_is_logged_in_once_for_many_documents(softhsm: str, pki: DemoPki, unsigned: bytes,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    logins: list[object] = []
    real = PyKCS11.Session.login

    def spy(self: PyKCS11.Session, *args: object, **kwargs: object) -> object:
        logins.append(args)
        return real(self, *args, **kwargs)

    monkeypatch.setattr(PyKCS11.Session, "login", spy)
    with Signer.from_pkcs11(softhsm, TOKEN_LABEL, PIN, KEY_LABEL) as signer:
        for _ in range(3):
            signer.sign(unsigned, reason="r", location="l")
    assert len(logins) == 1


def test_the_private_key_cannot_leave_the_token(softhsm: str) -> None:
    lib = PyKCS11.PyKCS11Lib()
    lib.load(softhsm)
    slot = next(s for s in lib.getSlotList(tokenPresent=True) if lib.getTokenInfo(s).label.strip() == TOKEN_LABEL)
    session = lib.openSession(slot, PyKCS11.CKF_SERIAL_SESSION | PyKCS11.CKF_RW_SESSION)
    session.login(PIN)
    try:
        (key,) = session.findObjects([(PyKCS11.CKA_CLASS, PyKCS11.CKO_PRIVATE_KEY),
                                      (PyKCS11.CKA_LABEL, KEY_LABEL)])
        extractable, sensitive = session.getAttributeValue(key, [PyKCS11.CKA_EXTRACTABLE, PyKCS11.CKA_SENSITIVE])
        assert extractable is False and sensitive is True
        # Reading the private exponent gives nothing (CKR_ATTRIBUTE_SENSITIVE)…
        try:
            exported = session.getAttributeValue(key, [PyKCS11.CKA_PRIVATE_EXPONENT])[0]
        except PyKCS11.PyKCS11Error:
            exported = None
        assert exported is None
        # …and wrapping it out under a key we hold is refused (CKR_KEY_UNEXTRACTABLE).
        wrapping = session.generateKey([(PyKCS11.CKA_CLASS, PyKCS11.CKO_SECRET_KEY),
                                        (PyKCS11.CKA_KEY_TYPE, PyKCS11.CKK_AES),
                                        (PyKCS11.CKA_VALUE_LEN, 32), (PyKCS11.CKA_TOKEN, PyKCS11.CK_FALSE),
                                        (PyKCS11.CKA_WRAP, PyKCS11.CK_TRUE)],
                                       PyKCS11.Mechanism(PyKCS11.CKM_AES_KEY_GEN, None))
        with pytest.raises(PyKCS11.PyKCS11Error, match="UNEXTRACTABLE"):
            session.wrapKey(wrapping, key, PyKCS11.Mechanism(PyKCS11.CKM_AES_KEY_WRAP_PAD, None))
    finally:
        session.closeSession()


def test_wrong_pin(softhsm: str) -> None:
    with pytest.raises(WrongPin, match="refused the PIN"):
        Signer.from_pkcs11(softhsm, TOKEN_LABEL, "000000", KEY_LABEL)


def test_absent_token(softhsm: str) -> None:
    with pytest.raises(TokenAbsent, match="no token labelled 'autre-jeton' is present") as caught:
        Signer.from_pkcs11(softhsm, "autre-jeton", PIN, KEY_LABEL)
    assert TOKEN_LABEL in str(caught.value)  # says which tokens it did see


def test_missing_pkcs11_module(tmp_path: Path) -> None:
    with pytest.raises(TokenError, match="softhsm2"):
        Signer.from_pkcs11(str(tmp_path / "libnothing.so"), TOKEN_LABEL, PIN, KEY_LABEL)


def test_unknown_key_label(softhsm: str) -> None:
    with pytest.raises(KeyNotFound, match="no private key labelled 'tresorier'"):
        Signer.from_pkcs11(softhsm, TOKEN_LABEL, PIN, "tresorier")


def test_token_errors_are_signing_errors() -> None:
    for error in (WrongPin, TokenAbsent, TokenError, KeyNotFound):
        assert issubclass(error, SigningError)
