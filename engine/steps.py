"""Audit links for the automatic steps a loop ran (decisions, service calls, timers)."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition
from SpiffWorkflow.spiff.specs.defaults import BusinessRuleTask

from . import audit
from .specs import ServiceTask
from .store import InstanceState


def _action(spec: Any) -> str | None:
    if isinstance(spec, ServiceTask):
        return "service.completed"
    if isinstance(spec, BusinessRuleTask):
        return "decision.made"
    if isinstance(getattr(spec, "event_definition", None), TimerEventDefinition):
        return "timer.fired"
    return None


def audit_ran(instance: InstanceState, ran: list[Any], actor: str | None, now: datetime) -> None:
    """Append one audit link per notable automatic step, with a digest of its output."""
    for task in ran:
        action = _action(task.task_spec)
        if action:
            audit.append(instance, action=action, actor=actor, at=now,
                         task_id=str(task.id), bpmn_id=task.task_spec.bpmn_id, data=task.data)
