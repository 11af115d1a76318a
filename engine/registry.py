"""The handler registry the engine receives at start-up; the engine never imports handlers."""
from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


@dataclass(frozen=True)
class ServiceCall:
    """What a handler is given: the task's data, its evaluated parameters, and where it runs.

    ``session`` is the step's own database session: what a handler writes commits (or rolls
    back) together with the workflow step that called it.
    """

    operator: str
    params: Mapping[str, Any]
    data: Mapping[str, Any]
    instance_id: int
    business_key: str | None
    task_id: str
    bpmn_id: str
    now: datetime
    session: Any = field(default=None, repr=False, compare=False)


Handler = Callable[[ServiceCall], Mapping[str, Any] | None]


@dataclass(frozen=True)
class HandlerSpec:
    """A registered handler; ``is_async`` ones run from the outbox, outside the user's step.

    ``params`` is the JSON Schema of the parameters a service task gives it (an object schema:
    ``properties``, ``required``); ``None`` when the handler declares none (nothing is checked).
    """

    func: Handler
    is_async: bool = False
    doc: str = ""  # what it does, for an analyst (French)
    params: Mapping[str, Any] | None = None
    doc_ar: str = ""  # the same in Arabic


@dataclass(frozen=True)
class LookupCall:
    """Where an expression that calls a lookup runs: the step's session, the instance and
    the task data of the evaluation (lookups read, they never write)."""

    session: Any
    instance_id: int
    business_key: str | None
    data: Mapping[str, Any]


Lookup = Callable[..., Any]  # (LookupCall, *args) -> value


@dataclass
class HandlerRegistry:
    """Operator name (as written in ``spiffworkflow:serviceTaskOperator``) → handler; and the
    lookups the domain lends to expressions (e.g. ``membre_organisme("hygiene")``)."""

    _handlers: dict[str, HandlerSpec] = field(default_factory=dict)
    lookups: dict[str, Lookup] = field(default_factory=dict)

    def register_lookup(self, name: str, func: Lookup) -> None:
        """A name expressions may call, given a :class:`LookupCall` first (the domain's data
        the engine cannot read itself, such as who sits for an organism)."""
        if name in self.lookups:
            raise ValueError(f"lookup {name!r} is registered twice")
        self.lookups[name] = func

    def register(self, name: str, func: Handler, *, is_async: bool = False,
                 params: Mapping[str, Any] | None = None) -> None:
        if name in self._handlers:
            raise ValueError(f"handler {name!r} is registered twice")
        self._handlers[name] = HandlerSpec(func, is_async, (func.__doc__ or "").strip(), params)

    def get(self, name: str) -> HandlerSpec:
        return self._handlers[name]

    def params(self) -> dict[str, Mapping[str, Any]]:
        """Operator → the JSON Schema of its parameters, for those that declare one."""
        return {name: spec.params for name, spec in self._handlers.items() if spec.params is not None}

    def __contains__(self, name: object) -> bool:
        return name in self._handlers

    def __iter__(self) -> Iterator[str]:
        return iter(sorted(self._handlers))

    def __len__(self) -> int:
        return len(self._handlers)

    @classmethod
    def of(cls, handlers: Mapping[str, Handler | HandlerSpec]) -> HandlerRegistry:
        reg = cls()
        for name, h in handlers.items():
            if isinstance(h, HandlerSpec):
                reg._handlers[name] = h
            else:
                reg.register(name, h)
        return reg
