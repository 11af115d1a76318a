"""Studio glue between the pages/API and the engine: bundles in and out, validate, deploy.

Shared by the studio pages (session sign-in) and the analysts' JSON API (Bearer tokens).
"""
from __future__ import annotations

import json
from collections.abc import Callable, Collection, Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

from flask import Flask, Response
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from engine import Compilation, Conflict, NotFound, Problem, definitions, versions
from engine.clock import utcnow
from engine.models import ProcessDefinition
from engine.sources import DIAGRAM_SUFFIXES, FORM_SUFFIX, UI_SUFFIX
from engine.versions import Bundle
from handlers import catalog_store, catalog_usage

from ..bootstrap import get_engine
from . import picklists

MAX_ENTRIES = 160  # files and forms of one bundle


_BAD: dict[str, tuple[str, Callable[..., str]]] = {  # code: (the English for logs and detail.reason, the sentence)
    "not_object": ("a JSON object is expected", lambda **v: _("Un objet JSON est attendu.")),
    "not_objects": ("files and forms must be JSON objects (name → text)",
                    lambda **v: _("« files » et « forms » doivent être des objets JSON (nom → texte).")),
    "entries": ("a bundle needs at least one .bpmn or .dmn file (and at most {most} entries)",
                lambda **v: _("Il faut au moins un fichier .bpmn ou .dmn (et %(most)s fichiers au plus).",
                              most=v["most"])),
    "not_text": ("'{name}': content must be text", lambda **v: _("%(name)s : le contenu doit être du texte.",
                                                                  name=v["name"])),
    "not_plain": ("'{name}': a plain file name is expected",
                  lambda **v: _("%(name)s : un simple nom de fichier est attendu.", name=v["name"])),
    "not_diagram": ("'{name}': diagrams are .bpmn or .dmn files",
                    lambda **v: _("%(name)s : les diagrammes sont des fichiers .bpmn ou .dmn.", name=v["name"])),
    "not_form": ("'{name}': forms are .schema.json (and .ui.json) files",
                 lambda **v: _("%(name)s : les formulaires sont des fichiers .schema.json (et .ui.json).",
                               name=v["name"])),
    "base_version": ("base_version must be a version number",
                     lambda **v: _("« base_version » doit être un numéro de version.")),
    "called_versions": ("called_versions must map process keys to version numbers",
                        lambda **v: _("« called_versions » doit associer des clés de processus à des numéros de "
                                      "version.")),
}


class BadBundle(ValueError):
    """A bundle that cannot even be read (wrong names, not text): a 400 with the reason,
    said in the analyst's language (:meth:`text`); ``str()`` is the English, for logs."""

    def __init__(self, code: str, **values: Any) -> None:
        self.code, self.values = code, values
        super().__init__(_BAD[code][0].format(**values))

    def text(self) -> str:
        from ..http_errors import isolated
        return _BAD[self.code][1](**{k: isolated(str(v)) for k, v in self.values.items()})


def library(session: Any) -> dict[str, str]:
    """Deployed forms (schema and UI hints), as text: every newest process version's task
    forms and the catalog's filing forms — what a bundle can pick from, the same on every node."""
    forms = {name: versions.form_text(schema) for name, schema in definitions.newest_forms(session).items()}
    forms.update({name: versions.form_text(schema) for name, schema in catalog_store.current(session).forms.items()})
    return dict(sorted(forms.items()))


def parse_bundle(process_key: str, base_version: int | None, files: Any, forms: Any) -> Bundle:
    """Check the shape of a posted bundle: names and text only; the compiler checks the rest."""
    if not isinstance(files, Mapping) or not isinstance(forms, Mapping):
        raise BadBundle("not_objects")
    if not files or len(files) + len(forms) > MAX_ENTRIES:
        raise BadBundle("entries", most=MAX_ENTRIES)
    for name, text in [*files.items(), *forms.items()]:
        if not isinstance(text, str):
            raise BadBundle("not_text", name=name)
        if Path(name).name != name or name.startswith("."):
            raise BadBundle("not_plain", name=name)
    for name in files:
        if not name.endswith(DIAGRAM_SUFFIXES):
            raise BadBundle("not_diagram", name=name)
    for name in forms:
        if not name.endswith((FORM_SUFFIX, UI_SUFFIX)):
            raise BadBundle("not_form", name=name)
    return Bundle(process_key, base_version, dict(files), dict(forms))


def validate(app: Flask, bundle: Bundle) -> tuple[Compilation, list[Problem]]:
    """The same validation as ``guichet processes validate``, plus the catalog: every public
    status and message template the diagrams name must be in the deployed catalog."""
    result = get_engine(app).compile(*bundle.as_bytes())
    with get_engine(app).transaction(write=False) as session:
        catalog = catalog_store.current(session)
    if not catalog.version:
        return result, result.problems
    statuses, messages = catalog_usage.uses(bundle.files)
    extra = [Problem(u.file, f"statut public « {code} » absent du catalogue : ajoutez-le (Studio → Catalogue → "
                             "Statuts publics) ou choisissez un statut existant", u.element_id, u.line)
             for code, uses in sorted(statuses.items()) if code not in catalog.statuses for u in uses[:1]]
    extra += [Problem(u.file, f"message « {name} » absent du catalogue : ajoutez-le (Studio → Catalogue → Messages)",
                      u.element_id, u.line)
              for name, uses in sorted(messages.items()) if name not in catalog.messages for u in uses[:1]]
    if extra:
        result = Compilation([], result.problems + extra)
    return result, result.problems


