"""The one explicit registry of handlers that BPMN service tasks name.

Each handler is a plain function ``(call, ports) -> dict``; the composition root hands in
the ports. A diagram naming an operator missing here does not validate. Each handler also
declares the JSON Schema of the parameters a service task gives it
(``spiffworkflow:parameter``): validation checks the diagrams against it and the Studio's
properties panel renders it as a form.
"""
from __future__ import annotations

from collections.abc import Callable
from functools import partial, update_wrapper
from typing import Any

from engine import HandlerRegistry, HandlerSpec, ServiceCall

from . import commission, decision, fees, filing, notify, status
from .completeness import operators as requests
from .payments import operators as payments
from .ports import Ports
from .visio import examined, unexpressed

HandlerFn = Callable[[ServiceCall, Ports], dict[str, Any]]


def _params(required: dict[str, dict[str, Any]] | None = None,
            optional: dict[str, dict[str, Any]] | None = None) -> dict[str, Any]:
    """An object schema: these parameters (required first), no others."""
    return {"type": "object", "properties": {**(required or {}), **(optional or {})},
            "required": sorted(required or {}), "additionalProperties": False}


def _text(fr: str, ar: str, **more: Any) -> dict[str, Any]:
    """A string parameter; ``title``/``x-title-ar`` are its labels in the Studio."""
    return {"type": "string", "title": fr, "x-title-ar": ar, **more}


NONE = _params()
AUDIENCES = "applicant, members, guichet, task_holders"
# the panel's check boxes for notify.send's recipients (a comma-separated list of these codes)
AUDIENCE_LABELS = {
    "applicant": ["le pétitionnaire", "صاحب الطلب"],
    "members": ["les membres de la commission", "أعضاء اللجنة"],
    "guichet": ["les agents du guichet de la commune", "أعوان شباك الجماعة"],
    "task_holders": ["qui a une tâche ouverte sur le dossier", "من لديه مهمة مفتوحة في الملف"],
}

