"""Drawing room annotations onto a PDF: every kind, in the page's own coordinates, onto the
pages they belong to; a mark on a page the document does not have is refused."""
from __future__ import annotations

import io

import pytest
from pypdf import PdfReader

from signing.annotate import Mark, annotated_pdf, annotated_writer
from tests.pdfs import tiny_pdf

MARKS = [Mark(1, "pen", {"points": [[10, 10], [20, 30], [40, 35]]}, {"color": "#00ff00", "width": 2}),
         Mark(1, "rect", {"x": 100, "y": 500, "w": 120, "h": 60}, {"color": "#0000ff", "width": 3}),
         Mark(1, "highlight", {"x": 60, "y": 700, "w": 200, "h": 30}, {"color": "#ffff00", "width": 1}),
         Mark(1, "arrow", {"x1": 300, "y1": 300, "x2": 200, "y2": 200}, {"color": "#ff0000", "width": 2}),
         Mark(1, "text", {"x": 100, "y": 480, "text": "Recul 5 m"}, {"color": "#000000", "width": 1})]


def test_every_kind_is_drawn_on_its_page() -> None:
    out = PdfReader(io.BytesIO(annotated_pdf(tiny_pdf("plan"), MARKS)))
    assert len(out.pages) == 1
    page = out.pages[0]
    text = page.extract_text()
    assert "plan" in text and "Recul 5 m" in text  # the plan is kept, the note added
    content = page.get_contents().get_data()
    assert b"0 0 1 RG" in content  # the blue rectangle's stroke colour
    assert b"100 500 120 60 re" in content  # at its PDF coordinates, unscaled
    states = page["/Resources"]["/ExtGState"]
    alphas = {float(states[name].get_object().get("/ca", 1)) for name in states}
    assert 0.35 in alphas  # the highlight is translucent


def test_only_annotated_pages_are_kept_for_snapshots() -> None:
    from pypdf import PdfWriter
    two = PdfWriter()
    for text in ("one", "two"):
        two.add_page(PdfReader(io.BytesIO(tiny_pdf(text))).pages[0])
    buffer = io.BytesIO()
    two.write(buffer)
    writer = annotated_writer(buffer.getvalue(), [Mark(2, "rect", {"x": 1, "y": 1, "w": 5, "h": 5}, {})],
                              only_annotated=True)
    assert [p.extract_text().strip() for p in writer.pages] == ["two"]


def test_a_mark_off_the_document_is_refused() -> None:
    with pytest.raises(ValueError, match="page 3 of a 1-page"):
        annotated_pdf(tiny_pdf(), [Mark(3, "rect", {"x": 1, "y": 1, "w": 5, "h": 5}, {})])
