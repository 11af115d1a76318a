"""The sentences people are shown for the domain's and the engine's errors, in their language.

An error names its sentence by ``code`` (``params`` fill it); the message an exception
carries is for logs and API clients (``detail.reason``) and never reaches a page, so no
English text can slip into a French or Arabic one. An error without a code gets the general
sentence of its family (see :func:`web.errors.describe`).
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask_babel import gettext as _

MESSAGES: dict[str, Callable[..., str]] = {
    # uploads (handlers.pdfcheck, handlers.dossiers)
    "pdf.empty": lambda **p: _("le fichier est vide"),
    "pdf.too_large": lambda **p: _("le fichier dépasse %(mb)s Mo", mb=p.get("mb", "—")),
    "pdf.not_pdf": lambda **p: _("le fichier n'est pas un PDF"),
    "pdf.encrypted": lambda **p: _("le PDF est protégé par un mot de passe : déposez-le sans mot de passe"),
    "pdf.bomb": lambda **p: _("le PDF se décompresse en une taille démesurée"),
    "pdf.unreadable": lambda **p: _("le PDF est illisible ou endommagé"),
    "pdf.active": lambda **p: _("le PDF contient des scripts, des actions ou des fichiers joints : "
                                "déposez un document simple"),
    "pdf.no_page": lambda **p: _("le PDF n'a aucune page"),
    "upload.type": lambda **p: _("type de fichier non accepté pour cette pièce (attendu : %(expected)s)",
                                 expected=p.get("expected", "PDF")),
    "upload.too_large": lambda **p: _("le fichier est trop volumineux"),
    "upload.image": lambda **p: _("l'image est illisible ou endommagée"),
    "upload.signature": lambda **p: _("cette pièce doit porter la signature électronique valide d'un %(profession)s "
                                      ": %(reason)s", profession=_profession(p.get("profession")),
                                      reason=_plan_reason(p.get("reason"))),
    "upload.not_in_checklist": lambda **p: _("cette pièce ne fait pas partie de la liste de la procédure"),
    # dossiers and tasks
    "dossier.submitted": lambda **p: _("un dossier déposé ne peut plus être modifié"),
    "dossier.changed": lambda **p: _("le dossier a été modifié par quelqu'un d'autre entre-temps"),
    "task.done": lambda **p: _("cette tâche est déjà terminée"),
    "task.claimed": lambda **p: _("cette tâche a été prise par quelqu'un d'autre"),
    "request.empty": lambda **p: _("la demande ne nomme aucune pièce : choisissez au moins une pièce de la liste"),
    "request.kind": lambda **p: _("ce type de demande n'existe pas"),
    "payment.none_waiting": lambda **p: _("aucun paiement n'attend de rapprochement sur ce dossier"),
    "payment.reference": lambda **p: _("indiquez la référence de la quittance de paiement"),
    "signing.no_key": lambda **p: _("aucune clé de signature n'est configurée : la tâche reste ouverte et "
                                    "l'administrateur a été prévenu"),
    # commission sessions and the room
    "session.closed": lambda **p: _("cette séance est close"),
    "session.join": lambda **p: _("rejoignez d'abord la séance"),
    "session.time": lambda **p: _("l'heure doit être au format HH:MM"),
    "session.past": lambda **p: _("une séance ne peut pas être programmée dans le passé"),
    "opinion.given": lambda **p: _("votre avis sur ce dossier a déjà été donné"),
    "opinion.no_task": lambda **p: _("vous n'avez pas d'avis à donner sur ce dossier"),
    "opinion.handed_over": lambda **p: _("un administrateur a confié l'avis de votre siège à une autre personne"),
    "opinion.other_session": lambda **p: _("ce dossier est maintenant à l'ordre du jour d'une autre séance"),
    "opinion.members_only": lambda **p: _("seuls les membres de la commission donnent un avis"),
    "annotation.own": lambda **p: _("vous ne pouvez annuler que vos propres annotations"),
    "annotation.none": lambda **p: _("ce plan n'a aucune annotation dans cette séance : rien à exporter"),
    "chat.length": lambda **p: _("un message compte de 1 à %(max)s caractères", max=p.get("max", "—")),
}


def _profession(code: Any) -> str:
    return {"architecte": _("architecte"), "igt": _("ingénieur géomètre topographe")}.get(code, str(code))


def _plan_reason(code: Any) -> str:
    reasons = {"unsigned": lambda: _("le document ne porte aucune signature"),
               "altered": lambda: _("le document a été modifié après sa signature"),
               "untrusted": lambda: _("le signataire n'est pas reconnu (certificat non émis par l'ordre, expiré "
                                      "ou révoqué)")}
    return reasons.get(code, lambda: _("la signature n'est pas valide"))()


def coded(exc: BaseException) -> str | None:
    """The translated sentence ``exc`` names by its code; None when it names none."""
    code = getattr(exc, "code", None)
    make = MESSAGES.get(code) if isinstance(code, str) else None
    if make is None:
        return None
    params: dict[str, Any] = getattr(exc, "params", {}) or {}
    return make(**params)


def general() -> str:
    """The sentence for a domain error that names none of its own."""
    return _("Cette action n'a pas pu être effectuée avec les données fournies. Vérifiez-les, puis réessayez.")


def user_message(exc: BaseException) -> str:
    """What a person is told about ``exc``: its own sentence, or the general one."""
    return coded(exc) or general()
