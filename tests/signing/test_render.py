"""Rendering: what a person sees on the decision and the receipt.

The PDFs are read back with poppler (pdftotext, pdffonts, pdftoppm) and the QR code is
decoded from the page image with zbarimg; one rendering of each document is kept under
``test-output/signing/`` to look at.
"""
from __future__ import annotations

import subprocess
import unicodedata
from dataclasses import replace
from decimal import Decimal
from pathlib import Path

import pytest
from reportlab.pdfbase.pdfmetrics import getFont

from signing import arabic, fonts
from signing import labels as L
from signing.documents import InvalidDocument
from signing.errors import FontNotFound
from signing.render import decision_pdf, receipt_pdf

from .samples import CODE, DECISION, RECEIPT, decision
from .tools import require_tool

pytestmark = pytest.mark.usefixtures("fonts_installed")


def pdftotext(pdf: Path) -> str:
    exe = require_tool("pdftotext", "poppler-utils")
    return subprocess.run([exe, "-layout", str(pdf), "-"], capture_output=True, text=True,
                          check=True).stdout


def page_images(pdf: Path, dpi: int = 110) -> list[Path]:
    exe = require_tool("pdftoppm", "poppler-utils")
    for old in pdf.parent.glob(f"{pdf.stem}-*.png"):
        old.unlink()
    subprocess.run([exe, "-png", "-r", str(dpi), str(pdf), str(pdf.with_suffix(""))], check=True)
    return sorted(pdf.parent.glob(f"{pdf.stem}-*.png"))


def qr_codes(png: Path) -> list[str]:
    exe = require_tool("zbarimg", "zbar-tools")
    done = subprocess.run([exe, "-q", "--raw", str(png)], capture_output=True, text=True)
    return done.stdout.split()


def test_decision_reads_as_an_official_decision(output_dir: Path) -> None:
    pdf = output_dir / "decision.pdf"
    pdf.write_bytes(decision_pdf(DECISION))
    text = pdftotext(pdf)
    for expected in ("ROYAUME DU MAROC", "Commune de Casablanca", "ARRÊTÉ D'AUTORISATION",
                     "GUU-2026-000123", "Fatima Zahra El Idrissi", "Titre foncier n° 12345/C",
                     "Autorisation accordée", "5 janvier 2026", "la loi n° 12-90",
                     "Respecter un recul de 4 m", "2 850,50 MAD",
                     "Le Président du Conseil communal", f"Code de vérification : {CODE}"):
        assert expected in text, f"{expected!r} missing from the decision"
    images = page_images(pdf)
    assert len(images) == 1, "the sample decision fits on one page"
    assert qr_codes(images[0]) == [f"https://guichet.example.ma/verify/{CODE}"]


def test_a_commune_named_in_full_is_not_prefixed_twice(tmp_path: Path) -> None:
    pdf = tmp_path / "decision.pdf"
    pdf.write_bytes(decision_pdf(replace(DECISION, commune_fr="Commune de Casablanca",
                                         commune_ar="جماعة الدار البيضاء")))
    text = pdftotext(pdf)
    assert "Commune de Casablanca" in text
    assert "Commune de Commune" not in text
    assert L.commune("Casablanca", "الدار البيضاء") == L.commune("Commune de Casablanca", "جماعة الدار البيضاء")


def test_receipt_reads_as_a_receipt(output_dir: Path) -> None:
    pdf = output_dir / "receipt.pdf"
    pdf.write_bytes(receipt_pdf(RECEIPT))
    text = pdftotext(pdf)
    for expected in ("RÉCÉPISSÉ DE DÉPÔT", "GUU-2026-000123", "2 janvier 2026",
                     "Il ne vaut pas", "Plans architecturaux signés", "100,00 MAD", "Le Guichet unique"):
        assert expected in text, f"{expected!r} missing from the receipt"
    (image,) = page_images(pdf)
    # the base URL's trailing slash does not double in the verification link
    assert qr_codes(image) == ["https://guichet.example.ma/verify/R3C-2026-0001"]


def test_refusal_states_its_grounds(tmp_path: Path) -> None:
    pdf = tmp_path / "refus.pdf"
    pdf.write_bytes(decision_pdf(decision(kind="refus", reserves=["Hauteur supérieure au plan d'aménagement."],
                                          fees=[])))
    text = pdftotext(pdf)
    assert "DÉCISION DE REFUS" in text and "Motifs du refus" in text
    assert "Hauteur supérieure au plan d'aménagement." in text
    assert "Droits et redevances" not in text


