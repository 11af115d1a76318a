"""Small queries tests use to look at projections and the audit trail."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from engine.models import AuditEvent, HumanTask, OutboxMessage, ProcessInstance


def ready_tasks(sessions: sessionmaker[Session], instance_id: int) -> list[HumanTask]:
    with sessions() as s:
        return list(s.scalars(select(HumanTask).where(HumanTask.instance_id == instance_id,
                                                      HumanTask.state == "READY")
                              .order_by(HumanTask.assignee, HumanTask.bpmn_id)))


def instance(sessions: sessionmaker[Session], instance_id: int) -> ProcessInstance:
    with sessions() as s:
        inst = s.get(ProcessInstance, instance_id)
        assert inst is not None
        return inst


def actions(sessions: sessionmaker[Session], instance_id: int) -> list[str]:
    with sessions() as s:
        return list(s.scalars(select(AuditEvent.action).where(AuditEvent.instance_id == instance_id)
                              .order_by(AuditEvent.seq)))


def outbox_rows(sessions: sessionmaker[Session], instance_id: int) -> list[OutboxMessage]:
    with sessions() as s:
        return list(s.scalars(select(OutboxMessage).where(OutboxMessage.instance_id == instance_id)))
