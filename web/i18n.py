"""Languages: French (default) and Arabic (right to left), remembered per user."""
from __future__ import annotations

from flask import request, session

LANGUAGES = {"fr": {"name": "Français", "dir": "ltr"}, "ar": {"name": "العربية", "dir": "rtl"}}


def select_locale() -> str:
    from .security import current
    chosen = session.get("lang")
    if chosen in LANGUAGES:
        return str(chosen)
    user = current()
    if user is not None and user.locale in LANGUAGES:
        return user.locale
    return request.accept_languages.best_match(list(LANGUAGES)) or "fr"


def direction(lang: str) -> str:
    return LANGUAGES.get(lang, LANGUAGES["fr"])["dir"]
