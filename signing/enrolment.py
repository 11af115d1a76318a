"""A signer's key is born where it will live: generated in their PKCS#11 token (or in an
encrypted PKCS#12 file), with a certificate signing request (CSR) for a CA to answer;
the certificate is then stored beside the key.

In a token the private key is created sensitive and non-extractable: the CSR is signed
by the token, and nothing outside it ever holds the key.
"""
from __future__ import annotations

import os
from pathlib import Path

import PyKCS11
from asn1crypto import core, keys
from asn1crypto import csr as asn1_csr
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import pkcs12

from .demo_pki import KEY_SIZE, Issued, pkcs12_bytes
from .errors import KeyFileError, TokenError
from .keys import load_pkcs12
from .pkcs11 import _load, _login_error


def _session(module: str, token_label: str, pin: str) -> PyKCS11.Session:
    lib = _load(module)
    slots = [s for s in lib.getSlotList(tokenPresent=True) if lib.getTokenInfo(s).label.strip() == token_label]
    if not slots:
        raise TokenError(f"no token labelled {token_label!r} is present: initialise the signer's token first")
    session = lib.openSession(slots[0], PyKCS11.CKF_SERIAL_SESSION | PyKCS11.CKF_RW_SESSION)
    try:
        session.login(pin)
    except PyKCS11.PyKCS11Error as exc:
        if exc.value != PyKCS11.CKR_USER_ALREADY_LOGGED_IN:
            session.closeSession()
            raise _login_error(exc, token_label) from None
    session._guichet_lib = lib  # noqa: SLF001 - keep the module loaded as long as the session
    return session


def token_csr(module: str, token_label: str, pin: str, key_label: str, subject: x509.Name,
              bits: int = KEY_SIZE) -> bytes:
    """Generate an RSA key pair in the token (private key non-extractable) and return a PEM
    CSR for ``subject``, signed by the token."""
    session = _session(module, token_label, pin)
    try:
        key_id = tuple(os.urandom(8))
        common = [(PyKCS11.CKA_TOKEN, PyKCS11.CK_TRUE), (PyKCS11.CKA_LABEL, key_label), (PyKCS11.CKA_ID, key_id),
                  (PyKCS11.CKA_KEY_TYPE, PyKCS11.CKK_RSA)]
        public, private = session.generateKeyPair(
            [(PyKCS11.CKA_CLASS, PyKCS11.CKO_PUBLIC_KEY), (PyKCS11.CKA_VERIFY, PyKCS11.CK_TRUE),
             (PyKCS11.CKA_MODULUS_BITS, bits), (PyKCS11.CKA_PUBLIC_EXPONENT, (1, 0, 1)), *common],
            [(PyKCS11.CKA_CLASS, PyKCS11.CKO_PRIVATE_KEY), (PyKCS11.CKA_PRIVATE, PyKCS11.CK_TRUE),
             (PyKCS11.CKA_SENSITIVE, PyKCS11.CK_TRUE), (PyKCS11.CKA_EXTRACTABLE, PyKCS11.CK_FALSE),
             (PyKCS11.CKA_SIGN, PyKCS11.CK_TRUE), *common],
            mecha=PyKCS11.MechanismRSAGENERATEKEYPAIR)
        modulus, exponent = session.getAttributeValue(public, [PyKCS11.CKA_MODULUS, PyKCS11.CKA_PUBLIC_EXPONENT],
                                                      allAsBinary=True)
        info = asn1_csr.CertificationRequestInfo({
            "version": "v1", "subject": asn1_x509.Name.load(subject.public_bytes()),
            "subject_pk_info": keys.PublicKeyInfo({"algorithm": {"algorithm": "rsa"}, "public_key": keys.RSAPublicKey({
                "modulus": int.from_bytes(bytes(modulus), "big"),
                "public_exponent": int.from_bytes(bytes(exponent), "big")})}),
            "attributes": []})
        signature = bytes(session.sign(private, info.dump(), PyKCS11.Mechanism(PyKCS11.CKM_SHA256_RSA_PKCS, None)))
    except PyKCS11.PyKCS11Error as exc:
        raise TokenError(f"token {token_label!r} could not generate the key: {exc}") from None
    finally:
        session.closeSession()
    request = asn1_csr.CertificationRequest({"certification_request_info": info,
                                             "signature_algorithm": {"algorithm": "sha256_rsa"},
                                             "signature": signature})
    return x509.load_der_x509_csr(request.dump()).public_bytes(serialization.Encoding.PEM)


