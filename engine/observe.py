"""What the cockpit shows, from projections only: where instances wait, for how long,
where they failed, and the path one instance took.

Counts are SQL aggregates over ``human_task``, ``audit_event`` and ``outbox``; no query
here deserializes a workflow. Spec objects (shared, cached by content hash) are only used
to know which elements a call activity contains: those of the version of the called process
a call would run now (``definitions.with_calls``).
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from .models import AuditEvent, HumanTask, OutboxMessage, ProcessDefinition, ProcessInstance
from .sqlstats import percentile_query, seconds_between


@dataclass
class ElementStats:
    """One element of a diagram: instances waiting there now, how many of them are past
    their deadline, tasks done there and their median dwell time (seconds)."""

    waiting: int = 0
    overdue: int = 0
    done: int = 0
    median_dwell: float | None = None
    incidents: int = 0

    def add(self, other: ElementStats) -> None:
        self.waiting += other.waiting
        self.overdue += other.overdue
        self.incidents += other.incidents


@dataclass(frozen=True)
class VersionCount:
    definition_id: int
    version: int
    deployed_at: datetime
    deployed_by: str | None
    running: int
    completed: int


def versions(session: Session, process_key: str) -> list[VersionCount]:
    """Every deployed version of ``process_key`` with its running and completed instances."""
    running = func.count(ProcessInstance.id).filter(ProcessInstance.status == "running")
    completed = func.count(ProcessInstance.id).filter(ProcessInstance.status == "completed")
    rows = session.execute(
        select(ProcessDefinition.id, ProcessDefinition.version, ProcessDefinition.deployed_at,
               ProcessDefinition.deployed_by, running, completed)
        .outerjoin(ProcessInstance, ProcessInstance.definition_id == ProcessDefinition.id)
        .where(ProcessDefinition.process_key == process_key)
        .group_by(ProcessDefinition.id, ProcessDefinition.version, ProcessDefinition.deployed_at,
                  ProcessDefinition.deployed_by)
        .order_by(ProcessDefinition.version))
    return [VersionCount(*row) for row in rows]


def element_stats(session: Session, definition_id: int, now: datetime) -> dict[str, ElementStats]:
    """Per BPMN element id, for the instances on ``definition_id``."""
    on_definition = HumanTask.instance_id.in_(
        select(ProcessInstance.id).where(ProcessInstance.definition_id == definition_id))
    stats: dict[str, ElementStats] = {}
    waiting = session.execute(
        select(HumanTask.bpmn_id, func.count(func.distinct(HumanTask.instance_id)),
               func.count(func.distinct(case((HumanTask.due_at < now, HumanTask.instance_id)))))
        .where(on_definition, HumanTask.state == "READY").group_by(HumanTask.bpmn_id))
    for bpmn_id, count, overdue in waiting:
        stats[bpmn_id] = ElementStats(waiting=count, overdue=overdue)
    dwell = (select(HumanTask.bpmn_id, seconds_between(HumanTask.created_at, HumanTask.completed_at).label("d"))
             .where(on_definition, HumanTask.state == "COMPLETED", HumanTask.completed_at.isnot(None))
             .subquery())
    for row in session.execute(percentile_query(dwell, ["bpmn_id"], "d", (50,))):
        item = stats.setdefault(row.bpmn_id, ElementStats())
        item.done, item.median_dwell = row.n, row.p50
    for element, count in incidents_by_element(session, definition_id).items():
        stats.setdefault(element, ElementStats()).incidents = count
    for element, count in jobs_waiting(session, definition_id).items():
        stats.setdefault(element, ElementStats()).waiting += count
    return stats


def jobs_waiting(session: Session, definition_id: int) -> dict[str, int]:
    """Instances waiting for a deferred service task (its job pending), per element, for the
    operators a single element names."""
    from .definitions import with_calls
    loaded = with_calls(session, session.get_one(ProcessDefinition, definition_id))
    operators = service_operators(loaded.spec, loaded.subprocess_specs)
    rows = session.execute(
        select(OutboxMessage.operator, func.count(func.distinct(OutboxMessage.instance_id)))
        .where(OutboxMessage.status == "pending", OutboxMessage.kind == "service_task",
               OutboxMessage.instance_id.in_(select(ProcessInstance.id)
                                             .where(ProcessInstance.definition_id == definition_id)))
        .group_by(OutboxMessage.operator))
    return {operators[op]: count for op, count in rows if op in operators}


def incident_element(job: OutboxMessage, operators: Mapping[str, str]) -> str | None:
    """The element a failed job concerns: incidents name it first in their error; failed
    service-task jobs are found by their operator."""
    if job.kind == "incident" and job.last_error and ":" in job.last_error:
        element = job.last_error.split(":", 1)[0].strip()
        return None if element == "?" else element
    return operators.get(job.operator or "")


def failed_jobs(session: Session, instance_ids: Any) -> list[OutboxMessage]:
    """Failed jobs (incidents) of the given instances (ids or a subquery of ids)."""
    return list(session.scalars(select(OutboxMessage).where(
        OutboxMessage.status == "failed", OutboxMessage.instance_id.in_(instance_ids))
        .order_by(OutboxMessage.id)))


def incidents_by_element(session: Session, definition_id: int) -> dict[str, int]:
    """Failed jobs per element, for the instances on ``definition_id``."""
    from .definitions import with_calls
    loaded = with_calls(session, session.get_one(ProcessDefinition, definition_id))
    operators = service_operators(loaded.spec, loaded.subprocess_specs)
    counts: dict[str, int] = {}
    jobs = failed_jobs(session, select(ProcessInstance.id).where(ProcessInstance.definition_id == definition_id))
    for job in jobs:
        element = incident_element(job, operators)
        if element:
            counts[element] = counts.get(element, 0) + 1
    return counts


def _all_specs(spec: Any, subs: Mapping[str, Any]) -> Iterable[Any]:
    yield spec
    yield from subs.values()


def service_operators(spec: Any, subs: Mapping[str, Any]) -> dict[str, str]:
    """Operator → the service task element that names it, for operators only one element
    names (a job records its operator, not its element: an ambiguous one is not guessed)."""
    found: dict[str, set[str]] = {}
    for process in _all_specs(spec, subs):
        for task_spec in process.task_specs.values():
            operator = getattr(task_spec, "operation_name", None)
            if operator and getattr(task_spec, "bpmn_id", None):
                found.setdefault(operator, set()).add(task_spec.bpmn_id)
    return {operator: next(iter(ids)) for operator, ids in found.items() if len(ids) == 1}


def call_activity_members(spec: Any, subs: Mapping[str, Any]) -> dict[str, set[str]]:
    """Call activity element id → every element id of the processes it calls (nested)."""
    def members(process_id: str, seen: frozenset[str]) -> set[str]:
        called = subs.get(process_id)
        if called is None or process_id in seen:
            return set()
        ids = {ts.bpmn_id for ts in called.task_specs.values() if ts.bpmn_id}
        for ts in called.task_specs.values():
            if isinstance(getattr(ts, "spec", None), str) and ts.bpmn_id:
                ids |= members(ts.spec, seen | {process_id})
        return ids
    out: dict[str, set[str]] = {}
    for process in _all_specs(spec, subs):
        for ts in process.task_specs.values():
            if isinstance(getattr(ts, "spec", None), str) and ts.bpmn_id:
                out[ts.bpmn_id] = members(ts.spec, frozenset())
    return out


def with_rollup(stats: Mapping[str, ElementStats], spec: Any, subs: Mapping[str, Any]) -> dict[str, ElementStats]:
    """``stats`` plus, on each call activity, the sum of what waits inside it."""
    out = dict(stats)
    for activity, members in call_activity_members(spec, subs).items():
        total = ElementStats()
        for member in members:
            if member in stats:
                total.add(stats[member])
        if total.waiting or total.incidents:
            own = out.get(activity, ElementStats())
            out[activity] = ElementStats(total.waiting, total.overdue, own.done, own.median_dwell,
                                         total.incidents)
    return out


def waiting_at(session: Session, definition_id: int, elements: Iterable[str]) -> Any:
    """A query of the READY human tasks at ``elements`` for instances on ``definition_id``."""
    return (select(HumanTask).join(ProcessInstance, ProcessInstance.id == HumanTask.instance_id)
            .where(ProcessInstance.definition_id == definition_id, HumanTask.state == "READY",
                   HumanTask.bpmn_id.in_(sorted(set(elements))))
            .order_by(HumanTask.due_at.is_(None), HumanTask.due_at, HumanTask.created_at))


@dataclass
class InstancePath:
    """One instance as the cockpit shows it: the elements it went through, where it is."""

    instance: ProcessInstance
    definition: ProcessDefinition
    completed: list[str] = field(default_factory=list)
    current: list[HumanTask] = field(default_factory=list)
    pending_jobs: list[OutboxMessage] = field(default_factory=list)
    audit: list[AuditEvent] = field(default_factory=list)
    incidents: list[OutboxMessage] = field(default_factory=list)
    incident_elements: dict[int, str | None] = field(default_factory=dict)


def instance_path(session: Session, instance_id: int) -> InstancePath | None:
    """The path ``instance_id`` took, from its audit trail and its human task history."""
    from .definitions import with_calls
    instance = session.get(ProcessInstance, instance_id)
    if instance is None:
        return None
    definition = session.get_one(ProcessDefinition, instance.definition_id)
    audit = list(session.scalars(select(AuditEvent).where(AuditEvent.instance_id == instance_id)
                                 .order_by(AuditEvent.seq)))
    tasks = list(session.scalars(select(HumanTask).where(HumanTask.instance_id == instance_id)
                                 .order_by(HumanTask.created_at, HumanTask.bpmn_id)))
    completed: list[str] = []
    for element in [e.bpmn_id for e in audit] + [t.bpmn_id for t in tasks if t.state == "COMPLETED"]:
        if element and element not in completed:
            completed.append(element)
    incidents = failed_jobs(session, [instance_id])
    loaded = with_calls(session, definition)
    operators = service_operators(loaded.spec, loaded.subprocess_specs)
    pending = list(session.scalars(select(OutboxMessage).where(
        OutboxMessage.instance_id == instance_id, OutboxMessage.status == "pending").order_by(OutboxMessage.id)))
    return InstancePath(instance, definition, completed, [t for t in tasks if t.state == "READY"], pending,
                        audit, incidents, {j.id: incident_element(j, operators) for j in incidents})