# what each operator does, as the Studio's panel says it to an analyst (French, Arabic); the
# handler's docstring is for developers
DOCS: dict[str, tuple[str, str]] = {
    "filing.checklist": ("Vérifie les pièces obligatoires de la liste légale ; écrit complete et missing "
                         "(les pièces manquantes).",
                         "يتحقق من الوثائق الإلزامية للقائمة القانونية؛ ويكتب complete و missing (الوثائق الناقصة)."),
    "filing.receipt": ("Établit le récépissé de dépôt : numéro, date, pièces et leur empreinte.",
                       "يُعد وصل الإيداع: الرقم والتاريخ والوثائق وبصمتها."),
    "dossier.status": ("Passe le dossier au statut public choisi (un statut du catalogue), tel que le "
                       "pétitionnaire le lit.",
                       "ينقل الملف إلى الحالة العامة المختارة (حالة من الدليل) كما يقرؤها صاحب الطلب."),
    "dossier.close": ("Clôt le dossier (pas de réponse dans le délai) ; plus rien ne s'y passe ensuite.",
                      "يغلق الملف (لا جواب داخل الأجل)؛ ولا يحدث فيه شيء بعد ذلك."),
    "decision.tacit": ("Accord tacite : l'administration n'a pas statué dans le délai légal ; le dossier "
                       "passe au statut « accord tacite » (outcome = accord_tacite).",
                       "موافقة ضمنية: لم تبت الإدارة داخل الأجل القانوني؛ ينتقل الملف إلى حالة «موافقة ضمنية»."),
    "commission.resolve": ("Trouve la commission de ce type pour la commune du dossier, et ses membres nominatifs "
                           "(members).",
                           "يحدد لجنة هذا النوع لجماعة الملف وأعضاءها بأسمائهم (members)."),
    "commission.convene": ("Inscrit le dossier à la prochaine séance de sa commission (ou à une séance créée au "
                           "moins à ce délai).",
                           "يدرج الملف في الجلسة المقبلة للجنته (أو في جلسة تُحدث بعد هذا الأجل على الأقل)."),
    "opinions.compile": ("Consolide les avis des membres pour le tableau de délibération (avis, avis conformes, "
                         "réserves).",
                         "يجمع آراء الأعضاء لجدول المداولة (الآراء، الآراء المطابقة، التحفظات)."),
    "commission.minutes": ("Constate comment les avis ont été examinés (examen) : proces_verbal quand la séance "
                           "qui a examiné le dossier est close et son procès-verbal signé, attente_proces_verbal "
                           "tant qu'elle ne l'est pas, avis_recueillis quand les avis ont été donnés hors séance.",
                           "يعاين كيف فُحصت الآراء (examen): proces_verbal إذا اختُتمت الجلسة التي فحصت الملف ووُقع "
                           "محضرها، attente_proces_verbal ما دامت لم تختتم، avis_recueillis إذا أبديت الآراء خارج "
                           "الجلسة."),
    "opinions.unexpressed": ("Clôt le tour d'avis avec les avis donnés quand le secrétariat poursuit sans les "
                             "avis manquants (aucun n'étant conforme) : chacun est consigné « non exprimé ».",
                             "يختم دورة الآراء بالآراء المبداة حين تمضي الكتابة دون الآراء الناقصة (لا أحد منها "
                             "مطابق): يسجل كل منها «لم يُبدَ»."),
    "opinions.collected": ("Établit le relevé des avis recueillis hors séance, le signe avec la clé du président et "
                           "le joint au dossier.",
                           "يُعد بيان الآراء المستقاة خارج الجلسة ويوقعه بمفتاح الرئيس ويضمه إلى الملف."),
    "fees.record": ("Calcule la taxe : taux (fee_rate) × le champ du dossier choisi, et l'enregistre.",
                    "يحسب الرسم: النسبة (fee_rate) × حقل الملف المختار، ويسجله."),
    "fees.mark_paid": ("Enregistre la référence de paiement confirmée par le guichet sur les taxes impayées.",
                       "يسجل مرجع الأداء الذي أكده الشباك على الرسوم غير المؤداة."),
    "decision.record": ("Enregistre l'issue de la délibération (ou l'accord tacite) comme décision du dossier.",
                        "يسجل نتيجة المداولة (أو الموافقة الضمنية) كقرار للملف."),
    "decision.render": ("Produit le PDF (non signé) de la décision.", "يُنتج ملف PDF للقرار (غير موقع)."),
    "decision.sign": ("Signe la décision avec la clé du président (en tâche de fond).",
                      "يوقع القرار بمفتاح الرئيس (في الخلفية)."),
    "notify.send": ("Envoie un message du catalogue aux destinataires : applicant (le pétitionnaire), members "
                    "(les membres de la commission), guichet (les agents du guichet), task_holders (qui a une "
                    "tâche ouverte sur le dossier).",
                    "يرسل رسالة من الدليل إلى المرسل إليهم: applicant (صاحب الطلب)، members (أعضاء اللجنة)، "
                    "guichet (أعوان الشباك)، task_holders (من لديه مهمة مفتوحة في الملف)."),
    "requests.validate": ("Vérification (propriété « check » de la tâche de l'agent) : chaque pièce demandée "
                          "figure sur la liste légale de la procédure, une seule fois, avec son motif.",
                          "تحقق (خاصية « check » لمهمة العون): كل وثيقة مطلوبة واردة في القائمة القانونية للمسطرة، "
                          "مرة واحدة، مع سببها."),
    "requests.open": ("Enregistre la demande de pièces de l'agent (pièces, motifs, observations) dans l'historique "
                      "du dossier ; écrit requested_fr / requested_ar pour le message.",
                      "يسجل طلب الوثائق (الوثائق، الأسباب، الملاحظات) في سجل الملف؛ ويكتب requested_fr / requested_ar "
                      "للرسالة."),
    "requests.answered": ("Vérification (propriété « check » de la tâche du pétitionnaire) : chaque pièce demandée "
                          "a une nouvelle version ; sinon la liste de celles qui manquent.",
                          "تحقق (خاصية « check » لمهمة صاحب الطلب): لكل وثيقة مطلوبة نسخة جديدة؛ وإلا قائمة الناقصة."),
    "payments.declared": ("Vérification (propriété « check » de la tâche « Payer ») : un paiement est déclaré "
                          "(quittance jointe) ou en attente chez un prestataire (régie…).",
                          "تحقق (خاصية « check » لمهمة « الأداء »): أداء مصرح به (وصل مرفق) أو في انتظار لدى مقدم خدمة."),
    "payments.reconcile": ("Enregistre le rapprochement du guichet : paiement confirmé (taxes et ordre de recette "
                           "soldés) ou rejeté avec son motif ; écrit payment_confirmed.",
                           "يسجل مطابقة الشباك: أداء مؤكد (الرسوم والأمر بالاستخلاص مؤداة) أو مرفوض مع سببه؛ "
                           "ويكتب payment_confirmed."),
    "requests.close": ("Enregistre la réponse du pétitionnaire (versions déposées, message) dans l'historique.",
                       "يسجل جواب صاحب الطلب (النسخ المودعة، الرسالة) في السجل."),
}

