"""What can be wrong with a catalog, said in French and in Arabic.

A :class:`Problem` is its French sentence (what it is as a string: the command line, logs,
the API's ``problems`` for a French reader) and carries its code and values; the Studio and
the API show :meth:`Problem.text` in the reader's language. In Arabic, the values (codes,
keys, file names, JSON paths) are wrapped in left-to-right isolates so that they read and
copy in order.
"""
from __future__ import annotations

from typing import Any

LRI, PDI = "\u2066", "\u2069"



def _ltr(notation: str) -> str:
    """Latin notation an Arabic sentence shows as it is, isolated left to right (braces kept)."""
    return LRI + notation.replace("{", "{{").replace("}", "}}") + PDI


SECTIONS = {"status": ("statut", "الحالة"), "document": ("type de pièce", "نوع الوثيقة"),
            "message": ("message", "الرسالة")}

TEXTS: dict[str, tuple[str, str]] = {
    # code: (French, Arabic); {{ }} are literal braces
    "catalog.shape": ("le catalogue doit être une table ({keys})", "يجب أن يكون الدليل جدولا ({keys})"),
    "yaml": ("catalog.yaml n'est pas du YAML valide", f"الملف {_ltr('catalog.yaml')} ليس YAML صالحا"),
    "yaml.line": ("catalog.yaml n'est pas du YAML valide (ligne {line})", f"الملف {_ltr('catalog.yaml')} ليس YAML صالحا (السطر {{line}})"),
    "labels.shape": ("{section} : une table code → {{fr, ar}} est attendue", f"{{section}}: يُنتظر جدول رمز ← {_ltr('{fr, ar}')}"),
    "labels.code": ("{section} : code « {code} » invalide (lettres minuscules, chiffres et _)",
                    "{section}: الرمز {code} غير صالح (حروف لاتينية صغيرة وأرقام و_)"),
    "labels.both": ("{section} « {code} » : le libellé français et le libellé arabe sont obligatoires",
                    "{section} {code}: التسمية الفرنسية والتسمية العربية إلزاميتان"),
    "labels.twice": ("code « {code} » en double", "الرمز {code} مكرر"),
    "labels.builtin": ("« {code} » est utilisé par la plateforme : il ne peut être retiré",
                       "{code} تستعمله المنصة: لا يمكن حذفه"),
    "document.in_use": ("la pièce « {kind} » figure encore dans une liste de pièces",
                        "الوثيقة {kind} ما زالت واردة في لائحة وثائق"),
    "status.builtin": ("statut « {code} » : utilisé par la plateforme, il doit rester au catalogue",
                       "الحالة {code}: تستعملها المنصة، ويجب أن تبقى في الدليل"),
    "message.builtin": ("message « {name} » : envoyé par la plateforme, il doit rester au catalogue",
                        "الرسالة {name}: ترسلها المنصة، ويجب أن تبقى في الدليل"),
    "procedures.shape": ("procedures : une table clé → procédure est attendue",
                         f"{_ltr('procedures')}: يُنتظر جدول مفتاح ← مسطرة"),
    "procedure.key": ("procédure « {key} » : clé invalide (lettres minuscules, chiffres et _)",
                      "المسطرة {key}: مفتاح غير صالح (حروف لاتينية صغيرة وأرقام و_)"),
    "procedure.new_key": ("clé « {key} » invalide : lettres minuscules, chiffres et _ (ex. permis_demolition)",
                          f"المفتاح {{key}} غير صالح: حروف لاتينية صغيرة وأرقام و_ (مثلا {_ltr('permis_demolition')})"),
    "procedure.exists": ("la procédure « {key} » existe déjà", "المسطرة {key} موجودة من قبل"),
    "procedure.shape": ("procédure « {key} » : une table est attendue", "المسطرة {key}: يُنتظر جدول"),
    "procedure.missing": ("procédure « {key} » : il manque {missing}", "المسطرة {key}: ينقص {missing}"),
    "procedure.code": ("procédure « {key} » : code « {code} » invalide (majuscules et chiffres, ex. PC)",
                       f"المسطرة {{key}}: الرمز {{code}} غير صالح (حروف لاتينية كبيرة وأرقام، مثلا {_ltr('PC')})"),
    "procedure.code_taken": ("procédure « {key} » : le code « {code} » est déjà celui de « {other} »",
                             "المسطرة {key}: الرمز {code} مستعمل من قبل للمسطرة {other}"),
    "procedure.domain": ("procédure « {key} » : domaine « {domain} » inconnu ({domains})",
                         "المسطرة {key}: مجال غير معروف {domain} ({domains})"),
    "procedure.form": ("procédure « {key} » : formulaire de dépôt « {form} » introuvable",
                       "المسطرة {key}: استمارة الإيداع {form} غير موجودة"),
    "procedure.form_file": ("procédure « {key} » : formulaire {file} introuvable",
                            "المسطرة {key}: الاستمارة {file} غير موجودة"),
    "procedure.twice": ("procédure « {key} » : une pièce figure deux fois dans la liste",
                        "المسطرة {key}: وثيقة مذكورة مرتين في اللائحة"),
    "procedure.process": ("procédure « {key} » : le processus « {process} » n'est ni déployé ni dans les fichiers "
                          "validés", "المسطرة {key}: المسار {process} غير منشور وليس ضمن الملفات المصادق عليها"),
    "item.shape": ("procédure « {key} » : chaque pièce de la liste est {{kind, required}}",
                   f"المسطرة {{key}}: كل وثيقة في اللائحة تكتب {_ltr('{kind, required}')}"),
    "item.unknown": ("procédure « {key} » : pièce inconnue « {kind} » (ajoutez-la aux types de pièces)",
                     "المسطرة {key}: وثيقة غير معروفة {kind} (أضيفوها إلى أنواع الوثائق)"),
    "item.types": ("procédure « {key} », pièce « {kind} » : type de fichier non pris en charge {bad} "
                   "(acceptés : {accepted})", "المسطرة {key}، الوثيقة {kind}: نوع ملف غير مدعوم {bad} (المقبول: {accepted})"),
    "item.when": ("procédure « {key} », pièce « {kind} » : la condition est champ → liste de valeurs",
                  "المسطرة {key}، الوثيقة {kind}: الشرط يكتب حقلا ← لائحة قيم"),
    "item.signer": ("procédure « {key} », pièce « {kind} » : signataire inconnu « {signed_by} » (connus : {known})",
                    "المسطرة {key}، الوثيقة {kind}: موقّع غير معروف {signed_by} (المعروفون: {known})"),
    "form.shape": ("formulaire « {name} » : un objet JSON nommé *.schema.json ou *.ui.json est attendu",
                   f"الاستمارة {{name}}: يُنتظر كائن JSON اسمه {_ltr('*.schema.json | *.ui.json')}"),
    "form.schema": ("formulaire « {name} » : schéma JSON invalide (mot-clé « {keyword} » en {where})",
                    "الاستمارة {name}: مخطط JSON غير صالح (الكلمة المفتاحية {keyword} في {where})"),
    "form.name": ("nom de formulaire « {name} » invalide (ex. depot_demolition.schema.json)",
                  f"اسم الاستمارة {{name}} غير صالح (مثلا {_ltr('depot_demolition.schema.json')})"),
    "form.json": ("{file} : JSON invalide (ligne {line}, colonne {column})",
                  "{file}: JSON غير صالح (السطر {line}، العمود {column})"),
    "file.missing": ("{path} : fichier introuvable", "{path}: الملف غير موجود"),
    "field.name": ("champ « {name} » : nom invalide (lettres minuscules, chiffres et _)",
                   "الحقل {name}: اسم غير صالح (حروف لاتينية صغيرة وأرقام و_)"),
    "field.type": ("champ « {name} » : type « {kind} » inconnu", "الحقل {name}: نوع غير معروف {kind}"),
    "field.minimum": ("champ « {name} », minimum : « {text} » n'est pas un nombre",
                      "الحقل {name}، الحد الأدنى: {text} ليس عددا"),
    "field.maximum": ("champ « {name} », maximum : « {text} » n'est pas un nombre",
                      "الحقل {name}، الحد الأقصى: {text} ليس عددا"),
    "field.labels": ("champ « {name} » : les libellés français et arabe sont obligatoires",
                     "الحقل {name}: التسميتان الفرنسية والعربية إلزاميتان"),
    "field.options": ("champ « {name} » : une liste a besoin de valeurs (une par ligne : code = fr | ar)",
                      f"الحقل {{name}}: اللائحة تحتاج إلى قيم (قيمة في كل سطر: {_ltr('code = fr | ar')})"),
    "fields.twice": ("deux champs portent le même nom", "حقلان يحملان الاسم نفسه"),
    "usage.status": ("{where} : statut public « {code} » absent du catalogue (ajoutez-le aux statuts)",
                     "{where}: الحالة العمومية {code} غير موجودة في الدليل (أضيفوها إلى الحالات)"),
    "usage.message": ("{where} : message « {name} » absent du catalogue (ajoutez-le aux messages)",
                      "{where}: الرسالة {name} غير موجودة في الدليل (أضيفوها إلى الرسائل)"),
}

