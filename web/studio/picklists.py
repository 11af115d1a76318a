"""What the Studio's properties panel offers to pick from, as the server knows it.

Operators with their docs and parameter schemas, forms, lane roles, the process keys and
decision ids already deployed, and the data names a condition or an expression can read
(what a dossier starts with, and the fields of every form). The bundle being edited adds
its own processes and decisions in the browser.
"""
from __future__ import annotations

import json
from collections.abc import Collection, Mapping
from typing import Any

from flask import Flask
from sqlalchemy import select

from engine import definitions
from engine.sources import FORM_SUFFIX
from engine.xml import kind_of, parse_xml
from handlers import catalog_store
from handlers.models import Organism
from handlers.roles import ROLES

from ..bootstrap import get_engine

# What every procedure's process starts with (handlers.dossiers.submit); the filing form's
# fields are under ``fields``.
START_DATA = {"dossier_id": "numéro interne du dossier", "applicant_id": "le pétitionnaire (utilisateur)",
              "procedure": "la procédure", "commune": "la commune", "fields": "les champs du dépôt"}
FILING_PREFIX = "depot_"


def _deployed(app: Flask) -> tuple[list[str], list[str]]:
    """Process keys deployed, and the decision ids of the DMN files their newest versions carry."""
    with get_engine(app).transaction(write=False) as session:
        newest = definitions.newest_sources(session)
    decisions: set[str] = set()
    for sources in newest.values():
        for name, text in sources.items():
            if name.endswith(".dmn"):
                decisions |= decision_ids(text)
    return sorted(newest), sorted(decisions)


def organisms(app: Flask) -> list[dict[str, str]]:
    """The organisms seated on commissions, for "the member of organism X" as assignee."""
    with get_engine(app).transaction(write=False) as session:
        return [{"code": o.code, "fr": o.name_fr, "ar": o.name_ar}
                for o in session.scalars(select(Organism).order_by(Organism.code))]


def decision_ids(text: str) -> set[str]:
    """The ids of the decisions a DMN file defines (none if it cannot be read)."""
    tree, _ = parse_xml("x.dmn", text.encode())
    if tree is None or kind_of(tree) != "dmn":
        return set()
    return {el.get("id") for el in tree.getroot()
            if isinstance(el.tag, str) and el.tag.endswith("}decision") and el.get("id")}


def _fields(forms: Mapping[str, str]) -> list[dict[str, str]]:
    """Every field of every form: a task's form data joins the process data; the filing
    form's fields are read as ``fields["name"]``."""
    out = []
    for name, text in sorted(forms.items()):
        if not name.endswith(FORM_SUFFIX):
            continue
        try:
            props = json.loads(text).get("properties") or {}
        except (ValueError, AttributeError):
            continue
        for field, schema in props.items():
            title = schema.get("title", "") if isinstance(schema, dict) else ""
            expr = f'fields["{field}"]' if name.startswith(FILING_PREFIX) else field
            out.append({"name": expr, "form": name, "title": str(title)})
    return out


# operator → (parameter, catalog section): the parameter names a code of the deployed catalog
CATALOG_PARAMS = {"dossier.status": ("code", "statuses"), "notify.send": ("template", "messages")}


def _with_catalog(app: Flask, operator: str, schema: Mapping[str, Any] | None) -> Mapping[str, Any] | None:
    """The operator's parameter schema, a catalog code's parameter turned into a choice of the
    newest catalog's codes labelled as the applicant reads them (fr — ar): one source of truth."""
    if schema is None or operator not in CATALOG_PARAMS:
        return schema
    name, section = CATALOG_PARAMS[operator]
    with get_engine(app).transaction(write=False) as session:
        table = getattr(catalog_store.current(session), section)
    prop = dict(schema["properties"][name], enum=list(table),
                **{"x-enum-labels": {code: f"{t['fr']} — {t['ar']}" for code, t in table.items()}})
    return {**schema, "properties": {**schema["properties"], name: prop}}


def pick_lists(app: Flask, library: Mapping[str, str], bundle_forms: Collection[str] | Mapping[str, str] = ()
               ) -> dict[str, Any]:
    """The panel's pick lists; ``library`` is the forms on disk (name → text)."""
    registry = get_engine(app).registry
    texts = {**library, **(bundle_forms if isinstance(bundle_forms, Mapping) else {})}
    forms = sorted(set(library) | set(bundle_forms))
    processes, decisions = _deployed(app)
    return {
        "operators": [{"key": k, "doc": registry.get(k).doc, "doc_ar": registry.get(k).doc_ar, "params": _with_catalog(app, k, registry.get(k).params),
                       "async": registry.get(k).is_async} for k in registry],
        "forms": [f for f in forms if f.endswith(FORM_SUFFIX)],
        "roles": [{"key": k, "fr": v["fr"], "ar": v["ar"]} for k, v in ROLES.items()],
        "organisms": organisms(app),
        "processes": processes,
        "decisions": decisions,
        "data": [{"name": k, "form": "", "title": v} for k, v in START_DATA.items()] + _fields(texts),
    }
