"""Keep the query-side rows in step with a workflow: human tasks and the next timer."""
from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition

from . import store
from .lint import FORM_PROPERTY, is_iso_duration
from .loop import ready_human_tasks
from .store import InstanceState


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


def _new_row(instance: InstanceState, workflow: Any, task: Any, lane_roles: Mapping[str, str],
             now: datetime) -> dict[str, Any]:
    spec = task.task_spec
    props = spec.extensions.get("properties", {})
    assignee = props.get("assignee")
    if assignee:
        value = workflow.script_engine.evaluate(task, assignee)
        assignee = None if value in (None, "") else str(value)
    return {
        "id": str(task.id), "instance_id": instance.id, "bpmn_id": spec.bpmn_id,
        "title": spec.bpmn_name or spec.bpmn_id, "lane": spec.lane,
        "role": lane_roles.get(spec.lane or ""), "scope": instance.scope, "assignee": assignee, "first_assignee": None,
        "claimed_by": None,
        "form": props.get(FORM_PROPERTY), "due_at": _due(workflow, task, props.get("deadline"), now),
        "state": "READY", "created_at": now, "completed_by": None, "completed_at": None,
        "reminded_at": None, "breached_at": None}


def sync_human_tasks(instance: InstanceState, workflow: Any,
                     lane_roles: Mapping[str, str], now: datetime, before: set[str],
                     completed: tuple[str, str] | None = None, ready: list[Any] | None = None) -> None:
    """Rows for user tasks that became READY; close those that no longer are.

    ``before`` holds the task ids READY when the workflow was loaded — exactly the open rows,
    since state and projections are always saved together — so no query is needed.
    ``completed`` is (task id, who) for the task this step completed; others are cancelled.
    """
    ready_by_id = {str(t.id): t for t in (ready if ready is not None else ready_human_tasks(workflow))}
    gone = before - set(ready_by_id)
    if completed and completed[0] in gone:
        store.close_tasks(instance, [completed[0]], "COMPLETED", completed[1], now)
        gone.discard(completed[0])
    store.close_tasks(instance, gone, "CANCELLED", None, now)
    for task_id in ready_by_id.keys() - before:
        instance.pending_tasks.append(_new_row(instance, workflow, ready_by_id[task_id], lane_roles, now))


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
