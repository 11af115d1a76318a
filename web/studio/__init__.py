"""The analysts' studio (``/studio``): modeler, validation, deployment, history, cockpit."""
from __future__ import annotations

from flask import Blueprint, abort

from .. import security

bp = Blueprint("studio", __name__, url_prefix="/studio")


def analyst_only() -> security.LoginUser:
    """The signed-in analyst; anyone else gets a 404 (the studio is not advertised)."""
    user = security.current()
    if user is None or not user.has("analyst"):
        abort(404)
    return user


from . import catalog, cockpit, editor, endpoints, imports, migrate  # noqa: E402,F401 - routes register on bp
