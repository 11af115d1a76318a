"""BPMN messages a use case delivers to one instance (``Engine.deliver``): the catching
event of the diagram — a message boundary event on an activity, say — fires with the
message's payload in its ``messageVariable``."""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from SpiffWorkflow.bpmn import BpmnEvent
from SpiffWorkflow.spiff.specs.event_definitions import MessageEventDefinition


def catch(workflow: Any, name: str, payload: Mapping[str, Any]) -> bool:
    """Let the workflow (and the processes it calls) catch the message; whether some event
    waited for it. Nothing is sent out of the instance when none did."""
    event = BpmnEvent(MessageEventDefinition(name), payload=dict(payload))
    if not workflow.event_manager.catch(event, internal=False):
        return False
    workflow.refresh_waiting_tasks()
    return True