class Problem(str):
    """One problem of a catalog: its French sentence, with its ``code`` and ``values``."""

    code: str
    values: dict[str, Any]

    def __new__(cls, code: str, /, **values: Any) -> Problem:
        french, _ = TEXTS[code]
        shown = {k: SECTIONS[v][0] if k == "section" else v for k, v in values.items()}
        made = super().__new__(cls, french.format(**shown))
        made.code, made.values = code, values
        return made

    def text(self, lang: str) -> str:
        """The sentence in ``lang`` (Arabic; French otherwise)."""
        if lang != "ar":
            return str(self)
        values = {k: SECTIONS[v][1] if k == "section" else f"{LRI}{v}{PDI}" for k, v in self.values.items()}
        return TEXTS[self.code][1].format(**values)

    def __reduce__(self) -> tuple[Any, ...]:  # copied or pickled: made again from its code and values
        return (_again, (self.code, self.values))


def _again(code: str, values: dict[str, Any]) -> Problem:
    return Problem(code, **values)


def schema_problem(name: str, exc: Any) -> Problem:
    """A JSON Schema that is not one (jsonschema's ``SchemaError``): named by the keyword at
    fault and where it sits, not by jsonschema's English message."""
    return Problem("form.schema", name=name, keyword=str(getattr(exc, "validator", "") or "?"),
                   where=str(getattr(exc, "json_path", "") or "$"))


def text(problem: str, lang: str) -> str:
    """``problem`` in ``lang``: a :class:`Problem`'s own words, any other text as it is."""
    return problem.text(lang) if isinstance(problem, Problem) else str(problem)
