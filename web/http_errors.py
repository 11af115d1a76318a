"""What an HTTP error says, in the reader's language, whoever raised it.

Werkzeug's errors (an unknown address, a method not allowed, a body that is not JSON) carry
English descriptions, APIFlask's carry English reason phrases ("Validation error"), and
marshmallow words every field problem in English ("Missing data for required field."). None
of that reaches a person: an error the app raised with its own sentence keeps it; any other
is said by its status (:func:`status_message`), and the field problems of a refused input
are said again in French or Arabic (:func:`field_messages`), with their numbers and codes
left-to-right isolates in Arabic. ``detail.reason`` keeps the English phrase for scripts.
"""
from __future__ import annotations

import re
from collections.abc import Callable
from http import HTTPStatus
from typing import Any

from flask_babel import get_locale
from flask_babel import gettext as _
from werkzeug.exceptions import HTTPException

from handlers import messages

STATUS: dict[int, Callable[[], str]] = {
    400: lambda: _("La requête est mal formée : elle n'a pas pu être lue."),
    401: lambda: _("Un jeton valide est demandé : obtenez-en un par POST /api/v1/tokens."),
    403: lambda: _("Vous n'avez pas accès à cette page ou à cette action."),
    404: lambda: _("Cette adresse n'existe pas, ou vous n'y avez pas accès."),
    405: lambda: _("Cette action n'est pas acceptée à cette adresse."),
    406: lambda: _("Cette réponse ne peut pas être donnée dans le format demandé."),
    408: lambda: _("La requête a pris trop de temps : réessayez."),
    409: lambda: _("Le dossier a changé entre-temps. Rechargez la page."),
    410: lambda: _("Cette adresse n'est plus disponible."),
    413: lambda: _("L'envoi est trop volumineux."),
    415: lambda: _("Ce type de contenu n'est pas accepté ici."),
    422: lambda: _("Certaines données envoyées ne conviennent pas : voyez le détail par champ."),
    429: lambda: _("Trop de demandes en peu de temps : réessayez dans un instant."),
    500: lambda: _("Une erreur inattendue est survenue."),
    501: lambda: _("Cette action n'est pas disponible."),
    502: lambda: _("Le service est momentanément injoignable : réessayez dans un instant."),
    503: lambda: _("Le service est très sollicité en ce moment ; rien n'a été enregistré. "
                   "Réessayez dans un instant."),
    504: lambda: _("Le service a mis trop de temps à répondre : réessayez dans un instant."),
}


def status_message(code: int | None) -> str:
    """The sentence for an HTTP status (its family's when the status has none of its own)."""
    code = code or 500
    return (STATUS.get(code) or STATUS[500 if code >= 500 else 400])()


def werkzeug_message(exc: HTTPException) -> str:
    """The error's own description when the app gave one (``abort(404, description=…)``),
    else the sentence for its status: Werkzeug's default descriptions are English."""
    own = exc.description
    if own and own != type(exc).description:
        return str(own)
    return status_message(exc.code)


def default_phrase(message: str | None, code: int) -> bool:
    """Whether an APIFlask error's message is a default English one (its status's reason
    phrase, or the input validation's "Validation error")."""
    if not message or message == "Validation error":
        return True
    try:
        return message == HTTPStatus(code).phrase
    except ValueError:
        return False


