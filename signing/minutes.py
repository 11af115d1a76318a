"""The commission's minutes (procès-verbal) as a bilingual PDF: commission, date, attendance
with join and leave times, agenda, every dossier's opinions and reserves, then snapshots of
the annotated plans (their annotated pages, appended). Sign it with :class:`Signer`."""
from __future__ import annotations

import io
from dataclasses import dataclass, field
from datetime import date as Date
from datetime import datetime

from pypdf import PdfReader, PdfWriter
from reportlab.pdfgen.canvas import Canvas

from . import arabic
from . import labels as L
from .annotate import Mark, annotated_writer
from .fonts import fonts
from .labels import Pair
from .layout import Sheet

TITLE = Pair("PROCÈS-VERBAL DE LA SÉANCE", "محضر الجلسة")
COMMISSION = Pair("Commission", "اللجنة")
SESSION_DATE = Pair("Date de la séance", "تاريخ الجلسة")
SESSION_TIME = Pair("Heure", "الساعة")
ATTENDANCE = Pair("Présences (arrivée – départ, heure UTC)", "الحضور: الدخول والخروج بتوقيت غرينتش")
AGENDA = Pair("Ordre du jour", "جدول الأعمال")
OPINIONS = Pair("Avis des membres", "آراء الأعضاء")
PLANS = Pair("Plans annotés en séance (pages jointes)", "التصاميم المشروحة خلال الجلسة، صفحات مرفقة")
NO_OPINION = Pair("Aucun avis rendu en séance.", "لم يبد أي رأي خلال الجلسة.")
NOBODY = Pair("Personne ne s'est connecté à la salle.", "لم يلتحق أحد بالقاعة.")
ROLE = {"member": Pair("membre", "عضو"), "secretary": Pair("secrétariat", "الكتابة")}
AVIS = {"favorable": Pair("Favorable", "موافق"), "favorable_reserve": Pair("Favorable sous réserve", "موافق بتحفظ"),
        "defavorable": Pair("Défavorable", "غير موافق"), "ajourne": Pair("Ajourné", "مؤجل")}
RESERVES = Pair("Réserves", "التحفظات")
MOTIVE = Pair("Motif", "التعليل")
PENDING = Pair("avis non rendu", "لم يبد رأيه")
CLOSED_BY = Pair("Séance close par le secrétariat de la commission", "اختتمت الجلسة من طرف كتابة اللجنة")


@dataclass(frozen=True)
class Presence:
    name: str
    role: str  # member | secretary
    joined: datetime
    left: datetime | None


@dataclass(frozen=True)
class GivenOpinion:
    member: str
    organism: str
    avis: str | None  # None: not given
    reserves: str | None = None
    motive: str | None = None


@dataclass(frozen=True)
class PlanSnapshot:
    """A plan (PDF bytes) and the marks drawn on it in the session."""

    title: str
    pdf: bytes
    marks: tuple[Mark, ...]


@dataclass(frozen=True)
class AgendaEntry:
    number: str
    procedure_fr: str
    procedure_ar: str
    applicant: str
    opinions: tuple[GivenOpinion, ...] = ()
    plans: tuple[PlanSnapshot, ...] = ()


@dataclass(frozen=True)
class MinutesDocument:
    commune_fr: str
    commune_ar: str
    commission_fr: str
    commission_ar: str
    date: Date
    time: str | None
    attendance: tuple[Presence, ...]
    agenda: tuple[AgendaEntry, ...]
    closed_at: datetime
    reference: str = field(default="")


def _hm(moment: datetime | None) -> str:
    return moment.strftime("%H:%M") if moment else "—"


def _opinion_lines(op: GivenOpinion) -> list[str]:
    """French lines (a line mixing scripts would not read in either direction)."""
    head = f"{op.organism} — {op.member} : "
    if op.avis is None:
        return [head + PENDING.fr]
    lines = [head + AVIS.get(op.avis, Pair(op.avis, op.avis)).fr]
    if op.reserves:
        lines.append(f"{RESERVES.fr} : {op.reserves}")
    if op.motive:
        lines.append(f"{MOTIVE.fr} : {op.motive}")
    return lines


def _body(doc: MinutesDocument) -> bytes:
    buffer = io.BytesIO()
    c = Canvas(buffer, invariant=1, lang="fr-MA", pageCompression=1, initialFontName=fonts().latin)
    c.setTitle(f"{TITLE.fr} — {doc.commission_fr} — {doc.date.isoformat()}")
    c.setAuthor(L.commune(doc.commune_fr, doc.commune_ar).fr)
    c.setSubject(f"{doc.commission_fr} — {doc.commission_ar}")
    c.setCreator("Guichet")
    c.setProducer("Guichet (reportlab)")
    sheet = Sheet(c, fonts(), Pair(f"{doc.commission_fr} — {doc.date.isoformat()}", doc.commission_ar))
    day = L.long_date(doc.date)
    sheet.letterhead(Pair(doc.commune_fr, doc.commune_ar))
    sheet.title(TITLE)
    sheet.fields([(COMMISSION, Pair(doc.commission_fr, doc.commission_ar)), (SESSION_DATE, day),
                  (SESSION_TIME, doc.time or "—")])
    sheet.heading(ATTENDANCE)
    if doc.attendance:
        sheet.bullets([f"{p.name} ({ROLE[p.role].fr}) : {_hm(p.joined)} – {_hm(p.left)}" for p in doc.attendance])
    else:
        sheet.bullets([NOBODY.fr, NOBODY.ar])
    sheet.heading(AGENDA)
    sheet.bullets([f"{i}. {e.number} — {e.procedure_fr} — {e.applicant}" for i, e in enumerate(doc.agenda, 1)])
    for entry in doc.agenda:
        sheet.heading(Pair(f"{entry.number} — {OPINIONS.fr}", f"{OPINIONS.ar} — {arabic.ltr(entry.number)}"))
        lines = [line for op in entry.opinions for line in _opinion_lines(op)]
        sheet.bullets(lines or [NO_OPINION.fr, NO_OPINION.ar])
        if entry.plans:
            sheet.heading(PLANS)
            sheet.bullets([p.title for p in entry.plans])
    sheet.y -= 6
    sheet.paragraph(f"{CLOSED_BY.fr}, {doc.closed_at:%Y-%m-%d %H:%M} UTC.", bold=True)
    sheet.paragraph(CLOSED_BY.ar, bold=True)
    sheet.finish()
    c.save()
    return buffer.getvalue()


def minutes_pdf(doc: MinutesDocument) -> bytes:
    """The minutes, followed by the annotated pages of every plan annotated in the session."""
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(_body(doc))))
    for entry in doc.agenda:
        for plan in entry.plans:
            for page in annotated_writer(plan.pdf, list(plan.marks), only_annotated=True).pages:
                writer.add_page(page)
    writer.add_metadata({"/Title": f"{TITLE.fr} — {doc.commission_fr} — {doc.date.isoformat()}"})
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()

