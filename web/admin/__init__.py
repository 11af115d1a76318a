"""Administration pages (``/admin``): incidents, and the reference data — communes, people,
organisms, commissions, bulk import, the audit trail and stranded tasks. Routes parse, call
one use case of :mod:`handlers.administration` and render."""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Blueprint, abort, current_app, flash, redirect, render_template, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import login_required

from engine import jobs
from engine.clock import utcnow
from handlers import administration
from handlers.administration import Admin, AdminProblem
from handlers.ports import Ports

from .. import security
from ..bootstrap import get_engine
from ..extensions import db

bp = Blueprint("admin", __name__, url_prefix="/admin")


def _admin_only() -> None:
    user = security.current()
    if user is None or not user.has("admin"):
        abort(404)


def who() -> Admin:
    """The administrator of this request (404 for anyone else: the pages are not shown)."""
    _admin_only()
    return Admin.of(security.actor())


def lang() -> str:
    return str(get_locale() or "fr")


def ports() -> Ports:
    return current_app.extensions["guichet.ports"]


def act(use_case: Callable[..., Any], *args: Any, done: str | None = None, back: str, **kwargs: Any) -> Any:
    """Run a use case in its transaction and go ``back``; a refused request (422/409) is
    said on the page it came from, in the reader's language; 403/404 are error pages."""
    db.session.rollback()  # the use case runs in the engine's own transaction
    try:
        administration.run(get_engine(current_app), use_case, *args, **kwargs)
    except AdminProblem as problem:
        return refused(problem, back)
    if done:
        flash(done, "success")
    return redirect(back, 303)


def refused(problem: AdminProblem, back: str) -> Any:
    """A request refused before any use case ran (a malformed date…), said on its page."""
    if problem.status in (403, 404):
        raise problem
    flash(problem.text(lang()), "error")
    return redirect(back, 303)


def now() -> Any:
    return utcnow()


@bp.context_processor
def _labels() -> dict[str, Any]:
    from handlers.accounts import display_name
    from handlers.roles import ROLES

    def role_label(role: str) -> str:
        if role == "interim_president":
            return _("Président par intérim")
        return ROLES.get(role, {}).get(lang(), role)

    def grant_label(grant: Any) -> str:
        if grant.role == "admin":
            return _("Administrateur de la commune") if grant.commune_code else _("Administrateur national")
        label = _("Président par intérim") if grant.delegated_by else role_label(grant.role)
        return f"{label} ({grant.organism_code})" if grant.organism_code else label

    def person_name(user_id: str) -> str:
        return display_name(db.session(), user_id) or "—"
    return {"role_label": role_label, "grant_label": grant_label, "person_name": person_name}


@bp.get("/incidents")
@login_required
def incidents():  # noqa: ANN201
    who().national_only()  # jobs of every commune: the platform's
    return render_template("admin/incidents.html", incidents=jobs.incidents(db.session()))


@bp.post("/incidents/<int:job_id>/retry")
@login_required
def retry(job_id: int):  # noqa: ANN201
    who().national_only()
    jobs.retry(get_engine(current_app), job_id)
    flash(_("La tâche de fond %(id)s est relancée.", id=job_id), "success")
    return redirect(url_for("admin.incidents"))


from . import communes, people, structure  # noqa: E402,F401 - routes register on bp