# marshmallow's (and its validators') default messages, as templates: the {names} are what
# the message was formatted with, said again in the localized sentence
_FIELD: list[tuple[str, Callable[..., str]]] = [
    ("Missing data for required field.", lambda **v: _("Ce champ est obligatoire.")),
    ("Field may not be null.", lambda **v: _("Ce champ ne peut pas être nul.")),
    ("Unknown field.", lambda **v: _("Ce champ n'est pas attendu ici.")),
    ("Invalid value.", lambda **v: _("Valeur non valide.")),
    ("Invalid input.", lambda **v: _("Valeur non valide.")),
    ("Invalid input type.", lambda **v: _("Type de valeur non valide.")),
    ("Invalid type.", lambda **v: _("Type de valeur non valide.")),
    ("Not a valid string.", lambda **v: _("Un texte est attendu.")),
    ("Not a valid utf-8 string.", lambda **v: _("Un texte est attendu.")),
    ("Special numeric values (nan or infinity) are not permitted.",
     lambda **v: _("Un nombre fini est attendu.")),
    ("Not a valid integer.", lambda **v: _("Un nombre entier est attendu.")),
    ("Not a valid number.", lambda **v: _("Un nombre est attendu.")),
    ("Not a valid boolean.", lambda **v: _("Vrai ou faux est attendu.")),
    ("Not a valid datetime.", lambda **v: _("Une date et une heure (ISO 8601) sont attendues.")),
    ("Not a valid date.", lambda **v: _("Une date (AAAA-MM-JJ) est attendue.")),
    ("Not a valid time.", lambda **v: _("Une heure est attendue.")),
    ("Not a valid mapping type.", lambda **v: _("Un objet est attendu.")),
    ("Not a valid list.", lambda **v: _("Une liste est attendue.")),
    ("Not a valid tuple.", lambda **v: _("Une liste est attendue.")),
    ("Not a valid email address.", lambda **v: _("Une adresse e-mail valide est attendue.")),
    ("Not a valid URL.", lambda **v: _("Une adresse web valide est attendue.")),
    ("Not a valid UUID.", lambda **v: _("Un identifiant (UUID) valide est attendu.")),
    ("Not a valid file.", lambda **v: _("Un fichier est attendu.")),
    ("Not a valid choice.", lambda **v: _("Ce choix n'est pas proposé.")),
    ("String does not match expected pattern.", lambda **v: _("La valeur n'a pas la forme attendue.")),
    ("Number too large.", lambda **v: _("Ce nombre est trop grand.")),
    *((f"Not a valid {aware} {kind}.", lambda **v: _("Le fuseau horaire de cette date ne convient pas."))
      for aware in ("aware", "naive") for kind in ("datetime", "time")),
    ('"{input}" cannot be formatted as a {kind}.', lambda **v: _("Valeur non valide.")),
    ("Must be one of: {choices}.", lambda **v: _("Valeurs possibles : %(choices)s.", choices=v["choices"])),
    ("Shorter than minimum length {min}.", lambda **v: _("Au moins %(min)s caractères ou éléments.", min=v["min"])),
    ("Longer than maximum length {max}.", lambda **v: _("Au plus %(max)s caractères ou éléments.", max=v["max"])),
    ("Length must be between {min} and {max}.",
     lambda **v: _("Entre %(min)s et %(max)s caractères ou éléments.", min=v["min"], max=v["max"])),
    ("Length must be {equal}.", lambda **v: _("Exactement %(n)s caractères ou éléments.", n=v["equal"])),
    ("Must be greater than or equal to {min} and less than or equal to {max}.",
     lambda **v: _("Entre %(min)s et %(max)s.", min=v["min"], max=v["max"])),
    ("Must be greater than or equal to {min}.", lambda **v: _("Au moins %(min)s.", min=v["min"])),
    ("Must be less than or equal to {max}.", lambda **v: _("Au plus %(max)s.", max=v["max"])),
    ("Must be greater than {min}.", lambda **v: _("Plus de %(min)s.", min=v["min"])),
    ("Must be less than {max}.", lambda **v: _("Moins de %(max)s.", max=v["max"])),
]
_PATTERNS = [(re.compile(re.sub(r"\\\{(\w+)\\\}", r"(?P<\1>.+?)", re.escape(english)) + r"\Z"), say)
             for english, say in _FIELD]


def isolated(value: str) -> str:
    """A value set in the reader's sentence: in Arabic, a left-to-right isolate
    (:func:`handlers.messages.isolated`)."""
    return str(messages.isolated(value)) if str(get_locale() or "fr") == "ar" else value


def field_message(text: str) -> str:
    """One of marshmallow's messages in the reader's language (an unknown one: "Valeur non valide.")."""
    for pattern, say in _PATTERNS:
        found = pattern.match(text)
        if found:
            return say(**{k: isolated(v) for k, v in found.groupdict().items()})
    return _("Valeur non valide.")


def field_messages(detail: Any) -> Any:
    """A refused input's messages (nested by location and field, as webargs gives them),
    each said in the reader's language; the nesting and the field names are kept."""
    if isinstance(detail, dict):
        return {key: field_messages(value) for key, value in detail.items()}
    if isinstance(detail, list):
        return [field_messages(item) for item in detail]
    return field_message(detail) if isinstance(detail, str) else detail
