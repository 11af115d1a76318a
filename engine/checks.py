"""Completion checks: a user task may name, in its ``check`` property, a registered operator
that looks at the submitted data together with the domain's own data (e.g. "every document
the agent asked for has a new version") before the task completes.

The diagram says which check guards which task, so the rule stays visible to analysts; the
operator raises :class:`InvalidTaskData` (422) listing what is wrong, and nothing is written.
"""
from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from .registry import HandlerRegistry, ServiceCall
from .store import InstanceState

CHECK_PROPERTY = "check"


def check_of(task_spec: Any) -> str | None:
    """The operator named by a user task's ``check`` property, if any."""
    value = task_spec.extensions.get("properties", {}).get(CHECK_PROPERTY)
    return str(value) if value else None


def run_check(registry: HandlerRegistry, session: Session, inst: InstanceState, task: Any,
              data: Mapping[str, Any], now: datetime) -> None:
    """Run the task's check (if it names one) on its data merged with the submitted ``data``."""
    name = check_of(task.task_spec)
    if name is None:
        return
    # a check's ``params`` are the data just submitted; ``data`` is the task's data with them
    call = ServiceCall(operator=name, params=dict(data), data={**task.data, **data}, instance_id=inst.id,
                       business_key=inst.business_key, task_id=str(task.id), bpmn_id=task.task_spec.bpmn_id,
                       now=now, session=session)
    registry.get(name).func(call)
