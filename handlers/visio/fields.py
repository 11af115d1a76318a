"""The dossier's filing data as people read it in the room: each field with its label from
the procedure's filing form (the deployed catalog's), in the page's language, and each
choice with its label — never a key, a code or ``None``."""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..catalog import Catalog
from ..catalog_forms import rows_of

YES_NO = {"fr": ("Oui", "Non"), "ar": ("نعم", "لا")}


def _value(row: Any, value: Any, lang: str) -> str:
    if row.type == "boolean" or isinstance(value, bool):
        return YES_NO.get(lang, YES_NO["fr"])[0 if value else 1]
    for code, fr, ar in row.options:
        if code == str(value):
            return (ar or fr) if lang == "ar" else fr
    if isinstance(value, list):
        return ", ".join(_value(row, v, lang) for v in value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def labelled(catalog: Catalog, procedure_key: str, values: Mapping[str, Any], lang: str) -> list[dict[str, str]]:
    """``[{name, label, value}]`` in the form's order, for the fields that have a value."""
    procedure = catalog.procedure(procedure_key)
    if not procedure.form:
        return []
    schema, ui = catalog.form(procedure.form)
    out = []
    for row in rows_of(schema, ui):
        value = values.get(row.name)
        if value is None or value == "" or value == []:
            continue
        label = (row.ar or row.fr) if lang == "ar" else row.fr
        out.append({"name": row.name, "label": label, "value": _value(row, value, lang)})
    return out
