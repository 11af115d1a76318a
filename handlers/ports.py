"""What handlers need from the outside world, handed in by the composition root."""
from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from . import catalog as _catalog
from . import catalog_store
from .files import FileStore


@dataclass
class Ports:
    """``signer`` returns the president's signer (loaded once per process) or None when no
    key is configured; ``trust_roots`` the certificates signatures must chain to;
    ``verify_base_url`` is what QR codes point at."""

    processes_dir: Path
    files: FileStore
    verify_base_url: str = "http://127.0.0.1:5000"
    signer: Callable[[], Any] = field(default=lambda: None)
    trust_roots: Callable[[], list[bytes]] = field(default=lambda: [])
    channels: dict[str, Any] = field(default_factory=dict)  # "email" → SmtpChannel, "sms" → …
    # the audit checkpoints' key (outside the database), their mirror folder, RFC 3161 stamps
    audit_key: Callable[[], Any] = field(default=lambda: None)
    audit_mirror: Path | None = None
    timestamper: Callable[[bytes], bytes] | None = None

    def catalog(self, session: Any, catalog_id: int | None = None) -> _catalog.Catalog:
        """The deployed catalog version ``catalog_id`` (a dossier's), else the newest."""
        return catalog_store.current(session, catalog_id)

    def form(self, name: str) -> tuple[dict[str, Any], dict[str, Any]]:
        """A task form's JSON Schema and UI hints from ``processes/forms/``: only for versions
        deployed before forms carried their UI hints (filing forms come from the catalog)."""
        path = self.processes_dir / "forms" / name
        ui = path.with_name(name.replace(".schema.json", ".ui.json"))
        return _read_json(str(path), path.stat().st_mtime_ns), (
            _read_json(str(ui), ui.stat().st_mtime_ns) if ui.exists() else {})


@lru_cache(maxsize=64)
def _read_json(path: str, _mtime: int) -> dict[str, Any]:
    return dict(json.loads(Path(path).read_text(encoding="utf-8")))
