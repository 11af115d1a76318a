"""Deployed definitions as the engine runs them: each spec rebuilt once per definition and
shared read-only, each task form's validator compiled once, and the resolver a step's call
activities use to find the version they run (engine/calls.py)."""
from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from sqlalchemy.orm import Session

from . import definitions, forms
from .calls import definition_of
from .errors import NotFound
from .models import ProcessDefinition
from .specs import SpecCache

Loaded = tuple[Any, dict[str, Any], dict[str, Any]]  # spec, embedded sub-process specs, forms
FormsOf = Callable[[Mapping[str, Any]], Mapping[str, Any]]  # a new task's row -> its version's forms


class LoadedDefinitions:
    """Specs and form validators by definition id (immutable rows: built once per process)."""

    def __init__(self) -> None:
        self._specs = SpecCache()
        self._validators: dict[tuple[int, str], Any] = {}

    def spec(self, session: Session, definition_id: int) -> Loaded:
        def build() -> Loaded:
            row = session.get(ProcessDefinition, definition_id)
            if row is None:
                raise NotFound(f"no process definition {definition_id}")
            loaded = definitions.load(row)
            return loaded.spec, loaded.subprocess_specs, loaded.forms
        return self._specs.get(str(definition_id), build)

    def validator(self, session: Session, definition_id: int, form: str | None) -> Any:
        """The compiled JSON Schema validator of a task's form."""
        key = (definition_id, form or "")
        if key not in self._validators:
            schemas = self.spec(session, definition_id)[2]
            self._validators[key] = forms.compile_schema(schemas.get(form or ""))
        return self._validators[key]

    def forms_of(self, session: Session, definition_id: int, ready: list[Any]) -> FormsOf:
        """For the row of one of the ``ready`` tasks, the forms deployed with the version the
        task runs (a task of a called process has its own; otherwise ``definition_id``'s)."""
        workflows = {str(t.id): t.workflow for t in ready}

        def forms(row: Mapping[str, Any]) -> Mapping[str, Any]:
            workflow = workflows.get(str(row["id"]))
            runs = (definition_of(workflow) if workflow is not None else None) or definition_id
            return self.spec(session, runs)[2]
        return forms


class StepResolver:
    """The deployed definitions as one step sees them (bound to its session), for the call
    activities it starts or reloads."""

    def __init__(self, loaded: LoadedDefinitions, session: Session):
        self._loaded, self._session = loaded, session

    def definition(self, definition_id: int) -> tuple[Any, dict[str, Any]]:
        spec, subs, _ = self._loaded.spec(self._session, definition_id)
        return spec, subs

    def find(self, process_key: str, version: int | None = None) -> int | None:
        return definitions.find(self._session, process_key, version)
