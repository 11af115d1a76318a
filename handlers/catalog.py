"""The procedure catalog: procedures, document kinds, checklists, public status labels,
message templates and filing forms.

The catalog is *deployed data* (:mod:`handlers.catalog_store`): versioned and immutable in
the database like the diagrams, identical on every node, edited in the Studio. The file
``processes/catalog.yaml`` (with ``processes/forms/``) is what version control holds; this
module reads and writes that form and checks a catalog's own consistency.
"""
from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import yaml

from engine import NotFound

from .catalog_problems import Problem, schema_problem

PDF = "application/pdf"
ACCEPTED_TYPES = (PDF, "image/jpeg", "image/png")
KEY = re.compile(r"^[a-z][a-z0-9_]{1,59}$")
CODE = re.compile(r"^[A-Z][A-Z0-9]{0,9}$")
DOMAINS = ("guu", "economic")
# the messages the platform itself sends (the diagrams' notify.send may name others)
BUILTIN_MESSAGES = ("filed", "incomplete", "closed", "commission_convened", "plans_requested", "fees_due",
                    "deadline_reminder", "deadline_breached", "task_arrived", "decision_issued")
# the statuses the platform itself sets (the diagrams set the others)
BUILTIN_STATUSES = ("draft", "deposited", "closed", "tacit_approval")


class CatalogError(ValueError):
    """A catalog that cannot be deployed; ``problems`` lists every reason (each a
    :class:`~handlers.catalog_problems.Problem`: French as a string, Arabic on request)."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("; ".join(problems))


# professions whose signature a checklist item may require (``signed_by``), with their labels;
# their trust anchors (the order's CA) are configured per installation (GUICHET_PROFESSIONAL_TRUST)
PROFESSIONS = {"architecte": ("architecte", "مهندس معماري"),
               "igt": ("ingénieur géomètre topographe", "مهندس مساح طبوغرافي")}


@dataclass(frozen=True)
class ChecklistItem:
    """A document of a procedure's checklist. ``when`` makes it required only for dossiers
    whose filing field has one of the listed values (e.g. ``{"categorie": ["grand_projet"]}``)."""

    kind: str
    required: bool
    fr: str
    ar: str
    types: tuple[str, ...] = (PDF,)
    when: tuple[tuple[str, tuple[Any, ...]], ...] = ()
    signed_by: str | None = None  # a profession (PROFESSIONS) whose valid signature the PDF must carry

    def required_for(self, fields: Mapping[str, Any] | None) -> bool:
        if not self.required:
            return False
        return all((fields or {}).get(name) in values for name, values in self.when)


@dataclass(frozen=True)
class Procedure:
    key: str
    code: str
    domain: str
    process: str
    fr: str
    ar: str
    checklist: tuple[ChecklistItem, ...]
    form: str | None = None  # the filing form (a JSON Schema of the catalog's forms)

    def item(self, kind: str) -> ChecklistItem | None:
        return next((i for i in self.checklist if i.kind == kind), None)


@dataclass(frozen=True)
class Catalog:
    procedures: dict[str, Procedure]
    statuses: dict[str, dict[str, str]]
    documents: dict[str, dict[str, str]] = field(default_factory=dict)
    messages: dict[str, dict[str, str]] = field(default_factory=dict)
    forms: dict[str, dict[str, Any]] = field(default_factory=dict)  # name → schema or UI hints
    version: int | None = None  # the deployed version (None: not deployed, e.g. read from files)
    id: int | None = None

    def procedure(self, key: str) -> Procedure:
        try:
            return self.procedures[key]
        except KeyError:
            raise NotFound(f"procédure « {key} » inconnue") from None

    def procedure_label(self, key: str, lang: str = "fr") -> str:
        """A procedure's name in ``lang``; its key when this version no longer offers it."""
        p = self.procedures.get(key)
        return key if p is None else (p.ar if lang == "ar" else p.fr)

    def status_label(self, code: str, lang: str = "fr") -> str:
        return self.statuses.get(code, {}).get(lang, code)

    def document_label(self, kind: str, lang: str = "fr") -> str:
        return self.documents.get(kind, {}).get(lang, kind)

    def form(self, name: str) -> tuple[dict[str, Any], dict[str, Any]]:
        """A filing form's JSON Schema and its UI hints (empty when it has none)."""
        if name not in self.forms:
            raise KeyError(f"unknown form '{name}'")
        return self.forms[name], self.forms.get(name.replace(".schema.json", ".ui.json"), {})

    def to_dict(self) -> dict[str, Any]:
        """The catalog as plain data (what is stored, hashed and edited), forms aside."""
        return {"statuses": self.statuses, "documents": self.documents, "messages": self.messages,
                "procedures": {p.key: _procedure_dict(p) for p in self.procedures.values()}}

    def content_hash(self) -> str:
        blob = json.dumps({"catalog": self.to_dict(), "forms": self.forms}, sort_keys=True, ensure_ascii=False)
        return hashlib.sha256(blob.encode("utf-8")).hexdigest()


