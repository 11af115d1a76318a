"""The signer's own keys, as the "Ma clé de signature" page shows and changes them: each use
case opens its transaction; PINs are used on the spot and never stored."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from engine import Actor, Engine, Forbidden, NotFound

from ..models import Commune
from ..ports import Ports
from . import enrol
from .keystore import SigningRefused, president_grant
from .models import SignerKey


@dataclass(frozen=True)
class KeyView:
    id: int
    commune_fr: str
    commune_ar: str
    status: str
    subject: str | None
    not_after: datetime | None
    expiring: bool
    backend: str


@dataclass(frozen=True)
class Page:
    keys: list[KeyView]
    communes: list[tuple[str, str, str]]  # where the user may enrol: (code, fr, ar)
    token_module: bool
    demo_ca: bool
    profession: str | None = None  # the actor may enrol a professional key to sign their plans
    profession_demo_ca: bool = False  # the order's DEMO CA answers at once


def page(engine: Engine, ports: Ports, actor: Actor, now: datetime) -> Page:
    """The user's keys (newest first), with a warning 30 days before expiry, and the communes
    where they hold the president's role today."""
    store = ports.keystore
    with engine.transaction(write=False) as session:
        communes = {c.code: c for c in session.scalars(select(Commune))}
        keys = [KeyView(k.id, *_holder(communes, k.commune_code), k.status,
                        k.subject, k.not_after,
                        k.status == "active" and k.not_after is not None and k.not_after <= now + enrol.WARN_BEFORE,
                        k.backend)
                for k in session.scalars(select(SignerKey).where(SignerKey.user_id == actor.user_id)
                                         .order_by(SignerKey.id.desc()))]
        allowed = [(c.code, c.name_fr, c.name_ar) for c in communes.values()
                   if president_grant(session, actor.user_id, c.code, now.date()) is not None]
    from .professional import profession
    practised = profession(actor)
    return Page(keys, allowed, bool(store and store.pkcs11_module), bool(store and store.demo_ca() is not None),
                practised, bool(store and practised and store.professional_ca(practised) is not None))


def _holder(communes: dict[str, Commune], code: str | None) -> tuple[str, str]:
    """Where a key signs: its commune, or the profession for a professional's own key."""
    if code is None:
        return "Architecte (plans)", "مهندس معماري (التصاميم)"
    return communes[code].name_fr, communes[code].name_ar


def generate(engine: Engine, ports: Ports, actor: Actor, commune_code: str, pin: str, confirm: str,
             token_label: str | None, now: datetime) -> SignerKey:
    """Generate the user's key for the commune (in their token when a label is given) and its
    CSR; the demo CA answers at once where there is one."""
    from signing.errors import SigningError

    store = ports.keystore
    if store is None:
        raise SigningRefused("no_keystore", "no key store is configured on this installation")
    with engine.transaction() as session:
        if president_grant(session, actor.user_id, commune_code, now.date()) is None:
            raise Forbidden("only the commune's president (or interim) enrols a signing key for it")
        if pin != confirm:
            raise SigningRefused("pin_mismatch", "the two PINs differ")
        try:
            key = enrol.request(session, store, commune_code=commune_code, purpose="president",
                                user_id=actor.user_id, secret=pin, now=now, token_label=token_label or None)
        except SigningError as exc:
            raise SigningRefused("token_error", f"the key could not be generated: {exc}") from None
        if store.demo_ca() is not None:
            enrol.issue_with_demo_ca(session, store, key.id, store.demo_ca)
        return key


def install(engine: Engine, ports: Ports, actor: Actor, key_id: int, pin: str, now: datetime) -> SignerKey:
    """Install the issued certificate beside the user's key (their PIN opens it)."""
    from signing.errors import KeyAccessError

    with engine.transaction() as session:
        key = session.get(SignerKey, key_id)
        if key is None or key.user_id != actor.user_id:
            raise NotFound(f"no key {key_id}")
        try:
            return enrol.install(session, ports.keystore, key_id, pin, now)
        except KeyAccessError as exc:
            raise SigningRefused("wrong_pin", f"your key did not open: {exc}") from None


def csr(engine: Engine, actor: Actor, key_id: int) -> str:
    """The key's certificate request (PEM), for its owner or an administrator to send to the CA."""
    with engine.transaction(write=False) as session:
        key = session.get(SignerKey, key_id)
        if key is None or not key.csr_pem or (key.user_id != actor.user_id and "admin" not in actor.roles):
            raise NotFound(f"no key {key_id}")
        return key.csr_pem


def certify(engine: Engine, actor: Actor, key_id: int, certificate_pem: str) -> SignerKey:
    """An administrator records the certificate the CA issued for a pending key."""
    if "admin" not in actor.roles:
        raise NotFound(f"no key {key_id}")
    with engine.transaction() as session:
        if session.get(SignerKey, key_id) is None:
            raise NotFound(f"no key {key_id}")
        try:
            return enrol.issue(session, key_id, certificate_pem)
        except ValueError:
            raise SigningRefused("wrong_certificate", "this is not a PEM certificate") from None
