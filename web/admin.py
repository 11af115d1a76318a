"""Administration: incidents (jobs that kept failing, steps a procedure made fail) and retry."""
from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import login_required

from engine import jobs

from . import security
from .bootstrap import get_engine
from .extensions import db

bp = Blueprint("admin", __name__, url_prefix="/admin")


def _admin_only() -> None:
    user = security.current()
    if user is None or not user.has("admin"):
        abort(404)


@bp.get("/incidents")
@login_required
def incidents():  # noqa: ANN201
    _admin_only()
    return render_template("admin/incidents.html", incidents=jobs.incidents(db.session()))


@bp.post("/incidents/<int:job_id>/retry")
@login_required
def retry(job_id: int):  # noqa: ANN201
    _admin_only()
    jobs.retry(get_engine(current_app), job_id)
    flash(_("La tâche de fond %(id)s est relancée.", id=job_id), "success")
    return redirect(url_for("admin.incidents"))