def _procedure_dict(p: Procedure) -> dict[str, Any]:
    items = []
    for i in p.checklist:
        item: dict[str, Any] = {"kind": i.kind, "required": i.required}
        if i.types != (PDF,):
            item["types"] = list(i.types)
        if i.when:
            item["when"] = {name: list(values) for name, values in i.when}
        if i.signed_by:
            item["signed_by"] = i.signed_by
        items.append(item)
    out: dict[str, Any] = {"code": p.code, "domain": p.domain, "process": p.process, "fr": p.fr, "ar": p.ar,
                           "checklist": items}
    if p.form:
        out["form"] = p.form
    return out


def _labels(section: str, raw: Any, problems: list[str]) -> dict[str, dict[str, str]]:
    out: dict[str, dict[str, str]] = {}
    if not isinstance(raw, Mapping):
        problems.append(Problem("labels.shape", section=section))
        return out
    for code, labels in raw.items():
        if not isinstance(code, str) or not KEY.match(code):
            problems.append(Problem("labels.code", section=section, code=code))
            continue
        if not isinstance(labels, Mapping) or not all(str(labels.get(k) or "").strip() for k in ("fr", "ar")):
            problems.append(Problem("labels.both", section=section, code=code))
            continue
        out[code] = {"fr": str(labels["fr"]).strip(), "ar": str(labels["ar"]).strip()}
    return out


def _checklist_item(key: str, entry: Any, documents: Mapping[str, Mapping[str, str]],
                    problems: list[str]) -> ChecklistItem | None:
    if isinstance(entry, list | tuple) and len(entry) == 2:
        entry = {"kind": entry[0], "required": entry[1]}
    if not isinstance(entry, Mapping) or "kind" not in entry:
        problems.append(Problem("item.shape", key=key))
        return None
    kind = entry["kind"]
    if kind not in documents:
        problems.append(Problem("item.unknown", key=key, kind=kind))
        return None
    types = tuple(entry.get("types") or (PDF,))
    bad = [t for t in types if t not in ACCEPTED_TYPES]
    if bad:
        problems.append(Problem("item.types", key=key, kind=kind, bad=", ".join(map(str, bad)),
                                accepted=", ".join(ACCEPTED_TYPES)))
    when_raw = entry.get("when") or {}
    if not isinstance(when_raw, Mapping) or not all(isinstance(v, list) and v for v in when_raw.values()):
        problems.append(Problem("item.when", key=key, kind=kind))
        when_raw = {}
    when = tuple((str(k), tuple(v)) for k, v in when_raw.items())
    signed_by = entry.get("signed_by")
    if signed_by is not None and signed_by not in PROFESSIONS:
        problems.append(Problem("item.signer", key=key, kind=kind, signed_by=signed_by, known=", ".join(PROFESSIONS)))
        signed_by = None
    return ChecklistItem(kind, bool(entry.get("required", True)), documents[kind]["fr"], documents[kind]["ar"],
                         types, when, signed_by)


