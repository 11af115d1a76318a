"""Studio pages: the process list, the modeler, a version's history and downloads."""
from __future__ import annotations

from typing import Any

from flask import current_app, render_template, request, url_for
from flask_login import login_required

from engine import definitions, versions

from ..extensions import db
from . import analyst_only, bp
from .bundles import library, pick_lists, source_file


@bp.get("/")
@login_required
def index() -> Any:
    user = analyst_only()
    session = db.session()
    return render_template("studio/index.html", processes=definitions.latest_versions(session),
                           drafts=versions.drafts_of(session, user.id))


@bp.get("/processes/<key>/edit")
@login_required
def modeler(key: str) -> Any:
    """The modeler on the analyst's draft (``?version=N``: on that deployed version)."""
    user = analyst_only()
    session = db.session()
    number = request.args.get("version", type=int)
    bundle = None if number is not None else versions.get_draft(session, key, user.id)
    called: dict[str, int] = {}  # the versions of the called processes whose files the bundle carries
    if bundle is None:
        row = versions.version(session, key, number)
        rows = definitions.called_rows(session, row)
        bundle = versions.bundle_of(row, library(session), rows)
        called = {r.process_key: r.version for r in rows}
    first = next((n for n, text in sorted(bundle.files.items())
                  if n.endswith(".bpmn") and f'process id="{key}"' in text), None)
    config = {"key": key, "first": first, "base_version": bundle.base_version, "called_versions": called,
              "draft": bundle.draft,
              "files": bundle.files, "forms": bundle.forms, "picklists": pick_lists(current_app, bundle.forms),
              "urls": {"validate": url_for("studio.validate"), "deploy": url_for("studio.deploy", key=key),
                       "draft": url_for("studio.save_draft", key=key), "preview": url_for("studio.preview"),
                       "discard": url_for("studio.discard_draft", key=key), "index": url_for("studio.index"),
                       "history": url_for("studio.history", key=key)}}
    return render_template("studio/modeler.html", key=key, bundle=bundle, config=config)


@bp.get("/processes/<key>/versions")
@login_required
def history(key: str) -> Any:
    analyst_only()
    return render_template("studio/history.html", key=key, rows=versions.history(db.session(), key))


@bp.get("/processes/<key>/versions/<int:number>/files/<name>")
@login_required
def download(key: str, number: int, name: str) -> Any:
    """One source file of a deployed version, as an attachment (``.bpmn`` / ``.dmn``)."""
    analyst_only()
    return source_file(db.session(), key, number, name)
