"""Whether a completion may go ahead: the same rule read twice.

First from the projection, before the instance lock — one indexed read of the task row
(and its instance's version), no lock, no workflow deserialized. When 200 people complete
one task at once, the 199 who come after the winner are refused there: a task closed
(COMPLETED or CANCELLED) never opens again (a task that comes back is a new task with a
new id), so what the projection says of a closed task is final, and a refusal answers as
if the request had run at the moment it read. Then, for a completion that was let through,
again under the instance lock: that check is the authority, the early one only saves work.

Either way the caller's right to the task is checked before anything is said of its state.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import bindparam, select
from sqlalchemy.exc import DBAPIError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.orm import Session

from . import faults
from .actor import Actor
from .errors import Conflict, Forbidden, NotFound, quiet_rollback
from .rawsql import Hot
from .store import HT, PI

Reader = Callable[[], "Session | None"]  # the caller's session for a read outside any step, if any

_PEEK = Hot(select(HT.c.state, HT.c.completed_by, HT.c.role, HT.c.scope, HT.c.assignee, HT.c.claimed_by,
                   HT.c.bpmn_id, PI.c.version)
            .join_from(HT, PI, PI.c.id == HT.c.instance_id).where(HT.c.id == bindparam("tid")))


def check(actor: Actor, task: Any, version: int, expected_version: int | None) -> None:
    """Refuse (Forbidden, then Conflict) unless ``actor`` may complete ``task`` now.

    ``task`` has the human task row's state, completed_by, role, scope, assignee and
    claimed_by; ``version`` is its instance's.
    """
    if not actor.may_complete(task.role, task.scope, task.assignee) and task.completed_by != actor.user_id:
        raise Forbidden("this task is not yours to complete")  # before saying anything of its state
    if task.state != "READY":
        raise Conflict(f"this task is already {task.state.lower()}", by=task.completed_by, code="task.done")
    if expected_version is not None and expected_version != version:
        raise Conflict("the dossier changed since you opened this task; reload it", code="dossier.changed")
    if task.claimed_by is not None and task.claimed_by != actor.user_id:
        raise Conflict("this task was claimed by someone else", by=task.claimed_by, code="task.claimed")


def precheck(session: Session, task_id: str, actor: Actor, expected_version: int | None) -> Any:
    """:func:`check` from the projection, without the lock (one statement); the row it read
    (with the task's ``bpmn_id`` and its instance's ``version``)."""
    row = _PEEK.one_or_none(session, {"tid": task_id})
    if row is None:
        raise NotFound(f"no task {task_id}")
    check(actor, row, row.version, expected_version)
    return row


def refuse_early(reader: Reader | None, session_factory: Callable[[], Session], task_id: str, actor: Actor,
                 expected_version: int | None) -> Any:
    """:func:`precheck` outside any transaction: through the caller's session when ``reader``
    gives one (a request's connection, in autocommit when its view only reads: no second
    connection), else through a session of the engine's own in autocommit. Returns the row
    it read: a step that finds another instance version since knows the task row it reads
    with the lock may be older than the lock (see store.read_task)."""
    given = reader() if reader is not None else None
    session = given if given is not None else session_factory()
    try:
        if given is None:
            session.connection(execution_options={"isolation_level": "AUTOCOMMIT"})
        return precheck(session, task_id, actor, expected_version)
    except (DBAPIError, PoolTimeout) as exc:
        quiet_rollback(session)  # the caller's session stays usable (a dead connection is replaced)
        raise faults.translate(exc) from None
    finally:
        if given is None:
            session.close()
