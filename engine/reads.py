"""Reading what a task holds (a decision table's answer, say) without advancing anything.

The instance's stored state is rebuilt on its deployed definition, without the lock and
without touching the warm copy a step keeps; nothing is saved.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from .prune import find_task
from .specs import load_state
from .store import HT, PI

if TYPE_CHECKING:
    from .runtime import Engine

_STATE_OF_TASK = (select(PI.c.definition_id, PI.c.state).join_from(HT, PI, PI.c.id == HT.c.instance_id)
                  .where(HT.c.id == bindparam("tid")))


def task_data(engine: Engine, session: Session, task_id: str) -> dict[str, Any] | None:
    """The data ``task_id`` holds as of its instance's last step; None when the task is
    unknown, or gone from the state (finished, then pruned)."""
    row = session.execute(_STATE_OF_TASK, {"tid": task_id}).one_or_none()
    if row is None:
        return None
    spec, subs, _ = engine._definition(session, row.definition_id)
    workflow = load_state(row.state, spec, subs, definition_id=row.definition_id, resolver=engine.resolver(session))
    task = find_task(workflow, task_id)
    return dict(task.data) if task is not None else None


def activity_data(engine: Engine, session: Session, task_id: str) -> dict[str, Any] | None:
    """The data of the activity ``task_id`` is an instance of (a multi-instance task's
    child: the activity, whose output collection holds the instances done so far); None
    when the task or its parent is gone from the state."""
    row = session.execute(_STATE_OF_TASK, {"tid": task_id}).one_or_none()
    if row is None:
        return None
    spec, subs, _ = engine._definition(session, row.definition_id)
    workflow = load_state(row.state, spec, subs, definition_id=row.definition_id, resolver=engine.resolver(session))
    task = find_task(workflow, task_id)
    return dict(task.parent.data) if task is not None and task.parent is not None else None


def awaited_messages(engine: Engine, session: Session, task_id: str) -> frozenset[str]:
    """The names of the BPMN messages the instance of ``task_id`` waits for now (a message
    boundary event on an activity under way, say): what ``Engine.deliver`` would accept."""
    row = session.execute(_STATE_OF_TASK, {"tid": task_id}).one_or_none()
    if row is None:
        return frozenset()
    spec, subs, _ = engine._definition(session, row.definition_id)
    workflow = load_state(row.state, spec, subs, definition_id=row.definition_id, resolver=engine.resolver(session))
    return frozenset(e.name for e in workflow.waiting_events() if e.event_type == "MessageEventDefinition")
