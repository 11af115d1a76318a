"""Public routes: health check and the landing page listing deployed procedures."""
from __future__ import annotations

from flask import Blueprint, jsonify, render_template
from sqlalchemy import text

from engine import definitions

from .extensions import db

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
    rows = definitions.latest_versions(db.session())
    return render_template("index.html", procedures=rows)