def test_every_font_is_embedded(tmp_path: Path) -> None:
    """PDF/A wants every font embedded: no standard-14 font (Helvetica) sneaks in."""
    exe = require_tool("pdffonts", "poppler-utils")
    pdf = tmp_path / "d.pdf"
    pdf.write_bytes(decision_pdf(DECISION))
    rows = subprocess.run([exe, str(pdf)], capture_output=True, text=True, check=True).stdout.splitlines()[2:]
    assert rows and all(row.split()[-5] == "yes" for row in rows), rows
    assert not any("Helvetica" in row for row in rows)


def test_arabic_is_shaped_and_right_to_left() -> None:
    text = "جماعة الدار البيضاء"
    shown = arabic.visual(text)
    # every letter became a contextual presentation form…
    assert all(not "\u0600" <= ch <= "\u06ff" for ch in shown if not ch.isspace())
    # …and, read from the right, it is the same text
    assert unicodedata.normalize("NFKC", shown[::-1]) == text
    # digits and Latin references keep their left-to-right order inside Arabic
    assert "GUU-2026-000123" in arabic.visual("رقم الملف GUU-2026-000123")


def test_every_arabic_glyph_exists_in_the_font() -> None:
    """Nothing is drawn as an empty box: the Arabic face has every shaped form we draw."""
    face = getFont(fonts.fonts().arabic).face
    texts = [value.ar for value in vars(L).values() if isinstance(value, L.Pair)]
    texts += [p.ar for group in (L.TITLE, L.OUTCOME, L.ARTICLE, L.RESERVES) for p in group.values()]
    texts += [m.ar for m in L.MONTHS] + [DECISION.commune_ar, DECISION.procedure_ar, RECEIPT.applicant]
    missing = {ch for t in texts for ch in arabic.visual(t) if ord(ch) not in face.charToGlyph}
    assert not missing, [f"U+{ord(ch):04X}" for ch in missing]


def test_long_arabic_text_wraps_line_by_line() -> None:
    face = fonts.fonts().arabic
    text = " ".join(["يجب ربط البناية بشبكة التطهير السائل قبل طلب رخصة السكن"] * 4)
    lines = arabic.wrap(text, face, 11, 200)
    assert len(lines) > 3
    rebuilt = " ".join(unicodedata.normalize("NFKC", ln[::-1]) for ln in lines)
    assert rebuilt == text


def test_long_decisions_continue_on_a_second_page(tmp_path: Path) -> None:
    pdf = tmp_path / "long.pdf"
    pdf.write_bytes(decision_pdf(decision(reserves=[f"Condition n° {i} : respecter les prescriptions du "
                                                    "cahier des charges de la zone." for i in range(40)])))
    text = pdftotext(pdf)
    assert "Page 1" in text and "Page 2" in text
    assert "Condition n° 39" in text and "Le Président du Conseil communal" in text


def test_rendering_is_deterministic() -> None:
    assert decision_pdf(DECISION) == decision_pdf(DECISION)
    assert decision_pdf(DECISION) != decision_pdf(decision(applicant="Karim Benali"))


@pytest.mark.parametrize(("changes", "field"), [
    ({"verification_code": "no spaces allowed"}, "verification_code"),
    ({"verify_base_url": "guichet.example.ma"}, "verify_base_url"),
    ({"kind": "peut-être"}, "kind"),
    ({"applicant": "  "}, "applicant"),
    ({"fees": [("Taxe", Decimal("-1"))]}, "Taxe"),
    ({"fees": [("Taxe", "beaucoup")]}, "Taxe"),
    ({"kind": "refus", "reserves": []}, "grounds"),
])
def test_bad_inputs_are_refused_by_name(changes: dict, field: str) -> None:
    with pytest.raises(InvalidDocument, match=field):
        decision(**changes)


def test_missing_fonts_name_the_package_to_install(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(fonts, "SYSTEM_DIRS", ())
    monkeypatch.setenv(fonts.FONT_DIRS_ENV, str(tmp_path))
    with pytest.raises(FontNotFound, match="fonts-dejavu-core"):
        decision_pdf(DECISION)
