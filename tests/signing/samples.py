"""Sample documents: a building permit in Casablanca, its receipt, a refusal."""
from __future__ import annotations

import dataclasses
from datetime import date
from decimal import Decimal
from typing import Any

from signing.documents import DecisionDocument, ReceiptDocument

CODE = "K7Q2-9XJ4-MP3D"
BASE_URL = "https://guichet.example.ma"

DECISION = DecisionDocument(
    commune_fr="Casablanca", commune_ar="الدار البيضاء",
    procedure_fr="Permis de construire — petit projet", procedure_ar="رخصة البناء — مشروع صغير",
    dossier_number="GUU-2026-000123", applicant="Fatima Zahra El Idrissi",
    parcel="Titre foncier n° 12345/C, lot 17, quartier Maârif",
    kind="autorisation",
    reserves=["Respecter un recul de 4 m par rapport à l'alignement de la voie publique.",
              "La hauteur maximale du bâtiment est fixée à R+2 (11,50 m).",
              "يجب ربط البناية بشبكة التطهير السائل قبل طلب رخصة السكن."],
    fees=[("Taxe sur les opérations de construction", Decimal("2500")),
          ("Redevance d'occupation temporaire du domaine public", Decimal("350.50"))],
    legal_references=[
        "la loi n° 12-90 relative à l'urbanisme, promulguée par le dahir n° 1-92-31 du 17 juin 1992",
        "la loi organique n° 113-14 relative aux communes",
        "le décret n° 2-18-577 approuvant le règlement général de construction",
        "القانون رقم 12.90 المتعلق بالتعمير"],
    verification_code=CODE, verify_base_url=BASE_URL, date=date(2026, 1, 5))

RECEIPT = ReceiptDocument(
    commune_fr="Casablanca", commune_ar="الدار البيضاء",
    procedure_fr="Permis de construire — petit projet", procedure_ar="رخصة البناء — مشروع صغير",
    dossier_number="GUU-2026-000123", applicant="فاطمة الزهراء الإدريسي", parcel="TF 12345/C",
    documents=["Plan de situation", "Plans architecturaux signés", "Certificat de propriété",
               "عقد الملكية"],
    fees=[("Frais de dépôt", 100)],
    verification_code="R3C-2026-0001", verify_base_url=BASE_URL + "/", date=date(2026, 1, 2))


def decision(**changes: Any) -> DecisionDocument:
    """The sample decision with some fields changed."""
    return dataclasses.replace(DECISION, **changes)
