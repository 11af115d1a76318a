"""SpiffWorkflow glue: spec (de)serialization, the spec-less workflow serializer.

Instances are stored *without* their spec: the spec is rebuilt once per definition hash
and shared (read-only) by every instance on that definition.
"""
from __future__ import annotations

import hashlib
import json
import threading
from collections import OrderedDict
from typing import Any

from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.parser.BpmnParser import full_tag
from SpiffWorkflow.bpmn.serializer import BpmnWorkflowSerializer
from SpiffWorkflow.bpmn.serializer.default.workflow import (
    BpmnSubWorkflowConverter,
    BpmnWorkflowConverter,
    WorkflowConverter,
)
from SpiffWorkflow.bpmn.specs.defaults import StartEvent
from SpiffWorkflow.bpmn.util.subworkflow import BpmnSubWorkflow
from SpiffWorkflow.spiff.parser import SpiffBpmnParser
from SpiffWorkflow.spiff.parser.event_parsers import SpiffStartEventParser
from SpiffWorkflow.spiff.parser.task_spec import ServiceTaskParser
from SpiffWorkflow.spiff.serializer.config import SPIFF_CONFIG
from SpiffWorkflow.spiff.serializer.task_spec import ServiceTaskConverter
from SpiffWorkflow.spiff.specs.defaults import ServiceTask as SpiffServiceTask

from .calls import Resolver, Workflow


class ServiceTask(SpiffServiceTask):
    """A service task whose handler's result is merged into the task data.

    With an explicit ``resultVariable`` the result is stored under that name, as in Spiff;
    without one (Spiff would invent ``spiff__<id>_result``) the returned dict is merged.
    """

    def _execute(self, task: Any) -> bool:
        raw = task.workflow.script_engine.call_service(
            task, operation_name=self.operation_name, operation_params=self.evaluate_params(task))
        result = json.loads(raw)
        if self.result_variable.startswith("spiff__"):
            if isinstance(result, dict):
                task.data.update(result)
        else:
            task.data[self.result_variable] = result
        return True


INTERRUPTING = "interrupting"  # extension of an event sub-process's start event


class StartEventParser(SpiffStartEventParser):
    """Records whether an event sub-process's start event interrupts (BPMN ``isInterrupting``,
    true unless it says false): Spiff 3 ignores the attribute; our loop acts on it."""

    def parse_extensions(self, node: Any = None) -> dict[str, Any]:
        extensions: dict[str, Any] = super().parse_extensions(node)
        parent = self.node.getparent()
        if node is None and parent is not None and parent.tag == full_tag("subProcess") \
                and parent.get("triggeredByEvent") == "true":
            extensions[INTERRUPTING] = self.node.get("isInterrupting", "true").lower() == "true"
        return extensions


class Parser(SpiffBpmnParser):
    """Spiff's parser with our service task class and event sub-process start events."""

    OVERRIDE_PARSER_CLASSES = {
        **SpiffBpmnParser.OVERRIDE_PARSER_CLASSES,
        full_tag("serviceTask"): (ServiceTaskParser, ServiceTask),
        full_tag("startEvent"): (StartEventParser, StartEvent),
    }


class _SpeclessWorkflowConverter(BpmnWorkflowConverter):
    """Leaves the specs out of a serialized workflow and takes them back as objects."""

    def __init__(self, target_class: type, registry: Any, typename: str | None = None):
        super().__init__(target_class, registry, typename or "BpmnWorkflow")  # as Spiff names it

    def to_dict(self, workflow: BpmnWorkflow) -> dict[str, Any]:
        # Spiff's own to_dict converts the specs too (a third of a step's serializing), only
        # for them to be dropped here: the workflow's part alone (WorkflowConverter's).
        dct: dict[str, Any] = WorkflowConverter.to_dict(self, workflow)
        dct["subprocesses"] = self.mapping_to_dict(workflow.subprocesses)
        dct["bpmn_events"] = self.registry.convert(workflow.bpmn_events)
        return dct

    def from_dict(self, dct: dict[str, Any]) -> BpmnWorkflow:
        spec = dct.pop("spec")
        subprocess_specs = dct.pop("subprocess_specs")
        workflow = self.target_class(spec, subprocess_specs, deserializing=True,
                                     definition_id=dct.pop("definition_id", None), resolver=dct.pop("resolver", None))
        workflow.tasks = self.mapping_from_dict(dct["tasks"], _uuid, workflow=workflow)
        workflow.task_tree = workflow.tasks.get(_uuid(dct["root"]))
        self.set_default_attributes(workflow, dct)
        self.subprocesses_from_dict(dct["subprocesses"], workflow)
        workflow.bpmn_events = self.registry.restore(dct.pop("bpmn_events", []))
        return workflow


