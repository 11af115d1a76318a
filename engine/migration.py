"""Moving running instances to the newest version of their process: dry run, then migrate.

SpiffWorkflow's own utilities do the work (``SpecDiff`` aligns the old spec with the new,
``WorkflowDiff`` finds the instance's tasks it touches, ``migrate_workflow`` swaps the specs
and re-predicts what is waiting). We decide what is safe, as Spiff's documentation
suggests, a little less strictly: an instance may not move when an element it waits at
is removed, or when an element it already went through is removed or reconnected; a new
label, deadline or form on a finished step changes nothing for it. A dry run really
migrates a copy in memory and reloads it on the new spec, so "can move" is tested, not
guessed. A migration does the same under the instance lock, guarded by its version.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from SpiffWorkflow.bpmn.specs.mixins.multiinstance_task import LoopTask
from SpiffWorkflow.bpmn.util.diff import SpecDiff, WorkflowDiff, migrate_workflow
from SpiffWorkflow.util.task import TaskState
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from . import audit, definitions, store
from .actor import Actor
from .calls import CallActivity, SpecScope, definition_of, pinned_version
from .clock import frozen_at
from .errors import Conflict, NotFound
from .loop import ready_human_tasks, ready_ids
from .models import AuditEvent, ProcessDefinition, ProcessInstance
from .projections import _new_row as projected_row
from .specs import FULL, dump_state, load_state

if TYPE_CHECKING:
    from .runtime import Engine

# What may change on a step an instance already went through without stopping it.
HARMLESS_WHEN_DONE = frozenset({"bpmn_name", "description", "documentation", "extensions", "lane"})
ACTIVE = TaskState.READY | TaskState.WAITING | TaskState.STARTED
DONE = TaskState.COMPLETED | TaskState.ERROR
_PROJECTED = ("bpmn_id", "title", "lane", "role", "form", "assignee", "due_at")


@dataclass(frozen=True)
class Reason:
    """Why an instance cannot move. ``code``: ``removed_active`` (it waits at an element
    the new version removes), ``removed_done`` / ``changed_done`` (an element it went
    through is removed / reconnected: ``detail`` lists what changed), ``process_removed``
    (a process it runs in is gone), ``changed_active`` (it is inside an element whose
    outgoing flow changed, with work already under way there), ``state_rejected`` (its state does not load on the
    new spec: ``detail`` says why)."""

    code: str
    element: str | None
    detail: str = ""


@dataclass
class Verdict:
    instance_id: int
    business_key: str | None
    from_version: int
    to_version: int
    row_version: int  # the optimistic lock the dry run saw
    waiting_at: list[str]
    reasons: list[Reason] = field(default_factory=list)

    @property
    def can_move(self) -> bool:
        return not self.reasons


class MigrationRefused(Conflict):
    """The instance cannot move to the newest version; nothing was changed."""

    def __init__(self, reasons: list[Reason]):
        self.reasons = reasons
        super().__init__("this instance cannot move to the newest version: " + "; ".join(
            f"{r.code} {r.element or ''} {r.detail}".strip() for r in reasons))


@dataclass
class _Plan:
    reasons: list[Reason]
    # (workflow or subworkflow, its diff, its new spec, the definition that spec comes from)
    diffs: list[tuple[Any, WorkflowDiff, Any, int]]


def _element(task: Any) -> str:
    return task.task_spec.bpmn_id or task.task_spec.name


def _targets(wf: Any, new_spec: Any, new_subs: dict[str, Any], target_id: int
             ) -> tuple[list[tuple[Any, Any, int]], list[Reason]]:
    """(workflow, new spec, its definition) for the instance and each sub-workflow that moves.

    The process moves to ``target_id``; its embedded sub-processes with it; a running call
    moves to the version of the called process a call starting now would run (the newest,
    or the pinned one), unless it already runs it (engine/calls.py)."""
    pairs, reasons = [(wf, new_spec, target_id)], []
    moved = {id(wf): (target_id, new_spec, new_subs)}
    for sub in sorted(wf.subprocesses.values(), key=lambda s: s.depth):
        task = wf.get_task_from_id(sub.parent_task_id)
        if isinstance(task.task_spec, CallActivity):
            found = wf.resolver.find(task.task_spec.spec, pinned_version(task.task_spec))
            if found is None or found == definition_of(sub):
                continue
            spec, embedded = wf.resolver.definition(found)
            pairs.append((sub, spec, found))
            moved[id(sub)] = (found, spec, embedded)
        elif id(task.workflow) in moved:
            owner, _spec, embedded = moved[id(task.workflow)]
            target = embedded.get(sub.spec.name)
            if target is None:
                reasons.append(Reason("process_removed", sub.spec.name))
                continue
            pairs.append((sub, target, owner))
            moved[id(sub)] = moved[id(task.workflow)]
    return pairs, reasons


def _plan(wf: Any, new_spec: Any, new_subs: dict[str, Any], history: frozenset[str] = frozenset(),
          target_id: int = 0) -> _Plan:
    """What stops ``wf`` moving; ``history`` (elements its audit trail says it went through)
    covers the finished turns the engine pruned from the stored tree (engine/prune.py)."""
    pairs, reasons = _targets(wf, new_spec, new_subs, target_id)
    diffs = []
    for workflow, target, definition_id in pairs:
        try:
            spec_diff = SpecDiff(FULL.registry, workflow.spec, target)
            wf_diff = WorkflowDiff(workflow, spec_diff)
        except (KeyError, AttributeError) as exc:  # a task Spiff could not align at all
            reasons.append(Reason("state_rejected", workflow.spec.name, f"{type(exc).__name__}: {exc}"))
            continue
        diffs.append((workflow, wf_diff, target, definition_id))
        # Spiff's own helper specs (no BPMN id) are left to the reload test in _apply.
        for task in (t for t in wf_diff.removed if t.task_spec.bpmn_id):
            if task.has_state(ACTIVE):
                reasons.append(Reason("removed_active", _element(task)))
            elif task.has_state(DONE):
                reasons.append(Reason("removed_done", _element(task)))
        for task in (t for t in wf_diff.changed if t.task_spec.bpmn_id):
            flow = sorted(set(spec_diff.changed.get(task.task_spec, [])) - HARMLESS_WHEN_DONE)
            if task.has_state(DONE) and flow:
                reasons.append(Reason("changed_done", _element(task), ", ".join(flow)))
        in_tree = {t.task_spec.bpmn_id for t in workflow.tasks.values() if t.has_state(DONE)}  # reported above
        for spec in (sp for sp in spec_diff.removed if sp.bpmn_id in history and sp.bpmn_id not in in_tree):
            reasons.append(Reason("removed_done", spec.bpmn_id))
        for spec, changes in spec_diff.changed.items():
            flow = sorted(set(changes) - HARMLESS_WHEN_DONE)
            if spec.bpmn_id in history and spec.bpmn_id not in in_tree and flow:
                reasons.append(Reason("changed_done", spec.bpmn_id, ", ".join(flow)))
    unique = list(dict.fromkeys(reasons))
    return _Plan(unique, diffs)


def _apply(plan: _Plan, wf: Any, new_spec: Any, new_subs: dict[str, Any], target_id: int) -> list[Reason]:
    """Migrate ``wf`` in place onto definition ``target_id``, then prove its state loads on it."""
    try:
        for workflow, wf_diff, target, definition_id in plan.diffs:
            if workflow is wf or workflow in wf.subprocesses.values():
                # Resetting a READY task gives it its parent's data again: right for a plain
                # task, wrong for one instance of a multi-instance task (it would lose its
                # item, e.g. the member whose opinion it is). Their own data is put back.
                own = {t.id: t.data for t in workflow.get_tasks(state=TaskState.READY, skip_subprocesses=True)
                       if isinstance(t.parent.task_spec, LoopTask)}
                migrate_workflow(wf_diff, workflow, target)
                for task_id, data in own.items():
                    if task_id in workflow.tasks:
                        workflow.tasks[task_id].data = data
                # Spiff resets READY and WAITING tasks only: a running call activity whose
                # outgoing flow changed still holds the old successors. They are only
                # predictions (else we refuse): drop them and predict along the new flow.
                for task in wf_diff.changed:
                    if not task.has_state(TaskState.STARTED) or task.id not in workflow.tasks:
                        continue
                    if any(not c.has_state(TaskState.PREDICTED_MASK | TaskState.FUTURE) for c in task.children):
                        return [Reason("changed_active", _element(task))]
                    task._drop_children(force=True)
                    task.task_spec._predict(task, mask=TaskState.PREDICTED_MASK | TaskState.DEFINITE_MASK)
            workflow.definition_id = definition_id
        wf.subprocess_specs = SpecScope(new_subs)
        load_state(dump_state(wf), new_spec, new_subs, definition_id=target_id, resolver=wf.resolver)
    except Exception as exc:  # noqa: BLE001 - whatever breaks here means "cannot move"
        return [Reason("state_rejected", None, f"{type(exc).__name__}: {exc}"[:300])]
    return []


def _waiting(wf: Any) -> list[str]:
    return sorted({_element(t) for t in wf.get_tasks(state=TaskState.READY | TaskState.WAITING)
                   if t.task_spec.bpmn_id})


@dataclass
class DryRun:
    process_key: str
    target_id: int
    target_version: int
    verdicts: list[Verdict]
    truncated: bool


def dry_run(engine: Engine, process_key: str, *, limit: int = 500) -> DryRun:
    """Which running instances of ``process_key`` on older versions can move to the newest
    one, and why the others cannot. Nothing is written."""
    with engine.transaction(write=False) as session:
        target_id = definitions.latest_id(session, process_key)
        target_version = session.get_one(ProcessDefinition, target_id).version
        rows = session.execute(
            select(ProcessInstance.id, ProcessInstance.business_key, ProcessInstance.definition_id,
                   ProcessInstance.version, ProcessInstance.state, ProcessDefinition.version.label("dv"))
            .join(ProcessDefinition, ProcessDefinition.id == ProcessInstance.definition_id)
            .where(ProcessInstance.process_key == process_key, ProcessInstance.status == "running",
                   ProcessInstance.definition_id != target_id)
            .order_by(ProcessInstance.id).limit(limit + 1)).all()
        new_spec, new_subs, _ = engine._definition(session, target_id)
        verdicts = []
        for row in rows[:limit]:
            spec, subs, _ = engine._definition(session, row.definition_id)
            wf = load_state(row.state, spec, subs, definition_id=row.definition_id, resolver=engine.resolver(session))
            verdict = Verdict(row.id, row.business_key, row.dv, target_version, row.version, _waiting(wf))
            plan = _plan(wf, new_spec, new_subs, _history(session, row.id), target_id)
            verdict.reasons = plan.reasons or _apply(plan, wf, new_spec, new_subs, target_id)
            verdicts.append(verdict)
    return DryRun(process_key, target_id, target_version, verdicts, len(rows) > limit)


def _history(session: Session, instance_id: int) -> frozenset[str]:
    """Every element the instance's audit trail says it went through."""
    return frozenset(e for e in session.scalars(select(AuditEvent.bpmn_id).where(
        AuditEvent.instance_id == instance_id, AuditEvent.bpmn_id.is_not(None)).distinct()) if e)


