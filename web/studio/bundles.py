"""Studio glue between the pages/API and the engine: bundles in and out, validate, deploy.

Shared by the studio pages (session sign-in) and the analysts' JSON API (Bearer tokens).
"""
from __future__ import annotations

from collections.abc import Collection, Mapping
from pathlib import Path
from typing import Any

from flask import Flask, Response
from sqlalchemy.exc import IntegrityError

from engine import Compilation, Conflict, NotFound, Problem, definitions, versions
from engine.clock import utcnow
from engine.sources import DIAGRAM_SUFFIXES, FORM_SUFFIX, UI_SUFFIX, read_forms
from engine.versions import Bundle
from handlers.ports import Ports

from ..bootstrap import get_engine
from . import picklists

MAX_ENTRIES = 160  # files and forms of one bundle


class BadBundle(ValueError):
    """A bundle that cannot even be read (wrong names, not text): a 400 with the reason."""


def library(ports: Ports) -> dict[str, str]:
    """Forms (schema and UI hints) on disk, as text: what a new bundle can pick from."""
    return {name: raw.decode("utf-8") for name, raw in read_forms(ports.processes_dir / "forms").items()}


def parse_bundle(process_key: str, base_version: int | None, files: Any, forms: Any) -> Bundle:
    """Check the shape of a posted bundle: names and text only; the compiler checks the rest."""
    if not isinstance(files, Mapping) or not isinstance(forms, Mapping):
        raise BadBundle("files and forms must be JSON objects (name → text)")
    if not files or len(files) + len(forms) > MAX_ENTRIES:
        raise BadBundle(f"a bundle needs at least one .bpmn or .dmn file (and at most {MAX_ENTRIES} entries)")
    for name, text in [*files.items(), *forms.items()]:
        if not isinstance(text, str):
            raise BadBundle(f"'{name}': content must be text")
        if Path(name).name != name or name.startswith("."):
            raise BadBundle(f"'{name}': a plain file name is expected")
    for name in files:
        if not name.endswith(DIAGRAM_SUFFIXES):
            raise BadBundle(f"'{name}': diagrams are .bpmn or .dmn files")
    for name in forms:
        if not name.endswith((FORM_SUFFIX, UI_SUFFIX)):
            raise BadBundle(f"'{name}': forms are .schema.json (and .ui.json) files")
    return Bundle(process_key, base_version, dict(files), dict(forms))


def validate(app: Flask, bundle: Bundle) -> tuple[Compilation, list[Problem]]:
    """The same validation as ``guichet processes validate``."""
    result = get_engine(app).compile(*bundle.as_bytes())
    return result, result.problems


class StaleBase(Conflict):
    """The bundle was opened on a version that is no longer the newest."""

    def __init__(self, key: str, base: int, latest: Any):
        self.latest_version, self.latest_by = latest.version, latest.deployed_by
        super().__init__(f"'{key}' v{latest.version} was deployed by {latest.deployed_by or '?'} since v{base} "
                         "was opened: reopen it, or deploy anyway")


def _check_base(session: Any, bundle: Bundle) -> None:
    if bundle.base_version is None:
        return
    latest = versions.version(session, bundle.process_key)
    if latest.version != bundle.base_version:
        raise StaleBase(bundle.process_key, bundle.base_version, latest)


def deploy(app: Flask, bundle: Bundle, *, author: str, comment: str | None, draft_owner: str | None = None,
           check_base: bool = False) -> tuple[list[definitions.DeployOutcome], list[Problem]]:
    """Validate then deploy the processes of the bundle the analyst changed; nothing is stored
    on any problem.
    With ``check_base``, refuse (:class:`StaleBase`) when the bundle's base version is no longer
    the newest, so that nobody overwrites a colleague's deployment unknowingly.
    ``draft_owner``'s draft of the process is discarded with the deployment."""
    result, problems = validate(app, bundle)
    if any(p.severity == "error" for p in problems):
        return [], problems
    engine = get_engine(app)
    try:
        with engine.transaction() as session:
            if check_base:
                _check_base(session, bundle)
            # only the opened process may go back to an earlier content; the others the bundle
            # carries (a shared sub-process, a sibling in the same file) get a version only
            # for content never deployed: an old copy of a called process never reverts it
            outcomes = definitions.deploy(session, result.processes, by=author, comment=comment, now=utcnow(),
                                          restore={bundle.process_key})
            if draft_owner is not None:
                versions.discard_draft(session, bundle.process_key, draft_owner)
    except IntegrityError as exc:  # another analyst deployed the same key at the same moment
        raise Conflict("another deployment of this process happened at the same time; deploy again") from exc
    return outcomes, problems


def problem_out(p: Problem) -> dict[str, Any]:
    return {"file": p.file, "element_id": p.element_id, "line": p.line, "message": p.message,
            "severity": p.severity, "text": str(p)}


def pick_lists(app: Flask, bundle_forms: Collection[str] | Mapping[str, str] = ()) -> dict[str, Any]:
    """What the properties panel offers (:mod:`web.studio.picklists`)."""
    return picklists.pick_lists(app, library(app.extensions["guichet.ports"]), bundle_forms)


def source_file(session: Any, key: str, number: int, name: str) -> Response:
    """One source file (``.bpmn`` / ``.dmn``) of a deployed version, as an attachment."""
    row = versions.version(session, key, number)
    if name not in row.sources:
        raise NotFound(f"version {number} of '{key}' has no file '{name}'")
    return Response(row.sources[name], mimetype="application/xml",
                    headers={"Content-Disposition": f'attachment; filename="{key}-v{number}-{name}"'})
