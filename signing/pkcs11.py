"""A signing key that never leaves its PKCS#11 token (smart card, HSM, SoftHSM2).

:class:`TokenKey` opens one logged-in session when it is created and keeps it: the PIN
is presented once per session, not per document. It offers ``certificate()`` and
``sign(key, data, hash)`` (what :class:`~signing.sign.Signer` calls) and
serialises signatures with a lock, since a PKCS#11 session serves one operation at a time.
The token computes each signature (``CKM_SHA<n>_RSA_PKCS``); the private key is never read.

A session does not survive ``fork()``: a process that forks (gunicorn, Celery prefork)
must create its :class:`~signing.sign.Signer` after the fork.
"""
from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import PyKCS11
from cryptography import x509

from .errors import KeyNotFound, TokenAbsent, TokenError, WrongPin
from .keys import describe, require_rsa

MECHANISMS = {"sha256": PyKCS11.CKM_SHA256_RSA_PKCS, "sha384": PyKCS11.CKM_SHA384_RSA_PKCS,
              "sha512": PyKCS11.CKM_SHA512_RSA_PKCS}


class TokenKey:
    """A logged-in session on a token, holding the handle of one private key."""

    def __init__(self, module_path: str, token_label: str, pin: str, key_label: str) -> None:
        self.token_label = token_label
        self.key_label = key_label
        self._lock = threading.Lock()
        self._lib = _load(module_path)
        slot = self._slot(token_label)
        try:
            self._session = self._lib.openSession(slot, PyKCS11.CKF_SERIAL_SESSION)
        except PyKCS11.PyKCS11Error as exc:
            raise TokenError(f"cannot open a session on token {token_label!r}: {exc}") from None
        try:
            self._session.login(pin)
        except PyKCS11.PyKCS11Error as exc:
            # Login state belongs to the process, not the session: another session of ours
            # already logged in (and checked the PIN) — this one may sign as well.
            if exc.value != PyKCS11.CKR_USER_ALREADY_LOGGED_IN:
                self._session.closeSession()
                raise _login_error(exc, token_label) from None
        try:
            self._key, self._cert = self._find(key_label)
        except BaseException:
            self.close()
            raise
        require_rsa(self._cert.public_key(), f"token {token_label!r} key {key_label!r}")

    @property
    def cert(self) -> x509.Certificate:
        """The certificate stored on the token with the key."""
        return self._cert

    def _slot(self, label: str) -> int:
        try:
            slots = self._lib.getSlotList(tokenPresent=True)
            labels = {s: self._lib.getTokenInfo(s).label.strip() for s in slots}
        except PyKCS11.PyKCS11Error as exc:
            raise TokenError(f"cannot list the PKCS#11 slots: {exc}") from None
        for slot, found in labels.items():
            if found == label:
                return slot
        seen = ", ".join(repr(v) for v in labels.values()) or "none"
        raise TokenAbsent(
            f"no token labelled {label!r} is present (tokens seen: {seen}): insert the "
            "president's token, or check the configured token label")

    def _find(self, key_label: str) -> tuple[Any, x509.Certificate]:
        s = self._session
        keys = s.findObjects([(PyKCS11.CKA_CLASS, PyKCS11.CKO_PRIVATE_KEY),
                              (PyKCS11.CKA_LABEL, key_label)])
        if not keys:
            raise KeyNotFound(
                f"token {self.token_label!r} has no private key labelled {key_label!r}: check the "
                "configured key label (pkcs11-tool --list-objects shows them)")
        key = keys[0]
        key_id = s.getAttributeValue(key, [PyKCS11.CKA_ID])[0]
        certs = s.findObjects([(PyKCS11.CKA_CLASS, PyKCS11.CKO_CERTIFICATE),
                               (PyKCS11.CKA_ID, key_id)]) if key_id else []
        certs = certs or s.findObjects([(PyKCS11.CKA_CLASS, PyKCS11.CKO_CERTIFICATE),
                                        (PyKCS11.CKA_LABEL, key_label)])
        if not certs:
            raise KeyNotFound(
                f"token {self.token_label!r} holds the key {key_label!r} but not its certificate: "
                "import the certificate with the key's label or CKA_ID")
        value = bytes(s.getAttributeValue(certs[0], [PyKCS11.CKA_VALUE], allAsBinary=True)[0])
        return key, x509.load_der_x509_certificate(value)

    def other_certificates(self) -> list[x509.Certificate]:
        """Every other certificate on the token (issuers are picked from these)."""
        s = self._session
        found = []
        for obj in s.findObjects([(PyKCS11.CKA_CLASS, PyKCS11.CKO_CERTIFICATE)]):
            value = bytes(s.getAttributeValue(obj, [PyKCS11.CKA_VALUE], allAsBinary=True)[0])
            cert = x509.load_der_x509_certificate(value)
            if cert != self._cert:
                found.append(cert)
        return found

    # -- the interface the signer calls -------------------------------------------------
    def certificate(self) -> tuple[Any, x509.Certificate]:
        """(key handle, certificate)."""
        return self._key, self._cert

    def sign(self, key: Any, data: bytes, hash_name: str) -> bytes:
        """RSA PKCS#1 v1.5 signature of ``data`` hashed with ``hash_name``, computed on the token."""
        mechanism = PyKCS11.Mechanism(MECHANISMS[hash_name.lower()], None)
        with self._lock:
            try:
                return bytes(self._session.sign(key, data, mechanism))
            except PyKCS11.PyKCS11Error as exc:
                raise TokenError(
                    f"token {self.token_label!r} failed to sign with {describe(self._cert)}: {exc} "
                    "(was the token removed?)") from None

    def close(self) -> None:
        """Close the session (idempotent); closing the process's last session logs out.

        No explicit C_Logout: it would log out every other session of this process too.
        """
        with self._lock:
            session, self._session = getattr(self, "_session", None), None
            if session is None:
                return
            try:
                session.closeSession()
            except PyKCS11.PyKCS11Error:
                pass  # token removed: nothing left to release


def _load(module_path: str) -> PyKCS11.PyKCS11Lib:
    if not Path(module_path).is_file():
        raise TokenError(
            f"PKCS#11 module {module_path} not found: install the token's middleware "
            "(for SoftHSM2: apt-get install softhsm2) or fix the configured module path")
    lib = PyKCS11.PyKCS11Lib()
    try:
        lib.load(module_path)
    except PyKCS11.PyKCS11Error as exc:
        raise TokenError(f"cannot load the PKCS#11 module {module_path}: {exc}") from None
    return lib


def _login_error(exc: PyKCS11.PyKCS11Error, label: str) -> TokenError:
    if exc.value == PyKCS11.CKR_PIN_LOCKED:
        return WrongPin(f"the PIN of token {label!r} is locked after too many wrong tries: "
                        "have the security officer unlock it")
    if exc.value in (PyKCS11.CKR_PIN_INCORRECT, PyKCS11.CKR_PIN_LEN_RANGE, PyKCS11.CKR_PIN_INVALID):
        return WrongPin(f"token {label!r} refused the PIN: check the configured PIN "
                        "(the token locks itself after a few wrong tries)")
    return TokenError(f"cannot log in to token {label!r}: {exc}")
