"""Render the decision and the filing receipt as PDF (reportlab), French and Arabic.

``decision_pdf(doc)`` and ``receipt_pdf(doc)`` return the PDF bytes, ready for
:meth:`signing.sign.Signer.sign`. Rendering is deterministic: the same document gives the
same bytes (the PDF's dates are the document's date, its /ID a digest of its content), so
a stored PDF can be checked by rendering again.

PDF/A-friendly, as far as reportlab's open-source edition goes: every font is embedded
(subset TrueType, no standard-14 font is ever used), colours are plain device RGB, there
is no transparency, JavaScript, encryption or external reference, the document language
and its metadata (title, author, subject, keywords) are set. reportlab writes no XMP
packet or output intent, so the file is not *claimed* PDF/A; a converter can add those
without touching the content.
"""
from __future__ import annotations

import io
from collections.abc import Sequence
from datetime import date as Date

from reportlab.pdfgen.canvas import Canvas

from . import arabic
from . import labels as L
from .documents import DecisionDocument, ReceiptDocument, _Common
from .fonts import fonts
from .labels import Pair
from .layout import Sheet

PRODUCER = "Guichet (reportlab)"

__all__ = ["DecisionDocument", "ReceiptDocument", "decision_pdf", "receipt_pdf"]


def _canvas(buffer: io.BytesIO, doc: _Common, title: Pair) -> Canvas:
    # invariant=1 drops reportlab's wall-clock time stamp and random /ID; the dates
    # written are the document's own (midnight, Morocco's UTC+1), the /ID a digest.
    c = Canvas(buffer, invariant=1, lang="fr-MA", pageCompression=1,
               initialFontName=fonts().latin)  # never Helvetica: it would not be embedded
    c.setDateFormatter(lambda *_: _pdf_date(doc.date))
    c.setTitle(f"{title.fr} — {doc.dossier_number}")
    c.setAuthor(L.commune(doc.commune_fr, doc.commune_ar).fr)
    c.setSubject(f"{doc.procedure_fr} — {doc.procedure_ar}")
    c.setKeywords(f"{doc.dossier_number}, {doc.verification_code}")
    c.setCreator("Guichet")
    c.setProducer(PRODUCER)
    return c


def _pdf_date(day: Date) -> str:
    return f"D:{day:%Y%m%d}000000+01'00'"


def _identity(sheet: Sheet, doc: _Common, extra: Sequence[tuple[Pair, Pair | str]]) -> None:
    sheet.fields([
        (L.DOSSIER, doc.dossier_number),
        (L.PROCEDURE, Pair(doc.procedure_fr, doc.procedure_ar)),
        (L.APPLICANT, doc.applicant),
        *([(L.PARCEL, doc.parcel)] if doc.parcel != "—" else []),
        *extra,
    ])


def _fees(sheet: Sheet, doc: _Common) -> None:
    if doc.fee_lines:
        sheet.heading(L.FEES)
        sheet.fees(doc.fee_lines)


def _footer(doc: _Common) -> Pair:
    # the code as a left-to-right isolate: read in Arabic, it must still type as printed
    return Pair(f"{doc.dossier_number} — {doc.verify_url}",
                f"{L.CODE.ar}: {arabic.ltr(doc.verification_code)}")


def _particulars(sheet: Sheet, doc: DecisionDocument) -> None:
    if doc.particulars:
        sheet.heading(L.SUBJECT)
        sheet.fields([(Pair(*label), value if isinstance(value, str) else Pair(*value))
                      for label, value in doc.particulars])


def decision_pdf(doc: DecisionDocument) -> bytes:
    """The president's decision (authorization or refusal) on a dossier, as PDF bytes."""
    buffer = io.BytesIO()
    title = L.TITLE[doc.kind]
    c = _canvas(buffer, doc, title)
    sheet = Sheet(c, fonts(), _footer(doc))
    day = L.long_date(doc.date)
    sheet.letterhead(Pair(doc.commune_fr, doc.commune_ar), doc.logo)
    sheet.title(title)
    outcome = L.OUTCOME[doc.kind]
    _identity(sheet, doc, [(L.DECISION, outcome), (L.DECISION_DATE, day)])
    _particulars(sheet, doc)
    if doc.legal_references:
        sheet.heading(L.LEGAL)
        sheet.bullets(doc.legal_references)
    article = L.ARTICLE[doc.kind]
    sheet.paragraph(article.fr, bold=True)
    sheet.paragraph(article.ar, bold=True)
    sheet.y -= 4
    sheet.heading(L.RESERVES[doc.kind])
    if doc.reserves:
        sheet.numbered(doc.reserves)
        if doc.reserves_ar:
            sheet.numbered(doc.reserves_ar)
    else:
        sheet.bullets([L.NO_RESERVES.fr, L.NO_RESERVES.ar])
    _fees(sheet, doc)
    sheet.closing(place=L.place(doc.commune_fr, doc.commune_ar), day=day,
                  signatory=Pair(doc.signatory_fr, doc.signatory_ar),
                  url=doc.verify_url, code=doc.verification_code)
    sheet.finish()
    c.save()
    return buffer.getvalue()


def receipt_pdf(doc: ReceiptDocument) -> bytes:
    """The filing receipt given to the applicant, as PDF bytes."""
    buffer = io.BytesIO()
    title = L.TITLE["receipt"]
    c = _canvas(buffer, doc, title)
    sheet = Sheet(c, fonts(), _footer(doc))
    day = L.long_date(doc.date)
    sheet.letterhead(Pair(doc.commune_fr, doc.commune_ar), doc.logo)
    sheet.title(title)
    _identity(sheet, doc, [(L.FILED_ON, day)])
    sheet.paragraph(L.RECEIPT_NOTE.fr)
    sheet.paragraph(L.RECEIPT_NOTE.ar)
    sheet.y -= 4
    if doc.documents:
        sheet.heading(L.DOCUMENTS)
        sheet.bullets(doc.documents)
    _fees(sheet, doc)
    sheet.closing(place=L.place(doc.commune_fr, doc.commune_ar), day=day, signatory=L.DESK,
                  url=doc.verify_url, code=doc.verification_code, claim=L.SEALED if doc.sealed else None)
    sheet.finish()
    c.save()
    return buffer.getvalue()
