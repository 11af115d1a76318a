"""The payment order (ordre de recette / أمر بالاستخلاص) as a bilingual PDF: what is owed
for a dossier, line by line with its legal basis, under a reference the régie quotes, and a
QR code to the order's public check page (paid or not). Rendering is deterministic."""
from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date as Date
from decimal import Decimal

from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas

from . import labels as L
from .documents import Fee, InvalidDocument
from .fonts import fonts
from .labels import Pair
from .layout import LEFT, RIGHT, Sheet
from .qr import draw_qr

TITLE = Pair("ORDRE DE RECETTE", "أمر بالاستخلاص")
REFERENCE = Pair("Référence", "المرجع")
ISSUED = Pair("Date d'émission", "تاريخ الإصدار")
DETAIL = Pair("Détail du montant dû", "تفصيل المبلغ المستحق")
BASIS = Pair("Base légale", "السند القانوني")
HOW = Pair("Modalités de paiement", "كيفية الأداء")
CHECK = Pair("Vérifier l'état de cet ordre :", "تحقق من وضعية هذا الأمر:")
HOW_FR = ("Réglez le montant total à la régie des recettes de la commune en présentant cet ordre "
          "(référence ci-dessus), puis déclarez le paiement sur la page du dossier en joignant la "
          "quittance, ou choisissez le paiement à la régie : le guichet rapproche le paiement et le "
          "confirme.")
HOW_AR = ("أدوا المبلغ الإجمالي لدى شسيع مداخيل الجماعة بتقديم هذا الأمر (المرجع أعلاه)، ثم صرحوا بالأداء "
          "في صفحة الملف مع إرفاق الوصل، أو اختاروا الأداء لدى الشسيع: يطابق الشباك الأداء ويؤكده.")


@dataclass(frozen=True)
class OrderLine:
    """One fee: its label, the figure it applies to, the rate, the amount, its legal basis."""

    label: str
    base: Decimal
    rate: Decimal
    amount: Decimal
    legal_basis: str | None = None


@dataclass(frozen=True, kw_only=True)
class PaymentOrderDocument:
    commune_fr: str
    commune_ar: str
    procedure_fr: str
    procedure_ar: str
    dossier_number: str
    applicant: str
    reference: str
    lines: Sequence[OrderLine]
    check_url: str
    date: Date

    def __post_init__(self) -> None:
        if not self.lines:
            raise InvalidDocument("a payment order lists at least one fee")
        for name in ("commune_fr", "commune_ar", "dossier_number", "applicant", "reference", "check_url"):
            if not str(getattr(self, name)).strip():
                raise InvalidDocument(f"{name} is empty: every payment order names it")

    @property
    def total(self) -> Decimal:
        return sum((line.amount for line in self.lines), Decimal(0))


def payment_order_pdf(doc: PaymentOrderDocument) -> bytes:
    """The payment order as PDF bytes."""
    buffer = io.BytesIO()
    c = Canvas(buffer, invariant=1, lang="fr-MA", pageCompression=1, initialFontName=fonts().latin)
    c.setDateFormatter(lambda *_: f"D:{doc.date:%Y%m%d}000000+01'00'")
    c.setTitle(f"{TITLE.fr} — {doc.reference}")
    c.setAuthor(L.commune(doc.commune_fr, doc.commune_ar).fr)
    c.setSubject(f"{doc.procedure_fr} — {doc.procedure_ar}")
    c.setKeywords(f"{doc.dossier_number}, {doc.reference}")
    c.setCreator("Guichet")
    c.setProducer("Guichet (reportlab)")
    sheet = Sheet(c, fonts(), Pair(f"{doc.reference} — {doc.check_url}", f"{REFERENCE.ar}: {doc.reference}"))
    day = L.long_date(doc.date)
    sheet.letterhead(Pair(doc.commune_fr, doc.commune_ar))
    sheet.title(TITLE)
    total = f"{L.amount(doc.total)} {L.CURRENCY.fr}"
    sheet.fields([
        (REFERENCE, doc.reference), (L.DOSSIER, doc.dossier_number),
        (L.PROCEDURE, Pair(doc.procedure_fr, doc.procedure_ar)), (L.APPLICANT, doc.applicant),
        # in Arabic the amount has no thousands space: the bidi algorithm would split it in two
        (ISSUED, day), (L.TOTAL, Pair(total, f"{doc.total:.2f}".replace(".", ",") + f" {L.CURRENCY.ar}")),
    ])
    sheet.heading(DETAIL)
    sheet.bullets([f"{line.label} : {L.amount(line.base)} × {L.amount(line.rate)} = "
                   f"{L.amount(line.amount)} {L.CURRENCY.fr}" for line in doc.lines])
    sheet.fees([Fee(line.label, line.amount) for line in doc.lines])
    bases = list(dict.fromkeys(line.legal_basis for line in doc.lines if line.legal_basis))
    if bases:
        sheet.heading(BASIS)
        sheet.bullets(bases)
    sheet.heading(HOW)
    sheet.paragraph(HOW_FR)
    sheet.paragraph(HOW_AR)
    sheet.y -= 6
    _check(sheet, doc)
    sheet.finish()
    c.save()
    return buffer.getvalue()


def _check(sheet: Sheet, doc: PaymentOrderDocument) -> None:
    """The QR code to the order's check page, with the reference and the address under it."""
    size = 27 * mm
    sheet.ensure(size + 40)
    top = sheet.y
    draw_qr(sheet.c, doc.check_url, LEFT, top - size - 2, size)
    below = top - size - 12
    sheet.text(LEFT, below, f"{REFERENCE.fr} : {doc.reference}", 7.5, bold=True)
    sheet.text(LEFT, below - 9, CHECK.fr, 7)
    sheet.text(LEFT, below - 18, doc.check_url, 7)
    sheet.text(RIGHT, top - 10, CHECK.ar, 8, align="right")
    sheet.text(RIGHT, top - 26, L.DESK.fr, 10.5, bold=True, align="right")
    sheet.text(RIGHT, top - 44, L.DESK.ar, 10.5, bold=True, align="right")
    sheet.y = below - 24
