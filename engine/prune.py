"""Keep the stored workflow flat: drop the finished past a step can never revisit.

SpiffWorkflow grows its task tree down the path a token took: every turn of a loop hangs
the next turn under the last one, so an instance that went 50 times through a
completeness loop carries 50 turns of COMPLETED and CANCELLED tasks, serializes all of
them on every step and walks them on every query of the tree.

Every task not yet finished (READY, WAITING, FUTURE, predicted…) hangs under one deepest
common ancestor. Spiff only ever looks *down* from that ancestor (joins and boundary
events look under their split, which is at or under it while a branch is open), *up* to
its parent (a task inherits its parent's data when it becomes ready), and at the root
(``task_tree``, where message start events and iterations begin). So we keep the root,
the ancestor's parent with its whole subtree, and nothing else; the parent is hung
directly under the root. Subprocesses whose calling task went are dropped with it.

History is not lost: the audit trail and the ``human_task`` rows keep every step.
"""
from __future__ import annotations

from typing import Any
from uuid import UUID

from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.util.task import TaskState


def prune(workflow: BpmnWorkflow) -> int:
    """Prune the top workflow and each of its subprocesses; returns how many tasks went."""
    removed = _prune_one(workflow)
    for sub in list(workflow.subprocesses.values()):
        removed += _prune_one(sub)
    # a subprocess called by a task that is gone can never be reached again (nested ones
    # go on the next turn, once their own calling task has gone with its subprocess)
    while True:
        alive = {tid for wf in (workflow, *workflow.subprocesses.values()) for tid in wf.tasks}
        orphans = [key for key in workflow.subprocesses if key not in alive]
        if not orphans:
            return removed
        for key in orphans:
            removed += len(workflow.subprocesses.pop(key).tasks)


def _prune_one(wf: Any) -> int:
    root = wf.task_tree
    open_tasks = [t for t in wf.tasks.values() if not t.has_state(TaskState.FINISHED_MASK)]
    if root is None or not open_tasks:
        return 0  # a finished (sub)process is left whole: nothing in it will run again
    anchor = _common_ancestor(open_tasks)
    keep_from = anchor.parent
    if keep_from is None or keep_from is root or keep_from._parent == root.id:
        return 0
    kept: set[UUID] = {root.id}
    stack = [keep_from]
    while stack:
        task = stack.pop()
        kept.add(task.id)
        stack.extend(task.children)
    gone = [tid for tid in wf.tasks if tid not in kept]
    for tid in gone:
        task = wf.tasks.pop(tid)
        wf.top_workflow.event_manager.remove_task(task)
    keep_from._parent = root.id
    root._children = [keep_from.id]
    if wf.last_task is not None and wf.last_task.id not in kept:
        wf.last_task = None  # as Spiff's own migration does; the next completion sets it
    return len(gone)


def _common_ancestor(tasks: list[Any]) -> Any:
    """The deepest task that is an ancestor of (or one of) every task given."""
    chain: list[Any] = []
    task = tasks[0]
    while task is not None:
        chain.append(task)
        task = task.parent
    chain.reverse()  # root first
    depth = {t.id: i for i, t in enumerate(chain)}
    deepest = len(chain) - 1
    for task in tasks[1:]:
        while task.id not in depth:
            task = task.parent
        deepest = min(deepest, depth[task.id])
    return chain[deepest]


def find_task(workflow: BpmnWorkflow, task_id: str) -> Any | None:
    """The task with this id, or None when it is gone (finished, then pruned)."""
    uid = UUID(task_id)
    for wf in (workflow, *workflow.subprocesses.values()):
        if uid in wf.tasks:
            return wf.tasks[uid]
    return None
