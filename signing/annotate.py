"""Draw plan annotations onto a PDF: a reportlab overlay per annotated page, merged with pypdf.

Annotations come in PDF user-space points of their page (origin bottom-left, what pdf.js's
``viewport.convertToPdfPoint`` gives), so the overlay is drawn with an identity mapping
whatever the page's zoom or rotation on screen. Kinds: pen, rect, arrow, text, highlight.
"""
from __future__ import annotations

import io
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from pypdf import PdfReader, PdfWriter
from reportlab.pdfgen.canvas import Canvas

from . import arabic
from .fonts import fonts

HIGHLIGHT_ALPHA = 0.35
TEXT_SIZE = 11.0


@dataclass(frozen=True)
class Mark:
    """One annotation to draw: page is 1-based, geometry and style as the room stores them."""

    page: int
    kind: str
    geometry: dict[str, Any]
    style: dict[str, Any]
    author: str = ""


def _rgb(color: str) -> tuple[float, float, float]:
    value = color.lstrip("#")
    return int(value[0:2], 16) / 255, int(value[2:4], 16) / 255, int(value[4:6], 16) / 255


def _arrow(c: Canvas, g: dict[str, Any], width: float) -> None:
    x1, y1, x2, y2 = g["x1"], g["y1"], g["x2"], g["y2"]
    c.line(x1, y1, x2, y2)
    angle = math.atan2(y2 - y1, x2 - x1)
    head = max(8.0, 4 * width)
    path = c.beginPath()
    path.moveTo(x2, y2)
    path.lineTo(x2 - head * math.cos(angle - math.pi / 7), y2 - head * math.sin(angle - math.pi / 7))
    path.lineTo(x2 - head * math.cos(angle + math.pi / 7), y2 - head * math.sin(angle + math.pi / 7))
    path.close()
    c.drawPath(path, stroke=1, fill=1)


def _text(c: Canvas, g: dict[str, Any]) -> None:
    s = str(g["text"])
    rtl = arabic.has_arabic(s)
    face = fonts()
    c.setFont(face.arabic if rtl else face.latin, TEXT_SIZE)
    line_y = g["y"]
    for line in s.splitlines() or [""]:
        c.drawString(g["x"], line_y - TEXT_SIZE, arabic.visual(line))
        line_y -= TEXT_SIZE * 1.3


def draw(c: Canvas, mark: Mark) -> None:
    """Draw one mark on ``c`` in the page's own coordinates."""
    color = _rgb(mark.style.get("color", "#e53935"))
    width = float(mark.style.get("width", 2.0))
    g = mark.geometry
    c.saveState()
    c.setStrokeColorRGB(*color)
    c.setFillColorRGB(*color)
    c.setLineWidth(width)
    c.setLineCap(1)
    c.setLineJoin(1)
    if mark.kind == "pen":
        points = g["points"]
        if len(points) == 1:
            c.circle(points[0][0], points[0][1], width / 2, stroke=0, fill=1)
        else:
            path = c.beginPath()
            path.moveTo(*points[0])
            for x, y in points[1:]:
                path.lineTo(x, y)
            c.drawPath(path, stroke=1, fill=0)
    elif mark.kind == "rect":
        c.rect(g["x"], g["y"], g["w"], g["h"], stroke=1, fill=0)
    elif mark.kind == "highlight":
        c.setFillAlpha(HIGHLIGHT_ALPHA)
        c.rect(g["x"], g["y"], g["w"], g["h"], stroke=0, fill=1)
    elif mark.kind == "arrow":
        _arrow(c, g, width)
    elif mark.kind == "text":
        _text(c, g)
    else:
        raise ValueError(f"unknown annotation kind {mark.kind!r}")
    c.restoreState()


def _overlay(width: float, height: float, marks: Iterable[Mark]) -> Any:
    buffer = io.BytesIO()
    c = Canvas(buffer, pagesize=(width, height), invariant=1, initialFontName=fonts().latin)
    for mark in marks:
        draw(c, mark)
    c.showPage()
    c.save()
    return PdfReader(io.BytesIO(buffer.getvalue())).pages[0]


def annotated_writer(pdf: bytes, marks: Sequence[Mark], *, only_annotated: bool = False) -> PdfWriter:
    """The PDF's pages with the marks merged onto them (every page, or only those marked)."""
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(pdf)))
    count = len(writer.pages)
    by_page: dict[int, list[Mark]] = {}
    for mark in marks:
        if not 1 <= mark.page <= count:
            raise ValueError(f"annotation on page {mark.page} of a {count}-page document")
        by_page.setdefault(mark.page, []).append(mark)
    for number, page in enumerate(writer.pages, start=1):
        if number in by_page:
            box = page.mediabox
            page.merge_page(_overlay(float(box.right), float(box.top), by_page[number]))
    if only_annotated:
        for index in reversed(range(count)):
            if index + 1 not in by_page:
                del writer.pages[index]  # type: ignore[attr-defined]
    return writer


def annotated_pdf(pdf: bytes, marks: Sequence[Mark]) -> bytes:
    """The whole PDF with its annotations drawn in (what the applicant receives)."""
    writer = annotated_writer(pdf, marks)
    writer.add_metadata({"/Producer": "Guichet (reportlab, pypdf)", "/Title": "Plan annoté par la commission"})
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()
