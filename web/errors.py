"""One error handler: domain errors become 400/403/404/409/422 with an actionable message,
as JSON on the API and as a page elsewhere, in the user's language."""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from apiflask.exceptions import HTTPError
from flask import Flask, jsonify, render_template, request
from flask_babel import get_locale
from flask_babel import gettext as _
from werkzeug.exceptions import HTTPException

from engine import Busy, Conflict, EngineError, Forbidden, InvalidTaskData, NotFound, StepFailed, Unavailable
from handlers.administration import AdminProblem
from handlers.common import DomainError, Refusal
from handlers.completeness.window import UploadClosed
from handlers.dossiers import InvalidDocument
from handlers.files import StoredFileAltered
from handlers.payments.declare import InvalidPayment, PaymentClosed
from handlers.signatures.keystore import SigningRefused

from . import faults, http_errors, inputs
from .error_messages import coded, user_message

FIELD_MESSAGES = {
    "required": lambda: _("Ce champ est obligatoire."),
    "enum": lambda: _("Choisissez une des valeurs proposées."),
    "type": lambda: _("Cette valeur n'a pas le bon format."),
    "format": lambda: _("Cette valeur n'a pas le bon format."),
    "pattern": lambda: _("Cette valeur n'a pas le bon format."),
    "minLength": lambda: _("Cette valeur est trop courte."),
    "maxLength": lambda: _("Cette valeur est trop longue."),
    "minimum": lambda: _("Cette valeur est trop petite."),
    "exclusiveMinimum": lambda: _("Cette valeur est trop petite."),
    "maximum": lambda: _("Cette valeur est trop grande."),
    "minItems": lambda: _("Choisissez au moins un élément."),
    "const": lambda: _("Cette case doit être cochée."),
    "additionalProperties": lambda: _("Ce champ n'est pas prévu par le formulaire."),
    "not_on_checklist": lambda: _("Cette pièce ne figure pas sur la liste légale de la procédure."),
    "never_uploaded": lambda: _("Cette pièce n'a jamais été déposée : demandez-la comme pièce manquante."),
    "uniqueItems": lambda: _("Chaque pièce ne peut être demandée qu'une fois."),
    "document_missing": lambda: _("Déposez une nouvelle version de cette pièce avant de valider."),
    "payment_missing": lambda: _("Déclarez d'abord votre paiement : joignez la quittance ou choisissez un mode de paiement."),
    "document_required": lambda: _("Cette pièce obligatoire n'a pas été déposée."),
    "characters": lambda: _("Ce champ contient un caractère interdit (caractère de contrôle ou caractère "
                            "Unicode incomplet)."),
}


def field_messages(exc: InvalidTaskData) -> dict[str, str]:
    """Field errors in the user's language (a general sentence for a rule without its own;
    the technical message stays in the API's ``detail.reason``)."""
    out = {}
    for path in exc.errors:
        translate = FIELD_MESSAGES.get(exc.codes.get(path, ""))
        out[path] = translate() if translate else _("Cette valeur n'est pas acceptée.")
    return out


SIGNING_MESSAGES: dict[str, Callable[[], str]] = {
    "pin_required": lambda: _("Saisissez le code PIN de votre clé de signature pour approuver et signer."),
    "wrong_pin": lambda: _("Votre clé de signature ne s'est pas ouverte avec ce code PIN (la clé se bloque "
                           "après quelques essais erronés)."),
    "no_key": lambda: _("Vous n'avez pas de clé de signature pour cette commune : faites-en établir une."),
    "key_inactive": lambda: _("Votre clé de signature pour cette commune est expirée ou révoquée : "
                              "renouvelez-la avant de signer."),
    "key_unusable": lambda: _("Votre clé de signature ne peut pas signer en ce moment (certificat expiré, "
                              "révoqué ou jeton absent)."),
    "no_grant": lambda: _("Vous n'exercez pas la fonction de président de cette commune aujourd'hui."),
    "not_rendered": lambda: _("La décision n'est pas encore établie : rien à signer pour l'instant."),
    "pin_mismatch": lambda: _("Les deux codes PIN diffèrent."),
    "weak_pin": lambda: _("Choisissez un code PIN de 6 caractères au moins."),
    "no_keystore": lambda: _("Aucun support de clés n'est configuré sur cette installation."),
    "no_token_module": lambda: _("Aucun module de jetons (PKCS#11) n'est configuré : laissez le libellé vide."),
    "wrong_certificate": lambda: _("Ce certificat n'a pas été émis pour cette demande."),
    "not_issued": lambda: _("Cette clé n'a pas de certificat à installer."),
    "not_pending": lambda: _("Cette clé n'attend pas de certificat."),
    "token_error": lambda: _("Le jeton n'a pas pu créer la clé : vérifiez son libellé et votre code PIN."),
    "no_professional_key": lambda: _("Vous n'avez pas de clé active pour signer vos plans : créez-la sur la page "
                                     "« Ma clé de signature »."),
}


