"""Signers' keys, the records of who signed what, and the single-use signing authorizations."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from engine.models import Base

PURPOSES = ("president", "seal", "architect")  # a president's (or interim's) signature; the commune's e-seal;
# a professional's own key (an architect signs their plans: no commune)
BACKENDS = ("pkcs11", "pkcs12")


class SignerKey(Base):
    """One signer's key and certificate, for one commune.

    ``purpose`` "president": the key of a person (``user_id``) who signs the commune's
    decisions — the titular president or an interim by delegation; "seal": the commune's
    e-seal (``user_id`` None), which seals receipts and minutes; "architect": a
    professional's own key (no commune), certified by their order, signing their plans. The key is in a PKCS#11 token
    (``token_label``/``key_label`` on the configured module: one token per signer) or in
    an encrypted PKCS#12 file (``pkcs12_path``). The private key is never in the database;
    the PIN or passphrase that opens it is never stored (the seal's excepted: it is the
    commune's, in a file beside the keys). ``status``: pending (a CSR awaits its
    certificate), active, revoked, superseded (renewed).
    """

    __tablename__ = "signer_key"
    __table_args__ = (Index("ix_signer_key_owner", "commune_code", "purpose", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    commune_code: Mapped[str | None] = mapped_column(ForeignKey("commune.code"))  # None: a professional's key
    purpose: Mapped[str] = mapped_column(String(20))
    user_id: Mapped[str | None] = mapped_column(ForeignKey("app_user.id"))
    backend: Mapped[str] = mapped_column(String(10))
    token_label: Mapped[str | None] = mapped_column(String(32))
    key_label: Mapped[str | None] = mapped_column(String(64))
    pkcs12_path: Mapped[str | None] = mapped_column(String(500))
    csr_pem: Mapped[str | None] = mapped_column(Text)
    certificate_pem: Mapped[str | None] = mapped_column(Text)
    serial: Mapped[str | None] = mapped_column(String(64))
    subject: Mapped[str | None] = mapped_column(String(500))
    not_after: Mapped[datetime | None] = mapped_column()
    status: Mapped[str] = mapped_column(String(20), default="pending")
    created_at: Mapped[datetime] = mapped_column()
    revoked_at: Mapped[datetime | None] = mapped_column()


class SignedDocument(Base):
    """A document signed or sealed here: who signed, with which key, under which grant.

    ``kind`` "decision" or "receipt"; ``verification_code`` is what its QR code and
    ``/verify/<code>`` name; ``grant_id``/``delegated_by``: the role grant the signer held
    (an interim president's names the titular president who delegated).
    """

    __tablename__ = "signed_document"
    __table_args__ = (Index("ix_signed_document_dossier", "dossier_id", "kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    dossier_id: Mapped[int] = mapped_column(ForeignKey("dossier.id"))
    kind: Mapped[str] = mapped_column(String(20))
    verification_code: Mapped[str] = mapped_column(String(64), unique=True)
    pdf_sha256: Mapped[str] = mapped_column(String(64))
    signer_key_id: Mapped[int | None] = mapped_column(ForeignKey("signer_key.id"))
    user_id: Mapped[str | None] = mapped_column(ForeignKey("app_user.id"))
    grant_id: Mapped[int | None] = mapped_column(ForeignKey("role_grant.id", ondelete="SET NULL"))
    delegated_by: Mapped[str | None] = mapped_column(ForeignKey("app_user.id"))
    level: Mapped[str] = mapped_column(String(10))
    signed_at: Mapped[datetime] = mapped_column()


class SignAuthorization(Base):
    """What the signer's approval hands the signature job: the PIN sealed (AES-GCM) with a key
    held outside the database, bound to the dossier, the document's digest, the key, the
    signer and an expiry; used once."""

    __tablename__ = "sign_authorization"
    __table_args__ = (Index("ix_sign_authorization_dossier", "dossier_id", "document_sha256"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True)  # the nonce
    dossier_id: Mapped[int] = mapped_column(ForeignKey("dossier.id"))
    document_sha256: Mapped[str] = mapped_column(String(64))
    signer_key_id: Mapped[int] = mapped_column(ForeignKey("signer_key.id"))
    user_id: Mapped[str] = mapped_column(ForeignKey("app_user.id"))
    expires_at: Mapped[datetime] = mapped_column()
    sealed: Mapped[bytes] = mapped_column(LargeBinary)
    used_at: Mapped[datetime | None] = mapped_column()
