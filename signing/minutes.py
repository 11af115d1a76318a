"""The commission's minutes (procès-verbal) as a bilingual PDF: commission, date, attendance
with join and leave times, agenda, every dossier's opinions and reserves, then snapshots of
the annotated plans (their annotated pages, appended). Sign it with :class:`Signer`."""
from __future__ import annotations

import io
from dataclasses import dataclass, field
from datetime import date as Date
from datetime import datetime
from zoneinfo import ZoneInfo

from pypdf import PdfReader, PdfWriter
from reportlab.pdfgen.canvas import Canvas

from . import arabic
from . import labels as L
from .annotate import Mark, annotated_writer
from .fonts import fonts
from .labels import Pair
from .layout import Sheet
from .stamp import stamp

TITLE = Pair("PROCÈS-VERBAL DE LA SÉANCE", "محضر الجلسة")
COMMISSION = Pair("Commission", "اللجنة")
SESSION_DATE = Pair("Date de la séance", "تاريخ الجلسة")
SESSION_TIME = Pair("Heure", "الساعة")
ATTENDANCE = Pair("Présences (arrivée – départ, heure de Casablanca)", "الحضور: الدخول والخروج بتوقيت الدار البيضاء")
DOCUMENTS = Pair("Documents examinés (version, empreinte SHA-256)", "الوثائق المدروسة: الصيغة والبصمة")
NO_TIME = Pair("non fixée", "غير محددة")
ANNEX = Pair("Annexe {n} — {title}, annoté en séance", "ملحق {n}")
AGENDA = Pair("Ordre du jour", "جدول الأعمال")
OPINIONS = Pair("Avis des membres", "آراء الأعضاء")
PLANS = Pair("Plans annotés en séance (pages jointes)", "التصاميم المشروحة خلال الجلسة، صفحات مرفقة")
NO_OPINION = Pair("Aucun avis rendu en séance.", "لم يبد أي رأي خلال الجلسة.")
NOBODY = Pair("Personne ne s'est connecté à la salle.", "لم يلتحق أحد بالقاعة.")
ROLE = {"member": Pair("membre", "عضو"), "secretary": Pair("secrétariat", "الكتابة")}
AVIS = {"favorable": Pair("Favorable", "موافق"), "favorable_reserve": Pair("Favorable sous réserve", "موافق بتحفظ"),
        "defavorable": Pair("Défavorable", "غير موافق"), "ajourne": Pair("Ajourné", "مؤجل"),
        "non_exprime": Pair("Non exprimé", "لم يُبدَ")}
RESERVES = Pair("Réserves", "التحفظات")
MOTIVE = Pair("Motif", "التعليل")
PENDING = Pair("avis non rendu", "لم يبد رأيه")
ON_BEHALF = Pair("pour le siège de", "نيابة عن")
COLLECTED = Pair("RELEVÉ DES AVIS RECUEILLIS", "بيان الآراء المستقاة")
REMOTE = Pair("Avis recueillis à distance, hors séance, dans le délai imparti aux membres.",
              "آراء مستقاة عن بعد، خارج الجلسة، داخل الأجل المحدد للأعضاء.")
RECORDED_BY = Pair("Relevé établi par la plateforme à la réception du dernier avis",
                   "بيان أعدته المنصة عند توصلها بآخر رأي")
PROCEEDED = Pair("Après la clôture de la séance, le secrétariat a poursuivi sans les avis non exprimés, aucun "
                 "n'étant un avis conforme pour ce dossier.",
                 "بعد اختتام الجلسة، مضت الكتابة دون الآراء غير المبداة، إذ لا أحد منها رأي مطابق لهذا الملف.")
PROCEEDED_BY = Pair("Relevé établi par la plateforme quand le secrétariat a poursuivi",
                    "بيان أعدته المنصة حين مضت الكتابة في المسطرة")
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
    given_by: str | None = None  # who gave it, when the seat's task was handed to them


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
    documents: tuple[str, ...] = ()  # "label vN — sha256"


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
    remote: bool = False  # opinions collected outside a session: the "avis recueillis" record
    tz: str = "Africa/Casablanca"  # the commune's time, in which every time is written


def _hm(moment: datetime | None, tz: str) -> str:
    return moment.astimezone(ZoneInfo(tz)).strftime("%H:%M") if moment else "…"