class _SubWorkflowConverter(BpmnSubWorkflowConverter):
    """Stores which deployed definition each sub-workflow runs (engine/calls.py) and finds
    its spec there again."""

    def to_dict(self, workflow: BpmnSubWorkflow) -> dict[str, Any]:
        dct: dict[str, Any] = super().to_dict(workflow)
        definition_id = getattr(workflow, "definition_id", None)
        if definition_id is not None:
            dct["definition_id"] = definition_id
        return dct

    def from_dict(self, dct: dict[str, Any], task: Any, top_workflow: Any) -> BpmnSubWorkflow:
        if not isinstance(top_workflow, Workflow):
            return super().from_dict(dct, task, top_workflow)
        definition_id, spec = top_workflow.resolve(task, task.task_spec.spec, dct.get("definition_id"),
                                                   starting=False)
        subprocess = self.target_class(spec, task.id, top_workflow, deserializing=True)
        subprocess.definition_id = definition_id
        subprocess.tasks = self.mapping_from_dict(dct["tasks"], _uuid, workflow=subprocess)
        subprocess.task_tree = subprocess.tasks.get(_uuid(dct["root"]))
        self.set_default_attributes(subprocess, dct)
        return subprocess


def _uuid(value: str):  # noqa: ANN202 - mirrors UUID's constructor
    from uuid import UUID
    return UUID(value)


def _make_serializer(specless: bool) -> BpmnWorkflowSerializer:
    config = dict(SPIFF_CONFIG)
    config[ServiceTask] = ServiceTaskConverter
    if specless:
        config[BpmnWorkflow] = _SpeclessWorkflowConverter
        config[Workflow] = _SpeclessWorkflowConverter  # registered last: it restores "BpmnWorkflow"
        config[BpmnSubWorkflow] = _SubWorkflowConverter
    return BpmnWorkflowSerializer(BpmnWorkflowSerializer.configure(config))


FULL = _make_serializer(specless=False)
STATE = _make_serializer(specless=True)
SERIALIZER_VERSION = STATE.VERSION


def spec_to_dict(spec: Any, subprocess_specs: dict[str, Any]) -> dict[str, Any]:
    """A JSON-ready dict of a process spec and the specs of what it calls."""
    return {
        "spec": FULL.to_dict(spec),
        "subprocess_specs": {k: FULL.to_dict(v) for k, v in sorted(subprocess_specs.items())},
    }


def spec_from_dict(dct: dict[str, Any]) -> tuple[Any, dict[str, Any]]:
    spec = FULL.from_dict(dct["spec"])
    subs = {k: FULL.from_dict(v) for k, v in dct["subprocess_specs"].items()}
    return spec, subs


def content_hash(payload: dict[str, Any]) -> str:
    """sha256 of a canonical JSON rendering: same content, same hash, on every machine."""
    blob = json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()


def dump_state(workflow: BpmnWorkflow) -> str:
    """Serialize a workflow's state (no spec), tagged with the serializer version."""
    return STATE.serialize_json(workflow)


def load_state(state: str, spec: Any, subprocess_specs: dict[str, Any], *, definition_id: int | None = None,
               resolver: Resolver | None = None) -> Workflow:
    """Rebuild a workflow from its stored state and its (shared) spec objects; the specs of
    the processes it calls come from ``resolver`` (by the definition each call recorded)."""
    dct = json.loads(state, cls=STATE.json_decoder_cls)
    STATE.migrate(dct)
    dct["spec"] = spec
    dct["subprocess_specs"] = subprocess_specs
    dct["definition_id"], dct["resolver"] = definition_id, resolver
    workflow: Workflow = STATE.from_dict(dct)
    return workflow


class SpecCache:
    """Process-wide LRU of rebuilt specs, keyed by definition content hash.

    Definitions are immutable, so a hash never needs invalidation; a new deployment on any
    node is picked up simply because new instances name a new hash.
    """

    def __init__(self, size: int = 64):
        self._size = size
        self._items: OrderedDict[str, tuple[Any, dict[str, Any], dict[str, Any]]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: str, build) -> tuple[Any, dict[str, Any], dict[str, Any]]:  # noqa: ANN001
        with self._lock:
            if key in self._items:
                self._items.move_to_end(key)
                return self._items[key]
        value = build()
        with self._lock:
            self._items[key] = value
            while len(self._items) > self._size:
                self._items.popitem(last=False)
        return value


class WarmStates:
    """Workflows this process saved last, by instance, tagged with the version they were
    saved as. A step that finds the instance row (read under its lock) at that very
    version takes the object instead of deserializing the stored state — the two are the
    same. Any other version (another node advanced it) falls back to the stored state; a
    failed step never puts its half-changed object back."""

    def __init__(self, size: int = 512):
        self._size = size
        self._items: OrderedDict[int, tuple[int, BpmnWorkflow]] = OrderedDict()
        self._lock = threading.Lock()

    def take(self, instance_id: int, version: int) -> BpmnWorkflow | None:
        with self._lock:
            item = self._items.pop(instance_id, None)
        return item[1] if item is not None and item[0] == version else None

    def put(self, instance_id: int, version: int, workflow: BpmnWorkflow) -> None:
        with self._lock:
            self._items[instance_id] = (version, workflow)
            self._items.move_to_end(instance_id)
            while len(self._items) > self._size:
                self._items.popitem(last=False)