class StaleBase(Conflict):
    """The bundle was opened on a version that is no longer the newest."""

    def __init__(self, key: str, base: int, latest: Any):
        self.key, self.base = key, base
        self.latest_version, self.latest_by = latest.version, latest.deployed_by
        super().__init__(f"'{key}' v{latest.version} was deployed by {latest.deployed_by or '?'} since v{base} "
                         "was opened: reopen it, or deploy anyway")


def _check_base(session: Any, bundle: Bundle, processes: list[Any], called_versions: Mapping[str, int]) -> None:
    if bundle.base_version is not None:
        latest = versions.version(session, bundle.process_key)
        if latest.version != bundle.base_version:
            raise StaleBase(bundle.process_key, bundle.base_version, latest)
    # a called process the analyst changed in a copy older than the newest version: deploying
    # it would drop what was deployed since (e.g. commission renamed from its own page)
    for proc in processes:
        opened = called_versions.get(proc.key)
        if proc.key == bundle.process_key or opened is None:
            continue
        latest = versions.version(session, proc.key)
        known = session.scalar(select(ProcessDefinition.id).where(
            ProcessDefinition.process_key == proc.key, ProcessDefinition.content_hash == proc.content_hash).limit(1))
        if latest.version != opened and known is None:
            raise StaleBase(proc.key, opened, latest)


def deploy(app: Flask, bundle: Bundle, *, author: str, comment: str | None, draft_owner: str | None = None,
           check_base: bool = False, called_versions: Mapping[str, int] | None = None,
           ) -> tuple[list[definitions.DeployOutcome], list[Problem]]:
    """Validate then deploy the processes of the bundle the analyst changed; nothing is stored
    on any problem.
    With ``check_base``, refuse (:class:`StaleBase`) when the bundle's base version is no longer
    the newest, so that nobody overwrites a colleague's deployment unknowingly; likewise for a
    called process the bundle changes, when ``called_versions`` (key → the version its files
    were opened at) says the bundle's copy is older than the newest.
    ``draft_owner``'s draft of the process is discarded with the deployment."""
    result, problems = validate(app, bundle)
    if any(p.severity == "error" for p in problems):
        return [], problems
    engine = get_engine(app)
    try:
        with engine.transaction() as session:
            if check_base:
                _check_base(session, bundle, result.processes, called_versions or {})
            # only the opened process may go back to an earlier content; the others the bundle
            # carries (a shared sub-process, a sibling in the same file) get a version only
            # for content never deployed: an old copy of a called process never reverts it
            outcomes = definitions.deploy(session, result.processes, by=author, comment=comment, now=utcnow(),
                                          restore={bundle.process_key})
            outcomes += _filing_forms(session, bundle, author, comment)
            if draft_owner is not None:
                versions.discard_draft(session, bundle.process_key, draft_owner)
    except IntegrityError as exc:  # another analyst deployed the same key at the same moment
        raise Conflict("another deployment of this process happened at the same time; deploy again") from exc
    return outcomes, problems


CATALOG = "catalogue"  # the outcome's key when a bundle's filing forms make a new catalog version


def _filing_forms(session: Any, bundle: Bundle, author: str, comment: str | None) -> list[definitions.DeployOutcome]:
    """Filing forms edited in the bundle's forms editor belong to the catalog: a new catalog
    version carries them (dossiers filed before keep their version's form)."""
    catalog = catalog_store.current(session)
    changed = {}
    for name, text in bundle.forms.items():
        if name in catalog.forms:
            try:
                value = json.loads(text)
            except ValueError:
                continue
            if value != catalog.forms[name]:
                changed[name] = value
    if not changed:
        return []
    updated = replace(catalog, forms={**catalog.forms, **changed})
    number, created = catalog_store.deploy(session, updated, by=author, comment=comment, now=utcnow())
    return [definitions.DeployOutcome(CATALOG, number, updated.content_hash(), created)]


def problem_out(p: Problem) -> dict[str, Any]:
    return {"file": p.file, "element_id": p.element_id, "line": p.line, "message": p.message,
            "severity": p.severity, "text": str(p)}


def pick_lists(app: Flask, bundle_forms: Collection[str] | Mapping[str, str] = ()) -> dict[str, Any]:
    """What the properties panel offers (:mod:`web.studio.picklists`)."""
    with get_engine(app).transaction(write=False) as session:
        forms = library(session)
    return picklists.pick_lists(app, forms, bundle_forms)


def source_file(session: Any, key: str, number: int, name: str) -> Response:
    """One source file (``.bpmn`` / ``.dmn``) of a deployed version, as an attachment."""
    row = versions.version(session, key, number)
    if name not in row.sources:
        raise NotFound(f"version {number} of '{key}' has no file '{name}'")
    return Response(row.sources[name], mimetype="application/xml",
                    headers={"Content-Disposition": f'attachment; filename="{key}-v{number}-{name}"'})
