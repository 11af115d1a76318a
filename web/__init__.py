"""Flask application factory: a thin layer over the engine and the handlers."""
from __future__ import annotations

from pathlib import Path
from typing import Any

from apiflask import APIFlask
from flask import Flask, Request, Response, request, session
from flask.sessions import SecureCookieSession, SecureCookieSessionInterface
from sqlalchemy import select
from werkzeug.middleware.proxy_fix import ProxyFix

from . import config as _config
from .bootstrap import build_engine, build_ports
from .extensions import autocommit_if_reads_only, babel, csrf, db, login_manager, migrate
from .i18n import direction, select_locale
from .jobs import celery_init_app

MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"

CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; "
       "object-src 'self'; frame-src 'self'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'")

PERMISSIONS = "camera=(), microphone=(), geolocation=(), payment=(), usb=(), display-capture=()"
PERMISSIONS_MEDIA = "camera=(self), microphone=(self), geolocation=(), payment=(), usb=(), display-capture=()"
MEDIA_ENDPOINTS = {"commission.room"}


class _SessionInterface(SecureCookieSessionInterface):
    """Flask's signed-cookie sessions, without building the cookie's signer for a request
    that carries no session cookie (every API call: ~5 % of a short request's work)."""

    def open_session(self, app: Flask, request: Request) -> SecureCookieSession | None:
        if app.secret_key and not request.cookies.get(self.get_cookie_name(app)):
            return self.session_class()
        return super().open_session(app, request)


def create_app(config: dict[str, Any] | None = None) -> Flask:
    """Build the app; ``config`` overrides what the environment gives (tests use it)."""
    app = APIFlask(__name__, title="Guichet API", version="1", spec_path="/api/v1/openapi.json",
                   docs_path=None, json_errors=False, instance_path=str(Path.cwd() / "instance"))
    app.config.from_mapping(_config.from_environment(Path(app.instance_path)))
    if config:
        app.config.update(config)
    app.session_interface = _SessionInterface()
    proxies = int(app.config.get("GUICHET_TRUSTED_PROXIES") or 0)
    if proxies:  # the client's address as the trusted proxies report it (throttling, logs)
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies)  # type: ignore[method-assign]
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = _config.engine_options(app.config)
    db.init_app(app)
    migrate.init_app(app, db, directory=str(MIGRATIONS))
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    csrf.init_app(app)
    babel.init_app(app, locale_selector=select_locale)
    app.extensions["guichet.ports"] = build_ports(app)
    app.extensions["guichet.engine"] = build_engine(app)
    celery_init_app(app)

    from . import (
        admin,
        applicant,
        auth,
        commission,
        errors,
        inbox,
        indicators,
        payments,
        public,
        signer_keys,
        verify,
    )
    from .api import bp as api_bp
    from .cli import COMMANDS
    from .commission.sockets import init_socketio
    from .studio import bp as studio_bp
    init_socketio(app)
    for blueprint in (public.bp, auth.bp, applicant.bp, inbox.bp, verify.bp, admin.bp, api_bp, commission.bp,
                      indicators.bp, studio_bp, payments.bp, signer_keys.bp):
        app.register_blueprint(blueprint)
    errors.register(app)
    from .cli_dossiers import dossiers_group
    from .cli_signatures import signatures_group
    for command in (*COMMANDS, dossiers_group, signatures_group):
        app.cli.add_command(command)

    from .formkit import requested
    app.jinja_env.globals["requested_items"] = requested  # macros are imported without the context

    @app.context_processor
    def _page_globals() -> dict[str, Any]:
        from flask_babel import get_locale

        from . import security, verify_labels
        lang = str(get_locale() or "fr")
        ports = app.extensions["guichet.ports"]

        def task_title(task: Any) -> str:
            """A task's title in the page's language: its form's title, else the BPMN name."""
            if task.form:
                from engine.definitions import newest_forms

                from .extensions import db
                ui = newest_forms(db.session()).get(task.form.replace(".schema.json", ".ui.json"), {})
                title = ui.get("title", {}) if isinstance(ui, dict) else {}
                return str(title.get(lang) or task.title)
            return str(task.title)

        def document_label(dossier: Any, kind: str) -> str:
            """A document kind's label in the dossier's catalog (or the commission's kinds)."""
            from handlers.visio.dossier import document_label as label

            from .extensions import db
            return label(db.session(), ports, dossier, kind, lang)
        def commune_name(code: str) -> str:
            """A commune's name in the page's language (its code only for an unknown one)."""
            from flask import g

            from handlers.models import Commune

            from .extensions import db
            if "commune_names" not in g:  # one query per page, only on pages that name communes
                g.commune_names = {c.code: (c.name_ar if lang == "ar" else c.name_fr)
                                   for c in db.session.scalars(select(Commune))}
            return str(g.commune_names.get(code, code))
        return {"lang": lang, "dir": direction(lang), "user": security.current(), "task_title": task_title,
                "document_label": document_label, "commune_name": commune_name,
                "outcome_label": verify_labels.outcome}

    @app.before_request
    def _reads_only() -> None:
        autocommit_if_reads_only(app.view_functions.get(request.endpoint or ""))

    @app.after_request
    def _headers(response: Response) -> Response:
        media = request.endpoint in MEDIA_ENDPOINTS  # only the commission room films and listens
        wanted = [("X-Content-Type-Options", "nosniff"), ("Referrer-Policy", "same-origin"),
                  ("Content-Security-Policy", CSP),
                  ("X-Frame-Options", "DENY"),  # frame-ancestors, for older browsers
                  ("Permissions-Policy", PERMISSIONS_MEDIA if media else PERMISSIONS)]
        if request.endpoint != "static" and (request.path.startswith("/api/") or session.get("_user_id")
                                             or request.authorization is not None):
            wanted.append(("Cache-Control", "no-store"))  # personal data: no copy kept
        if app.config["SESSION_COOKIE_SECURE"]:
            wanted.append(("Strict-Transport-Security", "max-age=31536000"))
        present = {key.lower() for key in response.headers.keys()}  # one pass, not one per header
        for key, value in wanted:
            if key.lower() not in present:
                response.headers.add(key, value)
        return response

    return app


def main() -> None:
    """The ``guichet`` console script: Flask's CLI around :func:`create_app`."""
    from flask.cli import FlaskGroup
    FlaskGroup(create_app=create_app, help="Guichet: municipal authorizations run as BPMN "
               "procedures.")()
