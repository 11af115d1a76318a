"""Processes through the API, for analysts: list, versions, a version's files, validate, deploy.

Deploying takes the same bundle the studio edits (BPMN + DMN + forms); running dossiers stay
on their version, new ones start on the newest at once on every node.
"""
from __future__ import annotations

from typing import Any

from apiflask import abort
from apiflask.schemas import FileSchema
from flask import current_app
from flask_babel import gettext as _

from engine import definitions, versions

from ..extensions import db
from ..security import token_auth
from ..studio.bundles import BadBundle, deploy, library, parse_bundle, problem_out, source_file, validate
from . import bp
from .common import ERRORS, caller
from .process_schemas import BundleIn, BundleOut, DeployIn, DeployOut, ProcessOut, ValidationOut, VersionOut

READERS = {"analyst", "admin"}


def _reader() -> None:
    if not READERS & set(caller().roles):
        raise PermissionError("processes are for analysts")


def _analyst() -> str:
    actor = caller()
    if "analyst" not in actor.roles:
        raise PermissionError("only an analyst deploys processes")
    user = token_auth.current_user
    return str(user.email if user is not None else actor.user_id)[:100]


@bp.get("/processes")
@bp.auth_required(token_auth)
@bp.output(ProcessOut(many=True))
@bp.doc(summary="Deployed processes, each with its newest version (analysts)", responses=ERRORS)
def process_list() -> Any:
    _reader()
    return [{"key": r.process_key, "name": r.name, "version": r.version, "deployed_at": r.deployed_at,
             "deployed_by": r.deployed_by} for r in definitions.latest_versions(db.session())]


@bp.get("/processes/<key>/versions")
@bp.auth_required(token_auth)
@bp.output(VersionOut(many=True))
@bp.doc(summary="Version history of a process, newest first: author, date, comment, diff", responses=ERRORS)
def process_versions(key: str) -> Any:
    _reader()
    return [{"version": r.version, "content_hash": r.content_hash, "deployed_at": r.deployed_at,
             "author": r.deployed_by, "comment": r.comment, "diff": r.diff_summary, "files": sorted(r.sources)}
            for r in versions.history(db.session(), key)]


@bp.get("/processes/<key>/versions/<int:number>")
@bp.auth_required(token_auth)
@bp.output(BundleOut)
@bp.doc(summary="A version's bundle: its BPMN/DMN files and forms, as the modeler opens it", responses=ERRORS)
def process_bundle(key: str, number: int) -> Any:
    _reader()
    row = versions.version(db.session(), key, number)
    b = versions.bundle_of(row, library(db.session()),
                           definitions.called_rows(db.session(), row))
    return {"key": key, "version": number, "files": b.files, "forms": b.forms}


@bp.get("/processes/<key>/versions/<int:number>/files/<name>")
@bp.auth_required(token_auth)
@bp.output(FileSchema, content_type="application/xml", description="the .bpmn or .dmn file")
@bp.doc(summary="Download one source file of a version", responses=ERRORS)
def process_file(key: str, number: int, name: str) -> Any:
    _reader()
    return source_file(db.session(), key, number, name)


@bp.post("/processes/validate")
@bp.auth_required(token_auth)
@bp.input(BundleIn, arg_name="body")
@bp.output(ValidationOut)
@bp.doc(summary="Validate a bundle as `guichet processes validate` does; problems name file, element, line",
        responses=ERRORS)
def process_validate(body: dict[str, Any]) -> Any:
    _reader()
    try:
        bundle = parse_bundle("", None, body["files"], body["forms"])
    except BadBundle as exc:
        abort(400, exc.text(), detail={"reason": str(exc)})
    result, problems = validate(current_app, bundle)
    return {"ok": not any(p.severity == "error" for p in problems), "processes": [p.key for p in result.processes],
            "problems": [problem_out(p) for p in problems]}


@bp.post("/processes/<key>/deploy")
@bp.auth_required(token_auth)
@bp.input(DeployIn, arg_name="body")
@bp.output(DeployOut, status_code=201)
@bp.doc(summary="Deploy a bundle (analysts only); 422 with the problems when it does not validate",
        responses=ERRORS)
def process_deploy(key: str, body: dict[str, Any]) -> Any:
    author = _analyst()
    try:
        bundle = parse_bundle(key, None, body["files"], body["forms"])
    except BadBundle as exc:
        abort(400, exc.text(), detail={"reason": str(exc)})
    outcomes, problems = deploy(current_app, bundle, author=author, comment=body["comment"])
    if not outcomes:
        abort(422, _("Les diagrammes ne sont pas valides : rien n'a été déployé."),
              detail={"problems": [problem_out(p) for p in problems]})
    return {"deployed": [{"key": o.process_key, "version": o.version, "created": o.created} for o in outcomes],
            "problems": [problem_out(p) for p in problems]}
