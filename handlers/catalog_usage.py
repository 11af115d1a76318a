"""Where diagrams use the catalog: the public statuses and message templates they name.

Read from the BPMN sources themselves, so the Studio can show which elements use a status
label and validation can refuse a diagram naming a status or a message the catalog lacks.
"""
from __future__ import annotations

import ast
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from lxml import etree

from .catalog import Catalog
from .catalog_problems import Problem

SPIFF = "http://spiffworkflow.org/bpmn/schema/1.0/core"
BPMN = "http://www.omg.org/spec/BPMN/20100524/MODEL"
STATUS_OPERATOR = "dossier.status"
NOTIFY_OPERATOR = "notify.send"
STATUS_PROPERTY = "status"  # a user task's public status code: the dossier shows it while the task waits


@dataclass(frozen=True)
class Use:
    file: str
    element_id: str
    name: str
    line: int | None


def _literal(text: str | None) -> str | None:
    try:
        value = ast.literal_eval(text or "")
    except (ValueError, SyntaxError, MemoryError, RecursionError):
        return None
    return value if isinstance(value, str) else None


def _parse(text: str) -> etree._Element | None:
    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)
    try:
        return etree.fromstring(text.encode("utf-8"), parser)
    except etree.XMLSyntaxError:
        return None


def uses(sources: Mapping[str, str]) -> tuple[dict[str, list[Use]], dict[str, list[Use]]]:
    """(status code → elements setting it, message template → elements sending it)."""
    statuses: dict[str, list[Use]] = {}
    messages: dict[str, list[Use]] = {}
    for file, text in sorted(sources.items()):
        if not file.endswith(".bpmn"):
            continue
        root = _parse(text)
        if root is None:
            continue
        for el in root.iter(f"{{{BPMN}}}serviceTask", f"{{{BPMN}}}userTask"):
            use = Use(file, el.get("id") or "", el.get("name") or "", el.sourceline)
            for op in el.iter(f"{{{SPIFF}}}serviceTaskOperator"):
                params = {p.get("id"): _literal(p.get("value")) for p in op.iter(f"{{{SPIFF}}}parameter")}
                if op.get("id") == STATUS_OPERATOR and params.get("code"):
                    statuses.setdefault(str(params["code"]), []).append(use)
                if op.get("id") == NOTIFY_OPERATOR and params.get("template"):
                    messages.setdefault(str(params["template"]), []).append(use)
            for prop in el.iter(f"{{{SPIFF}}}property"):
                if prop.get("name") == STATUS_PROPERTY and prop.get("value"):
                    statuses.setdefault(str(prop.get("value")), []).append(use)
    return statuses, messages


def problems(catalog: Catalog, sources: Mapping[str, str], process_keys: Iterable[str]) -> list[str]:
    """What the catalog and the diagrams disagree on (a :class:`Problem` each)."""
    out: list[str] = []
    keys = set(process_keys)
    for proc in catalog.procedures.values():
        if proc.process not in keys:
            out.append(Problem("procedure.process", key=proc.key, process=proc.process))
    statuses, messages = uses(sources)
    for code, where in sorted(statuses.items()):
        if code not in catalog.statuses:
            first = where[0]
            out.append(Problem("usage.status", where=f"{first.file}:{first.line or 0} [{first.element_id}]", code=code))
    for name, where in sorted(messages.items()):
        if name not in catalog.messages:
            first = where[0]
            out.append(Problem("usage.message", where=f"{first.file}:{first.line or 0} [{first.element_id}]", name=name))
    return out
