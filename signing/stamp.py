"""Marks put on a finished document's pages: "n / N" on every page, and a caption above the
pages that were appended (an annotated plan), on a band added to the page so that it
never covers the page's own content."""
from __future__ import annotations

import io
from collections.abc import Mapping

from pypdf import PdfReader, PdfWriter
from reportlab.pdfgen.canvas import Canvas

from . import arabic
from .fonts import fonts
from .labels import Pair

BAND = 26.0  # points added above a captioned page


def _overlay(width: float, height: float, number: str, caption: Pair | None, top: float) -> PdfReader:
    f = fonts()
    buffer = io.BytesIO()
    c = Canvas(buffer, pagesize=(width, height), invariant=1)
    c.setFont(f.latin, 8)
    c.drawCentredString(width / 2, 12, number)
    if caption is not None:
        c.setFillColorRGB(0.95, 0.95, 0.95)
        c.rect(0, top, width, BAND, stroke=0, fill=1)
        c.setFillColorRGB(0.1, 0.1, 0.1)
        c.setFont(f.latin_bold, 9)
        c.drawString(14, top + 9, caption.fr)
        c.setFont(f.arabic_bold, 10.5)
        c.drawRightString(width - 14, top + 9, arabic.visual(caption.ar))
    c.save()
    return PdfReader(io.BytesIO(buffer.getvalue()))


def stamp(writer: PdfWriter, captions: Mapping[int, Pair]) -> None:
    """Number every page "n / N"; caption the pages of ``captions`` (1-based page → text)."""
    total = len(writer.pages)
    for number, page in enumerate(writer.pages, start=1):
        box = page.mediabox
        if float(box.left) != 0 or float(box.bottom) != 0:  # overlays are drawn from the origin
            page.transfer_rotation_to_content()
        caption = captions.get(number)
        top = float(box.top)
        if caption is not None:
            box.upper_right = (float(box.right), top + BAND)
            page.cropbox = page.mediabox
        overlay = _overlay(float(box.right), float(box.top), f"{number} / {total}", caption, top)
        page.merge_page(overlay.pages[0])
