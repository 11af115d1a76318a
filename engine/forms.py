"""Server-side validation of submitted task data against the task's JSON Schema form."""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from jsonschema import FormatChecker
from jsonschema.validators import validator_for

from .errors import InvalidTaskData


def compile_schema(schema: Mapping[str, Any] | None) -> Any:
    """A reusable validator for ``schema`` (None: the task has no form)."""
    if schema is None:
        return None
    return validator_for(schema)(schema, format_checker=FormatChecker())


def field_errors(validator: Any, data: Any) -> tuple[dict[str, str], dict[str, str]]:
    """``{field path: message}`` and ``{field path: failed keyword}`` for every violation."""
    errors: dict[str, str] = {}
    codes: dict[str, str] = {}
    for err in sorted(validator.iter_errors(data), key=lambda e: list(map(str, e.absolute_path))):
        path = [str(p) for p in err.absolute_path]
        keys = ["/".join(path) or "(form)"]
        if err.validator == "required" and isinstance(err.instance, dict):
            # every missing field, not only the first: a person fixes them all at once
            missing = [r for r in err.validator_value if r not in err.instance] or [""]
            keys = ["/".join([*path, name]) for name in missing]
        for key in keys:
            errors.setdefault(key, f"'{key.rsplit('/', 1)[-1]}' is a required property"
                              if err.validator == "required" else err.message)
            codes.setdefault(key, str(err.validator))
    return errors, codes


def check(validator: Any, data: Any) -> None:
    """Raise :class:`InvalidTaskData` (nothing is changed) when ``data`` breaks the form."""
    if not isinstance(data, dict):
        raise InvalidTaskData({"(form)": "task data must be a JSON object"})
    if validator is None:
        return
    errors, codes = field_errors(validator, data)
    if errors:
        raise InvalidTaskData(errors, codes)
