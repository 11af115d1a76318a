"""A professional's own key — an architect's — and the plans signed with it at upload.

The architect enrols on « Ma clé de signature » as a president does: the key is generated in
their token slot (or an encrypted PKCS#12), its CSR certified by their order's CA (the DEMO
order's CA answers at once in the demo and the tests). Uploading a plan, they may ask the
server to sign it with that key: the PIN typed with the upload opens the key, the PDF is
signed (PAdES) and only then stored — so a checklist item with ``signed_by: architecte``
checks it like any signed plan. The PIN is used on the spot, never stored.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine import Actor, Engine, Forbidden, NotFound

from ..dossier_models import DocumentVersion, Dossier
from ..ports import Ports
from . import enrol
from .keystore import SigningRefused
from .models import SignerKey

ROLE_PROFESSION = {"architect": "architecte"}  # account role -> profession (catalog PROFESSIONS)


def profession(actor: Actor) -> str | None:
    """The profession whose key the actor may hold, None when they practise none here."""
    return next((p for role, p in ROLE_PROFESSION.items() if role in actor.roles), None)


def key_of(session: Session, user_id: str, now: datetime) -> SignerKey | None:
    """The user's active professional key, valid at ``now``."""
    keys = session.scalars(select(SignerKey).where(SignerKey.user_id == user_id, SignerKey.purpose == "architect",
                                                   SignerKey.status == "active").order_by(SignerKey.id.desc()))
    return next((k for k in keys if k.not_after is None or k.not_after > now), None)


def generate(engine: Engine, ports: Ports, actor: Actor, pin: str, confirm: str, token_label: str | None,
             now: datetime) -> SignerKey:
    """Generate the professional's key and its CSR; the order's DEMO CA answers at once where
    there is one, else an administrator records the certificate the order issued."""
    from signing.errors import SigningError

    practised = profession(actor)  # who may, before anything is said of the installation
    if practised is None:
        raise Forbidden("only professionals (architects) enrol a key to sign their plans")
    store = ports.keystore
    if store is None:
        raise SigningRefused("no_keystore", "no key store is configured on this installation")
    if pin != confirm:
        raise SigningRefused("pin_mismatch", "the two PINs differ")
    with engine.transaction() as session:
        try:
            key = enrol.request(session, store, commune_code=None, purpose="architect", user_id=actor.user_id,
                                secret=pin, now=now, token_label=token_label or None)
        except SigningError as exc:
            raise SigningRefused("token_error", f"the key could not be generated: {exc}") from None
        if store.professional_ca(practised) is not None:
            enrol.issue_with_demo_ca(session, store, key.id, lambda: store.professional_ca(practised))
        return key


def upload_signed(engine: Engine, ports: Ports, actor: Actor, dossier_id: int, *, kind: str, filename: str,
                  content: bytes, pin: str, now: datetime) -> DocumentVersion:
    """Sign ``content`` (a PDF) with the actor's professional key, opened with ``pin``, and add
    it to the dossier as the applicant's new version of ``kind`` (checked as any upload)."""
    from signing.errors import SigningError

    from .. import dossiers

    store = ports.keystore
    with engine.transaction() as session:
        dossier = session.get(Dossier, dossier_id)
        if dossier is None:
            raise NotFound(f"no dossier {dossier_id}")
        if dossier.applicant_id != actor.user_id:
            raise Forbidden("only the applicant adds documents to a dossier")
        key = key_of(session, actor.user_id, now) if store is not None else None
        if store is None or key is None:
            raise SigningRefused("no_professional_key", "you have no active key to sign plans: enrol one first")
        if not pin:
            raise SigningRefused("pin_required", "type the PIN of your signature key to sign the plan")
        dossiers.accepted_file(content, ("application/pdf",))  # a real PDF, or InvalidDocument
        signer = store.unlock(key, pin)
        try:
            signed = signer.sign(content, reason=f"Plan signé par son auteur — {kind}", location="")
        except SigningError as exc:
            raise SigningRefused("key_unusable", f"your key cannot sign: {exc}") from None
        finally:
            signer.close()
        return dossiers.add_document(session, ports, dossier, kind=kind, filename=filename, content=signed.pdf,
                                     by=actor, now=now)
