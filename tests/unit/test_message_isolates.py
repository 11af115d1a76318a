"""Arabic notifications set numbers, dates and codes as left-to-right isolates."""
from __future__ import annotations

from handlers import messages

TEXTS = {"fr": "Dossier {number} : montant {fees_total} MAD.", "ar": "الملف {number}: المبلغ {fees_total} درهم."}


def test_arabic_values_are_isolated_french_ones_untouched() -> None:
    values = {"number": "-PC-CASABLANCA-2026-000001", "fees_total": "36000.00"}
    ar = messages.render(TEXTS, "ar", values)
    assert "\u2066-PC-CASABLANCA-2026-000001\u2069" in ar and "\u206636000.00\u2069" in ar
    assert messages.render(TEXTS, "fr", values) == "Dossier -PC-CASABLANCA-2026-000001 : montant 36000.00 MAD."
    assert messages.isolated("رخصة البناء") == "رخصة البناء"  # Arabic text is left as it is
    assert messages.subject("ar", values).endswith("\u2066-PC-CASABLANCA-2026-000001\u2069")
    assert messages.subject("fr", values) == "Guichet — dossier -PC-CASABLANCA-2026-000001"


def test_a_language_without_its_text_falls_back_to_french_without_isolates() -> None:
    assert messages.render({"fr": "N° {number}"}, "ar", {"number": "X-1"}) == "N° X-1"
