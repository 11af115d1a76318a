"""Use cases of the Studio's catalog editor: each opens its own transaction.

An analyst edits a *working copy* (their draft, else the newest deployed catalog): every
change is checked at once (a draft is never left inconsistent), then *Valider* checks it
against the deployed diagrams and *Déployer* stores a new immutable version.
"""
from __future__ import annotations

import copy
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from engine import Conflict, Engine, definitions

from . import catalog_store, catalog_usage
from .catalog import BUILTIN_MESSAGES, BUILTIN_STATUSES, KEY, CatalogError, from_dict
from .catalog_problems import Problem, schema_problem

SECTIONS = {"statuses": BUILTIN_STATUSES, "documents": (), "messages": BUILTIN_MESSAGES}


@dataclass
class WorkingCopy:
    content: dict[str, Any]
    forms: dict[str, Any]
    base_version: int | None
    draft: bool


def working_copy(session: Session, author: str) -> WorkingCopy:
    content, forms, base, draft = catalog_store.working_copy(session, author)
    return WorkingCopy(copy.deepcopy(content), copy.deepcopy(forms), base, draft)


def change(engine: Engine, author: str, edit: Callable[[WorkingCopy], None]) -> WorkingCopy:
    """Apply ``edit`` to ``author``'s working copy and keep it as their draft, if the result is
    a consistent catalog; :class:`CatalogError` (nothing saved) otherwise."""
    with engine.transaction() as session:
        wc = working_copy(session, author)
        edit(wc)
        from_dict(wc.content, wc.forms)  # raises CatalogError listing every problem
        catalog_store.save_draft(session, author, wc.content, wc.forms, wc.base_version, engine.clock())
        return wc


def deployed_sources(session: Session) -> tuple[dict[str, str], set[str]]:
    """Every newest deployed process's sources (by file name) and the deployed keys."""
    newest = definitions.newest_sources(session)
    sources = {name: text for files in newest.values() for name, text in files.items()}
    return sources, set(newest)


def problems(session: Session, wc: WorkingCopy) -> list[str]:
    """Everything that keeps the working copy from deploying (French, one line each)."""
    try:
        catalog = from_dict(wc.content, wc.forms)
    except CatalogError as exc:
        return exc.problems
    sources, keys = deployed_sources(session)
    return catalog_usage.problems(catalog, sources, keys)


def validate(engine: Engine, author: str) -> list[str]:
    with engine.transaction(write=False) as session:
        return problems(session, working_copy(session, author))


class StaleCatalog(Conflict):
    """Someone deployed the catalog since the draft was opened."""


def deploy(engine: Engine, author: str, comment: str | None, *, force: bool = False) -> tuple[int, bool]:
    """Deploy ``author``'s draft as a new catalog version: (version, created). Refused (nothing
    stored) on any problem, or when another version was deployed since the draft was opened."""
    with engine.transaction() as session:
        wc = working_copy(session, author)
        found = problems(session, wc)
        if found:
            raise CatalogError(found)
        newest = catalog_store.current(session).version
        if wc.draft and not force and newest is not None and wc.base_version != newest:
            raise StaleCatalog(f"le catalogue v{newest} a été déployé depuis l'ouverture de votre brouillon "
                               f"(v{wc.base_version}) : rouvrez-le, ou déployez quand même")
        outcome = catalog_store.deploy(session, from_dict(wc.content, wc.forms), by=author, comment=comment,
                                       now=engine.clock())
        catalog_store.discard_draft(session, author)
        return outcome


def deploy_content(engine: Engine, author: str, content: Mapping[str, Any], forms: Mapping[str, Any],
                   comment: str | None) -> tuple[int, bool]:
    """Deploy a whole catalog given as data (the API): checked like a draft, then stored."""
    with engine.transaction() as session:
        wc = WorkingCopy(dict(content), dict(forms), None, False)
        found = problems(session, wc)
        if found:
            raise CatalogError(found)
        return catalog_store.deploy(session, from_dict(wc.content, wc.forms), by=author, comment=comment,
                                    now=engine.clock())


def discard(engine: Engine, author: str) -> None:
    with engine.transaction() as session:
        catalog_store.discard_draft(session, author)


# --- edits (pure functions of the working copy) -------------------------------------------

def put_procedure(wc: WorkingCopy, key: str, data: Mapping[str, Any], *, previous: str | None = None) -> None:
    """Create or replace procedure ``key`` (renaming ``previous``), keeping the list's order."""
    procedures: dict[str, Any] = wc.content.setdefault("procedures", {})
    if previous is None and key in procedures:
        raise CatalogError([Problem("procedure.exists", key=key)])
    if previous is not None and previous != key and key in procedures:
        raise CatalogError([Problem("procedure.exists", key=key)])
    if not KEY.match(key):
        raise CatalogError([Problem("procedure.new_key", key=key)])
    items = list(procedures.items())
    at = next((i for i, (k, _) in enumerate(items) if k == previous), len(items))
    items = [(k, v) for k, v in items if k != previous]
    items.insert(min(at, len(items)), (key, dict(data)))
    wc.content["procedures"] = dict(items)


def remove_procedure(wc: WorkingCopy, key: str) -> None:
    wc.content.get("procedures", {}).pop(key, None)


def put_labels(wc: WorkingCopy, section: str, rows: list[tuple[str, str, str]]) -> None:
    """Replace a label table (statuses, documents, messages) by ``rows`` of (code, fr, ar)."""
    table = {}
    errors: list[str] = []
    for code, fr, ar in rows:
        if code in table:
            errors.append(Problem("labels.twice", code=code))
        table[code] = {"fr": fr, "ar": ar}
    used = {item["kind"] if isinstance(item, Mapping) else item[0]
            for p in wc.content.get("procedures", {}).values() for item in p.get("checklist", [])}
    if section == "documents":
        errors += [Problem("document.in_use", kind=k) for k in sorted(used - set(table))]
    errors += [Problem("labels.builtin", code=code) for code in SECTIONS[section] if code not in table]
    if errors:
        raise CatalogError(errors)
    wc.content[section] = table


def put_form(wc: WorkingCopy, name: str, schema: Mapping[str, Any], ui: Mapping[str, Any]) -> None:
    if not name.endswith(".schema.json") or "/" in name or not KEY.match(name.removesuffix(".schema.json")):
        raise CatalogError([Problem("form.name", name=name)])
    from jsonschema.exceptions import SchemaError  # noqa: PLC0415
    from jsonschema.validators import validator_for  # noqa: PLC0415
    try:
        validator_for(schema).check_schema(schema)
    except SchemaError as exc:
        raise CatalogError([schema_problem(name, exc)]) from None
    wc.forms[name] = dict(schema)
    wc.forms[name.replace(".schema.json", ".ui.json")] = dict(ui)
