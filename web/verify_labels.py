"""The verification page's words: decision outcomes and signature problems, in the page's
language (the signing library gives stable codes; its English sentences stay in logs)."""
from __future__ import annotations

from collections.abc import Callable, Iterable

from flask_babel import gettext as _

OUTCOMES: dict[str, Callable[[], str]] = {
    "accord": lambda: _("Autorisation accordée"),
    "accord_conditions": lambda: _("Autorisation accordée sous conditions"),
    "refus": lambda: _("Autorisation refusée"),
    "accord_tacite": lambda: _("Autorisation tacite (délai légal dépassé)"),
}

ISSUES: dict[str, Callable[[], str]] = {
    "unreadable": lambda: _("Ce fichier n'est pas un PDF lisible."),
    "unsigned": lambda: _("Ce document ne porte aucune signature électronique."),
    "unverifiable": lambda: _("La signature de ce document n'a pas pu être vérifiée."),
    "altered": lambda: _("Le document a été modifié après sa signature : son empreinte ne correspond plus."),
    "bad_signature": lambda: _("La valeur de la signature ne correspond pas à ce document et à ce certificat."),
    "untrusted": lambda: _("Le certificat du signataire n'est pas reconnu (autorité inconnue, révoqué, expiré "
                           "ou non destiné à la signature)."),
    "appended": lambda: _("Du contenu a été ajouté après la signature."),
    "appended_forbidden": lambda: _("Du contenu a été ajouté après la signature, et ces modifications ne sont "
                                    "pas permises."),
    "timestamp_untrusted": lambda: _("L'horodatage n'est pas reconnu (son autorité n'est pas de confiance)."),
    "several_signatures": lambda: _("Le document porte plusieurs signatures ; ce résultat concerne la dernière."),
}


def outcome(code: str) -> str:
    """A decision's outcome in words (the code itself only for an outcome this list lacks)."""
    make = OUTCOMES.get(code)
    return make() if make else code


def issues(codes: Iterable[str]) -> list[str]:
    """Each problem of a verification, in words."""
    return [ISSUES.get(code, ISSUES["unverifiable"])() for code in codes]
