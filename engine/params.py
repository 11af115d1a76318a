"""Service-task parameters checked against the JSON Schema their handler declares.

A parameter's value is a Python expression evaluated when the task runs: only literals
(``'applicant'``, ``2``) can be checked here; any other expression is left to run time.
"""
from __future__ import annotations

import ast
from collections.abc import Iterable, Mapping
from typing import Any

from jsonschema import exceptions as js_exceptions
from jsonschema.validators import validator_for

from .errors import Problem

_UNSET = object()


def literal(expression: str) -> Any:
    """The value of ``expression`` if it is a Python literal, else ``_UNSET``."""
    try:
        return ast.literal_eval(expression.strip())
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        return _UNSET


def _value_problem(name: str, value: Any, schema: Mapping[str, Any]) -> str | None:
    try:
        validator_for(schema)(schema).validate(value)
    except js_exceptions.ValidationError as exc:
        return f"paramètre '{name}' : la valeur {value!r} ne convient pas ({exc.message})"
    except js_exceptions.SchemaError:  # a handler's own mistake, not the analyst's
        return None
    return None


def check_params(file: str, element_id: str, operator: str, given: Mapping[str, Any],
                 schema: Mapping[str, Any] | None) -> list[Problem]:
    """Problems of one service task's parameters (``given``: name → {"type", "value"})."""
    if schema is None:
        return []
    props: Mapping[str, Any] = schema.get("properties", {})
    out = []
    values = {name: str((p or {}).get("value") or "") for name, p in given.items()}
    for name in schema.get("required", []):
        if not values.get(name, "").strip():
            out.append(f"paramètre obligatoire '{name}' manquant pour l'opérateur '{operator}'")
    for name, expression in sorted(values.items()):
        if name not in props:
            if schema.get("additionalProperties", True) is False:
                known = ", ".join(sorted(props)) or "aucun"
                out.append(f"paramètre inconnu '{name}' pour l'opérateur '{operator}' (attendus : {known})")
            continue
        value = literal(expression) if expression.strip() else _UNSET
        if value is not _UNSET and (problem := _value_problem(name, value, props[name])):
            out.append(problem)
    return [Problem(file, message, element_id) for message in out]


def check_service_tasks(file: str, task_specs: Iterable[Any],
                        schemas: Mapping[str, Mapping[str, Any]]) -> list[Problem]:
    """Problems of every service task among ``task_specs`` whose operator declares a schema."""
    problems: list[Problem] = []
    for ts in task_specs:
        operator = getattr(ts, "operation_name", None)
        if isinstance(operator, str) and operator in schemas:
            problems += check_params(file, ts.bpmn_id, operator, ts.operation_params or {}, schemas[operator])
    return problems
