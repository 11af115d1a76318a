"""Call activities by reference: a call runs the newest deployed version of the process it
names (or the version its ``calledVersion`` property pins) as of the moment it starts.

A deployed definition holds its own process and its *embedded* sub-processes (BPMN
``subProcess``, event and transaction sub-processes) — never a copy of a process it calls.
Every (sub)workflow of an instance therefore remembers the definition its spec comes from
(``definition_id``): the top one is the instance's, a called process's is the version the
call resolved when it started, an embedded sub-process's is its parent's. The state stores
it for each sub-workflow, so a running call stays on its version across reloads while the
next call of the same key may run a newer one.
"""
from __future__ import annotations

from typing import Any, Protocol

from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.exceptions import WorkflowTaskException
from SpiffWorkflow.bpmn.script_engine import PythonScriptEngine
from SpiffWorkflow.bpmn.specs.mixins.subworkflow_task import CallActivity
from SpiffWorkflow.bpmn.util.subworkflow import BpmnSubWorkflow

from .expressions import HelperEnvironment

CALLED_VERSION = "calledVersion"  # extension property of a call activity: pin a version


class Resolver(Protocol):
    """Where a workflow finds deployed definitions (the engine binds one to each step's session)."""

    def definition(self, definition_id: int) -> tuple[Any, dict[str, Any]]:
        """A definition's process spec and its embedded sub-process specs."""

    def find(self, process_key: str, version: int | None = None) -> int | None:
        """The id of ``version`` of ``process_key`` (None: its newest), None when there is none."""


def pinned_version(task_spec: Any) -> int | None:
    """The version a call activity pins (``calledVersion``), None when it runs the newest."""
    value = (getattr(task_spec, "extensions", None) or {}).get("properties", {}).get(CALLED_VERSION)
    if value is None or not str(value).strip():
        return None
    return int(str(value).strip())


class SpecScope(dict):  # type: ignore[type-arg]
    """The top definition's embedded specs. Spiff asks ``name in subprocess_specs`` before it
    creates a sub-workflow: every name passes, :meth:`Workflow.create_subprocess` resolves it
    and says precisely what is missing."""

    def __contains__(self, name: object) -> bool:
        return True


class Workflow(BpmnWorkflow):
    """A BPMN workflow whose call activities resolve the process they call when they start."""

    def __init__(self, spec: Any, subprocess_specs: dict[str, Any] | None = None, script_engine: Any = None,
                 *, definition_id: int | None = None, resolver: Resolver | None = None, **kwargs: Any):
        # never Spiff's unrestricted default, even before a step sets its own (a dry run)
        super().__init__(spec, subprocess_specs, script_engine or PythonScriptEngine(HelperEnvironment()), **kwargs)
        self.subprocess_specs = SpecScope(subprocess_specs or {})
        self.definition_id = definition_id
        self.resolver = resolver

    def create_subprocess(self, my_task: Any, spec_name: str) -> BpmnSubWorkflow:
        definition_id, spec = self.resolve(my_task, spec_name, None, starting=True)
        subprocess = BpmnSubWorkflow(spec, parent_task_id=my_task.id, top_workflow=self)
        subprocess.definition_id = definition_id  # type: ignore[attr-defined]
        self.subprocesses[my_task.id] = subprocess
        return subprocess

    def resolve(self, task: Any, name: str, recorded: int | None, *, starting: bool) -> tuple[int | None, Any]:
        """(definition id, spec) of the sub-workflow ``task`` runs: ``recorded`` when the state
        says so; when a call starts, the newest (or pinned) deployed version of the key it
        names; otherwise the sub-process embedded in the caller's own definition (this is
        also where a definition deployed before calls went by reference keeps its copy)."""
        context = getattr(task.workflow, "definition_id", None)
        is_call = isinstance(task.task_spec, CallActivity)
        if recorded is not None and (is_call or recorded != context):
            return recorded, self._spec_in(recorded, name, task)
        if starting and is_call and self.resolver is not None:
            pin = pinned_version(task.task_spec)
            found = self.resolver.find(name, pin)
            if found is not None:
                return found, self._spec_in(found, name, task)
            if pin is not None:
                raise WorkflowTaskException(f"The called process '{name}' has no deployed version {pin}.",
                                            task=task)
        return context, self._spec_in(context, name, task)

    def _spec_in(self, definition_id: int | None, name: str, task: Any) -> Any:
        if definition_id is None or definition_id == self.definition_id:
            spec, embedded = self.spec, dict(self.subprocess_specs)
        elif self.resolver is None:
            raise WorkflowTaskException(f"The called process '{name}' cannot be loaded here.", task=task)
        else:
            spec, embedded = self.resolver.definition(definition_id)
        if spec.name == name:
            return spec
        if name in embedded:
            return embedded[name]
        raise WorkflowTaskException(f"The called process '{name}' is not deployed.", task=task)


def definition_of(workflow: Any) -> int | None:
    """The definition a (sub)workflow's spec comes from."""
    return getattr(workflow, "definition_id", None)


def calls_of(spec: Any, embedded: dict[str, Any]) -> dict[str, int | None]:
    """Process key → pinned version (None: the newest) of what a definition's call activities
    call, its embedded sub-processes included."""
    found: dict[str, int | None] = {}
    for process in (spec, *embedded.values()):
        for task_spec in process.task_specs.values():
            if isinstance(task_spec, CallActivity) and task_spec.spec not in embedded:
                found[task_spec.spec] = pinned_version(task_spec)
    return found
