"""Message templates, in French and Arabic; rendered in the recipient's language."""
from __future__ import annotations

from typing import Any

TEMPLATES: dict[str, dict[str, str]] = {
    "filed": {
        "fr": "Votre dossier {number} ({procedure}) a été déposé le {date}. Suivez-le en ligne.",
        "ar": "تم إيداع ملفكم {number} ({procedure}) بتاريخ {date}. تابعوه عبر الإنترنت."},
    "incomplete": {
        "fr": "Dossier {number} : pièces manquantes : {missing}. Complétez-le avant le {deadline}.",
        "ar": "الملف {number}: وثائق ناقصة: {missing}. المرجو إتمامه قبل {deadline}."},
    "closed": {
        "fr": "Dossier {number} : clos faute de réponse dans le délai.",
        "ar": "الملف {number}: تم إغلاقه لعدم الرد داخل الأجل."},
    "commission_convened": {
        "fr": "Commission du {session_date} : le dossier {number} ({procedure}) est à l'ordre du jour.",
        "ar": "لجنة {session_date}: الملف {number} ({procedure}) مدرج في جدول الأعمال."},
    "plans_requested": {
        "fr": "Dossier {number} : la commission demande des plans modifiés : {conditions}.",
        "ar": "الملف {number}: تطلب اللجنة تصاميم معدلة: {conditions}."},
    "fees_due": {
        "fr": "Dossier {number} : montant à payer {fees_total} MAD.",
        "ar": "الملف {number}: المبلغ الواجب أداؤه {fees_total} درهم."},
    "deadline_reminder": {
        "fr": "Rappel : le délai légal du dossier {number} arrive à échéance.",
        "ar": "تذكير: الأجل القانوني للملف {number} على وشك الانتهاء."},
    "deadline_breached": {
        "fr": "Délai légal dépassé pour le dossier {number}.",
        "ar": "تم تجاوز الأجل القانوني للملف {number}."},
    "task_arrived": {
        "fr": "Une tâche vous attend : « {task} » sur le dossier {number} ({procedure}).",
        "ar": "مهمة في انتظاركم: « {task} » في الملف {number} ({procedure})."},
    "decision_issued": {
        "fr": "Dossier {number} : la décision signée est disponible au téléchargement.",
        "ar": "الملف {number}: القرار الموقع متاح للتحميل."},
}


class _Lenient(dict):  # type: ignore[type-arg]
    def __missing__(self, key: str) -> str:
        return "—"


def _shown(values: dict[str, Any]) -> dict[str, Any]:
    return {k: ", ".join(map(str, v)) if isinstance(v, list | tuple) else v for k, v in values.items()}


def render(template: str, lang: str, values: dict[str, Any]) -> str:
    """The message ``template`` in ``lang`` (French when the language is unknown)."""
    texts = TEMPLATES[template]
    return texts.get(lang, texts["fr"]).format_map(_Lenient(_shown(values)))


def subject(lang: str, values: dict[str, Any]) -> str:
    head = "الشباك — الملف" if lang == "ar" else "Guichet — dossier"
    return f"{head} {values.get('number') or ''}".strip()
