"""The engine's tables. Plain SQLAlchemy: Flask-SQLAlchemy binds the same metadata.

Everything a list or inbox query needs lives in projections (``human_task``,
``process_instance`` columns), so no query ever deserializes a workflow.
"""
from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    DDL,
    JSON,
    BigInteger,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Text,
    UniqueConstraint,
    event,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator

# BigInteger ids on PostgreSQL, INTEGER (rowid alias, autoincrement) on SQLite.
Id = BigInteger().with_variant(Integer(), "sqlite")


class UTCDateTime(TypeDecorator[datetime]):
    """Aware UTC datetimes in Python on every backend (SQLite keeps no time zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    """Declarative base shared by the engine's and the domain's tables.

    Named constraints, so later migrations can alter them (SQLite rebuilds tables by name).
    """

    metadata = MetaData(naming_convention={
        "ix": "ix_%(column_0_label)s", "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s", "fk": "fk_%(table_name)s_%(column_0_name)s",
        "pk": "pk_%(table_name)s"})

    type_annotation_map = {datetime: UTCDateTime}


class ProcessDefinition(Base):
    """One deployed, immutable version of a process, identified by its content hash."""

    __tablename__ = "process_definition"
    __table_args__ = (UniqueConstraint("process_key", "version"),)

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    process_key: Mapped[str] = mapped_column(String(100), index=True)
    version: Mapped[int] = mapped_column(Integer)
    # not unique: going back to an earlier content is a new version with the same hash
    content_hash: Mapped[str] = mapped_column(String(64), index=True)
    name: Mapped[str] = mapped_column(String(255))
    spec: Mapped[str] = mapped_column(Text, deferred=True)  # JSON of the Spiff spec + called subprocess specs
    forms: Mapped[dict[str, Any]] = mapped_column(JSON, deferred=True)
    sources: Mapped[dict[str, str]] = mapped_column(JSON, deferred=True)
    serializer_version: Mapped[str] = mapped_column(String(20))
    deployed_at: Mapped[datetime] = mapped_column()
    deployed_by: Mapped[str | None] = mapped_column(String(100))
    comment: Mapped[str | None] = mapped_column(Text)
    # elements added / removed / changed since the previous version of the same key
    diff_summary: Mapped[dict[str, Any] | None] = mapped_column(JSON, deferred=True)


class ProcessDraft(Base):
    """An analyst's unsaved work on a process: one draft per analyst and process key."""

    __tablename__ = "process_draft"
    __table_args__ = (UniqueConstraint("process_key", "author"),)

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    process_key: Mapped[str] = mapped_column(String(100))
    author: Mapped[str] = mapped_column(String(100))
    base_version: Mapped[int | None] = mapped_column(Integer)
    files: Mapped[dict[str, str]] = mapped_column(JSON)
    forms: Mapped[dict[str, str]] = mapped_column(JSON)
    updated_at: Mapped[datetime] = mapped_column()


class ProcessInstance(Base):
    """One running (or finished) process; ``state`` is the Spiff state without its spec."""

    __tablename__ = "process_instance"
    __table_args__ = (Index("ix_process_instance_next_timer", "next_timer_at"),)

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    definition_id: Mapped[int] = mapped_column(ForeignKey("process_definition.id"), index=True)
    process_key: Mapped[str] = mapped_column(String(100))
    business_key: Mapped[str | None] = mapped_column(String(100), index=True)
    scope: Mapped[str | None] = mapped_column(String(100))
    status: Mapped[str] = mapped_column(String(20))  # running | completed
    state: Mapped[str] = mapped_column(Text)
    serializer_version: Mapped[str] = mapped_column(String(20))
    version: Mapped[int] = mapped_column(Integer, nullable=False)
    next_timer_at: Mapped[datetime | None] = mapped_column()
    audit_seq: Mapped[int] = mapped_column(Integer, default=0)
    audit_head: Mapped[str] = mapped_column(String(64), default="")
    started_by: Mapped[str | None] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column()
    updated_at: Mapped[datetime] = mapped_column()