# operator → (function, runs asynchronously?, JSON Schema of its parameters)
HANDLERS: dict[str, tuple[HandlerFn, bool, dict[str, Any]]] = {
    "filing.checklist": (filing.checklist, False, NONE),
    "filing.receipt": (filing.receipt, False, NONE),
    "dossier.status": (status.set_public_status, False, _params(
        {"code": _text("Code du statut public", "رمز الحالة العامة", description="un statut du catalogue",
                       **{"x-description-ar": "حالة من الدليل"})})),
    "dossier.close": (status.close, False, _params(optional={
        "reason": _text("Motif de la clôture", "سبب الإغلاق")})),
    "decision.tacit": (status.tacit_approval, False, NONE),
    "commission.resolve": (commission.resolve, False, _params(
        {"kind": _text("Type de commission", "نوع اللجنة")})),
    "commission.convene": (commission.convene, False, _params(optional={
        "delay_days": {"type": "integer", "minimum": 0, "default": 2, "title": "Délai minimal de la séance (jours)",
                       "x-title-ar": "الأجل الأدنى للجلسة (أيام)"}})),
    "opinions.compile": (commission.compile_opinions, False, NONE),
    "commission.minutes": (examined.state, False, NONE),
    "opinions.collected": (examined.collected, False, NONE),
    "opinions.unexpressed": (unexpressed.unexpressed, False, NONE),
    "fees.record": (fees.record, False, _params({
        "base_field": _text("Champ du dossier servant d'assiette", "حقل الملف المعتمد كأساس"),
        "label": _text("Libellé de la taxe", "تسمية الرسم")})),
    "fees.mark_paid": (fees.mark_paid, False, NONE),
    "decision.record": (decision.record, False, NONE),
    "decision.render": (decision.render, False, NONE),
    "decision.sign": (decision.sign, True, NONE),
    "requests.validate": (requests.validate, False, NONE),
    "requests.open": (requests.open_, False, _params(optional={
        "kind": _text("Nature de la demande", "نوع الطلب", enum=["completeness", "plans"], default="completeness"),
        "from_task": _text("Tâche de l'agent qui demande", "مهمة العون الذي يطلب")})),
    "requests.answered": (requests.answered, False, NONE),
    "requests.close": (requests.close, False, NONE),
    "payments.declared": (payments.declared, False, NONE),
    "payments.reconcile": (payments.reconcile, False, _params(optional={
        "from_task": _text("Tâche de l'agent qui rapproche", "مهمة العون الذي يطابق")})),
    "notify.send": (notify.send, False, _params(
        {"to": _text("Destinataires", "المرسل إليهم", description=f"séparés par des virgules : {AUDIENCES}",
                     **{"x-description-ar": f"مفصولة بفواصل: {AUDIENCES}", "x-choices": AUDIENCE_LABELS},
                     pattern=r"^\s*(applicant|members|guichet|task_holders)(\s*,\s*(applicant|members|guichet|"
                             r"task_holders))*\s*$"),
         "template": _text("Modèle de message", "نموذج الرسالة")},
        {"channel": _text("Canal", "القناة", enum=["email", "sms"], default="email")})),
}


# names expressions may call that read the domain's data (processes/README.md lists them)
LOOKUPS = {"membre_organisme": commission.organism_member}


def build_registry(ports: Ports) -> HandlerRegistry:
    """The registry handed to the engine by the composition root, bound to ``ports``."""
    specs = {}
    for name, (func, is_async, params) in HANDLERS.items():
        bound = update_wrapper(partial(func, ports=ports), func)  # type: ignore[call-arg]
        specs[name] = HandlerSpec(bound, is_async, DOCS[name][0], params, doc_ar=DOCS[name][1])
    registry = HandlerRegistry.of(specs)
    for name, lookup in LOOKUPS.items():
        registry.register_lookup(name, lookup)
    return registry