def _presence_lines(doc: MinutesDocument) -> list[str]:
    """One line per person: every time they were in the room (a reconnection is one more
    interval, not one more person)."""
    people: dict[tuple[str, str], list[Presence]] = {}
    for p in doc.attendance:
        people.setdefault((p.name, p.role), []).append(p)
    return [f"{name} ({ROLE[role].fr}) : " + ", ".join(f"{_hm(p.joined, doc.tz)} – {_hm(p.left, doc.tz)}"
                                                     for p in sorted(stays, key=lambda p: p.joined))
            for (name, role), stays in people.items()]


def _opinion_lines(op: GivenOpinion) -> list[str]:
    """French lines (a line mixing scripts would not read in either direction)."""
    head = f"{op.organism} — {op.member} : " if not op.given_by else \
        f"{op.organism} — {op.given_by} ({ON_BEHALF.fr} {op.member}) : "
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
    sheet = Sheet(c, fonts(), Pair(f"{doc.commission_fr} — {doc.date.isoformat()}", doc.commission_ar),
                  page_numbers=False)  # "n / N" on every page once the annexes are appended
    day = L.long_date(doc.date)
    sheet.letterhead(Pair(doc.commune_fr, doc.commune_ar))
    sheet.title(COLLECTED if doc.remote else TITLE)
    sheet.fields([(COMMISSION, Pair(doc.commission_fr, doc.commission_ar)), (SESSION_DATE, day),
                  (SESSION_TIME, doc.time or NO_TIME)])
    proceeded = doc.remote and any(op.avis == "non_exprime" for e in doc.agenda for op in e.opinions)
    if proceeded:
        sheet.paragraph(PROCEEDED.fr)
        sheet.paragraph(PROCEEDED.ar)
    elif doc.remote:
        sheet.paragraph(REMOTE.fr)
        sheet.paragraph(REMOTE.ar)
    else:
        sheet.heading(ATTENDANCE)
    if doc.remote:
        pass
    elif doc.attendance:
        sheet.bullets(_presence_lines(doc))
    else:
        sheet.bullets([NOBODY.fr, NOBODY.ar])
    sheet.heading(AGENDA)
    sheet.bullets([f"{i}. {e.number} — {e.procedure_fr} — {e.applicant}" for i, e in enumerate(doc.agenda, 1)])
    for entry in doc.agenda:
        sheet.heading(Pair(f"{entry.number} — {OPINIONS.fr}", f"{OPINIONS.ar} — {arabic.ltr(entry.number)}"))
        lines = [line for op in entry.opinions for line in _opinion_lines(op)]
        sheet.bullets(lines or [NO_OPINION.fr, NO_OPINION.ar])
        if entry.documents:
            sheet.heading(DOCUMENTS)
            sheet.bullets(list(entry.documents))
        if entry.plans:
            sheet.heading(PLANS)
            sheet.bullets([p.title for p in entry.plans])
    sheet.y -= 6
    closing = PROCEEDED_BY if proceeded else RECORDED_BY if doc.remote else CLOSED_BY
    local = doc.closed_at.astimezone(ZoneInfo(doc.tz))
    sheet.paragraph(f"{closing.fr}, {local:%Y-%m-%d %H:%M} (heure de Casablanca).", bold=True)
    sheet.paragraph(closing.ar, bold=True)
    sheet.finish()
    c.save()
    return buffer.getvalue()


def minutes_pdf(doc: MinutesDocument) -> bytes:
    """The minutes, followed by the annotated pages of every plan annotated in the session,
    each captioned; every page numbered "n / N"; dated when the session closed."""
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(_body(doc))))
    captions: dict[int, Pair] = {}
    annex = 0
    for entry in doc.agenda:
        for plan in entry.plans:
            annex += 1
            for page in annotated_writer(plan.pdf, list(plan.marks), only_annotated=True).pages:
                writer.add_page(page)
                captions[len(writer.pages)] = Pair(ANNEX.fr.format(n=annex, title=f"{entry.number} — {plan.title}"),
                                                   ANNEX.ar.format(n=annex))
    stamp(writer, captions)
    when = doc.closed_at.strftime("D:%Y%m%d%H%M%S+00'00'")
    writer.add_metadata({"/Title": f"{TITLE.fr} — {doc.commission_fr} — {doc.date.isoformat()}",
                         "/CreationDate": when, "/ModDate": when})
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()
