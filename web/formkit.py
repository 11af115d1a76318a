"""Forms from JSON Schema: render fields with fr/ar labels, parse a posted form back to data.

The same schema validates the data server-side (jsonschema, in the engine or the handlers);
this module only turns it into HTML inputs and back, so pages work without JavaScript.
"""
from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from typing import Any

from werkzeug.datastructures import MultiDict


@dataclass
class Field:
    """One input; ``shown`` is its value as a person reads it (option labels, not codes)."""

    name: str  # dotted path: "opinion.avis"
    kind: str  # text | textarea | number | integer | checkbox | select | radio | checkboxes | date
    label: str
    required: bool
    value: Any = None
    options: list[tuple[str, str]] = field(default_factory=list)
    error: str | None = None

    @property
    def shown(self) -> str:
        if self.value is None or self.value == "":
            return "—"
        names = dict(self.options)
        if isinstance(self.value, list):
            return ", ".join(names.get(str(v), str(v)) for v in self.value)
        return names.get(str(self.value), str(self.value))


def _label(ui: Mapping[str, Any], name: str, lang: str, fallback: str) -> str:
    labels = ui.get(name, {}).get("label", {})
    return str(labels.get(lang) or labels.get("fr") or fallback)


def _kind(prop: Mapping[str, Any], hint: Mapping[str, Any]) -> str:
    if hint.get("widget") in {"textarea", "radio", "select", "checkbox", "checkboxes", "date", "document_requests"}:
        return str(hint["widget"])
    if prop.get("type") == "boolean" or prop.get("const") is True:
        return "checkbox"
    if "enum" in prop:
        return "select"
    if prop.get("type") == "array":
        return "checkboxes"
    if prop.get("type") in ("integer", "number"):
        return str(prop["type"])
    if prop.get("format") == "date":
        return "date"
    return "textarea" if prop.get("maxLength", 0) > 300 else "text"


def _options(prop: Mapping[str, Any], hint: Mapping[str, Any], lang: str) -> list[tuple[str, str]]:
    items = prop.get("items", {})
    values = prop.get("enum") or items.get("enum") or items.get("properties", {}).get("document", {}).get("enum") or []
    names = hint.get("options", {})
    return [(str(v), str(names.get(v, {}).get(lang) or names.get(v, {}).get("fr") or v)) for v in values]


def _get(data: Mapping[str, Any], dotted: str) -> Any:
    node: Any = data
    for part in dotted.split("."):
        if not isinstance(node, Mapping) or part not in node:
            return None
        node = node[part]
    return node


def fields(schema: Mapping[str, Any], ui: Mapping[str, Any], lang: str, data: Mapping[str, Any] | None = None,
           errors: Mapping[str, str] | None = None, prefix: str = "",
           checklist: Collection[str] | None = None) -> list[Field]:
    """The inputs of ``schema`` (objects flattened into dotted names), filled from ``data``.

    A hint ``"options_from": "checklist"`` keeps only the options naming documents of the
    dossier's own checklist (``checklist``)."""
    data, errors = data or {}, errors or {}
    out: list[Field] = []
    required = set(schema.get("required", []))
    for key, prop in schema.get("properties", {}).items():
        name = f"{prefix}{key}"
        if prop.get("type") == "object":
            out += fields(prop, ui, lang, data, errors, prefix=f"{name}.", checklist=checklist)
            continue
        hint = ui.get(name, {})
        options = _options(prop, hint, lang)
        if hint.get("options_from") == "checklist" and checklist is not None:
            options = [(v, t) for v, t in options if v in checklist]
        path = name.replace(".", "/")
        error = errors.get(path) or next((m for p, m in errors.items() if p.startswith(f"{path}/")), None)
        out.append(Field(name, _kind(prop, hint), _label(ui, name, lang, prop.get("title", key)),
                         key in required, _get(data, name), options, error))
    return out


def _convert(prop: Mapping[str, Any], raw: str) -> Any:
    kind = prop.get("type")
    try:
        if kind == "integer":
            return int(raw)
        if kind == "number":
            number = float(raw.replace(",", "."))
            return int(number) if number.is_integer() else number
    except ValueError:
        return raw  # left as text: the schema says what is wrong with it
    return raw


def parse(schema: Mapping[str, Any], form: MultiDict[str, str], prefix: str = "") -> dict[str, Any]:
    """Typed data from a posted form; empty inputs are left out (the schema decides)."""
    data: dict[str, Any] = {}
    for key, prop in schema.get("properties", {}).items():
        name = f"{prefix}{key}"
        if prop.get("type") == "object":
            nested = parse(prop, form, prefix=f"{name}.")
            if nested:
                data[key] = nested
        elif prop.get("type") == "boolean" or prop.get("const") is True:
            data[key] = form.get(name) in ("on", "true", "1", "yes")
        elif prop.get("type") == "array" and "document" in prop.get("items", {}).get("properties", {}):
            asked = _document_requests(form, name)
            if asked:
                data[key] = asked
        elif prop.get("type") == "array":
            values = [v for v in form.getlist(name) if v]
            if values:
                data[key] = values
        else:
            raw = (form.get(name) or "").strip()
            if raw:
                data[key] = _convert(prop, raw)
    return data


def _document_requests(form: MultiDict[str, str], name: str) -> list[dict[str, str]]:
    """The ``document_requests`` widget: a box per checklist document (``name`` = its kind),
    its reason (``name.kind.reason``) and whether a corrected version is asked
    (``name.kind.correction``). An empty reason is left out: the schema says it is required."""
    out = []
    for kind in dict.fromkeys(v for v in form.getlist(name) if v):
        item = {"document": kind, "mode": "correction" if form.get(f"{name}.{kind}.correction") else "missing"}
        reason = (form.get(f"{name}.{kind}.reason") or "").strip()
        if reason:
            item["reason"] = reason
        out.append(item)
    return out


def requested(value: Any) -> dict[str, Mapping[str, Any]]:
    """A ``document_requests`` field's value by document kind (to fill the widget back)."""
    return {str(i.get("document")): i for i in value or [] if isinstance(i, Mapping)}