def token_store_certificate(module: str, token_label: str, pin: str, key_label: str,
                            certificate: x509.Certificate, chain: list[x509.Certificate] = ()) -> None:  # type: ignore[assignment]
    """Store ``certificate`` beside its key (same CKA_ID), and its issuers, in the token."""
    session = _session(module, token_label, pin)
    try:
        found = session.findObjects([(PyKCS11.CKA_CLASS, PyKCS11.CKO_PRIVATE_KEY), (PyKCS11.CKA_LABEL, key_label)])
        if not found:
            raise TokenError(f"token {token_label!r} has no key labelled {key_label!r}")
        key_id = session.getAttributeValue(found[0], [PyKCS11.CKA_ID])[0]
        for cert, label, cid in [(certificate, key_label, key_id),
                                 *((c, "issuer", tuple(os.urandom(8))) for c in chain)]:
            session.createObject([
                (PyKCS11.CKA_CLASS, PyKCS11.CKO_CERTIFICATE), (PyKCS11.CKA_CERTIFICATE_TYPE, PyKCS11.CKC_X_509),
                (PyKCS11.CKA_TOKEN, PyKCS11.CK_TRUE), (PyKCS11.CKA_LABEL, label), (PyKCS11.CKA_ID, cid),
                (PyKCS11.CKA_SUBJECT, cert.subject.public_bytes()), (PyKCS11.CKA_ISSUER, cert.issuer.public_bytes()),
                (PyKCS11.CKA_SERIAL_NUMBER, core.Integer(cert.serial_number).dump()),
                (PyKCS11.CKA_VALUE, cert.public_bytes(serialization.Encoding.DER))])
    except PyKCS11.PyKCS11Error as exc:
        raise TokenError(f"token {token_label!r} refused the certificate: {exc}") from None
    finally:
        session.closeSession()


def pkcs12_csr(path: Path, passphrase: str, subject: x509.Name, bits: int = KEY_SIZE) -> bytes:
    """Generate a key into an encrypted PKCS#12 file (with a self-signed placeholder until
    the CA answers) and return a PEM CSR for ``subject``."""
    from .demo_pki import issue

    key = rsa.generate_private_key(public_exponent=65537, key_size=bits)
    placeholder = issue(subject, key=key, days=1)
    _write_private(path, pkcs12_bytes(placeholder, passphrase, subject.rfc4514_string()))
    csr = x509.CertificateSigningRequestBuilder().subject_name(subject).sign(key, hashes.SHA256())
    return csr.public_bytes(serialization.Encoding.PEM)


def pkcs12_store_certificate(path: Path, passphrase: str, certificate: x509.Certificate,
                             chain: list[x509.Certificate]) -> None:
    """Put the issued certificate (and its issuers) in the PKCS#12 file, beside its key."""
    data = path.read_bytes()
    try:
        key, _cert, _extra = pkcs12.load_key_and_certificates(data, passphrase.encode())
    except ValueError:
        load_pkcs12(path, passphrase)  # raises the precise error (wrong passphrase, not PKCS#12)
        raise
    if not isinstance(key, rsa.RSAPrivateKey):
        raise KeyFileError(f"{path} holds no RSA key")
    if key.public_key().public_numbers() != certificate.public_key().public_numbers():  # type: ignore[union-attr]
        raise KeyFileError("the certificate was not issued for this key (its public key differs)")
    _write_private(path, pkcs12_bytes(Issued(key, certificate), passphrase, certificate.subject.rfc4514_string(),
                                      chain))


def _write_private(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as out:
        out.write(data)
    os.replace(tmp, path)
