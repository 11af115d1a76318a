"""The decision's particulars, read from a filing form with its labels and value names."""
from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

from handlers import decision_content as content

FORMS = Path(__file__).resolve().parents[2] / "processes" / "forms"


def _form(name: str) -> tuple[dict, dict]:
    return (json.loads((FORMS / f"{name}.schema.json").read_text()),
            json.loads((FORMS / f"{name}.ui.json").read_text()))


def test_numbers_are_written_the_french_way() -> None:
    assert [content.number(v) for v in (120.0, 2, 1250.5, "40", 0.25)] == ["120", "2", "1\u00a0250,5", "40", "0,25"]


def test_a_permit_form_gives_labelled_rows_with_value_names() -> None:
    rows = dict(content.form_rows(*_form("depot_construire"), {
        "parcelle": "TF 1/C", "adresse": "Rue 1", "usage": "commerce", "surface": 90.0, "niveaux": 1}))
    assert rows == {("Adresse", "العنوان"): "Rue 1", ("Usage", "الاستعمال"): ("Commerce", "تجارة"),
                    ("Surface de plancher (m²)", "المساحة المغطاة (م²)"): "90",
                    ("Nombre de niveaux", "عدد الطوابق"): "1"}


def test_empty_fields_are_left_out() -> None:
    rows = content.form_rows(*_form("depot_activite"), {"raison_sociale": "Al Qalam", "activite": "librairie",
                                                        "adresse": ""})
    assert rows == [(("Nom ou raison sociale", "الاسم أو التسمية التجارية"), "Al Qalam"),
                    (("Activité", "النشاط"), ("Librairie", "مكتبة"))]


def test_works_window_and_deposit() -> None:
    rows = dict(content.works_rows({"works_start": "2026-02-02", "works_end": "2026-02-20"},
                                   [("Caution de remise en état de la voirie", Decimal("12000")),
                                    ("Redevance", Decimal("5"))]))
    assert rows[("Période des travaux", "فترة الأشغال")][0] == "du 2 février 2026 au 20 février 2026"
    assert rows[("Caution de remise en état", "ضمانة إرجاع الحالة")][0] == "12\u00a0000,00 MAD"
    assert content.works_rows({}, []) == []
