"""Public routes: health, the landing page, the language switch."""
from __future__ import annotations

from flask import Blueprint, current_app, jsonify, redirect, render_template, request, session, url_for
from sqlalchemy import text

from handlers.models import User

from . import security
from .extensions import begin_write, db
from .i18n import LANGUAGES

bp = Blueprint("public", __name__)


@bp.get("/health")
def health():  # noqa: ANN201
    """Liveness and database reachability, for load balancers and `make run`."""
    try:
        db.session.execute(text("SELECT 1"))
    except Exception as exc:  # noqa: BLE001 - reported, not raised
        return jsonify(status="error", database=str(exc.__class__.__name__)), 503
    return jsonify(status="ok", database="ok")


@bp.get("/")
def index():  # noqa: ANN201
    user = security.current()
    if user is not None:
        return redirect(url_for("applicant.dossiers" if user.has("applicant") else "inbox.tasks"))
    catalog = current_app.extensions["guichet.ports"].catalog(db.session())
    return render_template("index.html", procedures=list(catalog.procedures.values()))


@bp.get("/favicon.ico")
def favicon():  # noqa: ANN201
    """Browsers ask for /favicon.ico before reading the page's icon link: the same icon."""
    return redirect(url_for("static", filename="favicon.svg"), code=301)


@bp.get("/lang/<code>")
def language(code: str):  # noqa: ANN201
    """Switch language; remembered in the session and on the user's account."""
    if code in LANGUAGES:
        begin_write()
        session["lang"] = code
        user = security.current()
        if user is not None:
            db.session.get_one(User, user.id).locale = code
            db.session.commit()
    target = request.referrer or url_for("public.index")
    return redirect(target if target.startswith(request.host_url) else url_for("public.index"))
