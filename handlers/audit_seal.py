"""Sealing the audit trail: checkpoints of its chains signed with the key kept outside the
database (``engine.checkpoints``), by the periodic round and at each decision; checking the
stored files against their recorded sha256, and reporting an altered one as an incident."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select, union
from sqlalchemy.orm import Session

from engine import Engine, checkpoints
from engine.outbox import record_incident

from .dossier_models import CommissionSession, Decision, DocumentVersion
from .files import FileStore, StoredFileAltered
from .ports import Ports


def seal(session: Session, ports: Ports, now: datetime, *, reason: str = "schedule",
         instance_ids: list[int] | None = None) -> Any:
    """Write a signed checkpoint of the chains that moved (or of ``instance_ids``); None when
    no key is configured or nothing moved."""
    key = ports.audit_key()
    if key is None:
        return None
    return checkpoints.checkpoint(session, key, now, reason=reason, instance_ids=instance_ids,
                                  mirror=ports.audit_mirror, timestamper=ports.timestamper)


def verify_stored(session: Session, store: FileStore) -> tuple[int, list[str]]:
    """Every file the database names, re-hashed: how many, and what is wrong with which."""
    names: Any = union(select(DocumentVersion.sha256),
                  select(Decision.pdf_sha256).where(Decision.pdf_sha256.is_not(None)),
                  select(CommissionSession.minutes_sha256).where(CommissionSession.minutes_sha256.is_not(None)))
    problems, count = [], 0
    for (sha,) in session.execute(names):
        count += 1
        wrong = store.check(sha)
        if wrong is not None:
            problems.append(f"stored file {sha}: {wrong}")
    return count, problems


def report_altered(engine: Engine, exc: StoredFileAltered) -> int:
    """Record an altered or missing stored file as an incident; returns its id."""
    with engine.transaction(incidents=False) as session:
        return record_incident(session, None, str(exc), engine.clock())