def signing_message(exc: SigningRefused) -> str:
    """The refusal, in the page's language."""
    message = SIGNING_MESSAGES.get(exc.code)
    return message() if message else _("La signature est refusée : %(reason)s", reason=exc.code)


def describe(exc: Exception) -> tuple[int, str]:
    """HTTP status and a message a person can act on."""
    if isinstance(exc, AdminProblem):
        return exc.status, exc.text(str(get_locale() or "fr"))
    if isinstance(exc, InvalidTaskData):
        return 422, _("Certains champs sont à corriger.")
    if isinstance(exc, Refusal):
        return exc.status, exc.text(str(get_locale() or "fr"))
    if isinstance(exc, InvalidDocument):
        return 422, _("Ce fichier est refusé : %(reason)s", reason=coded(exc) or _("il n'est pas accepté"))
    if isinstance(exc, UploadClosed):
        if exc.reason == "no_task":
            return 409, _("Les pièces du dossier ne peuvent pas être modifiées maintenant : aucune tâche ne vous "
                          "demande de documents (le dossier est en cours d'examen).")
        return 409, _("Cette pièce ne fait pas partie des pièces demandées : déposez uniquement les pièces "
                      "listées dans la demande du guichet.")
    if isinstance(exc, PaymentClosed):
        return 409, _("Aucun paiement n'est attendu sur ce dossier maintenant.")
    if isinstance(exc, InvalidPayment):
        if exc.code == "no_quittance":
            return 422, _("Joignez la quittance (PDF ou image) pour déclarer votre paiement.")
        return 422, _("Ce mode de paiement n'est pas proposé.")
    if isinstance(exc, NotFound):
        return 404, _("Introuvable, ou vous n'y avez pas accès.")
    if isinstance(exc, Forbidden | PermissionError):
        return 403, coded(exc) or _("Cette action ne vous est pas permise.")
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
        reason = coded(exc)
        if reason and exc.code != "dossier.changed":
            return 409, _("Rien n'a été enregistré : %(reason)s. Rechargez la page.", reason=reason)
        return 409, _("Le dossier a changé entre-temps. Rechargez la page.")
    if isinstance(exc, SigningRefused):
        return 422, signing_message(exc)
    if isinstance(exc, DomainError | EngineError):
        return 422, user_message(exc)
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
        message = http_errors.werkzeug_message(exc)  # never Werkzeug's English description
        if wants_json():
            return jsonify(message=message, detail={"reason": exc.name}), exc.code or 500
        response = faults.app_page(exc.code or 500, message, {})
        response.status_code = exc.code or 500
        return response

    def _api_error(error: HTTPError) -> Any:
        """APIFlask's errors (a refused input, ``apiflask.abort``) in the caller's language: a
        default English phrase becomes the status's sentence, and a refused input's field
        problems are said again field by field."""
        validation = error.message == "Validation error"
        message = (http_errors.status_message(error.status_code)
                   if http_errors.default_phrase(error.message, error.status_code) else error.message)
        detail = http_errors.field_messages(error.detail) if validation else error.detail
        return {"message": message, "detail": detail, **error.extra_data}, error.status_code, error.headers
    app.error_callback = _api_error  # type: ignore[attr-defined]  # not @error_processor: it would take over Werkzeug's errors too
