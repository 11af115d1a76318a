"""The procedure catalog (``processes/catalog.yaml``): checklists and public status labels."""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml


@dataclass(frozen=True)
class ChecklistItem:
    kind: str
    required: bool
    fr: str
    ar: str
    types: tuple[str, ...] = ("application/pdf",)


@dataclass(frozen=True)
class Procedure:
    key: str
    code: str
    domain: str
    process: str
    fr: str
    ar: str
    checklist: tuple[ChecklistItem, ...]
    form: str | None = None  # the filing form, a JSON Schema in processes/forms/


@dataclass(frozen=True)
class Catalog:
    procedures: dict[str, Procedure]
    statuses: dict[str, dict[str, str]]

    def procedure(self, key: str) -> Procedure:
        try:
            return self.procedures[key]
        except KeyError:
            raise KeyError(f"unknown procedure '{key}'") from None

    def status_label(self, code: str, lang: str = "fr") -> str:
        return self.statuses.get(code, {}).get(lang, code)


def parse(text: str) -> Catalog:
    """Build the catalog from YAML text; raises ValueError naming what is wrong."""
    raw: dict[str, Any] = yaml.safe_load(text) or {}
    docs = raw.get("documents", {})
    statuses = raw.get("statuses", {})
    for code, labels in statuses.items():
        if not {"fr", "ar"} <= set(labels):
            raise ValueError(f"status '{code}' needs both fr and ar labels")
    procedures = {}
    for key, p in raw.get("procedures", {}).items():
        items = []
        for kind, required in p.get("checklist", []):
            if kind not in docs:
                raise ValueError(f"procedure '{key}': unknown document '{kind}'")
            items.append(ChecklistItem(kind, bool(required), docs[kind]["fr"], docs[kind]["ar"]))
        missing = {"code", "domain", "process", "fr", "ar"} - set(p)
        if missing:
            raise ValueError(f"procedure '{key}' lacks {', '.join(sorted(missing))}")
        procedures[key] = Procedure(key, p["code"], p["domain"], p["process"], p["fr"], p["ar"],
                                    tuple(items), p.get("form"))
    return Catalog(procedures, statuses)


def load(path: str | Path) -> Catalog:
    """The catalog at ``path``, re-read when the file changes (a deploy), cached otherwise."""
    p = Path(path)
    if not p.exists():  # nothing deployed yet: no procedure to offer
        return Catalog({}, {})
    return _load(str(p), p.stat().st_mtime_ns)


@lru_cache(maxsize=8)
def _load(path: str, _mtime: int) -> Catalog:
    return parse(Path(path).read_text(encoding="utf-8"))
