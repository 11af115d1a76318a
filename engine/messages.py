"""BPMN messages a use case delivers to one instance (``Engine.deliver``): the catching
event of the diagram — a message boundary event on an activity, say — fires, and the
message's payload goes into its data (under the message's ``messageVariable`` when the
diagram names one; otherwise each key of the payload, as plain BPMN has it — the Studio's
modeler keeps no ``messageVariable``)."""
from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from SpiffWorkflow.bpmn import BpmnEvent
from SpiffWorkflow.spiff.specs.event_definitions import MessageEventDefinition

from . import audit, store
from .actor import Actor
from .clock import frozen_at
from .errors import Conflict
from .loop import ready_ids

if TYPE_CHECKING:
    from .runtime import Engine


def deliver(engine: Engine, instance_id: int, message: str, payload: Mapping[str, Any], actor: Actor,
            expected_version: int | None = None) -> int:
    """The event waiting for ``message`` (its ``name`` in the diagram) fires with ``payload``
    — an interrupting boundary event cancels its activity — and the instance runs until it
    waits, in one transaction under the instance's lock. Conflict when nothing of the
    instance waits for it, or when ``expected_version`` is given and a step committed since
    the caller read the instance."""
    now = engine.clock()
    with engine.transaction() as session:
        inst = store.lock_instance(session, instance_id)
        if expected_version is not None and inst.version != expected_version:
            raise Conflict("the dossier was changed by someone else meanwhile; reload and retry",
                           code="dossier.changed")
        wf = engine._load(session, inst, now)
        before = ready_ids(engine.registry, wf)
        with frozen_at(now):
            if not catch(wf, message, payload):
                raise Conflict(f"nothing in this procedure waits for « {message} » now", code="task.done")
            audit.append(inst, action="message.caught", actor=actor.user_id, at=now,
                         data={"message": message, **dict(payload)})
            engine._advance(session, inst, wf, now, actor=actor.user_id, before=before)
    return inst.id


def catch(workflow: Any, name: str, payload: Mapping[str, Any]) -> bool:
    """Let the workflow (and the processes it calls) catch the message; whether some event
    waited for it. Nothing is sent out of the instance when none did."""
    event = BpmnEvent(MessageEventDefinition(name), payload=dict(payload))
    catching = [t for t in workflow.event_manager.tasks.values() if t.task_spec.catches(t, event)]
    if not workflow.event_manager.catch(event, internal=False):
        return False
    for task in catching:
        if getattr(task.task_spec.event_definition, "message_var", None) is None:
            task.data.update(dict(payload))
    workflow.refresh_waiting_tasks()
    return True

