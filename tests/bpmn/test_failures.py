"""Handlers that fail: nothing is lost, the failure is visible, a retry can finish the job."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from engine import Actor, HandlerFailed, StepFailed
from engine.models import AuditEvent, OutboxMessage
from engine.outbox import MAX_ATTEMPTS
from tests.bpmn.helpers import instance, outbox_rows, ready_tasks
from tests.conftest import AGENT, APPLICANT


def test_a_failing_sync_handler_rolls_the_step_back(engine, sessions, faults) -> None:
    iid = engine.start("approval", {"applicant_id": APPLICANT.user_id}, APPLICANT, scope="casa")
    [review] = ready_tasks(sessions, iid)
    before = instance(sessions, iid)
    faults["test.notify"] = RuntimeError("SMTP server unreachable")
    with pytest.raises(StepFailed, match="notify.*SMTP server unreachable") as failed:
        engine.complete(review.id, {"complete": True}, AGENT)
    assert isinstance(failed.value.cause, HandlerFailed) and failed.value.element == "notify"
    assert _incident(sessions, failed.value.incident_id).startswith("notify")
    after = instance(sessions, iid)
    assert (after.version, after.state, after.audit_seq) == (before.version, before.state, before.audit_seq)
    assert [t.id for t in ready_tasks(sessions, iid)] == [review.id]  # still to do


def test_a_failing_async_handler_is_retried_then_marked_failed(engine, sessions, faults) -> None:
    iid = engine.start("commission", {"members": ["m1"]}, AGENT, scope="casa")
    [opinion] = ready_tasks(sessions, iid)
    engine.complete(opinion.id, {"avis": "favorable"}, Actor("m1"))
    faults["test.sign"] = ConnectionError("HSM busy")
    for attempt in range(1, MAX_ATTEMPTS + 1):
        [job] = outbox_rows(sessions, iid)
        engine.run_outbox_message(job.id)
        [job] = outbox_rows(sessions, iid)
        assert job.attempts == attempt and "HSM busy" in job.last_error
    assert job.status == "failed"  # an incident, visible, not dropped
    assert instance(sessions, iid).status == "running"
    assert engine.drain_outbox() == 0  # failed jobs are not retried blindly
    del faults["test.sign"]
    # the task is still READY in the workflow: running it (an admin's retry) completes it
    assert engine.run_service_task(iid, job.task_id) is True
    assert instance(sessions, iid).status == "completed"


def test_audit_verify_detects_a_deleted_event(engine, sessions, db_engine) -> None:
    from engine import audit
    iid = engine.start("approval", {"applicant_id": APPLICANT.user_id}, APPLICANT, scope="casa")
    [review] = ready_tasks(sessions, iid)
    engine.complete(review.id, {"complete": True}, AGENT)
    with sessions() as s:
        assert audit.verify(s) == (1, [])
    from tests.tamper import as_dba
    with sessions() as s:
        last = s.scalar(sa.select(sa.func.max(AuditEvent.seq)).where(AuditEvent.instance_id == iid))
    with sessions.begin() as s, pytest.raises(sa.exc.DBAPIError, match="append-only"):
        s.execute(sa.delete(AuditEvent).where(AuditEvent.instance_id == iid))  # the app cannot
    with db_engine.begin() as conn, as_dba(conn):
        conn.execute(sa.delete(AuditEvent).where(AuditEvent.instance_id == iid, AuditEvent.seq == last))
    with sessions() as s:
        checked, [broken] = audit.verify(s)
    assert broken.instance_id == iid and "removed" in broken.reason
    with db_engine.begin() as conn, as_dba(conn):
        conn.execute(sa.delete(AuditEvent).where(AuditEvent.instance_id == iid, AuditEvent.seq == 2))
    with sessions() as s:
        _, [broken] = audit.verify(s)
    assert broken.seq == 3 and "event #2 is missing" in broken.reason


def _incident(sessions, incident_id: int | None) -> str:  # noqa: ANN001
    with sessions() as s:
        msg = s.get(OutboxMessage, incident_id)
        assert msg is not None and msg.kind == "incident" and msg.status == "failed"
        return msg.last_error or ""


def test_a_script_error_is_an_incident_and_changes_nothing(engine, sessions) -> None:
    iid = engine.start("broken_script", {}, AGENT, scope="casa")
    [ask] = ready_tasks(sessions, iid)
    before = instance(sessions, iid)
    with pytest.raises(StepFailed) as failed:
        engine.complete(ask.id, {"note": "x"}, AGENT)
    assert failed.value.element == "compute" and "undefined_rate" in str(failed.value)
    after = instance(sessions, iid)
    assert (after.version, after.state) == (before.version, before.state)
    assert [t.id for t in ready_tasks(sessions, iid)] == [ask.id]
    assert "compute" in _incident(sessions, failed.value.incident_id)
    with sessions() as s:
        assert s.get(OutboxMessage, failed.value.incident_id).instance_id == iid  # on the dossier's instance
