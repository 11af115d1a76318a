"""The signed decision says what it authorizes, read back with pdftotext as a person reads it:
the filing form's fields with their labels and value names, the trench's works window and
deposit, "Fait à Casablanca", and in Arabic a verification code that types as printed."""
from __future__ import annotations

import subprocess
from pathlib import Path

from tests.procedures.conftest import Platform
from tests.procedures.test_economic import SHOP
from tests.procedures.test_guu import AGENT, CITIZEN, FAV, sign
from tests.signing.tools import require_tool


def _text(p: Platform, d: int, tmp_path: Path) -> str:
    decision = p.decision(d)
    assert decision.signed
    pdf = tmp_path / "decision.pdf"
    pdf.write_bytes(p.ports.files.get(decision.pdf_sha256))
    exe = require_tool("pdftotext", "poppler-utils")
    return subprocess.run([exe, "-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout


def _arabic_code_line(text: str, code: str) -> str:
    """The footer's Arabic half: what follows the French half (number — URL) on its line."""
    lines = [ln for ln in text.splitlines() if "/verify/" in ln and "—" in ln]
    assert lines, text
    arabic_half = lines[0].split(f"/verify/{code}", 1)[1]
    assert "\ufeb3" in arabic_half or "ﺭﻣﺰ" in arabic_half, arabic_half  # رمز (shaped)
    return arabic_half


def test_building_permit_decision_states_address_use_surface_and_levels(platform: Platform,
                                                                       tmp_path: Path) -> None:
    p = platform
    fields = {"usage": "habitation_collective", "surface": 1250.5, "niveaux": 4, "parcelle": "TF 4242/C",
              "adresse": "12, boulevard Zerktouni"}
    d = p.file(CITIZEN, "permis_construire", fields)
    p.do(d, "rc_check", {"complete": True}, AGENT)
    p.opinions(d, {"agence_urbaine": FAV, "urbanisme": FAV, "protection_civile": FAV, "regie": FAV})
    p.pay(d)
    sign(p, d)
    text = _text(p, d, tmp_path)
    for expected in ("Objet de l'autorisation", "Adresse", "12, boulevard Zerktouni", "Usage",
                     "Habitation collective", "Surface de", "1 250,5", "Nombre de",
                     "TF 4242/C", "Loi n° 12-90 relative à l'urbanisme", "Fait à Casablanca, le"):
        assert expected in text, f"{expected!r} missing from the decision:\n{text}"
    assert "Fait à Commune de" not in text
    assert "habitation_collective" not in text  # the value's name, not its code
    code = p.decision(d).verification_code
    assert code in _arabic_code_line(text, code)


def test_trench_decision_states_operator_length_works_window_and_deposit(platform: Platform,
                                                                         tmp_path: Path) -> None:
    p = platform
    d = p.file(SHOP, "ouverture_tranchee", {"longueur": 40, "operateur": "Maroc Telecom",
                                           "adresse": "Rue Allal Ben Abdellah", "nature": "télécom"})
    p.do(d, "rc_check", {"complete": True}, AGENT)
    p.opinions(d, {"voirie": FAV, "regie": FAV})
    p.do(d, "ot_window", {"works_start": "2026-02-02", "works_end": "2026-02-20"}, AGENT)
    p.pay(d)
    sign(p, d)
    text = _text(p, d, tmp_path)
    for expected in ("Opérateur", "Maroc Telecom", "Longueur de la", "40", "Voie concernée",
                     "Rue Allal Ben Abdellah", "Période des", "du 2 février 2026 au 20 février 2026",
                     "Caution de remise", "12 000,00 MAD", "Loi n° 57-19", "Fait à Casablanca"):
        assert expected in text, f"{expected!r} missing from the decision:\n{text}"
    assert "Parcelle" not in text  # a trench has no parcel: no empty row for it
