"""A DEMO public-key infrastructure for the embedded default and for tests.

:func:`create` makes a root CA and a president's signing certificate, both named
"DEMO" in their subject so nobody mistakes them for real ones, and writes them under a
directory (the app uses ``instance/pki/``):

* ``demo-root-ca.pem`` — the CA certificate: the trust anchor to give ``verify``;
* ``demo-root-ca.p12`` — the CA key and certificate (to issue more demo certificates);
* ``president.p12`` — the president's key, certificate and the CA certificate;
* ``president.pem`` — the president's certificate alone.

The ``.p12`` files are encrypted with the passphrase (AES-256, PBKDF2) and readable by
their owner only; the directory gets a ``.gitignore`` of ``*``, so nothing private can be
committed by accident. Existing files are never overwritten unless asked.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from .errors import SigningError

KEY_SIZE = 3072


@dataclass(frozen=True)
class DemoPki:
    """Where :func:`create` wrote each file."""

    directory: Path
    ca_certificate: Path
    ca_pkcs12: Path
    president_pkcs12: Path
    president_certificate: Path


@dataclass(frozen=True)
class Issued:
    """A key and its certificate, in memory."""

    key: rsa.RSAPrivateKey
    certificate: x509.Certificate


def name(common_name: str, organization: str = "Guichet DEMO — not a real authority") -> x509.Name:
    """A subject in Morocco (C=MA) for ``common_name``."""
    return x509.Name([x509.NameAttribute(NameOID.COUNTRY_NAME, "MA"),
                      x509.NameAttribute(NameOID.ORGANIZATION_NAME, organization),
                      x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


def new_key(bits: int = KEY_SIZE) -> rsa.RSAPrivateKey:
    """A fresh RSA key."""
    return rsa.generate_private_key(public_exponent=65537, key_size=bits)


def issue_for_csr(csr_pem: bytes, issuer: Issued, *, days: int = 2 * 365, ocsp_url: str | None = None,
                  crl_url: str | None = None) -> x509.Certificate:
    """The certificate the (demo) CA ``issuer`` issues for a CSR whose signature checks."""
    csr = x509.load_pem_x509_csr(csr_pem)
    if not csr.is_signature_valid:
        raise SigningError("the certificate request's signature does not check: it was not made with its key")
    public = csr.public_key()
    if not isinstance(public, rsa.RSAPublicKey):
        raise SigningError("only RSA keys are certified here")
    return issue(csr.subject, issuer=issuer, public_key=public, days=days, ocsp_url=ocsp_url,
                 crl_url=crl_url).certificate


def issue(subject: x509.Name, *, issuer: Issued | None = None, key: rsa.RSAPrivateKey | None = None,
          public_key: rsa.RSAPublicKey | None = None, crl_url: str | None = None,
          ca: bool = False, not_before: datetime | None = None, days: int = 3 * 365,
          key_usage: dict[str, bool] | None = None, extended_usage: list[x509.ObjectIdentifier] | None = None,
          ocsp_url: str | None = None) -> Issued:
    """A certificate for ``subject``, self-signed when ``issuer`` is None.

    ``key_usage`` overrides the default (CA: certificate and CRL signing; end entity:
    digital signature and non-repudiation); names are ``cryptography.x509.KeyUsage``'s.
    """
    if public_key is not None and issuer is None:
        raise SigningError("a certificate for a public key alone needs an issuer")
    if key is None and public_key is None:
        key = new_key()
    public = public_key or key.public_key()  # type: ignore[union-attr]
    # backdated a day, as CAs do, so that a skewed clock between issuing and signing is harmless
    start = not_before or datetime.now(UTC) - timedelta(days=1)
    usage = {name: False for name in ("digital_signature", "content_commitment", "key_encipherment",
                                      "data_encipherment", "key_agreement", "key_cert_sign",
                                      "crl_sign", "encipher_only", "decipher_only")}
    usage.update({"key_cert_sign": True, "crl_sign": True} if ca else
                 {"digital_signature": True, "content_commitment": True})
    if key_usage is not None:
        usage.update(key_usage)
    signer_key = issuer.key if issuer else key
    assert signer_key is not None
    builder = (x509.CertificateBuilder()
               .subject_name(subject)
               .issuer_name(issuer.certificate.subject if issuer else subject)
               .public_key(public)
               .serial_number(x509.random_serial_number())
               .not_valid_before(start)
               .not_valid_after(start + timedelta(days=days))
               .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
               .add_extension(x509.KeyUsage(**usage), critical=True)
               .add_extension(x509.SubjectKeyIdentifier.from_public_key(public), critical=False))
    if issuer:
        builder = builder.add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(
            issuer.key.public_key()), critical=False)
    if crl_url:
        builder = builder.add_extension(x509.CRLDistributionPoints([x509.DistributionPoint(
            [x509.UniformResourceIdentifier(crl_url)], None, None, None)]), critical=False)
    if extended_usage:
        builder = builder.add_extension(x509.ExtendedKeyUsage(extended_usage),
                                        critical=ExtendedKeyUsageOID.TIME_STAMPING in extended_usage)
    if ocsp_url:
        builder = builder.add_extension(x509.AuthorityInformationAccess([x509.AccessDescription(
            x509.oid.AuthorityInformationAccessOID.OCSP, x509.UniformResourceIdentifier(ocsp_url))]),
            critical=False)
    return Issued(key, builder.sign(signer_key, hashes.SHA256()))  # type: ignore[arg-type]


def crl(ca: Issued, revoked: dict[int, datetime] | None = None, days: int = 7) -> bytes:
    """A DER certificate revocation list signed by ``ca``: ``revoked`` maps serial numbers to
    their revocation time; it is valid from an hour ago for ``days``."""
    now = datetime.now(UTC)
    builder = (x509.CertificateRevocationListBuilder().issuer_name(ca.certificate.subject)
               .last_update(now - timedelta(hours=1)).next_update(now + timedelta(days=days))
               .add_extension(x509.CRLNumber(int(now.timestamp())), critical=False)
               .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca.key.public_key()), critical=False))
    for serial, when in (revoked or {}).items():
        builder = builder.add_revoked_certificate(x509.RevokedCertificateBuilder().serial_number(serial)
                                                  .revocation_date(when).build())
    return builder.sign(ca.key, hashes.SHA256()).public_bytes(serialization.Encoding.DER)


def pkcs12_bytes(issued: Issued, passphrase: str, friendly_name: str,
                 chain: list[x509.Certificate] | None = None) -> bytes:
    """``issued`` (and ``chain``) as a PKCS#12 file encrypted with ``passphrase``."""
    encryption = (serialization.PrivateFormat.PKCS12.encryption_builder()
                  .kdf_rounds(100_000)
                  .key_cert_algorithm(pkcs12.PBES.PBESv2SHA256AndAES256CBC)
                  .hmac_hash(hashes.SHA256())
                  .build(passphrase.encode()))
    return pkcs12.serialize_key_and_certificates(friendly_name.encode(), issued.key,
                                                 issued.certificate, chain, encryption)


