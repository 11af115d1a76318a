"""Rendering message templates (the catalog's ``messages``, French and Arabic) in the
recipient's language."""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any


class _Lenient(dict):  # type: ignore[type-arg]
    def __missing__(self, key: str) -> str:
        return "—"


def _shown(values: dict[str, Any]) -> dict[str, Any]:
    return {k: ", ".join(map(str, v)) if isinstance(v, list | tuple) else v for k, v in values.items()}


def render(texts: Mapping[str, str], lang: str, values: dict[str, Any]) -> str:
    """A template's text in ``lang`` (French when the language is unknown), filled with
    ``values`` (``{name}`` placeholders; an unknown one shows as a dash)."""
    return texts.get(lang, texts["fr"]).format_map(_Lenient(_shown(values)))


def subject(lang: str, values: dict[str, Any]) -> str:
    head = "الشباك — الملف" if lang == "ar" else "Guichet — dossier"
    return f"{head} {values.get('number') or ''}".strip()