def _refresh_open_tasks(session: Session, engine: Engine, inst: store.InstanceState, wf: Any) -> None:
    """Open human tasks keep their rows (and who claimed them); what the new version says
    about them (role, form, labels, deadline from when they opened) is written over."""
    created = dict(session.execute(select(store.HT.c.id, store.HT.c.created_at).where(
        store.HT.c.instance_id == inst.id, store.HT.c.state == "READY")).all())
    for task in ready_human_tasks(wf):
        opened = created.get(str(task.id))
        if opened is not None:
            row = projected_row(inst, wf, task, engine.lane_roles, opened)
            session.execute(update(store.HT).where(store.HT.c.id == str(task.id))
                            .values({k: row[k] for k in _PROJECTED}))


def migrate(engine: Engine, instance_id: int, actor: Actor, *, expected_version: int | None = None,
            process_key: str | None = None) -> int:
    """Move one running instance to the newest version of its process, under its lock.

    ``expected_version`` is the instance version the dry run saw: an instance that moved
    on since is refused (run the dry run again); so is an instance of another process than
    ``process_key`` when given. Returns the new definition id.
    """
    now = engine.clock()
    with engine.transaction() as session:
        inst = store.lock_instance(session, instance_id)
        if process_key is not None and inst.process_key != process_key:
            raise NotFound(f"no instance {instance_id} of {process_key}")
        if inst.status != "running":
            raise Conflict(f"instance {instance_id} is {inst.status}: only running instances move")
        if expected_version is not None and expected_version != inst.version:
            raise Conflict(f"instance {instance_id} changed since the dry run; run it again")
        target_id = definitions.latest_id(session, inst.process_key)
        if target_id == inst.definition_id:
            raise Conflict(f"instance {instance_id} is already on the newest version")
        new_spec, new_subs, _ = engine._definition(session, target_id)
        wf = engine._load(session, inst, now)
        before = ready_ids(engine.registry, wf)
        plan = _plan(wf, new_spec, new_subs, _history(session, instance_id), target_id)
        reasons = plan.reasons or _apply(plan, wf, new_spec, new_subs, target_id)
        if reasons:
            raise MigrationRefused(reasons)
        _refresh_open_tasks(session, engine, inst, wf)
        audit.append(inst, action="instance.migrated", actor=actor.user_id, at=now,
                     data={"from_definition": inst.definition_id, "to_definition": target_id})
        session.execute(update(store.PI).where(store.PI.c.id == inst.id).values(definition_id=target_id))
        inst.definition_id = target_id
        with frozen_at(now):
            engine._advance(session, inst, wf, now, actor=actor.user_id, before=before)
    return target_id
