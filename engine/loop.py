"""Our execution loop and script engine: run automatic tasks until the workflow waits.

Unlike ``do_engine_steps``, service tasks whose handler is async are left READY: the
caller writes an outbox row for each, and a worker runs it later through the engine.
"""
from __future__ import annotations

import json
from collections.abc import Callable, Collection, Mapping
from datetime import datetime
from typing import Any

from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.exceptions import WorkflowTaskException
from SpiffWorkflow.bpmn.script_engine import PythonScriptEngine
from SpiffWorkflow.util.task import TaskState

from .errors import HandlerFailed
from .expressions import HelperEnvironment
from .limits import LimitExceeded
from .registry import HandlerRegistry, LookupCall, ServiceCall
from .sandbox import Refused
from .specs import INTERRUPTING, ServiceTask


class ScriptEngine(PythonScriptEngine):
    """Dispatches service tasks to registered handlers; one per engine operation."""

    def __init__(self, registry: HandlerRegistry, instance_id: int, business_key: str | None,
                 now: datetime, session: Any):
        # expressions may call the analyst helpers, and the lookups the domain registered
        super().__init__(environment=HelperEnvironment(self._lookups, lookup_names=registry.lookups))
        self.registry = registry
        self.instance_id = instance_id
        self.business_key = business_key
        self.now = now
        self.session = session

    def _lookups(self, data: Mapping[str, Any], names: Collection[str]) -> dict[str, Callable[..., Any]]:
        wanted = self.registry.lookups.keys() & names
        if not wanted:
            return {}
        call = LookupCall(self.session, self.instance_id, self.business_key, data)
        # a closure, not functools.partial: a partial's ``args`` would hand diagram code the
        # LookupCall and its database session
        def bound(func: Callable[..., Any]) -> Callable[..., Any]:
            def lookup(*args: Any, **kwargs: Any) -> Any:
                return func(call, *args, **kwargs)
            return lookup
        return {name: bound(self.registry.lookups[name]) for name in wanted}

    def evaluate(self, task: Any, expression: str, external_context: dict[str, Any] | None = None) -> Any:
        try:
            return super().evaluate(task, expression, external_context)
        except WorkflowTaskException as exc:
            # Spiff's message names the expression only: say why the sandbox stopped it
            stopped = exc.__context__  # Spiff raises it while handling the sandbox's error
            if isinstance(stopped, Refused | LimitExceeded):
                exc.add_note(f"{type(stopped).__name__}: {stopped}")
            raise

    def call_service(self, task: Any, operation_name: str, operation_params: dict[str, Any]) -> str:  # type: ignore[override]
        # Spiff's own error path here refers to an undefined name, so we own it entirely.
        handler = self.registry.get(operation_name)
        call = ServiceCall(
            operator=operation_name,
            params={k: v["value"] for k, v in operation_params.items()},
            data=dict(task.data), instance_id=self.instance_id, business_key=self.business_key,
            task_id=str(task.id), bpmn_id=task.task_spec.bpmn_id, now=self.now,
            session=self.session,
        )
        try:
            result = handler.func(call)
        except Exception as exc:
            raise HandlerFailed(operation_name, task.task_spec.bpmn_id, exc) from exc
        return json.dumps(dict(result or {}), default=str)


def is_deferred(task: Any, registry: HandlerRegistry) -> bool:
    """A service task whose handler runs asynchronously (from the outbox)."""
    spec = task.task_spec
    return isinstance(spec, ServiceTask) and registry.get(spec.operation_name).is_async


def _runnable(task: Any, defer: Callable[[Any], bool]) -> bool:
    return not task.task_spec.manual and not defer(task)


def _any_runnable(workflow: Any, defer: Callable[[Any], bool]) -> bool:
    """Whether a READY automatic task of this (sub)workflow waits to run: a look at each of
    its tasks, not Spiff's tree walk (most calls find none: the step is over)."""
    return any(task.state == TaskState.READY and _runnable(task, defer) for task in workflow.tasks.values())


def _run_ready(workflow: Any, defer: Callable[[Any], bool], ran: list[Any]) -> int:
    """Run the READY automatic tasks of this (sub)workflow, in the tree's order."""
    if not _any_runnable(workflow, defer):
        return 0
    count = 0
    for task in workflow.get_tasks(state=TaskState.READY):
        if task.workflow is not workflow or not _runnable(task, defer):
            continue
        task.run()
        ran.append(task)
        count += 1
    return count


