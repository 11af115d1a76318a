"""Checks shared by the administration's use cases (each raises an :class:`AdminProblem`)."""
from __future__ import annotations

import re
from datetime import date

from .errors import AdminProblem

CODE = re.compile(r"^[a-z0-9][a-z0-9_-]{1,49}$")
EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]{2,}$")
CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def code(value: str | None, field: str = "code") -> str:
    value = (value or "").strip().lower()
    if not value:
        raise AdminProblem("required", field=field)
    if not CODE.match(value):
        raise AdminProblem("bad_code", code=value)
    return value


def text(value: str | None, field: str, *, required: bool = True, limit: int = 200) -> str | None:
    value = (value or "").strip()
    if not value:
        if required:
            raise AdminProblem("required", field=field)
        return None
    if len(value) > limit or CONTROL.search(value):
        raise AdminProblem("bad_value", field=field, value=value[:40])
    return value


def email(value: str | None) -> str:
    value = (value or "").strip().lower()
    if not value:
        raise AdminProblem("required", field="email")
    if len(value) > 255 or not EMAIL.match(value):
        raise AdminProblem("bad_email", email=value[:80])
    return value


def day(value: str | date | None) -> date | None:
    """An ISO date (YYYY-MM-DD), or None for an empty value."""
    if value is None or isinstance(value, date):
        return value
    value = value.strip()
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise AdminProblem("bad_date", value=value[:20]) from None


def period(start: date | None, end: date | None) -> tuple[date | None, date | None]:
    if start and end and end < start:
        raise AdminProblem("dates_order")
    return start, end


def choice(value: str | None, allowed: tuple[str, ...] | set[str], field: str) -> str:
    value = (value or "").strip()
    if value not in allowed:
        raise AdminProblem("bad_value", field=field, value=value[:40])
    return value


def row_id(value: int) -> bool:
    """True for an id a table can hold (a larger number names no row: never sent to SQL)."""
    return 0 < value < 2**31