def pem(cert: x509.Certificate) -> bytes:
    """The PEM encoding of ``cert``."""
    return cert.public_bytes(serialization.Encoding.PEM)


def create(directory: Path, passphrase: str, *, overwrite: bool = False,
           ocsp_url: str | None = None, key_size: int = KEY_SIZE) -> DemoPki:
    """Create the DEMO root CA and president certificate under ``directory``.

    Raises :class:`~signing.errors.SigningError` if the files exist (unless
    ``overwrite``) or the passphrase is empty. ``ocsp_url`` is written in the president's
    certificate (AIA) for validators that check revocation on line.
    """
    if len(passphrase) < 8:
        raise SigningError("choose a passphrase of at least 8 characters for the demo PKI")
    directory = Path(directory)
    paths = DemoPki(directory, directory / "demo-root-ca.pem", directory / "demo-root-ca.p12",
                    directory / "president.p12", directory / "president.pem")
    existing = [p for p in (paths.ca_certificate, paths.ca_pkcs12, paths.president_pkcs12,
                            paths.president_certificate) if p.exists()]
    if existing and not overwrite:
        raise SigningError(f"a demo PKI already exists in {directory} ({existing[0].name}); "
                           "keep it, or ask to overwrite it")
    directory.mkdir(parents=True, exist_ok=True)
    (directory / ".gitignore").write_text("# private keys: never commit\n*\n")
    ca = issue(name("Guichet DEMO Root CA"), ca=True, days=10 * 365, key=new_key(key_size))
    president = issue(name("DEMO Président du Conseil communal"), issuer=ca, days=2 * 365,
                      key=new_key(key_size), ocsp_url=ocsp_url)
    _write(paths.ca_pkcs12, pkcs12_bytes(ca, passphrase, "Guichet DEMO Root CA"), private=True)
    _write(paths.president_pkcs12, pkcs12_bytes(president, passphrase, "DEMO president",
                                                [ca.certificate]), private=True)
    _write(paths.ca_certificate, pem(ca.certificate))
    _write(paths.president_certificate, pem(president.certificate))
    return paths


def _write(path: Path, data: bytes, private: bool = False) -> None:
    """Write through a temporary file and a rename: a file is either whole or absent."""
    tmp = path.with_name(f".{path.name}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600 if private else 0o644)
    with os.fdopen(fd, "wb") as out:
        out.write(data)
    os.replace(tmp, path)


def load_ca(pki: DemoPki, passphrase: str) -> Issued:
    """The demo CA's key and certificate, to issue more demo certificates."""
    key, cert, _ = pkcs12.load_key_and_certificates(pki.ca_pkcs12.read_bytes(), passphrase.encode())
    if not isinstance(key, rsa.RSAPrivateKey) or cert is None:
        raise SigningError(f"{pki.ca_pkcs12} holds no RSA key with its certificate")
    return Issued(key, cert)


def professional_ca(directory: Path, passphrase: str, profession: str, title: str) -> Issued:
    """The DEMO certification authority of a profession's order (e.g. ``architecte``: "DEMO
    Ordre national des architectes"), a root of its own as the real order's would be;
    created under ``directory`` on first use (its key encrypted with ``passphrase``)."""
    p12, certificate = directory / f"demo-{profession}-ca.p12", directory / f"demo-{profession}-ca.pem"
    if not p12.exists():
        directory.mkdir(parents=True, exist_ok=True)
        ca = issue(name(title), ca=True, days=10 * 365, key=new_key())
        _write(p12, pkcs12_bytes(ca, passphrase, title), private=True)
        _write(certificate, pem(ca.certificate))
    key, cert, _ = pkcs12.load_key_and_certificates(p12.read_bytes(), passphrase.encode())
    if not isinstance(key, rsa.RSAPrivateKey) or cert is None:
        raise SigningError(f"{p12} holds no RSA key with its certificate")
    return Issued(key, cert)
