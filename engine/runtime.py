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

from SpiffWorkflow.exceptions import SpiffWorkflowException
from SpiffWorkflow.util.task import TaskState
from sqlalchemy.exc import DBAPIError, IntegrityError, SQLAlchemyError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.orm import Session

from . import admission, assign, audit, definitions, faults, forms, jobs, messages, outbox, store, timers
from .actor import Actor
from .calls import Workflow, definition_of
from .checks import run_check
from .clock import Clock, frozen_at, utcnow
from .compiler import Compilation, Rules, compile_sources
from .db import WRITE
from .errors import Conflict, HandlerFailed, StepFailed, Unavailable, quiet_rollback, spiff_element
from .expressions import AUTHORS
from .loaded import FormsOf, Loaded, LoadedDefinitions, StepResolver
from .loop import ScriptEngine, is_deferred, ready_ids, ready_tasks, run_until_wait
from .projections import next_timer, sync_human_tasks
from .prune import find_task, prune
from .registry import HandlerRegistry
from .specs import WarmStates, dump_state, load_state
from .steps import audit_ran
from .store import InstanceState

WARM = "guichet.warm"  # session.info key: the workflow a step saved
Dispatcher = Callable[[list[int]], None]
TaskListener = Callable[[Session, list[dict[str, Any]], datetime, FormsOf], None]  # told of a step's new human tasks


