"""Errors the engine raises; the web layer maps each family to one HTTP status."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any


class CodedError(Exception):
    """An error that names the sentence people are shown: the message is for logs and
    developers; ``code`` names the sentence, which the web layer's catalog translates
    (``params`` fill it). Without a code, people are shown a general sentence for the
    error's family, never the message itself."""

    code: str | None = None
    params: dict[str, Any] = {}  # noqa: RUF012 - replaced per instance, never mutated

    def __init__(self, *args: Any, code: str | None = None, **params: Any) -> None:
        super().__init__(*args)
        if code is not None:
            self.code, self.params = code, params


class EngineError(CodedError):
    """Base class of every error the engine raises on purpose."""


class NotFound(EngineError):
    """The instance, task or definition does not exist (404)."""


class Forbidden(EngineError):
    """The actor may not do this (403)."""


class Conflict(EngineError):
    """The task was completed or the instance changed meanwhile (409); nothing was changed.
    ``by``: the user who completed or holds the task — for the caller to show by name; the
    message never carries an internal id."""

    def __init__(self, message: str, *, by: str | None = None, code: str | None = None, **params: Any):
        self.by = by
        super().__init__(message, code=code, **params)


@dataclass(frozen=True)
class Problem:
    """One located validation problem: the file, the element id and the line it concerns."""

    file: str
    message: str
    element_id: str | None = None
    line: int | None = None
    severity: str = "error"

    def __str__(self) -> str:
        where = self.file
        if self.line:
            where += f":{self.line}"
        if self.element_id:
            where += f" [{self.element_id}]"
        return f"{where}: {self.severity}: {self.message}"


class InvalidDefinition(EngineError):
    """Diagrams, decision tables or forms that do not validate (422); carries every problem."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__("; ".join(str(p) for p in problems[:5]))


class InvalidTaskData(EngineError):
    """Submitted task data does not match the task's form schema (422); nothing was changed.

    ``errors`` maps each field path to a message; ``codes`` maps it to the JSON Schema
    keyword that failed (``required``, ``enum``…), so that a UI can say it in its language.
    """

    def __init__(self, errors: dict[str, str], codes: dict[str, str] | None = None):
        self.errors = errors
        self.codes = codes or {}
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))


class HandlerFailed(EngineError):
    """A service task's handler raised; the step was rolled back."""

    def __init__(self, operator: str, bpmn_id: str, cause: BaseException):
        self.operator = operator
        self.bpmn_id = bpmn_id
        self.cause = cause
        super().__init__(f"service task {bpmn_id} ({operator}) failed: {cause}")


class StepFailed(EngineError):
    """The procedure itself failed at an element (a script, an expression, a handler): the
    step was rolled back, nothing was written, and an incident was recorded for support."""

    def __init__(self, element: str | None, cause: BaseException, incident_id: int | None = None):
        self.element = element
        self.cause = cause
        self.incident_id = incident_id
        super().__init__(f"the procedure failed at {element or 'an element'}: {cause}")


class Busy(Conflict):
    """The instance stayed locked by another step longer than the lock timeout (409, with a
    delay to retry after); nothing was changed."""


class Unavailable(EngineError):
    """The database could not be reached, dropped the connection, had no free connection or
    asked to run the transaction again (503, with a delay to retry after).

    ``reason``: ``unreachable``, ``saturated`` (pool or lock queue full), ``transient``
    (deadlock, serialization failure) or ``unknown_outcome`` (lost during COMMIT).
    ``retryable``: nothing was written and running the same transaction again is safe.
    """

    def __init__(self, message: str = "the database is unreachable", *, reason: str = "unreachable",
                 retryable: bool = False):
        self.reason = reason
        self.retryable = retryable
        super().__init__(message)


def spiff_element(exc: BaseException) -> str | None:
    """The BPMN element a SpiffWorkflow exception happened at, when it says."""
    task = getattr(exc, "task", None)
    return getattr(getattr(task, "task_spec", None), "bpmn_id", None)


def quiet_rollback(session: Any) -> None:
    """Roll back a session whose connection may already be gone."""
    try:
        session.rollback()
    except Exception:  # noqa: BLE001 - the connection is gone already
        pass
