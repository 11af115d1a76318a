"""What handlers need from the outside world, handed in by the composition root."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import catalog as _catalog
from .files import FileStore


@dataclass
class Ports:
    """``signer`` returns the president's signer (loaded once per process) or None when no
    key is configured; ``verify_base_url`` is what QR codes point at."""

    processes_dir: Path
    files: FileStore
    verify_base_url: str = "http://127.0.0.1:5000"
    signer: Callable[[], Any] = field(default=lambda: None)

    def catalog(self) -> _catalog.Catalog:
        return _catalog.load(self.processes_dir / "catalog.yaml")
