"""Signing with the president's PKCS#12 key, checked by validators we did not write."""
from __future__ import annotations

import dataclasses
from datetime import UTC, datetime
from pathlib import Path

import pytest

from signing import keys
from signing.demo_pki import DemoPki
from signing.errors import SigningError
from signing.render import receipt_pdf
from signing.sign import Signer
from signing.verify import verify

from .conftest import PASSPHRASE
from .samples import CODE, RECEIPT
from .tools import pdfsig, pdfsig_valid, pyhanko_summary, tamper

WHEN = datetime.now(UTC).replace(microsecond=0)  # the test certificates start a few minutes ago


@pytest.fixture(scope="module")
def signed(signer: Signer, unsigned: bytes) -> bytes:
    return signer.sign(unsigned, reason="Décision du président", location="Casablanca",
                       signing_time=WHEN).pdf


def test_signed_decision_is_valid_for_pyhanko_and_pdfsig(signed: bytes, pki: DemoPki, output_dir: Path) -> None:
    path = output_dir / "decision-signed.pdf"
    path.write_bytes(signed)
    assert pyhanko_summary(path, pki.ca_certificate) == "INTACT:TRUSTED,UNTOUCHED"
    assert pdfsig_valid(path)
    report = pdfsig(path)
    assert "DEMO Président du Conseil communal" in report
    assert "Total document signed" in report


def test_one_changed_byte_is_reported_invalid_by_both(signed: bytes, pki: DemoPki, tmp_path: Path) -> None:
    path = tmp_path / "tampered.pdf"
    path.write_bytes(tamper(signed, CODE.encode()))
    assert pyhanko_summary(path, pki.ca_certificate) == "INVALID"
    assert not pdfsig_valid(path)
    assert "Digest Mismatch" in pdfsig(path)


def test_our_verification_agrees(signed: bytes, pki: DemoPki) -> None:
    roots = [pki.ca_certificate.read_bytes()]
    result = verify(signed, roots)
    assert (result.signed, result.intact, result.trusted, result.valid) == (True, True, True, True)
    assert result.covers_whole_document and result.problems == ()
    assert result.signer_common_name == "DEMO Président du Conseil communal"
    assert "DEMO" in (result.signer_subject or "")
    assert result.signing_time == WHEN
    assert result.timestamp is None

    altered = verify(tamper(signed, CODE.encode()), roots)
    assert not altered.intact and not altered.valid
    assert "altered" in altered.problems[0]

    stranger = verify(signed, [])
    assert stranger.intact and not stranger.trusted and not stranger.valid
    assert "trusted authority" in stranger.problems[0]


def test_verification_of_unsigned_and_broken_documents(unsigned: bytes, pki: DemoPki) -> None:
    roots = [pki.ca_certificate.read_bytes()]
    assert verify(unsigned, roots).problems == ("the document carries no signature",)
    broken = verify(b"%PDF-1.4 not really", roots)
    assert not broken.signed and "not a readable PDF" in broken.problems[0]


def test_content_appended_after_signing_is_reported(signed: bytes, pki: DemoPki) -> None:
    from io import BytesIO

    from pyhanko.pdf_utils.generic import NameObject, TextStringObject
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter

    writer = IncrementalPdfFileWriter(BytesIO(signed))
    writer.root[NameObject("/Lang")] = TextStringObject("ar-MA")  # an unsigned change
    writer.update_root()
    out = BytesIO()
    writer.write(out)
    result = verify(out.getvalue(), [pki.ca_certificate.read_bytes()])
    assert result.intact and not result.covers_whole_document
    assert any("added after the signature" in p for p in result.problems)


def test_the_same_input_signs_to_the_same_bytes(signer: Signer, unsigned: bytes) -> None:
    first = signer.sign(unsigned, reason="r", location="l", signing_time=WHEN)
    second = signer.sign(unsigned, reason="r", location="l", signing_time=WHEN)
    assert first.pdf == second.pdf and bytes(first) == first.pdf
    assert first.warnings == [] and not first.timestamped


@pytest.mark.usefixtures("fonts_installed")
def test_the_key_is_opened_once_for_many_documents(pki: DemoPki, monkeypatch: pytest.MonkeyPatch) -> None:
    opened: list[object] = []
    real = keys.pkcs12.load_key_and_certificates

    def spy(*args: object, **kwargs: object) -> object:
        opened.append(args)
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(keys.pkcs12, "load_key_and_certificates", spy)
    signer = Signer.from_pkcs12(pki.president_pkcs12, PASSPHRASE)
    roots = [pki.ca_certificate.read_bytes()]
    for n in range(3):
        doc = receipt_pdf(dataclasses.replace(RECEIPT, dossier_number=f"GUU-2026-00000{n}"))
        assert verify(signer.sign(doc, reason="Récépissé", location="Casablanca").pdf, roots).valid
    assert len(opened) == 1


def test_a_non_pdf_is_refused(signer: Signer) -> None:
    with pytest.raises(SigningError, match="not a PDF"):
        signer.sign(b"hello", reason="r", location="l")
    with pytest.raises(SigningError, match="not a readable PDF"):
        signer.sign(b"%PDF-1.7\nbroken", reason="r", location="l")
