"""The payment order (ordre de recette): French and Arabic text, the breakdown and its legal
basis, the reference, and a QR code that decodes to the order's public check page."""
from __future__ import annotations

import unicodedata
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from signing.documents import InvalidDocument
from signing.payment_order import OrderLine, PaymentOrderDocument, payment_order_pdf

from .test_render import page_images, pdftotext, qr_codes

pytestmark = pytest.mark.usefixtures("fonts_installed")

ORDER = PaymentOrderDocument(
    commune_fr="Casablanca", commune_ar="الدار البيضاء", procedure_fr="Permis de construire",
    procedure_ar="رخصة البناء", dossier_number="PC-CASABLANCA-2026-000007", applicant="Hassan Amrani",
    reference="OR-PC-CASABLANCA-2026-000007", check_url="https://guichet.example.ma/ordre-de-recette/abcd1234",
    date=date(2026, 3, 2),
    lines=[OrderLine("Taxe sur les opérations de construction", Decimal("180.00"), Decimal("10.00"),
                     Decimal("1800.00"), "Loi n° 47-06 relative à la fiscalité des collectivités locales")])


def arabic_words(text: str) -> str:
    """pdftotext gives shaped Arabic (presentation forms) inside embedding marks: plain letters."""
    return "".join(ch for ch in unicodedata.normalize("NFKC", text) if ch not in "\u202a\u202b\u202c")


def test_payment_order_reads_in_both_languages(output_dir: Path) -> None:
    pdf = output_dir / "payment-order.pdf"
    pdf.write_bytes(payment_order_pdf(ORDER))
    text = pdftotext(pdf)
    for expected in ("ORDRE DE RECETTE", "OR-PC-CASABLANCA-2026-000007", "Hassan Amrani", "2 mars 2026",
                     "Taxe sur les opérations de construction : 180,00 × 10,00 = 1 800,00 MAD",
                     "Loi n° 47-06", "Modalités de paiement", "Le Guichet unique"):
        assert expected in text, f"{expected!r} missing from the payment order"
    assert "1800,00" in text  # the Arabic total reads as one number
    arabic = arabic_words(text)
    for expected in ("أمر بالاستخلاص", "السند القانوني", "كيفية الأداء", "الشباك الوحيد"):
        assert expected in arabic, f"{expected!r} missing from the payment order"
    [image] = page_images(pdf)
    assert qr_codes(image) == ["https://guichet.example.ma/ordre-de-recette/abcd1234"]


def test_an_order_lists_at_least_one_fee() -> None:
    with pytest.raises(InvalidDocument):
        PaymentOrderDocument(**{**ORDER.__dict__, "lines": []})