_INTERRUPTED = "guichet.interrupted"  # internal data of an event sub-process that interrupted


def _triggered(sub: Any) -> bool:
    """Whether an event sub-process's interrupting start event has caught its event. (Only
    an event sub-process's start event carries the extension: Spiff's parser misreads
    ``triggeredByEvent``, so the calling task's class does not tell.)"""
    root = sub.task_tree
    return root is not None and any(
        t.task_spec.extensions.get(INTERRUPTING) and t.has_state(TaskState.READY | TaskState.COMPLETED)
        for t in root.children if hasattr(t.task_spec, "extensions"))


def interrupt(workflow: BpmnWorkflow) -> list[Any]:
    """Cancel what each newly triggered *interrupting* event sub-process interrupts.

    Spiff 3 runs an event sub-process beside the process that contains it and ignores
    ``isInterrupting``: without this, the dossier would carry on down both paths. Spiff
    hangs every event sub-process under its container's start task, next to the main path;
    cancelling those siblings cancels the main path's open tasks (user tasks, timers, call
    activities and embedded sub-processes with everything in them) and the other event
    sub-processes. Interrupting boundary events need nothing: Spiff cancels their task.
    Returns the event sub-process tasks that interrupted."""
    fired = []
    for sub_id, sub in list(workflow.subprocesses.items()):
        if not _triggered(sub):
            continue
        caller = next((wf.tasks[sub_id] for wf in (workflow, *workflow.subprocesses.values())
                       if sub_id in wf.tasks), None)
        if caller is None or caller.has_state(TaskState.FINISHED_MASK) or caller.internal_data.get(_INTERRUPTED):
            continue
        caller.internal_data[_INTERRUPTED] = True
        for sibling in list(caller.parent.children if caller.parent is not None else []):
            if sibling is not caller:
                sibling.cancel()
        fired.append(caller)
    return fired


def run_until_wait(workflow: BpmnWorkflow, defer: Callable[[Any], bool]) -> list[Any]:
    """Run every READY automatic task (in subprocesses first) until only human tasks,
    deferred service tasks or waiting events remain. Returns the tasks that ran."""
    ran: list[Any] = []
    while True:
        interrupt(workflow)
        active = workflow.get_active_subprocesses()
        progressed = False
        for sub in sorted(active, key=lambda w: w.depth, reverse=True):
            while _run_ready(sub, defer, ran):
                progressed = True
            parent = workflow.get_task_from_id(sub.parent_task_id)
            parent.task_spec._update(parent)  # lets a finished call activity complete
        if interrupt(workflow):  # before the interrupted path could take one more step
            progressed = True
        if _run_ready(workflow, defer, ran):
            progressed = True
        if not progressed and len(workflow.get_active_subprocesses()) <= len(active):
            workflow.refresh_timers()  # a timer already due makes its task READY now
            if not any(_any_runnable(wf, defer) for wf in (workflow, *workflow.get_active_subprocesses())):
                break  # (what the next turn would run: nothing)
    return ran


def ready_human_tasks(workflow: BpmnWorkflow) -> list[Any]:
    return workflow.get_tasks(state=TaskState.READY, manual=True)


def ready_deferred(workflow: BpmnWorkflow, registry: HandlerRegistry) -> list[Any]:
    return [t for t in workflow.get_tasks(state=TaskState.READY) if is_deferred(t, registry)]


def ready_tasks(registry: Any, wf: Any) -> tuple[list[Any], list[Any]]:
    """The READY user tasks and READY deferred service tasks, in one pass."""
    human, deferred = [], []
    for task in wf.get_tasks(state=TaskState.READY):
        if task.task_spec.manual:
            human.append(task)
        elif is_deferred(task, registry):
            deferred.append(task)
    return human, deferred


def ready_ids(registry: Any, wf: Any) -> tuple[set[str], set[str]]:
    """The ids of the READY user tasks and deferred service tasks (at load time). Sets, so no
    order to keep: one look at each task of the workflow and of its sub-workflows (all
    registered on the top one) instead of Spiff's tree iterator."""
    human, deferred = set(), set()
    for workflow in (wf, *wf.subprocesses.values()):
        for task in workflow.tasks.values():
            if task.state == TaskState.READY:
                if task.task_spec.manual:
                    human.add(str(task.id))
                elif is_deferred(task, registry):
                    deferred.add(str(task.id))
    return human, deferred