class Engine:
    """The workflow runtime. Receives its ports (sessions, handlers, roles, clock) at start-up."""

    def __init__(self, session_factory: Callable[[], Session], registry: HandlerRegistry, *,
                 lane_roles: Mapping[str, str], clock: Clock = utcnow,
                 dispatcher: Dispatcher | None = None,
                 job_handlers: Mapping[str, jobs.JobHandler] | None = None,
                 task_listener: TaskListener | None = None, reader: admission.Reader | None = None):
        self.session_factory = session_factory
        self.reader = reader  # the caller's session for reads outside a step (see admission)
        self.registry = registry
        self.lane_roles = dict(lane_roles)
        self.clock = clock
        self.dispatcher = dispatcher
        self.job_handlers = dict(job_handlers or {})
        self.task_listener = task_listener
        self._loaded = LoadedDefinitions()
        self._warm = WarmStates()

    @contextmanager
    def transaction(self, *, write: bool = True, incidents: bool = True) -> Iterator[Session]:
        """One database transaction. A database failure is :class:`Busy` or
        :class:`Unavailable` (never an incident); a procedure's own failure is a
        :class:`StepFailed` with an incident recorded for support."""
        session = self.session_factory()
        committing = False
        try:
            if write:  # SQLite: BEGIN IMMEDIATE, so writers queue instead of racing
                session.connection(execution_options={WRITE: True})
            yield session
            committing = True
            session.commit()
            queued = session.info.pop(outbox.QUEUED, [])
            if WARM in session.info:
                self._warm.put(*session.info.pop(WARM))
        except IntegrityError as exc:
            quiet_rollback(session)
            raise Conflict("the dossier was changed by someone else meanwhile; reload and retry", code="dossier.changed") from exc
        except (DBAPIError, PoolTimeout) as exc:
            quiet_rollback(session)
            raise faults.translate(exc, committing=committing) from None  # no SQL in what callers show
        except (SpiffWorkflowException, HandlerFailed) as exc:
            quiet_rollback(session)
            cause = faults.infrastructure(exc)
            if cause is not None:  # the database failed under the step: not the diagram's fault
                raise faults.translate(cause) from None
            if any(isinstance(c, IntegrityError) for c in faults.causes(exc)):
                raise Conflict("the dossier was changed by someone else meanwhile; reload and retry", code="dossier.changed") from None
            element = getattr(exc, "bpmn_id", None) or spiff_element(exc)
            incident = self._record_incident(session.info.get(store.CURRENT), element, exc) if incidents else None
            raise StepFailed(element, exc, incident) from exc
        except BaseException:
            quiet_rollback(session)
            raise
        finally:
            try:
                session.close()
            except Exception:  # noqa: BLE001 - a dead connection: the pool replaces it
                pass
        self._publish(queued)  # only after the commit: a job never runs before its cause exists

    def _record_incident(self, instance_id: int | None, element: str | None, exc: BaseException) -> int | None:
        """Keep a failed step visible on its instance and to support, in its own transaction."""
        try:
            with self.transaction() as session:
                return outbox.record_incident(session, instance_id, f"{element or '?'}: {type(exc).__name__}: {exc}",
                                              self.clock())
        except Exception:  # noqa: BLE001 - the original error is what the caller must see
            return None

    def _publish(self, ids: list[int]) -> None:
        if ids and self.dispatcher is not None:
            self.dispatcher(ids)

    def compile(self, files: Mapping[str, bytes], form_files: Mapping[str, bytes]) -> Compilation:
        """Validate and compile with the registered operators and lane roles; call activities
        may also name the processes already deployed (none when the database cannot say)."""
        try:
            with self.transaction(write=False, incidents=False) as session:
                deployed = definitions.newest_versions(session)
        except (Unavailable, SQLAlchemyError):
            deployed = {}
        return compile_sources(files, form_files, Rules(
            operators=set(self.registry), lane_roles=self.lane_roles,
            operator_params=self.registry.params(), deployed=deployed))

    def _definition(self, session: Session, definition_id: int) -> Loaded:
        return self._loaded.spec(session, definition_id)

    def _validator(self, session: Session, definition_id: int, form: str | None) -> Any:
        return self._loaded.validator(session, definition_id, form)

    def resolver(self, session: Session) -> StepResolver:  # for this step's call activities
        return StepResolver(self._loaded, session)

    def _load(self, session: Session, inst: InstanceState, now: datetime) -> Workflow:
        wf = self._warm.take(inst.id, inst.version)
        if wf is None:
            spec, subs, _ = self._definition(session, inst.definition_id)
            wf = load_state(inst.state, spec, subs, definition_id=inst.definition_id, resolver=self.resolver(session))
        else:
            wf.resolver = self.resolver(session)  # the warm object's was bound to an earlier session
        # deserializing brings back Spiff's default script engine: ours goes back on every load
        wf.script_engine = ScriptEngine(self.registry, inst.id, inst.business_key, now, session)
        return wf

    # -- advancing ----------------------------------------------------------------------
    def _advance(self, session: Session, inst: InstanceState, wf: Workflow, now: datetime, *,
                 actor: str | None, before: tuple[set[str], set[str]],
                 completed: tuple[str, str] | None = None) -> None:
        """Run until the workflow waits, then save state, projections, audit and outbox.

        ``before`` is (READY user task ids, READY deferred service task ids) at load time.
        """
        ran = run_until_wait(wf, lambda t: is_deferred(t, self.registry))
        audit_ran(inst, ran, actor, now)
        human, deferred = ready_tasks(self.registry, wf)  # one pass over the tree for both
        jobs = [{"kind": "service_task", "instance_id": inst.id, "task_id": str(t.id),
                 "operator": t.task_spec.operation_name, "ref": None, "status": "pending", "attempts": 0,
                 "created_at": now}
                for t in deferred if str(t.id) not in before[1]]
        sync_human_tasks(inst, wf, self.lane_roles, now, before[0], completed, ready=human)
        if wf.completed and inst.status != "completed":
            inst.status = "completed"
            audit.append(inst, action="instance.completed", actor=actor, at=now)
        prune(wf)  # finished loop turns and branches are never revisited: don't store them
        inst.state = dump_state(wf)
        inst.next_timer_at = None if wf.completed else next_timer(wf)
        arrived = list(inst.pending_tasks)
        store.save_instance(session, inst, now)
        session.info[WARM] = (inst.id, inst.version, wf)  # kept once the transaction commits
        store.add_outbox(session, jobs)
        if self.task_listener is not None and arrived:
            self.task_listener(session, arrived, now, self._loaded.forms_of(session, inst.definition_id, human))

    @faults.retried
    def start(self, process_key: str, data: Mapping[str, Any], actor: Actor, *,
              business_key: str | None = None, scope: str | None = None) -> int:
        """Start the newest version of ``process_key`` with ``data``; returns the instance id."""
        with self.transaction() as session:
            return self.start_in(session, process_key, data, actor, business_key=business_key, scope=scope)

    def start_in(self, session: Session, process_key: str, data: Mapping[str, Any], actor: Actor, *,
                 business_key: str | None = None, scope: str | None = None,
                 created: Callable[[int], None] | None = None) -> int:
        """:meth:`start` inside the caller's transaction (opened with :meth:`transaction`), so
        that what the caller wrote and the procedure's first step commit together.
        ``created``, when given, is called with the new instance's id once its row exists
        and before the first step runs (the caller records which instance runs what, in the
        same write as its other changes, before the step's handlers read them)."""
        now = self.clock()
        with session.no_autoflush:  # the caller's pending changes are written with ``created``'s, at once
            definition_id = definitions.latest_id(session, process_key)
            inst = store.create_instance(session, definition_id, process_key, business_key=business_key,
                                         scope=scope, started_by=actor.user_id, now=now)
        if created is not None:
            created(inst.id)
        spec, subs, _ = self._definition(session, definition_id)
        wf = Workflow(spec, subs, ScriptEngine(self.registry, inst.id, business_key, now, session),
                      definition_id=definition_id, resolver=self.resolver(session))
        for task in wf.get_tasks(state=TaskState.READY):
            task.data.update(data)
        audit.append(inst, action="instance.started", actor=actor.user_id, at=now, data=dict(data))
        with frozen_at(now):
            self._advance(session, inst, wf, now, actor=actor.user_id, before=(set(), set()))
        return inst.id

    @faults.retried
    def complete(self, task_id: str, data: Mapping[str, Any], actor: Actor, *,
                 expected_version: int | None = None, admit: Callable[[str], None] | None = None,
                 after: Callable[[Session, int], None] | None = None) -> int:
        """Complete a READY user task with ``data`` (validated against its form). ``admit``,
        when given, is called with the task's BPMN id once the early check let it through and
        before the step (outside its transaction): a caller's own condition, such as
        unlocking a signing key, that may still refuse. ``after``, when given, is called
        with the step's session and the instance id once the step is saved, before the
        commit: the caller's reads of what the step changed (a dossier's new status), on
        the step's connection and in its snapshot, instead of a connection of their own
        after it. It must only read; a retried step calls it again."""
        now = self.clock()
        # most refusals (a task someone already did) from the projection, before the lock
        peeked = admission.refuse_early(self.reader, self.session_factory, task_id, actor, expected_version)
        seen = int(peeked.version)
        if admit is not None:
            admit(peeked.bpmn_id)
        with self.transaction() as session:
            inst, row = store.lock_instance_of_task(session, task_id)
            if inst.version != seen:  # a step committed meanwhile: the task read with the lock may predate it
                row = store.read_task(session, task_id)
            admission.check(actor, row, inst.version, expected_version)  # the authority
            wf = self._load(session, inst, now)
            task = find_task(wf, task_id)
            if task is None or task.state != TaskState.READY:
                raise Conflict("this task is no longer waiting for input", code="task.done")
            # a task inside a called process has the form deployed with the version the call runs
            definition_id = definition_of(task.workflow) or inst.definition_id
            forms.check(self._validator(session, definition_id, row.form), data)
            run_check(self.registry, session, inst, task, data, now)  # the diagram's own guard
            before = ready_ids(self.registry, wf)
            task.set_data(**data)
            # who did it, for ``auteur_de("id")`` in later expressions (e.g. an assignee)
            task.data[AUTHORS] = {**(task.data.get(AUTHORS) or {}), task.task_spec.bpmn_id: actor.user_id}
            with frozen_at(now):
                task.run()
                audit.append(inst, action="task.completed", actor=actor.user_id, at=now,
                             task_id=task_id, bpmn_id=row.bpmn_id, data=dict(data))
                self._advance(session, inst, wf, now, actor=actor.user_id, before=before, completed=(task_id, actor.user_id))
            if after is not None:
                after(session, inst.id)
        return inst.id

    @faults.retried
    def claim(self, task_id: str, actor: Actor) -> None:
        """Take a READY task of one's role so that colleagues see it is being handled."""
        with self.transaction() as session:
            assign.claim(session, task_id, actor, now=self.clock())

    @faults.retried
    def run_service_task(self, instance_id: int, task_id: str) -> bool:
        """Run a deferred service task; idempotent (a task no longer READY is left alone), and
        its failures count on its job rather than as separate incidents."""
        now = self.clock()
        with self.transaction(incidents=False) as session:
            inst = store.lock_instance(session, instance_id)
            wf = self._load(session, inst, now)
            task = find_task(wf, task_id)
            if task is None or task.state != TaskState.READY:
                outbox.mark_done(session, task_id, now)
                return False
            before = ready_ids(self.registry, wf)
            with frozen_at(now):
                task.run()
                audit_ran(inst, [task], "system", now)
                self._advance(session, inst, wf, now, actor="system", before=before)
            outbox.mark_done(session, task_id, now)
        return True

    @faults.retried
    def deliver(self, instance_id: int, message: str, payload: Mapping[str, Any], actor: Actor, *,
                expected_version: int | None = None) -> int:
        """Deliver the BPMN message ``message`` with ``payload`` to the instance (see
        :func:`engine.messages.deliver`)."""
        return messages.deliver(self, instance_id, message, payload, actor, expected_version)

    def wake_due_timers(self, now: datetime | None = None, limit: int = 200) -> int:
        """Fire every timer due at ``now``; returns how many instances were advanced."""
        return timers.wake(self, now or self.clock(), limit)

    def run_outbox_message(self, message_id: int) -> str:  # see engine.jobs
        """Run one outbox job; returns its status afterwards (done, pending, failed)."""
        return jobs.run(self, message_id)

    def drain_outbox(self, limit: int = 1000) -> int:
        """Run pending jobs until none is left (tests and the embedded default)."""
        return jobs.drain(self, limit)
