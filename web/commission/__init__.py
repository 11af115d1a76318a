"""The visio-commission: session pages, the room's JSON routes and its Socket.IO namespace
(the contract between the room page and the server is docs/realtime.md)."""
from __future__ import annotations

from flask import Blueprint

bp = Blueprint("commission", __name__, url_prefix="/commission")

from . import api, pages  # noqa: E402,F401 - routes register on bp
