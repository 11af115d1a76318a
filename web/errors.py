"""One error handler: domain errors become 400/403/404/409/422 with an actionable message,
as JSON on the API and as a page elsewhere, in the user's language."""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Flask, jsonify, render_template, request
from flask_babel import get_locale
from flask_babel import gettext as _
from werkzeug.exceptions import HTTPException

from engine import Busy, Conflict, EngineError, Forbidden, InvalidTaskData, NotFound, StepFailed, Unavailable
from handlers.common import DomainError, Refusal
from handlers.dossiers import InvalidDocument
from handlers.files import StoredFileAltered

from . import faults, inputs

FIELD_MESSAGES = {
    "required": lambda: _("Ce champ est obligatoire."),
    "enum": lambda: _("Choisissez une des valeurs proposées."),
    "type": lambda: _("Cette valeur n'a pas le bon format."),
    "format": lambda: _("Cette valeur n'a pas le bon format."),
    "minLength": lambda: _("Cette valeur est trop courte."),
    "maxLength": lambda: _("Cette valeur est trop longue."),
    "minimum": lambda: _("Cette valeur est trop petite."),
    "exclusiveMinimum": lambda: _("Cette valeur est trop petite."),
    "maximum": lambda: _("Cette valeur est trop grande."),
    "minItems": lambda: _("Choisissez au moins un élément."),
    "const": lambda: _("Cette case doit être cochée."),
    "additionalProperties": lambda: _("Ce champ n'est pas prévu par le formulaire."),
    "characters": lambda: _("Ce champ contient un caractère interdit (caractère de contrôle ou caractère "
                            "Unicode incomplet)."),
}


def field_messages(exc: InvalidTaskData) -> dict[str, str]:
    """Field errors in the user's language (the technical message when no translation)."""
    out = {}
    for path, message in exc.errors.items():
        translate = FIELD_MESSAGES.get(exc.codes.get(path, ""))
        out[path] = translate() if translate else message
    return out


def describe(exc: Exception) -> tuple[int, str]:
    """HTTP status and a message a person can act on."""
    if isinstance(exc, InvalidTaskData):
        return 422, _("Certains champs sont à corriger.")
    if isinstance(exc, Refusal):
        return exc.status, exc.text(str(get_locale() or "fr"))
    if isinstance(exc, InvalidDocument):
        return 422, _("Ce fichier est refusé : %(reason)s", reason=str(exc))
    if isinstance(exc, NotFound):
        return 404, _("Introuvable, ou vous n'y avez pas accès.")
    if isinstance(exc, Forbidden | PermissionError):
        return 403, _("Cette action ne vous est pas permise.")
    if isinstance(exc, Unavailable):
        if exc.reason == "unknown_outcome":
            return 503, _("La connexion à la base de données a été perdue pendant l'enregistrement. "
                          "Rechargez la page pour voir si votre action a été prise en compte.")
        if exc.reason == "saturated":
            return 503, _("Le service est très sollicité en ce moment ; rien n'a été enregistré. "
                          "Réessayez dans un instant.")
        return 503, _("Le service est momentanément indisponible ; rien n'a été enregistré. Réessayez dans un instant.")
    if isinstance(exc, Busy):
        return 409, _("Quelqu'un d'autre travaille sur ce dossier en ce moment ; rien n'a été enregistré. "
                      "Réessayez dans un instant.")
    if isinstance(exc, StepFailed):
        return 503, _("Cette étape n'a pas pu être menée à bien ; rien n'a été enregistré et l'équipe de support "
                      "a été prévenue (incident %(id)s).", id=exc.incident_id or "—")
    if isinstance(exc, Conflict):
        name = _person(exc.by)
        if name:
            return 409, _("Le dossier a changé entre-temps : %(name)s s'en est occupé. Rechargez la page.", name=name)
        return 409, _("Le dossier a changé entre-temps (%(detail)s). Rechargez la page.", detail=str(exc))
    if isinstance(exc, DomainError | EngineError):
        return 422, str(exc)
    return 500, _("Une erreur inattendue est survenue.")


def _person(user_id: str | None) -> str | None:
    """The name of the person a conflict names (an internal id is never shown)."""
    if not user_id:
        return None
    from handlers.accounts import display_name

    from .extensions import db
    try:
        return display_name(db.session(), user_id)
    except Exception:  # noqa: BLE001 - the message goes out without the name
        return None


JSON_WANTED: list[Callable[[], bool]] = []  # other JSON routes (the room's) say so here


def wants_json() -> bool:
    """Errors answer JSON for the API and for the routes a blueprint registered as JSON."""
    return request.path.startswith("/api/") or any(wanted() for wanted in JSON_WANTED)


def register(app: Flask) -> None:
    @app.errorhandler(EngineError)
    @app.errorhandler(DomainError)
    @app.errorhandler(PermissionError)
    def _domain(exc: Exception) -> Any:
        status, message = describe(exc)
        fields = field_messages(exc) if isinstance(exc, InvalidTaskData) else {}
        if wants_json():  # APIFlask's documented error shape: message + detail object
            response = jsonify(message=message, detail={"fields": fields, "reason": str(exc)})
        else:
            response = faults.app_page(status, message, fields)
        response.status_code = status
        delay = faults.retry_after(exc)
        if delay is not None:
            response.headers["Retry-After"] = str(delay)
        return response

    faults.register(app, _domain)
    inputs.register(app, wants_json)

    @app.errorhandler(StoredFileAltered)
    def _altered(exc: StoredFileAltered) -> Any:
        """Never serve a stored file that no longer matches its sha256: refuse and report."""
        from handlers.audit_seal import report_altered
        app.logger.error("refused to serve %s", exc)
        incident = report_altered(app.extensions["guichet.engine"], exc)
        message = _("Ce document ne correspond plus à son empreinte enregistrée : il n'est pas servi. "
                    "L'équipe de support a été prévenue (incident %(id)s).", id=incident)
        if wants_json():
            return jsonify(message=message, detail={"reason": "stored file altered", "incident": incident}), 500
        return render_template("error.html", status=500, message=message, fields={}), 500

    @app.errorhandler(HTTPException)
    def _http(exc: HTTPException) -> Any:
        if wants_json():
            return jsonify(message=exc.description, detail={"reason": exc.name}), exc.code or 500
        response = faults.app_page(exc.code or 500, exc.description or "", {})
        response.status_code = exc.code or 500
        return response
