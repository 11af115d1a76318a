"""The decision states what it authorizes, numbers its reserves, is made "at" a town, and its
Arabic footer prints a verification code that types back as printed."""
from __future__ import annotations

from pathlib import Path

import pytest

from signing import arabic
from signing import labels as L
from signing.documents import InvalidDocument
from signing.render import decision_pdf

from .samples import decision
from .test_render import pdftotext

pytestmark = pytest.mark.usefixtures("fonts_installed")

CODE = "-1VmZyQx_80"  # a code starting with '-': bidi would move it to the end without an isolate


def test_particulars_reserves_place_and_arabic_code(tmp_path: Path) -> None:
    pdf = tmp_path / "decision.pdf"
    pdf.write_bytes(decision_pdf(decision(
        commune_fr="Commune de Casablanca", commune_ar="جماعة الدار البيضاء", verification_code=CODE,
        particulars=[(("Adresse", "العنوان"), "12, boulevard Zerktouni"),
                     (("Usage", "الاستعمال"), ("Habitation individuelle", "سكن فردي"))])))
    text = pdftotext(pdf)
    for expected in ("Objet de l'autorisation", "12, boulevard Zerktouni", "Habitation individuelle",
                     "1. Respecter un recul", "2. La hauteur maximale", "Fait à Casablanca, le 5 janvier 2026"):
        assert expected in text, f"{expected!r} missing:\n{text}"
    assert "Fait à Commune" not in text
    # the footer line: French half (… /verify/CODE), then the Arabic half "CODE :رمز التحقق"
    footer = next(ln for ln in text.splitlines() if "—" in ln and "/verify/" in ln)
    arabic_half = footer.split(f"/verify/{CODE}", 1)[1]
    assert CODE in arabic_half, arabic_half


def test_without_the_isolate_the_code_would_be_misread() -> None:
    """What the isolate protects against: bidi alone moves the leading '-' to the code's end."""
    plain = arabic.visual(f"{L.CODE.ar}: {CODE}")
    isolated = arabic.visual(f"{L.CODE.ar}: {arabic.ltr(CODE)}")
    assert CODE not in plain
    assert CODE in isolated and arabic.LRI not in isolated and arabic.PDI not in isolated


@pytest.mark.parametrize(("fr", "ar", "place"), [
    ("Commune de Casablanca", "جماعة الدار البيضاء", ("Casablanca", "الدار البيضاء")),
    ("Rabat", "الرباط", ("Rabat", "الرباط")),
    ("Commune d'Agadir", "جماعة أكادير", ("Agadir", "أكادير")),
])
def test_a_decision_is_made_at_a_town(fr: str, ar: str, place: tuple[str, str]) -> None:
    assert tuple(L.place(fr, ar)) == place


@pytest.mark.parametrize("particulars", [[(("Adresse", ""), "x")], [(("Adresse", "العنوان"), "")],
                                          [(("Usage", "الاستعمال"), ("Commerce", ""))]])
def test_a_particular_without_its_labels_or_value_is_refused(particulars: list) -> None:
    with pytest.raises(InvalidDocument, match="particulars"):
        decision(particulars=particulars)


@pytest.mark.parametrize("text", ["المساحة المغطاة (م²)", "ملف (PDF) موقع", "طول الخندق (م)", "أ (ب) ج (د)",
                                  "تصميم « نص »", "شروط [أ] و{ب}"])
def test_brackets_in_arabic_are_mirrored_as_the_reference_algorithm_does(text: str) -> None:
    """python-bidi's fast algorithm reorders without mirroring; its pure-Python one mirrors
    (but knows no isolates): on text without isolates both must agree."""
    from arabic_reshaper import reshape
    from bidi.algorithm import get_display as reference
    assert arabic.visual(text) == reference(reshape(text), base_dir="R")


def test_brackets_inside_an_isolated_code_keep_their_order() -> None:
    shown = arabic.visual(f"(م) {L.CODE.ar}: {arabic.ltr('-1Vm(Zy)')}")
    assert "-1Vm(Zy)" in shown and shown.endswith("(ﻡ)")
