"""Uploaded PDFs are untrusted: parse them with pypdf and refuse what a plan has no use for.

Refused: not a PDF, empty, oversize, unreadable, encrypted, decompression bombs (pypdf's
stream limits, plus a total budget), and active or hidden content — JavaScript, launch
actions, embedded files, file attachments.
"""
from __future__ import annotations

import io
from typing import Any

from pypdf import PdfReader
from pypdf.errors import LimitReachedError, PdfReadError
from pypdf.generic import DictionaryObject, IndirectObject

MAX_DOCUMENT_BYTES = 25 * 1024 * 1024
MAX_DECODED_BYTES = 200 * 1024 * 1024  # all content streams together, once inflated
ACTIVE_ACTIONS = {"/JavaScript", "/Launch", "/ImportData", "/SubmitForm"}


class PdfRefused(ValueError):
    """Why an upload is refused, in a sentence a person can act on; ``code`` names that
    sentence in the web layer's catalog of error messages (translated), ``params`` fill it."""

    def __init__(self, message: str, code: str, **params: Any) -> None:
        super().__init__(message)
        self.code, self.params = code, params


def _resolve(obj: Any) -> Any:
    return obj.get_object() if isinstance(obj, IndirectObject) else obj


def _action_kind(action: Any) -> str | None:
    action = _resolve(action)
    if isinstance(action, DictionaryObject):
        kind = action.get("/S")
        if kind in ACTIVE_ACTIONS or "/JS" in action:
            return str(kind or "/JavaScript")
    return None


def _active_content(reader: PdfReader) -> str | None:
    root = _resolve(reader.trailer["/Root"])
    if _action_kind(root.get("/OpenAction")):
        return "an action that runs when the file opens"
    if "/AA" in root:
        return "automatic actions"
    names = _resolve(root.get("/Names")) or {}
    if "/JavaScript" in names:
        return "JavaScript"
    if "/EmbeddedFiles" in names:
        return "embedded files"
    for page in reader.pages:
        if "/AA" in page:
            return "automatic page actions"
        for annot in _resolve(page.get("/Annots")) or []:
            annot = _resolve(annot)
            if annot.get("/Subtype") == "/FileAttachment":
                return "an attached file"
            if _action_kind(annot.get("/A")):
                return "a link that runs a program or a script"
    return None


def check(content: bytes) -> int:
    """The page count of an acceptable PDF; :class:`PdfRefused` otherwise."""
    if not content:
        raise PdfRefused("the file is empty", "pdf.empty")
    if len(content) > MAX_DOCUMENT_BYTES:
        raise PdfRefused(f"the file is larger than {MAX_DOCUMENT_BYTES // 1024 // 1024} MB",
                         "pdf.too_large", mb=MAX_DOCUMENT_BYTES // 1024 // 1024)
    if not content.startswith(b"%PDF-"):
        raise PdfRefused("the file is not a PDF", "pdf.not_pdf")
    try:
        reader = PdfReader(io.BytesIO(content), strict=False)
        if reader.is_encrypted:
            raise PdfRefused("the PDF is encrypted: upload it without a password", "pdf.encrypted")
        pages = len(reader.pages)
        inflated = 0
        for page in reader.pages:
            contents = page.get_contents()
            inflated += len(contents.get_data()) if contents is not None else 0
            if inflated > MAX_DECODED_BYTES:
                raise PdfRefused("the PDF inflates to an unreasonable size (a compression bomb?)", "pdf.bomb")
        active = _active_content(reader)
    except LimitReachedError:
        raise PdfRefused("the PDF inflates to an unreasonable size (a compression bomb?)", "pdf.bomb") from None
    except (PdfReadError, ValueError, KeyError, TypeError, AttributeError) as exc:
        if isinstance(exc, PdfRefused):
            raise
        raise PdfRefused(f"the PDF cannot be read ({exc})", "pdf.unreadable") from None
    if active:
        raise PdfRefused(f"the PDF carries {active}: plans must be plain documents", "pdf.active")
    if pages == 0:
        raise PdfRefused("the PDF has no page", "pdf.no_page")
    return pages
