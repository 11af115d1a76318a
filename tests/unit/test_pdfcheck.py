"""Hostile uploads: every refusal is clear, and only plain PDFs get through."""
from __future__ import annotations

import io
import zlib

import pytest
from pypdf import PdfReader, PdfWriter
from pypdf.generic import DictionaryObject, NameObject, StreamObject, TextStringObject

from handlers import pdfcheck
from handlers.dossiers import safe_filename
from tests.pdfs import tiny_pdf


def _writer() -> PdfWriter:
    writer = PdfWriter()
    writer.append(PdfReader(io.BytesIO(tiny_pdf("plan"))))
    return writer


def _bytes(writer: PdfWriter) -> bytes:
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def test_a_plain_pdf_passes() -> None:
    assert pdfcheck.check(tiny_pdf()) == 1


def test_javascript_is_refused() -> None:
    writer = _writer()
    writer.add_js("app.alert('hello');")
    with pytest.raises(pdfcheck.PdfRefused, match="JavaScript|action"):
        pdfcheck.check(_bytes(writer))


def test_embedded_files_are_refused() -> None:
    writer = _writer()
    writer.add_attachment("payload.exe", b"MZ\x90\x00")
    with pytest.raises(pdfcheck.PdfRefused, match="embedded files"):
        pdfcheck.check(_bytes(writer))


def test_launch_action_on_open_is_refused() -> None:
    writer = _writer()
    writer._root_object[NameObject("/OpenAction")] = DictionaryObject({
        NameObject("/S"): NameObject("/Launch"), NameObject("/F"): TextStringObject("cmd.exe")})
    with pytest.raises(pdfcheck.PdfRefused, match="opens"):
        pdfcheck.check(_bytes(writer))


def test_encrypted_pdf_is_refused() -> None:
    writer = _writer()
    writer.encrypt("secret")
    with pytest.raises(pdfcheck.PdfRefused, match="encrypted"):
        pdfcheck.check(_bytes(writer))


def test_decompression_bomb_is_refused() -> None:
    bomb = zlib.compress(b" " * (120 * 1024 * 1024), 9)  # ~120 KB that inflates to 120 MB
    writer = PdfWriter()
    page = writer.add_blank_page(595, 842)
    stream = StreamObject()
    stream.set_data(bomb)
    stream[NameObject("/Filter")] = NameObject("/FlateDecode")
    page[NameObject("/Contents")] = writer._add_object(stream)
    content = _bytes(writer)
    assert len(content) < pdfcheck.MAX_DOCUMENT_BYTES
    with pytest.raises(pdfcheck.PdfRefused, match="bomb"):
        pdfcheck.check(content)


@pytest.mark.parametrize(("content", "reason"), [
    (b"", "empty"), (b"GIF89a", "not a PDF"), (b"%PDF-1.7\n%%EOF", "cannot be read|no page"),
    (b"%PDF-" + b"x" * (pdfcheck.MAX_DOCUMENT_BYTES + 1), "larger"),
])
def test_other_refusals(content: bytes, reason: str) -> None:
    with pytest.raises(pdfcheck.PdfRefused, match=reason):
        pdfcheck.check(content)


@pytest.mark.parametrize(("given", "kept"), [
    ("../../etc/passwd", "passwd"), ("C:\\Windows\\system32\\plan.pdf", "plan.pdf"),
    ("plan\x00.pdf", "plan.pdf"), ("..", "document.pdf"), ("plan <v2>.pdf", "plan v2.pdf"),
])
def test_file_names_lose_their_paths(given: str, kept: str) -> None:
    assert safe_filename(given) == kept
