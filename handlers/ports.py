"""What handlers need from the outside world, handed in by the composition root."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import catalog as _catalog
from . import catalog_store
from .files import FileStore


@dataclass
class Ports:
    """``signer`` returns the installation's signer (loaded once per process; used only for
    signers who enrolled no key of their own) or None when no key is configured; ``trust_roots`` the certificates signatures must chain to;
    ``verify_base_url`` is what QR codes point at."""

    files: FileStore
    verify_base_url: str = "http://127.0.0.1:5000"
    signer: Callable[[], Any] = field(default=lambda: None)
    trust_roots: Callable[[], list[bytes]] = field(default=lambda: [])
    channels: dict[str, Any] = field(default_factory=dict)  # "email" → SmtpChannel, "sms" → …
    # the audit checkpoints' key (outside the database), their mirror folder, RFC 3161 stamps
    audit_key: Callable[[], Any] = field(default=lambda: None)
    audit_mirror: Path | None = None
    timestamper: Callable[[bytes], bytes] | None = None
    # name → payment provider (handlers.payments.providers); the régie unless configured otherwise
    payment_providers: dict[str, Any] = field(default_factory=lambda: _default_providers())
    # the signers' own keys (handlers.signatures.keystore.KeyStore), None: none enrolled here
    keystore: Any = None
    # each profession's trust anchors (PEM/DER), for the signatures of uploaded plans
    professional_trust: Callable[[], dict[str, list[bytes]]] = field(default=lambda: {})

    def catalog(self, session: Any, catalog_id: int | None = None) -> _catalog.Catalog:
        """The deployed catalog version ``catalog_id`` (a dossier's), else the newest."""
        return catalog_store.current(session, catalog_id)


def _default_providers() -> dict[str, Any]:
    from .payments.providers import default_providers
    return dict(default_providers())
