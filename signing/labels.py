"""The fixed wording of the documents, in French and Arabic side by side.

A decision is printed in both languages at once, so these are pairs rather than entries
of a per-request translation catalog; they live here, in one table, for a translator or
a jurist to review. Dates and amounts are written the Moroccan way (Arabic month names
as used in Morocco, amounts in dirhams).
"""
from __future__ import annotations

from datetime import date as Date
from decimal import Decimal
from typing import NamedTuple


class Pair(NamedTuple):
    """The same text in French and in Arabic."""

    fr: str
    ar: str


KINGDOM = Pair("ROYAUME DU MAROC", "المملكة المغربية")
MINISTRY = Pair("MINISTÈRE DE L'INTÉRIEUR", "وزارة الداخلية")
COMMUNE = Pair("Commune de {}", "جماعة {}")


def commune(name_fr: str, name_ar: str) -> Pair:
    """The commune's line: "Commune de X" / "جماعة X", whether or not its name already says so."""
    fr = name_fr if name_fr.startswith("Commune") else COMMUNE.fr.format(name_fr)
    ar = name_ar if name_ar.startswith("جماعة") else COMMUNE.ar.format(name_ar)
    return Pair(fr, ar)



def place(name_fr: str, name_ar: str) -> Pair:
    """Where a document is made: the town, not the institution ("Fait à Casablanca",
    "حرر بالدار البيضاء"), whether or not the commune's name says "Commune de"."""
    fr = name_fr
    for prefix in ("Commune urbaine de ", "Commune rurale de ", "Commune de ", "Commune d'", "Commune d’"):
        if fr.startswith(prefix):
            fr = fr[len(prefix):]
            break
    ar = name_ar.removeprefix("جماعة ").strip()
    return Pair(fr.strip() or name_fr, ar or name_ar)


TITLE = {
    "autorisation": Pair("ARRÊTÉ D'AUTORISATION", "قرار بالترخيص"),
    "refus": Pair("DÉCISION DE REFUS", "قرار بالرفض"),
    "receipt": Pair("RÉCÉPISSÉ DE DÉPÔT", "وصل إيداع"),
}
OUTCOME = {
    "autorisation": Pair("Autorisation accordée", "ترخيص ممنوح"),
    "refus": Pair("Autorisation refusée", "ترخيص مرفوض"),
}
ARTICLE = {
    "autorisation": Pair(
        "Article unique : l'autorisation sollicitée est ACCORDÉE au demandeur désigné "
        "ci-dessus, sous réserve du respect des conditions énoncées ci-après.",
        "مادة فريدة: يمنح الترخيص المطلوب لصاحب الطلب المذكور أعلاه، شريطة احترام الشروط "
        "المبينة بعده."),
    "refus": Pair(
        "Article unique : l'autorisation sollicitée par le demandeur désigné ci-dessus est "
        "REFUSÉE pour les motifs énoncés ci-après.",
        "مادة فريدة: يرفض الترخيص المطلوب من طرف صاحب الطلب المذكور أعلاه للأسباب المبينة بعده."),
}
RECEIPT_NOTE = Pair(
    "Le présent récépissé atteste le dépôt du dossier désigné ci-dessus. Il ne vaut pas "
    "autorisation ; la décision sera notifiée au demandeur.",
    "يشهد هذا الوصل بإيداع الملف المذكور أعلاه، ولا يعتبر ترخيصا؛ وسيبلغ القرار إلى صاحب الطلب.")

PROCEDURE = Pair("Procédure", "المسطرة")
DOSSIER = Pair("N° de dossier", "رقم الملف")
APPLICANT = Pair("Demandeur", "صاحب الطلب")
PARCEL = Pair("Parcelle / titre foncier", "العقار / الرسم العقاري")
DECISION = Pair("Décision", "القرار")
DECISION_DATE = Pair("Date de la décision", "تاريخ القرار")
FILED_ON = Pair("Date de dépôt", "تاريخ الإيداع")

LEGAL = Pair("Vu", "بناء على")
SUBJECT = Pair("Objet de l'autorisation", "موضوع الترخيص")
WORKS_WINDOW = Pair("Période des travaux", "فترة الأشغال")
WORKS_RANGE = Pair("du {start} au {end}", "من {start} إلى {end}")
DEPOSIT = Pair("Caution de remise en état", "ضمانة إرجاع الحالة")
YES = Pair("Oui", "نعم")
NO = Pair("Non", "لا")
RESERVES = {
    "autorisation": Pair("Réserves et conditions", "التحفظات والشروط"),
    "refus": Pair("Motifs du refus", "أسباب الرفض"),
}
NO_RESERVES = Pair("Aucune réserve.", "لا توجد تحفظات.")
DOCUMENTS = Pair("Pièces déposées", "الوثائق المودعة")
FEES = Pair("Droits et redevances", "الرسوم والواجبات")
TOTAL = Pair("Total", "المجموع")
CURRENCY = Pair("MAD", "درهم")

DONE_AT = Pair("Fait à {place}, le {date}", "حرر ب{place} في {date}")
SIGNED = Pair("Signé électroniquement", "موقع إلكترونيا")
SEALED = Pair("Scellé du cachet électronique de la commune", "مختوم بالختم الإلكتروني للجماعة")
DESK = Pair("Le Guichet unique", "الشباك الوحيد")
VERIFY = Pair("Vérifiez l'authenticité de ce document :", "تحقق من صحة هذه الوثيقة:")
CODE = Pair("Code de vérification", "رمز التحقق")
PAGE = Pair("Page {}", "صفحة {}")

MONTHS = (
    Pair("janvier", "يناير"), Pair("février", "فبراير"), Pair("mars", "مارس"),
    Pair("avril", "أبريل"), Pair("mai", "ماي"), Pair("juin", "يونيو"),
    Pair("juillet", "يوليوز"), Pair("août", "غشت"), Pair("septembre", "شتنبر"),
    Pair("octobre", "أكتوبر"), Pair("novembre", "نونبر"), Pair("décembre", "دجنبر"),
)


def long_date(day: Date) -> Pair:
    """``5 janvier 2026`` / ``5 يناير 2026``."""
    month = MONTHS[day.month - 1]
    first = "1er" if day.day == 1 else str(day.day)
    return Pair(f"{first} {month.fr} {day.year}", f"{day.day} {month.ar} {day.year}")


def amount(value: Decimal) -> str:
    """``1250`` → ``1 250,00`` (a no-break space between thousands, a decimal comma)."""
    whole, _, cents = f"{value.quantize(Decimal('0.01')):,.2f}".partition(".")
    return whole.replace(",", "\u00a0") + "," + cents
