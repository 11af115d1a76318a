"""Approving a decision for signature: the one use case behind the approval page and the API.

The signer's PIN is checked by opening their key — the one enrolled for the dossier's
commune — then sealed into a single-use authorization (:mod:`.authorization`); the task is
completed after. The PIN never reaches the task's data, the history or the logs.
"""
from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine import Actor, Engine
from engine.models import HumanTask

from .. import queries
from ..dossier_models import Decision, Dossier
from ..ports import Ports
from ..visio.dossier import record_given
from ..visio.sessions import OPINION_TASK
from . import authorization
from .keystore import SigningRefused, has_key, key_of, president_grant

SIGNING_TASKS = frozenset({"sg_approve"})  # user tasks whose completion the signature job acts on


def needs_pin(session: Session, actor: Actor, task: HumanTask, dossier: Dossier) -> bool:
    """Whether completing this task asks the actor's PIN (a signing task, a key enrolled);
    no statement for any other task."""
    return task.bpmn_id in SIGNING_TASKS and has_key(session, dossier.commune_code, actor.user_id)


def complete(engine: Engine, ports: Ports, actor: Actor, task_id: str, data: Mapping[str, Any], *,
             pin: str | None, expected_version: int | None = None) -> tuple[int | None, str | None]:
    """Complete the task; for a signing task, first unlock the approver's key with ``pin`` and
    leave the signature job its authorization. Raises :class:`SigningRefused` (no key, no
    PIN, wrong PIN, no president grant today) before anything is completed. Any other task
    costs nothing here: whether it signs is read by the engine's early check.

    Returns the id and status of the task's dossier as the step left them (read in the
    step's transaction: no connection of its own afterwards; (None, None) for an instance
    that runs no dossier)."""
    authorized: list[bool] = []
    kind: list[str] = []

    def admit(bpmn_id: str) -> None:
        kind[:] = [bpmn_id]
        if bpmn_id not in SIGNING_TASKS or authorized:  # once, even when the engine runs its step again
            return
        with engine.transaction() as session:
            _task, dossier = queries.task(session, actor, task_id)
            authorize(session, ports, actor.user_id, dossier, pin, engine.clock())
        authorized.append(True)

    status: list[tuple[int | None, str | None]] = []

    def after(session: Session, instance_id: int) -> None:
        if kind and kind[0].startswith(OPINION_TASK):  # a commission member's, given outside the room
            record_given(engine, session, task_id, data)
        status[:] = [queries.dossier_status(session, instance_id)]

    engine.complete(task_id, data, actor, expected_version=expected_version, admit=admit, after=after)
    return status[0]


def authorize(session: Session, ports: Ports, user_id: str, dossier: Dossier, pin: str | None,
              now: datetime) -> None:
    """Check ``pin`` on the user's key for the dossier's commune and seal it for the job."""
    from signing.errors import SigningError

    decision = session.scalar(select(Decision).where(Decision.dossier_id == dossier.id))
    if decision is None or decision.pdf_sha256 is None:
        raise SigningRefused("not_rendered", "the decision is not rendered yet: nothing to approve")
    if president_grant(session, user_id, dossier.commune_code, now.date()) is None:
        raise SigningRefused("no_grant", "you do not hold the president's role for this commune today")
    store = ports.keystore
    key = key_of(session, dossier.commune_code, "president", user_id, now) if store is not None else None
    if key is None:
        if store is not None and has_key(session, dossier.commune_code, user_id):
            raise SigningRefused("key_inactive", "your signature key for this commune is expired or revoked: "
                                 "renew it before signing")
        if ports.signer() is None:
            raise SigningRefused("no_key", "you have no signature key for this commune: enrol one first")
        return  # no key of one's own: the installation's key signs (see signing.sign_approved)
    if not pin:
        raise SigningRefused("pin_required", "type the PIN of your signature key to approve and sign")
    signer = store.unlock(key, pin)
    try:
        signer.check_revocation()  # a revoked certificate is refused now, not in the job
    except SigningError as exc:
        raise SigningRefused("key_unusable", f"your key cannot sign: {exc}") from None
    finally:
        signer.close()
    authorization.issue(session, store, dossier_id=dossier.id, document_sha256=decision.pdf_sha256, key=key,
                        user_id=user_id, pin=pin, now=now)
