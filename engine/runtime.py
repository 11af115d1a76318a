"""The engine: start, complete, run_service_task, wake_due_timers — one transaction each.

Every advance locks the instance row, rebuilds the workflow from its stored state and its
shared spec, runs our loop, then saves state, projections, audit links and outbox rows
together. A stale or concurrent completion is a :class:`Conflict` and changes nothing.
"""
from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from datetime import datetime
from typing import Any
from uuid import UUID

from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.util.task import TaskState
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from . import audit, definitions, forms, outbox
from .actor import Actor
from .clock import Clock, frozen_at, utcnow
from .compiler import Compilation, Rules, compile_sources
from .errors import Conflict, Forbidden, NotFound
from .loop import ScriptEngine, is_deferred, ready_deferred, run_until_wait
from .models import HumanTask, OutboxMessage, ProcessInstance
from .projections import next_timer, sync_human_tasks
from .registry import HandlerRegistry
from .specs import SERIALIZER_VERSION, SpecCache, dump_state, load_state
from .steps import audit_ran

Dispatcher = Callable[[list[int]], None]


class Engine:
    """The workflow runtime. Receives its ports (sessions, handlers, roles, clock) at start-up."""

    def __init__(self, session_factory: Callable[[], Session], registry: HandlerRegistry, *,
                 lane_roles: Mapping[str, str], clock: Clock = utcnow,
                 dispatcher: Dispatcher | None = None):
        self.session_factory = session_factory
        self.registry = registry
        self.lane_roles = dict(lane_roles)
        self.clock = clock
        self.dispatcher = dispatcher
        self._specs = SpecCache()
        self._validators: dict[tuple[int, str], Any] = {}

    # -- transactions -------------------------------------------------------------------
    @contextmanager
    def transaction(self) -> Iterator[Session]:
        session = self.session_factory()
        try:
            yield session
            session.commit()
        except (StaleDataError, IntegrityError) as exc:
            session.rollback()
            raise Conflict("the dossier was changed by someone else meanwhile; reload and retry") from exc
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()

    def _publish(self, ids: list[int]) -> None:
        if ids and self.dispatcher is not None:
            self.dispatcher(ids)

    def _lock(self, session: Session, instance_id: int) -> ProcessInstance:
        # SELECT ... FOR UPDATE on PostgreSQL; SQLite serializes writers and the version
        # column catches whatever slips through.
        instance = session.get(ProcessInstance, instance_id, with_for_update=True,
                               populate_existing=True)
        if instance is None:
            raise NotFound(f"no process instance {instance_id}")
        return instance

    # -- definitions --------------------------------------------------------------------
    def rules(self) -> Rules:
        return Rules(operators=set(self.registry), lane_roles=self.lane_roles)

    def compile(self, files: Mapping[str, bytes], form_files: Mapping[str, bytes]) -> Compilation:
        return compile_sources(files, form_files, self.rules())

    def _load(self, session: Session, instance: ProcessInstance, now: datetime) -> BpmnWorkflow:
        spec, subs, _ = self._specs.get(str(instance.definition_id), lambda: self._build(session, instance))
        wf = load_state(instance.state, spec, subs)
        wf.script_engine = self._script_engine(instance, now)  # deserializing resets it
        return wf

    def _validator(self, session: Session, instance: ProcessInstance, form: str | None) -> Any:
        """The compiled JSON Schema validator of a task's form, built once per definition."""
        key = (instance.definition_id, form or "")
        if key not in self._validators:
            schemas = self._specs.get(str(instance.definition_id), lambda: self._build(session, instance))[2]
            self._validators[key] = forms.compile_schema(schemas.get(form or ""))
        return self._validators[key]

    def _build(self, session: Session, instance: ProcessInstance) -> tuple[Any, dict[str, Any], dict[str, Any]]:
        row = session.get(definitions.ProcessDefinition, instance.definition_id)
        if row is None:
            raise NotFound(f"definition {instance.definition_id} of instance {instance.id} is gone")
        loaded = definitions.load(row)
        return loaded.spec, loaded.subprocess_specs, loaded.forms

    def _script_engine(self, instance: ProcessInstance, now: datetime) -> ScriptEngine:
        return ScriptEngine(self.registry, instance.id, instance.business_key, now)

    # -- advancing ----------------------------------------------------------------------
    def _advance(self, session: Session, instance: ProcessInstance, wf: BpmnWorkflow, now: datetime,
                 *, actor: str | None, completed: Mapping[str, str] | None = None) -> list[int]:
        """Run until the workflow waits, then save state, projections, audit and outbox."""
        ran = run_until_wait(wf, lambda t: is_deferred(t, self.registry))
        audit_ran(session, instance, ran, actor, now)
        new_jobs = []
        with session.no_autoflush:  # one flush at the end instead of one per query
            deferred = ready_deferred(wf, self.registry)
            queued = outbox.pending_task_ids(session, instance.id) if deferred else set()
            for task in deferred:
                if str(task.id) not in queued:
                    new_jobs.append(outbox.add_service_task(session, instance.id, str(task.id),
                                                            task.task_spec.operation_name, now))
            sync_human_tasks(session, instance, wf, self.lane_roles, now, completed)
        if wf.completed and instance.status != "completed":
            instance.status = "completed"
            audit.append(session, instance, action="instance.completed", actor=actor, at=now)
        instance.state = dump_state(wf)
        instance.serializer_version = SERIALIZER_VERSION
        instance.next_timer_at = None if wf.completed else next_timer(wf)
        instance.updated_at = now
        session.flush()
        return [m.id for m in new_jobs]

    def start(self, process_key: str, data: Mapping[str, Any], actor: Actor, *,
              business_key: str | None = None, scope: str | None = None) -> int:
        """Start the newest version of ``process_key`` with ``data``; returns the instance id."""
        now = self.clock()
        with self.transaction() as session:
            definition = definitions.latest(session, process_key)
            instance = ProcessInstance(
                definition_id=definition.id, process_key=process_key, business_key=business_key,
                scope=scope, status="running", state="", serializer_version=SERIALIZER_VERSION,
                started_by=actor.user_id, created_at=now, updated_at=now)
            session.add(instance)
            session.flush()
            spec, subs, _ = self._specs.get(str(definition.id), lambda: self._build(session, instance))
            wf = BpmnWorkflow(spec, subs, script_engine=self._script_engine(instance, now))
            for task in wf.get_tasks(state=TaskState.READY):
                task.data.update(data)
            audit.append(session, instance, action="instance.started", actor=actor.user_id, at=now,
                         data=dict(data))
            with frozen_at(now):
                jobs = self._advance(session, instance, wf, now, actor=actor.user_id)
            instance_id = instance.id
        self._publish(jobs)
        return instance_id

    def complete(self, task_id: str, data: Mapping[str, Any], actor: Actor, *,
                 expected_version: int | None = None) -> int:
        """Complete a READY user task with ``data`` (validated against its form)."""
        now = self.clock()
        with self.transaction() as session:
            row = session.get(HumanTask, task_id)
            if row is None:
                raise NotFound(f"no task {task_id}")
            instance = self._lock(session, row.instance_id)
            session.refresh(row)  # what the lock holder before us may have changed
            if row.state != "READY":
                who = f" by {row.completed_by}" if row.completed_by else ""
                raise Conflict(f"this task is already {row.state.lower()}{who}")
            if expected_version is not None and expected_version != instance.version:
                raise Conflict("the dossier changed since you opened this task; reload it")
            if not actor.may_complete(row.role, row.scope, row.assignee):
                raise Forbidden("this task is not yours to complete")
            forms.check(self._validator(session, instance, row.form), data)
            wf = self._load(session, instance, now)
            task = wf.get_task_from_id(UUID(task_id))
            if task is None or task.state != TaskState.READY:
                raise Conflict("this task is no longer waiting for input")
            task.set_data(**data)
            with frozen_at(now):
                task.run()
                audit.append(session, instance, action="task.completed", actor=actor.user_id,
                             at=now, task_id=task_id, bpmn_id=row.bpmn_id, data=dict(data))
                jobs = self._advance(session, instance, wf, now, actor=actor.user_id,
                                     completed={task_id: actor.user_id})
            instance_id = instance.id
        self._publish(jobs)
        return instance_id

    def run_service_task(self, instance_id: int, task_id: str) -> bool:
        """Run a deferred service task. Idempotent: a task no longer READY is left alone."""
        now = self.clock()
        with self.transaction() as session:
            instance = self._lock(session, instance_id)
            wf = self._load(session, instance, now)
            task = wf.get_task_from_id(UUID(task_id))
            if task is None or task.state != TaskState.READY:
                outbox.mark_done(session, task_id, now)
                return False
            with frozen_at(now):
                task.run()
                audit_ran(session, instance, [task], "system", now)
                jobs = self._advance(session, instance, wf, now, actor="system")
            outbox.mark_done(session, task_id, now)
        self._publish(jobs)
        return True

    def wake_due_timers(self, now: datetime | None = None, limit: int = 200) -> int:
        """Fire every timer due at ``now``; returns how many instances were advanced."""
        now = now or self.clock()
        with self.transaction() as session:
            due = list(session.scalars(select(ProcessInstance.id).where(
                ProcessInstance.next_timer_at <= now, ProcessInstance.status == "running")
                .order_by(ProcessInstance.next_timer_at).limit(limit)))
        woken = 0
        for instance_id in due:
            with self.transaction() as session:
                instance = self._lock(session, instance_id)
                if instance.next_timer_at is None or instance.next_timer_at > now:
                    continue  # another node woke it meanwhile
                wf = self._load(session, instance, now)
                with frozen_at(now):
                    wf.refresh_timers()
                    jobs = self._advance(session, instance, wf, now, actor="system")
                woken += 1
            self._publish(jobs)
        return woken

    # -- the in-process runner ----------------------------------------------------------
    def run_outbox_message(self, message_id: int) -> None:
        """Run one outbox job; a failure is counted on the job, never lost."""
        with self.transaction() as session:
            msg = session.get(OutboxMessage, message_id)
            if msg is None or msg.status != "pending":
                return
            instance_id, task_id = msg.instance_id, msg.task_id
        try:
            self.run_service_task(instance_id, task_id)  # type: ignore[arg-type]
        except Exception as exc:  # noqa: BLE001 - recorded on the job, retried later
            with self.transaction() as session:
                outbox.record_failure(session, message_id, f"{type(exc).__name__}: {exc}", self.clock())

    def drain_outbox(self, limit: int = 1000) -> int:
        """Run pending jobs until none is left (tests and the embedded default)."""
        count = 0
        while count < limit:
            with self.transaction() as session:
                batch = [m.id for m in outbox.pending(session, 50)]
            if not batch:
                break
            for message_id in batch:
                self.run_outbox_message(message_id)
                count += 1
        return count
