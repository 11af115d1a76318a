"""The filing-form editor's model: a form as rows of fields, and back to JSON Schema + UI hints.

An analyst edits fields (name, type, French and Arabic labels, required, bounds, choices);
what the rows do not describe (other keywords of a property) is kept as it was.
"""
from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from .catalog import CatalogError
from .catalog_problems import Problem

TYPES = ("text", "textarea", "number", "integer", "date", "boolean", "select")
NAME = re.compile(r"^[a-z][a-z0-9_]{0,59}$")


@dataclass
class FieldRow:
    name: str
    type: str = "text"
    fr: str = ""
    ar: str = ""
    required: bool = False
    minimum: float | None = None
    exclusive_minimum: bool = False
    maximum: float | None = None
    options: list[tuple[str, str, str]] = field(default_factory=list)  # (code, fr, ar)


def rows_of(schema: Mapping[str, Any], ui: Mapping[str, Any]) -> list[FieldRow]:
    required = set(schema.get("required", []))
    rows = []
    for name, prop in (schema.get("properties") or {}).items():
        hint = ui.get(name, {}) if isinstance(ui.get(name), Mapping) else {}
        label = hint.get("label", {})
        kind = ("select" if "enum" in prop else "boolean" if prop.get("type") == "boolean"
                else "date" if prop.get("format") == "date" else prop.get("type") if prop.get("type") in
                ("number", "integer") else "textarea" if hint.get("widget") == "textarea" else "text")
        minimum = prop.get("exclusiveMinimum", prop.get("minimum"))
        names = hint.get("options", {})
        options = [(str(v), str(names.get(str(v), {}).get("fr", v)), str(names.get(str(v), {}).get("ar", v)))
                   for v in prop.get("enum", [])]
        rows.append(FieldRow(name, kind, str(label.get("fr") or prop.get("title") or name), str(label.get("ar") or ""),
                             name in required, minimum, "exclusiveMinimum" in prop, prop.get("maximum"), options))
    return rows


def _number(text: str, code: str, name: str, problems: list[str]) -> float | None:
    text = text.strip().replace(",", ".")
    if not text:
        return None
    try:
        value = float(text)
    except ValueError:
        problems.append(Problem(code, name=name, text=text))
        return None
    return int(value) if value.is_integer() else value


def parse_options(text: str) -> list[tuple[str, str, str]]:
    """``code = libellé fr | libellé ar`` per line."""
    out = []
    for line in text.splitlines():
        if not line.strip():
            continue
        code, _, labels = line.partition("=")
        fr, _, ar = labels.partition("|")
        out.append((code.strip(), fr.strip() or code.strip(), ar.strip() or fr.strip() or code.strip()))
    return out


def row_from_form(values: Mapping[str, str], i: int, problems: list[str]) -> FieldRow | None:
    name = values.get(f"name_{i}", "").strip()
    if not name:
        return None
    if not NAME.match(name):
        problems.append(Problem("field.name", name=name))
    kind = values.get(f"type_{i}", "text")
    if kind not in TYPES:
        problems.append(Problem("field.type", name=name, kind=kind))
        kind = "text"
    row = FieldRow(name, kind, values.get(f"fr_{i}", "").strip(), values.get(f"ar_{i}", "").strip(),
                   bool(values.get(f"required_{i}")),
                   _number(values.get(f"minimum_{i}", ""), "field.minimum", name, problems),
                   bool(values.get(f"exclusive_{i}")),
                   _number(values.get(f"maximum_{i}", ""), "field.maximum", name, problems),
                   parse_options(values.get(f"options_{i}", "")))
    if not row.fr or not row.ar:
        problems.append(Problem("field.labels", name=name))
    if kind == "select" and not row.options:
        problems.append(Problem("field.options", name=name))
    return row


def build(rows: list[FieldRow], schema: Mapping[str, Any], ui: Mapping[str, Any],
          title: tuple[str, str]) -> tuple[dict[str, Any], dict[str, Any]]:
    """The JSON Schema and UI hints the rows describe, keeping what rows do not cover."""
    names = [r.name for r in rows]
    if len(set(names)) != len(names):
        raise CatalogError([Problem("fields.twice")])
    old_props = schema.get("properties") or {}
    props: dict[str, Any] = {}
    hints: dict[str, Any] = {"title": {"fr": title[0], "ar": title[1]}}
    for r in rows:
        prop = {k: v for k, v in old_props.get(r.name, {}).items()
                if k not in ("type", "format", "enum", "minimum", "exclusiveMinimum", "maximum", "title")}
        prop["title"] = r.fr
        hint: dict[str, Any] = {"label": {"fr": r.fr, "ar": r.ar}}
        if r.type in ("text", "textarea"):
            prop["type"] = "string"
            prop.setdefault("maxLength", 2000 if r.type == "textarea" else 300)
            if r.type == "textarea":
                hint["widget"] = "textarea"
        elif r.type in ("number", "integer"):
            prop["type"] = r.type
            for k in ("minLength", "maxLength"):
                prop.pop(k, None)
            if r.minimum is not None:
                prop["exclusiveMinimum" if r.exclusive_minimum else "minimum"] = r.minimum
            if r.maximum is not None:
                prop["maximum"] = r.maximum
        elif r.type == "date":
            prop.update(type="string", format="date")
        elif r.type == "boolean":
            prop["type"] = "boolean"
        else:
            prop.update(type="string", enum=[code for code, _, _ in r.options])
            hint["options"] = {code: {"fr": fr, "ar": ar} for code, fr, ar in r.options}
        props[r.name] = prop
        hints[r.name] = hint
    new_schema = {k: v for k, v in schema.items() if k not in ("properties", "required", "title")}
    new_schema.setdefault("$schema", "https://json-schema.org/draft/2020-12/schema")
    new_schema.update(title=title[0], type="object", additionalProperties=False, properties=props)
    required = [r.name for r in rows if r.required]
    if required:
        new_schema["required"] = required
    for key, value in ui.items():  # hints of the form itself (not of a field) are kept
        if key not in hints and key not in old_props:
            hints[key] = value
    return new_schema, hints
