"""The catalog through the API: the newest (or a given) version, its history, validate, deploy."""
from __future__ import annotations

from typing import Any

from apiflask import Schema, abort
from apiflask.fields import Boolean, DateTime, Dict, Integer, List, String
from flask import current_app, request
from flask_babel import gettext as _

from handlers import catalog_edit, catalog_store
from handlers.catalog import CatalogError
from handlers.catalog_problems import text as said

from ..bootstrap import get_engine
from ..extensions import db
from ..i18n import select_locale
from ..security import token_auth
from . import bp
from .common import ERRORS
from .processes import _analyst, _reader


class CatalogOut(Schema):
    version = Integer(allow_none=True, metadata={"description": "the deployed version (none: nothing deployed)"})
    catalog = Dict(metadata={"description": "statuses, documents, messages, procedures (with their checklists)"})
    forms = Dict(metadata={"description": "filing forms: name.schema.json → JSON Schema, name.ui.json → labels"})


class CatalogIn(Schema):
    catalog = Dict(required=True)
    forms = Dict(load_default=dict)
    comment = String(load_default=None, allow_none=True)


class CatalogVersionOut(Schema):
    version = Integer()
    deployed_at = DateTime()
    author = String(allow_none=True)
    comment = String(allow_none=True)
    changes = Dict(allow_none=True, metadata={"description": "per section: +added, -removed, ~changed"})


class CatalogCheckOut(Schema):
    ok = Boolean()
    problems = List(String())


class CatalogDeployOut(Schema):
    version = Integer()
    created = Boolean(metadata={"description": "false: the newest version already held this content"})


@bp.get("/catalog")
@bp.auth_required(token_auth)
@bp.output(CatalogOut)
@bp.doc(summary="The newest deployed catalog (`?version=N`: that version)", responses=ERRORS)
def catalog_get() -> Any:
    _reader()
    number = request.args.get("version", type=int)
    cat = (catalog_store.by_version(db.session(), number) if number is not None
           else catalog_store.current(db.session()))
    return {"version": cat.version, "catalog": cat.to_dict(), "forms": cat.forms}


@bp.get("/catalog/versions")
@bp.auth_required(token_auth)
@bp.output(CatalogVersionOut(many=True))
@bp.doc(summary="Every deployed version of the catalog, newest first", responses=ERRORS)
def catalog_versions() -> Any:
    _reader()
    return [{"version": r.version, "deployed_at": r.deployed_at, "author": r.deployed_by, "comment": r.comment,
             "changes": r.changes} for r in catalog_store.history(db.session())]


@bp.post("/catalog/validate")
@bp.auth_required(token_auth)
@bp.input(CatalogIn, arg_name="body")
@bp.output(CatalogCheckOut)
@bp.doc(summary="Check a catalog against itself and the deployed processes (nothing is stored)",
        responses=ERRORS)
def catalog_validate(body: dict[str, Any]) -> Any:
    _reader()
    wc = catalog_edit.WorkingCopy(body["catalog"], body["forms"], None, False)
    found = catalog_edit.problems(db.session(), wc)
    lang = select_locale()
    return {"ok": not found, "problems": [said(p, lang) for p in found]}


@bp.post("/catalog")
@bp.auth_required(token_auth)
@bp.input(CatalogIn, arg_name="body")
@bp.output(CatalogDeployOut, status_code=201)
@bp.doc(summary="Deploy a catalog (analysts): a new immutable version; new dossiers follow it at once, "
                "filed dossiers keep theirs. 422 with the problems, nothing stored", responses=ERRORS)
def catalog_deploy(body: dict[str, Any]) -> Any:
    author = _analyst()
    try:
        number, created = catalog_edit.deploy_content(get_engine(current_app), author, body["catalog"],
                                                      body["forms"], body["comment"])
    except CatalogError as exc:
        lang = select_locale()
        abort(422, _("le catalogue n'est pas valide : rien n'a été déployé"),
              detail={"problems": [said(p, lang) for p in exc.problems]})
    return {"version": number, "created": created}
