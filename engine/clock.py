"""The engine's notion of "now", injectable per operation (tests, timer wake-ups).

SpiffWorkflow's timers read ``datetime.now(timezone.utc)`` from their own module. We swap
that module's ``datetime`` name for a subclass whose ``now`` reads a context variable:
each engine operation sets the variable for its own thread, so an injected clock never
leaks between concurrent requests, and nothing changes when no clock is set.
"""
from __future__ import annotations

import contextvars
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

from SpiffWorkflow.bpmn.specs.event_definitions import timer as _spiff_timer

_now: contextvars.ContextVar[datetime | None] = contextvars.ContextVar("guichet_now", default=None)


def utcnow() -> datetime:
    """The real current time, aware, in UTC."""
    return datetime.now(UTC)


class _ClockedDatetime(datetime):
    @classmethod
    def now(cls, tz=None):  # type: ignore[override]  # noqa: ANN001, ANN206
        fixed = _now.get()
        if fixed is None:
            return datetime.now(tz)
        return fixed.astimezone(tz) if tz is not None else fixed.replace(tzinfo=None)


_spiff_timer.datetime = _ClockedDatetime  # type: ignore[attr-defined, misc]


@contextmanager
def frozen_at(moment: datetime) -> Iterator[datetime]:
    """Within this block (and this thread), Spiff's timers see ``moment`` as now."""
    if moment.tzinfo is None:
        raise ValueError("the engine's clock must be timezone-aware")
    token = _now.set(moment)
    try:
        yield moment
    finally:
        _now.reset(token)


Clock = Callable[[], datetime]