def _form_problems(forms: Mapping[str, Any]) -> list[str]:
    """Filing forms are JSON Schemas (``name.schema.json``) and their UI hints (``name.ui.json``)."""
    from jsonschema.exceptions import SchemaError  # noqa: PLC0415
    from jsonschema.validators import validator_for  # noqa: PLC0415
    out: list[str] = []
    for name, value in forms.items():
        if not name.endswith((".schema.json", ".ui.json")) or not isinstance(value, Mapping):
            out.append(Problem("form.shape", name=name))
        elif name.endswith(".schema.json"):
            try:
                validator_for(value).check_schema(value)
            except SchemaError as exc:
                out.append(schema_problem(name, exc))
    return out


def from_dict(raw: Mapping[str, Any], forms: Mapping[str, dict[str, Any]] | None = None) -> Catalog:
    """Build a catalog from plain data; raises :class:`CatalogError` listing every problem."""
    problems: list[str] = []
    if not isinstance(raw, Mapping):
        raise CatalogError([Problem("catalog.shape", keys="statuses, documents, messages, procedures")])
    statuses = _labels("status", raw.get("statuses") or {}, problems)
    documents = _labels("document", raw.get("documents") or {}, problems)
    messages = _labels("message", raw.get("messages") or {}, problems)
    forms = dict(forms or {})
    problems += _form_problems(forms)
    procedures: dict[str, Procedure] = {}
    codes: dict[str, str] = {}
    raw_procedures = raw.get("procedures") or {}
    if not isinstance(raw_procedures, Mapping):
        raw_procedures = {}
        problems.append(Problem("procedures.shape"))
    for key, p in raw_procedures.items():
        if not isinstance(key, str) or not KEY.match(key):
            problems.append(Problem("procedure.key", key=key))
            continue
        if not isinstance(p, Mapping):
            problems.append(Problem("procedure.shape", key=key))
            continue
        missing = [k for k in ("code", "domain", "process", "fr", "ar") if not str(p.get(k) or "").strip()]
        if missing:
            problems.append(Problem("procedure.missing", key=key, missing=", ".join(missing)))
            continue
        code = str(p["code"]).strip()
        if not CODE.match(code):
            problems.append(Problem("procedure.code", key=key, code=code))
        elif code in codes:
            problems.append(Problem("procedure.code_taken", key=key, code=code, other=codes[code]))
        codes[code] = key
        if p["domain"] not in DOMAINS:
            problems.append(Problem("procedure.domain", key=key, domain=p["domain"], domains=", ".join(DOMAINS)))
        form = p.get("form") or None
        if form is not None and forms and form not in forms:
            problems.append(Problem("procedure.form", key=key, form=form))
        items = [_checklist_item(key, e, documents, problems) for e in (p.get("checklist") or [])]
        kinds = [i.kind for i in items if i is not None]
        if len(set(kinds)) != len(kinds):
            problems.append(Problem("procedure.twice", key=key))
        procedures[key] = Procedure(key, code, str(p["domain"]), str(p["process"]).strip(), str(p["fr"]).strip(),
                                    str(p["ar"]).strip(), tuple(i for i in items if i is not None), form)
    for code in BUILTIN_STATUSES:
        if statuses and code not in statuses:
            problems.append(Problem("status.builtin", code=code))
    for name in BUILTIN_MESSAGES:
        if messages and name not in messages:
            problems.append(Problem("message.builtin", name=name))
    if problems:
        raise CatalogError(problems)
    return Catalog(procedures, statuses, documents, messages, forms)


def parse(text: str, forms: Mapping[str, dict[str, Any]] | None = None) -> Catalog:
    """Build the catalog from YAML text; raises :class:`CatalogError` naming what is wrong."""
    try:
        raw = yaml.safe_load(text) or {}
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise CatalogError([Problem("yaml.line", line=mark.line + 1) if mark is not None else Problem("yaml")]) from None
    return from_dict(raw, forms)
