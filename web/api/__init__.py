"""The JSON API ``/api/v1``, documented by the OpenAPI document at ``/api/v1/openapi.json``."""
from apiflask import APIBlueprint

from . import dump  # noqa: F401 - outputs written by compiled dumpers: registered before the routes declare theirs

bp = APIBlueprint("api", __name__, url_prefix="/api/v1", tag="Guichet")

from . import admin, admin_commissions, catalog, commissions, dossiers, payments, processes, tasks, tokens  # noqa: E402,F401 - routes register on bp
