"""What an administrator can get wrong, said in French and in Arabic.

An :class:`AdminProblem` carries a code and its values; the page or the API shows
:meth:`AdminProblem.text` in the reader's language (codes and names in Arabic text are
wrapped in left-to-right isolates so that they read in order)."""
from __future__ import annotations

from typing import Any

from ..common import DomainError

LRI, PDI = "\u2066", "\u2069"

TEXTS: dict[str, tuple[int, str, str]] = {
    # code: (HTTP status, French, Arabic)
    "required": (422, "Le champ « {field} » est obligatoire.", "الحقل {field} إلزامي."),
    "bad_code": (422, "Le code « {code} » n'est pas valable : 2 à 50 lettres minuscules, chiffres, « - » ou « _ ».",
                 "الرمز {code} غير صالح: من 2 إلى 50 حرفا لاتينيا صغيرا أو رقما أو «-» أو «_»."),
    "bad_value": (422, "La valeur « {value} » ne convient pas au champ « {field} ».",
                  "القيمة {value} لا تناسب الحقل {field}."),
    "bad_email": (422, "L'adresse « {email} » n'est pas une adresse électronique valable.",
                  "العنوان {email} ليس عنوان بريد إلكتروني صالحا."),
    "bad_date": (422, "La date « {value} » n'est pas valable (AAAA-MM-JJ).", "التاريخ {value} غير صالح (YYYY-MM-DD)."),
    "dates_order": (422, "La date de fin précède la date de début.", "تاريخ النهاية يسبق تاريخ البداية."),
    "commune_exists": (409, "La commune « {code} » existe déjà.", "الجماعة {code} موجودة من قبل."),
    "unknown_commune": (404, "La commune « {code} » n'existe pas.", "الجماعة {code} غير موجودة."),
    "organism_exists": (409, "L'organisme « {code} » existe déjà.", "الهيئة {code} موجودة من قبل."),
    "unknown_organism": (404, "L'organisme « {code} » n'existe pas.", "الهيئة {code} غير موجودة."),
    "email_taken": (409, "Un compte existe déjà avec l'adresse « {email} ».", "يوجد حساب بالعنوان {email} من قبل."),
    "unknown_person": (404, "La personne « {who} » est introuvable.", "الشخص {who} غير موجود."),
    "unknown_role": (422, "Le rôle « {role} » n'existe pas.", "الدور {role} غير موجود."),
    "role_needs_commune": (422, "Le rôle « {role} » se tient pour une commune : indiquez laquelle.",
                           "الدور {role} يمارس في جماعة معينة: حددها."),
    "member_needs_organism": (422, "Un membre de commission siège pour un organisme : indiquez lequel.",
                              "عضو اللجنة يمثل هيئة: حددها."),
    "interim_needs_dates": (422, "Un président par intérim a une date de début, une date de fin et le président "
                                 "titulaire qu'il remplace.",
                            "للرئيس بالنيابة تاريخ بداية وتاريخ نهاية والرئيس الأصلي الذي ينوب عنه."),
    "not_president": (422, "« {who} » n'est pas président titulaire de la commune « {code} ».",
                      "{who} ليس الرئيس الأصلي للجماعة {code}."),
    "grant_exists": (409, "« {who} » tient déjà ce rôle dans la commune « {code} ».",
                     "{who} يمارس هذا الدور في الجماعة {code} من قبل."),
    "unknown_grant": (404, "Ce rôle est introuvable.", "هذا الدور غير موجود."),
    "commission_exists": (409, "La commune « {code} » a déjà une commission « {kind} ».",
                          "للجماعة {code} لجنة {kind} من قبل."),
    "unknown_commission": (404, "La commune « {code} » n'a pas de commission « {kind} ».",
                           "ليس للجماعة {code} لجنة {kind}."),
    "already_seated": (409, "« {who} » siège déjà dans la commission « {kind} ».",
                       "{who} عضو في اللجنة {kind} من قبل."),
    "not_seated": (404, "« {who} » ne siège pas dans cette commission.", "{who} ليس عضوا في هذه اللجنة."),
    "out_of_scope": (403, "Cette commune n'est pas de votre ressort.", "هذه الجماعة ليست من اختصاصك."),
    "national_only": (403, "Seul l'administrateur national peut faire cela.", "وحده المسؤول الوطني يمكنه القيام بذلك."),
    "not_admin": (403, "Cette page est réservée aux administrateurs.", "هذه الصفحة مخصصة للمسؤولين."),
    "self": (409, "Vous ne pouvez pas désactiver votre propre compte.", "لا يمكنك تعطيل حسابك الخاص."),
    "link_invalid": (404, "Ce lien n'est pas valable : il a déjà servi, il a expiré ou il n'existe pas.",
                     "هذا الرابط غير صالح: سبق استعماله أو انتهت صلاحيته أو غير موجود."),
    "password_short": (422, "Le mot de passe doit compter au moins 10 caractères.",
                       "يجب أن تتكون كلمة المرور من 10 أحرف على الأقل."),
    "password_mismatch": (422, "Les deux mots de passe diffèrent.", "كلمتا المرور مختلفتان."),
    "task_gone": (409, "Cette tâche n'attend plus personne.", "هذه المهمة لم تعد في الانتظار."),
    "bad_assignee": (422, "« {who} » ne peut pas recevoir cette tâche : il faut un compte actif qui siège "
                          "aujourd'hui dans la même commission.",
                     "لا يمكن إسناد هذه المهمة إلى {who}: يلزم حساب مفعل وعضو حالي في نفس اللجنة."),
    "bad_logo": (422, "Le logo doit être une image PNG ou JPEG de 512 Ko au plus.",
                 "يجب أن يكون الشعار صورة \u2066PNG\u2069 أو \u2066JPEG\u2069 لا يتجاوز حجمها \u2066512 KB\u2069."),
    "csv_empty": (422, "Le fichier ne contient aucune ligne.", "الملف لا يحتوي على أي سطر."),
    "csv_columns": (422, "Colonnes manquantes : {columns}.", "أعمدة ناقصة: {columns}."),
    "csv_encoding": (422, "Le fichier n'est pas un CSV en UTF-8.", "الملف ليس بصيغة CSV بترميز UTF-8."),
    "csv_duplicate": (422, "La ligne répète la ligne {other}.", "هذا السطر يكرر السطر {other}."),
    "csv_too_big": (422, "Le fichier dépasse {limit} lignes : découpez-le.", "الملف يتجاوز {limit} سطر: قسمه."),
}


def _ltr(value: Any) -> str:
    return f"{LRI}{value}{PDI}"


class AdminProblem(DomainError):
    """An administration request that cannot be carried out as asked; nothing was written."""

    code: str

    def __init__(self, problem: str, /, **values: Any) -> None:
        self.code = problem
        self.values = values
        self.status = TEXTS[problem][0]
        super().__init__(self.text("fr"))

    def text(self, lang: str) -> str:
        _, fr, ar = TEXTS[self.code]
        if lang == "ar":
            return ar.format(**{k: _ltr(v) for k, v in self.values.items()})
        return fr.format(**self.values)
