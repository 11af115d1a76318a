"""A4 page layout for official documents: a reportlab canvas with a moving cursor.

French runs left to right from the left margin, Arabic right to left from the right
margin, both on the same sheet. :class:`Sheet` offers the few blocks the documents are
made of (letterhead, title, a table of fields, headed lists, a fees table, the closing
block with the QR code) and starts a new page when a block would not fit.
"""
from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas

from . import arabic
from . import labels as L
from .documents import Fee
from .emblem import draw_emblem, draw_logo
from .fonts import FontSet
from .labels import Pair
from .qr import draw_qr

WIDTH, HEIGHT = A4
MARGIN = 18 * mm
LEFT, RIGHT = MARGIN, WIDTH - MARGIN
TOP, BOTTOM = HEIGHT - MARGIN, MARGIN + 14 * mm
BODY = 9.5
LEADING = 1.35
LABEL_W = 34 * mm
INK = (0.10, 0.12, 0.16)
RULE = (0.55, 0.58, 0.62)
SHADE = (0.94, 0.95, 0.96)
ACCENT = (0.55, 0.10, 0.12)  # the dark red of Moroccan official letterheads


class Sheet:
    """A document being drawn: call the blocks top to bottom, then :meth:`finish`."""

    def __init__(self, canvas: Canvas, fonts: FontSet, footer: Pair, *, page_numbers: bool = True) -> None:
        self.c = canvas
        self.f = fonts
        self.footer_text = footer
        self.page_numbers = page_numbers
        self.page = 1
        self.y = TOP

    # -- primitives -------------------------------------------------------------------
    def text(self, x: float, y: float, s: str, size: float = BODY, *, bold: bool = False,
             align: str = "left", visual_order: bool = False) -> None:
        """Draw one line; Arabic is shaped, reordered and set in the Arabic face.

        ``visual_order``: ``s`` is a line from :meth:`wrap`, already shaped and reordered.
        """
        rtl = arabic.has_arabic(s)
        self.c.setFont(self._font(rtl, bold), self._size(rtl, size))
        if not visual_order:
            s = arabic.visual(s)
        {"left": self.c.drawString, "right": self.c.drawRightString,
         "center": self.c.drawCentredString}[align](x, y, s)

    def _font(self, rtl: bool, bold: bool) -> str:
        if rtl:
            return self.f.arabic_bold if bold else self.f.arabic
        return self.f.latin_bold if bold else self.f.latin

    @staticmethod
    def _size(rtl: bool, size: float) -> float:
        # Naskh letters are drawn smaller than Latin ones at the same body size.
        return size + 1.5 if rtl else size

    def width(self, s: str, size: float = BODY, bold: bool = False) -> float:
        """The drawn width of one line of ``s``."""
        rtl = arabic.has_arabic(s)
        return stringWidth(arabic.visual(s), self._font(rtl, bold), self._size(rtl, size))

    def wrap(self, s: str, width: float, size: float = BODY, bold: bool = False) -> list[str]:
        """``s`` as lines no wider than ``width``, in visual order (see :meth:`text`)."""
        rtl = arabic.has_arabic(s)
        return arabic.wrap(s, self._font(rtl, bold), self._size(rtl, size), width)

    def line_height(self, size: float = BODY) -> float:
        """Baseline-to-baseline distance for body text of ``size``."""
        return size * LEADING + 1.5

    def rule(self, y: float, weight: float = 0.6, color: tuple[float, float, float] = RULE) -> None:
        """A horizontal line across the text width at ``y``."""
        self.c.setStrokeColorRGB(*color)
        self.c.setLineWidth(weight)
        self.c.line(LEFT, y, RIGHT, y)

    def ensure(self, height: float) -> None:
        """Start a new page unless ``height`` points still fit above the footer."""
        if self.y - height < BOTTOM:
            self._footer()
            self.c.showPage()
            self.page += 1
            self.y = TOP

    def _footer(self) -> None:
        self.rule(MARGIN + 8 * mm, 0.4)
        self.c.setFillColorRGB(*INK)
        self.text(LEFT, MARGIN + 4 * mm, self.footer_text.fr, 7)
        self.text(RIGHT, MARGIN + 4 * mm, self.footer_text.ar, 7, align="right")
        if self.page_numbers:
            self.text(WIDTH / 2, MARGIN, L.PAGE.fr.format(self.page), 7, align="center")

    def finish(self) -> None:
        """Close the last page."""
        self._footer()
        self.c.showPage()

    # -- blocks -----------------------------------------------------------------------
    def letterhead(self, commune: Pair, logo: bytes | None = None) -> None:
        """Kingdom, ministry and commune, French left and Arabic right, between them the
        commune's logo when it has one, else a neutral seal."""
        c = self.c
        c.setFillColorRGB(*INK)
        y = self.y - 10
        for i, pair in enumerate((L.KINGDOM, L.MINISTRY, L.commune(commune.fr, commune.ar))):
            size = 10.5 if i == 0 else 9.5
            self.text(LEFT, y, pair.fr, size, bold=i != 1)
            self.text(RIGHT, y, pair.ar, size, bold=i != 1, align="right")
            y -= 15
        if logo:
            draw_logo(c, logo, WIDTH / 2, self.y - 24)
        else:
            draw_emblem(c, WIDTH / 2, self.y - 24, ACCENT)
        self.rule(y + 2, 1.6, ACCENT)
        self.rule(y - 1, 0.5, ACCENT)
        self.y = y - 14

    def title(self, pair: Pair) -> None:
        """The document's title, French above Arabic, centred."""
        self.ensure(60)
        self.c.setFillColorRGB(*ACCENT)
        self.text(WIDTH / 2, self.y - 12, pair.fr, 15, bold=True, align="center")
        self.text(WIDTH / 2, self.y - 34, pair.ar, 15, bold=True, align="center")
        self.c.setFillColorRGB(*INK)
        self.y -= 50

    def fields(self, rows: Sequence[tuple[Pair, Pair | str]]) -> None:
        """A three-column table: French label | value | Arabic label.

        A bilingual value (a :class:`Pair`) shares one line, French left and Arabic right,
        when both fit; otherwise it takes a line each.
        """
        c = self.c
        value_w = RIGHT - LEFT - 2 * LABEL_W
        lh = self.line_height()
        for label, value in rows:
            if isinstance(value, Pair) and self.width(value.fr) + self.width(value.ar) + 24 < value_w:
                lines = [(value.fr, arabic.visual(value.ar))]
            else:
                texts = [value.fr, value.ar] if isinstance(value, Pair) else [value]
                lines = [(ln, "") for t in texts for ln in self.wrap(t, value_w - 10)]
            fr_label = self.wrap(label.fr, LABEL_W - 8, 8.5, bold=True)
            ar_label = self.wrap(label.ar, LABEL_W - 8, 8.5, bold=True)
            h = max(len(lines), len(fr_label), len(ar_label)) * lh + 6
            self.ensure(h)
            top = self.y
            c.setFillColorRGB(*SHADE)
            c.setStrokeColorRGB(*RULE)
            c.setLineWidth(0.5)
            c.rect(LEFT, top - h, LABEL_W, h, stroke=1, fill=1)
            c.rect(RIGHT - LABEL_W, top - h, LABEL_W, h, stroke=1, fill=1)
            c.rect(LEFT + LABEL_W, top - h, value_w, h, stroke=1, fill=0)
            c.setFillColorRGB(*INK)
            for i, ln in enumerate(fr_label):
                self.text(LEFT + 4, top - lh * (i + 1) + 2, ln, 8.5, bold=True, visual_order=True)
            for i, ln in enumerate(ar_label):
                self.text(RIGHT - 4, top - lh * (i + 1) + 2, ln, 8.5, bold=True, align="right",
                          visual_order=True)
            for i, (first, second) in enumerate(lines):
                y = top - lh * (i + 1) + 2
                if arabic.has_arabic(first):
                    self.text(RIGHT - LABEL_W - 5, y, first, align="right", visual_order=True)
                else:
                    self.text(LEFT + LABEL_W + 5, y, first, visual_order=True)
                if second:
                    self.text(RIGHT - LABEL_W - 5, y, second, align="right", visual_order=True)
            self.y = top - h
        self.y -= 8

    def heading(self, pair: Pair) -> None:
        """A section heading: French left, Arabic right, underlined; on two lines (French
        above Arabic) when they would meet on one."""
        apart = self.width(pair.fr, 10.5, True) + self.width(pair.ar, 10.5, True) + 24 < RIGHT - LEFT
        self.ensure(44 if apart else 60)
        self.c.setFillColorRGB(*ACCENT)
        self.text(LEFT, self.y - 12, pair.fr, 10.5, bold=True)
        if not apart:
            self.y -= 16
        self.text(RIGHT, self.y - 12, pair.ar, 10.5, bold=True, align="right")
        self.rule(self.y - 17, 0.5, ACCENT)
        self.c.setFillColorRGB(*INK)
        self.y -= 22

    def paragraph(self, s: str, *, bold: bool = False, indent: float = 0, marker: str = "") -> None:
        """A wrapped paragraph: French from the left margin, Arabic from the right one."""
        lh = self.line_height()
        rtl = arabic.has_arabic(s)
        for i, ln in enumerate(self.wrap(s, RIGHT - LEFT - indent, bold=bold)):
            self.ensure(lh)
            base = self.y - lh + 3
            x, align = (RIGHT - indent, "right") if rtl else (LEFT + indent, "left")
            self.text(x, base, ln, bold=bold, align=align, visual_order=True)
            if marker and i == 0:
                self.text(RIGHT if rtl else LEFT, base, marker, align=align)
            self.y -= lh
        self.y -= 2

    def bullets(self, items: Sequence[str]) -> None:
        """A dashed list; each item in its own script's direction."""
        for item in items:
            self.paragraph(item, indent=12, marker="–")
        self.y -= 4

    def numbered(self, items: Sequence[str]) -> None:
        """A numbered list (1., 2., …); each item in its own script's direction."""
        for n, item in enumerate(items, 1):
            self.paragraph(item, indent=16, marker=f"{n}.")
        self.y -= 4

    def fees(self, fees: Sequence[Fee]) -> None:
        """One line per fee (label, amount in MAD) and a shaded total line."""
        c = self.c
        lh = self.line_height() + 3
        amount_w = 36 * mm
        total = sum((f.amount for f in fees), Decimal(0))
        self.ensure(lh * (len(fees) + 1) + 6)
        for fee in [*fees, None]:
            top = self.y
            base = top - lh + 5
            if fee is None:
                c.setFillColorRGB(*SHADE)
                c.rect(LEFT, top - lh, RIGHT - LEFT, lh, stroke=0, fill=1)
                c.setFillColorRGB(*INK)
                self.text(LEFT + 4, base, L.TOTAL.fr, bold=True)
                self.text(RIGHT - amount_w - 8, base, L.TOTAL.ar, bold=True, align="right")
            elif arabic.has_arabic(fee.label):
                self.text(RIGHT - amount_w - 8, base, fee.label, align="right")
            else:
                self.text(LEFT + 4, base, fee.label)
            value = total if fee is None else fee.amount
            self.text(RIGHT - 4, base, f"{L.amount(value)} {L.CURRENCY.fr}", bold=fee is None,
                      align="right")
            c.setStrokeColorRGB(*RULE)
            c.setLineWidth(0.5)
            c.line(LEFT, top - lh, RIGHT, top - lh)
            self.y -= lh
        self.y -= 10

    def closing(self, *, place: Pair, day: Pair, signatory: Pair, url: str, code: str,
                claim: Pair | None = L.SIGNED) -> None:
        """Place and date, the signatory, the QR code pointing at ``url``, and what the
        document claims of its signature (``claim``; None: it claims none)."""
        qr_size = 27 * mm
        self.ensure(qr_size + 34)
        top = self.y
        draw_qr(self.c, url, LEFT, top - qr_size - 2, qr_size)
        self.c.setFillColorRGB(*INK)
        below = top - qr_size - 12
        self.text(LEFT, below, f"{L.CODE.fr} : {code}", 7.5, bold=True)
        self.text(LEFT, below - 9, L.VERIFY.fr, 7)
        self.text(LEFT, below - 18, url, 7)
        self.text(RIGHT, top - 10, L.DONE_AT.fr.format(place=place.fr, date=day.fr), align="right")
        self.text(RIGHT, top - 26, L.DONE_AT.ar.format(place=place.ar, date=day.ar), align="right")
        self.text(RIGHT, top - 46, signatory.fr, 10.5, bold=True, align="right")
        self.text(RIGHT, top - 64, signatory.ar, 10.5, bold=True, align="right")
        if claim is not None:
            self.c.setFillColorRGB(*ACCENT)
            self.text(RIGHT, top - 80, claim.fr, 8, align="right")
            self.text(RIGHT, top - 93, claim.ar, 8, align="right")
            self.c.setFillColorRGB(*INK)
        self.y = below - 24
