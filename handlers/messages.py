"""Rendering message templates (the catalog's ``messages``, French and Arabic) in the
recipient's language."""
from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any


class _Lenient(dict):  # type: ignore[type-arg]
    def __missing__(self, key: str) -> str:
        return "—"


def _shown(values: dict[str, Any]) -> dict[str, Any]:
    return {k: ", ".join(map(str, v)) if isinstance(v, list | tuple) else v for k, v in values.items()}


_ARABIC = re.compile("[\u0600-\u06ff\u0750-\u077f\u08a0-\u08ff\ufb50-\ufdff\ufe70-\ufeff]")


def isolated(value: Any) -> Any:
    """A value set in Arabic text: a number, a date, a code or a Latin name becomes a
    left-to-right isolate (U+2066 … U+2069), so that it reads, and types, in its own order."""
    text = str(value)
    if not text or _ARABIC.search(text):
        return value
    return f"\u2066{text}\u2069"


def render(texts: Mapping[str, str], lang: str, values: dict[str, Any]) -> str:
    """A template's text in ``lang`` (French when the language is unknown), filled with
    ``values`` (``{name}`` placeholders; an unknown one shows as a dash). In Arabic, values
    without Arabic letters are left-to-right isolates."""
    shown = _shown(values)
    if lang == "ar" and "ar" in texts:
        shown = {k: isolated(v) for k, v in shown.items()}
    return texts.get(lang, texts["fr"]).format_map(_Lenient(shown))


def subject(lang: str, values: dict[str, Any]) -> str:
    number = values.get("number") or ""
    if lang == "ar":
        return f"الشباك — الملف {isolated(number)}".strip()
    return f"Guichet — dossier {number}".strip()