class HumanTask(Base):
    """Projection of one user task: what inboxes list and who may complete it."""

    __tablename__ = "human_task"
    __table_args__ = (
        Index("ix_human_task_inbox", "state", "role", "scope", "due_at"),
        Index("ix_human_task_assignee", "assignee", "state", "due_at"),
        Index("ix_human_task_instance", "instance_id", "state"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)  # the Spiff task id
    instance_id: Mapped[int] = mapped_column(ForeignKey("process_instance.id"))
    bpmn_id: Mapped[str] = mapped_column(String(255))
    title: Mapped[str] = mapped_column(String(255))
    lane: Mapped[str | None] = mapped_column(String(100))
    role: Mapped[str | None] = mapped_column(String(50))
    scope: Mapped[str | None] = mapped_column(String(100))
    assignee: Mapped[str | None] = mapped_column(String(100))
    first_assignee: Mapped[str | None] = mapped_column(String(100))  # set when first reassigned: whose it was
    claimed_by: Mapped[str | None] = mapped_column(String(100))
    form: Mapped[str | None] = mapped_column(String(255))
    due_at: Mapped[datetime | None] = mapped_column()
    state: Mapped[str] = mapped_column(String(20))  # READY | COMPLETED | CANCELLED
    created_at: Mapped[datetime] = mapped_column()
    completed_by: Mapped[str | None] = mapped_column(String(100))
    completed_at: Mapped[datetime | None] = mapped_column()
    reminded_at: Mapped[datetime | None] = mapped_column()  # deadline reminder sent
    breached_at: Mapped[datetime | None] = mapped_column()  # breach notice sent


class AuditEvent(Base):
    """Append-only, hash-chained per instance: ``hash = sha256(prev_hash + event)``."""

    __tablename__ = "audit_event"
    __table_args__ = (UniqueConstraint("instance_id", "seq"),)

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    instance_id: Mapped[int] = mapped_column(ForeignKey("process_instance.id"))
    seq: Mapped[int] = mapped_column(Integer)
    at: Mapped[datetime] = mapped_column()
    actor: Mapped[str | None] = mapped_column(String(100))
    action: Mapped[str] = mapped_column(String(50))
    task_id: Mapped[str | None] = mapped_column(String(36))
    bpmn_id: Mapped[str | None] = mapped_column(String(255))
    data_digest: Mapped[str | None] = mapped_column(String(64))
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


class AuditCheckpoint(Base):
    """Chain heads signed with a key the database does not hold (``engine.checkpoints``):
    ``payload`` is the exact JSON that was signed, ``tsa_token`` its RFC 3161 time stamp."""

    __tablename__ = "audit_checkpoint"

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    at: Mapped[datetime] = mapped_column()
    reason: Mapped[str] = mapped_column(String(30))
    upto_event_id: Mapped[int | None] = mapped_column(Id)
    payload: Mapped[str] = mapped_column(Text)
    key_id: Mapped[str] = mapped_column(String(16))
    signature: Mapped[str] = mapped_column(String(64))
    tsa_token: Mapped[bytes | None] = mapped_column(LargeBinary)


class OutboxMessage(Base):
    """A job written in the same transaction as the step that calls for it."""

    __tablename__ = "outbox"
    __table_args__ = (Index("ix_outbox_pending", "status", "id"),)

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    kind: Mapped[str] = mapped_column(String(50))  # service_task | notification
    instance_id: Mapped[int | None] = mapped_column(ForeignKey("process_instance.id"))
    task_id: Mapped[str | None] = mapped_column(String(36), index=True)
    operator: Mapped[str | None] = mapped_column(String(100))
    ref: Mapped[str | None] = mapped_column(String(100))  # what a non-service job is about
    status: Mapped[str] = mapped_column(String(20))  # pending | done | failed
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column()
    published_at: Mapped[datetime | None] = mapped_column()
    done_at: Mapped[datetime | None] = mapped_column()


# Audit rows are append-only, enforced by the database itself (migration 0002 installs the
# same triggers; these DDL events give them to schemas made with ``create_all`` too).
_PG_APPEND_ONLY = DDL(
    "CREATE OR REPLACE FUNCTION audit_event_append_only() RETURNS trigger AS $$ BEGIN "
    "RAISE EXCEPTION 'audit_event is append-only: %% refused', TG_OP USING ERRCODE = 'insufficient_privilege'; "
    "END; $$ LANGUAGE plpgsql; "
    "CREATE TRIGGER audit_event_append_only BEFORE UPDATE OR DELETE ON audit_event "
    "FOR EACH ROW EXECUTE FUNCTION audit_event_append_only()").execute_if(dialect="postgresql")
event.listen(AuditEvent.__table__, "after_create", _PG_APPEND_ONLY)
for _action in ("UPDATE", "DELETE"):
    event.listen(AuditEvent.__table__, "after_create", DDL(
        f"CREATE TRIGGER audit_event_no_{_action.lower()} BEFORE {_action} ON audit_event "
        "BEGIN SELECT RAISE(ABORT, 'audit_event is append-only'); END").execute_if(dialect="sqlite"))
