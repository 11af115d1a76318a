"""Filing receipts sealed with the commune's e-seal: PAdES, valid for pyHanko and pdfsig,
verifiable by the dossier number; a commune without a seal gives a receipt claiming none."""
from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from handlers import verification
from handlers.signatures import demo as signature_demo
from handlers.signatures import receipts
from handlers.signatures.keystore import KeyStore
from handlers.signatures.models import SignedDocument, SignerKey
from tests.procedures.conftest import Platform
from tests.procedures.test_guu import CITIZEN, SMALL
from tests.signing.tools import pdfsig_valid, pyhanko_summary, require_tool


@pytest.fixture
def sealing(platform: Platform, demo_pki: Any, tmp_path: Path) -> Platform:
    from signing.demo_pki import load_ca
    ca = load_ca(demo_pki, "demo-pass")
    platform.ports.keystore = KeyStore(keys_dir=tmp_path / "keys", authorization_key=lambda: bytes(32),
                                       seal_secrets=tmp_path / "seals", demo_ca=lambda: ca)
    platform.ports.trust_roots = lambda: [demo_pki.ca_certificate.read_bytes()]
    assert signature_demo.seals(platform.engine, platform.ports, platform.clock()) == ["casablanca", "rabat"]
    assert signature_demo.seals(platform.engine, platform.ports, platform.clock()) == []  # once
    return platform


def _text(pdf: Path) -> str:
    exe = require_tool("pdftotext", "poppler-utils")
    return subprocess.run([exe, str(pdf), "-"], capture_output=True, text=True, check=True).stdout


def test_the_receipt_is_sealed_by_the_commune_and_verifiable(sealing: Platform, demo_pki: Any, tmp_path: Path) -> None:
    p = sealing
    d = p.file(CITIZEN, "permis_construire", SMALL)
    dossier = p.dossier(d)
    with p.sessions() as s:
        record = s.scalars(select(SignedDocument).where(SignedDocument.dossier_id == d)).one()
        key = s.get_one(SignerKey, record.signer_key_id)
        pdf, sealed = receipts.receipt(s, p.ports, dossier)
        result = verification.by_code(s, p.ports, dossier.number or "")
    assert sealed and record.kind == "receipt" and record.verification_code == dossier.number
    assert key.purpose == "seal" and key.user_id is None and key.commune_code == "casablanca"
    assert (key.pkcs12_path or "").startswith(str(tmp_path)) and (tmp_path / "seals" / "casablanca.secret").exists()
    assert result.summary.kind == "receipt" and result.verification.valid and result.verification.level == "B-B"
    assert result.verification.signer_common_name == "Cachet électronique — Commune de Casablanca"
    path = tmp_path / "receipt.pdf"
    path.write_bytes(pdf)
    assert pyhanko_summary(path, demo_pki.ca_certificate) == "INTACT:TRUSTED,UNTOUCHED"
    assert pdfsig_valid(path)
    text = _text(path)
    assert "Scellé du cachet électronique de la commune" in text and "Signé électroniquement" not in text
    assert f"/verify/{dossier.number}" in text


def test_without_a_seal_the_receipt_claims_no_signature(platform: Platform, tmp_path: Path) -> None:
    p = platform
    d = p.file(CITIZEN, "permis_construire", SMALL)
    with p.sessions() as s:
        pdf, sealed = receipts.receipt(s, p.ports, p.dossier(d))
        assert s.scalar(select(SignedDocument.id)) is None
    assert not sealed and b"/Sig" not in pdf
    path = tmp_path / "receipt.pdf"
    path.write_bytes(pdf)
    text = _text(path)
    assert "Signé électroniquement" not in text and "Scellé" not in text


def test_demo_seals_need_the_demo_ca(platform: Platform, tmp_path: Path) -> None:
    platform.ports.keystore = KeyStore(keys_dir=tmp_path, authorization_key=lambda: bytes(32), seal_secrets=tmp_path)
    assert signature_demo.seals(platform.engine, platform.ports, platform.clock()) == []
