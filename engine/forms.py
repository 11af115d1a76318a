"""Server-side validation of submitted task data against the task's JSON Schema form."""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from jsonschema import FormatChecker
from jsonschema.validators import validator_for

from .errors import InvalidTaskData


def field_errors(schema: Mapping[str, Any], data: Any) -> dict[str, str]:
    """``{field path: message}`` for every violation; empty when the data is valid."""
    validator = validator_for(schema)(schema, format_checker=FormatChecker())
    errors: dict[str, str] = {}
    for err in sorted(validator.iter_errors(data), key=lambda e: list(map(str, e.absolute_path))):
        path = [str(p) for p in err.absolute_path]
        if err.validator == "required" and isinstance(err.instance, dict):
            missing = [r for r in err.validator_value if r not in err.instance]
            path.append(missing[0] if missing else "")
        key = "/".join(path) or "(form)"
        errors.setdefault(key, err.message)
    return errors


def check(schema: Mapping[str, Any] | None, data: Any) -> None:
    """Raise :class:`InvalidTaskData` (nothing is changed) when ``data`` breaks the form."""
    if not isinstance(data, dict):
        raise InvalidTaskData({"(form)": "task data must be a JSON object"})
    if schema is None:
        return
    errors = field_errors(schema, data)
    if errors:
        raise InvalidTaskData(errors)
