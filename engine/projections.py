"""Keep the query-side rows in step with a workflow: human tasks and the next timer."""
from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition
from sqlalchemy import select
from sqlalchemy.orm import Session

from .lint import FORM_PROPERTY, is_iso_duration
from .loop import ready_human_tasks
from .models import HumanTask, ProcessInstance


def _due(workflow: Any, task: Any, deadline: str | None, now: datetime) -> datetime | None:
    if not deadline:
        return None
    value = deadline if is_iso_duration(deadline) else workflow.script_engine.evaluate(task, deadline)
    if isinstance(value, datetime):
        return value
    if isinstance(value, str) and value.startswith("P"):
        parsed = TimerEventDefinition.parse_iso_duration(value)
        return now + TimerEventDefinition.get_timedelta_from_start(parsed, now)
    if isinstance(value, (int, float)):
        return now + timedelta(days=value)
    return None


def _new_row(instance: ProcessInstance, workflow: Any, task: Any, lane_roles: Mapping[str, str],
             now: datetime) -> HumanTask:
    spec = task.task_spec
    props = spec.extensions.get("properties", {})
    assignee = props.get("assignee")
    if assignee:
        value = workflow.script_engine.evaluate(task, assignee)
        assignee = None if value in (None, "") else str(value)
    return HumanTask(
        id=str(task.id), instance_id=instance.id, bpmn_id=spec.bpmn_id,
        title=spec.bpmn_name or spec.bpmn_id, lane=spec.lane, role=lane_roles.get(spec.lane or ""),
        scope=instance.scope, assignee=assignee, form=props.get(FORM_PROPERTY),
        status_fr=props.get("status_fr"), status_ar=props.get("status_ar"),
        due_at=_due(workflow, task, props.get("deadline"), now), state="READY", created_at=now)


def sync_human_tasks(session: Session, instance: ProcessInstance, workflow: Any,
                     lane_roles: Mapping[str, str], now: datetime,
                     completed: Mapping[str, str] | None = None) -> None:
    """Insert rows for newly READY user tasks; close rows whose task is no longer READY
    (``completed`` maps the task ids completed by this step to who completed them)."""
    completed = completed or {}
    ready = {str(t.id): t for t in ready_human_tasks(workflow)}
    open_rows = session.scalars(select(HumanTask).where(HumanTask.instance_id == instance.id,
                                                        HumanTask.state == "READY"))
    known = set()
    for row in open_rows:
        known.add(row.id)
        if row.id in ready:
            continue
        row.state = "COMPLETED" if row.id in completed else "CANCELLED"
        row.completed_by = completed.get(row.id)
        row.completed_at = now
    for task_id, task in ready.items():
        if task_id not in known:
            session.add(_new_row(instance, workflow, task, lane_roles, now))


def next_timer(workflow: Any) -> datetime | None:
    """The earliest due time among the workflow's waiting timer events."""
    due = []
    for event in workflow.waiting_events():
        value = getattr(event, "value", None)
        if isinstance(value, str):
            try:
                due.append(TimerEventDefinition.get_datetime(value))
            except (ValueError, TypeError):
                continue
    return min(due) if due else None
