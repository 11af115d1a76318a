"""Append-only audit trail, hash-chained per instance, and its verification."""
from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from . import checkpoints
from .models import AuditEvent, ProcessInstance
from .store import InstanceState


def digest(data: Mapping[str, Any] | None) -> str | None:
    """sha256 of the canonical JSON of ``data`` (the audit keeps digests, not personal data)."""
    if data is None:
        return None
    blob = json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()


_LINK_FIELDS = ("instance_id", "seq", "at", "actor", "action", "task_id", "bpmn_id", "data_digest")


def _link_hash(prev: str, ev: Mapping[str, Any]) -> str:
    body = json.dumps([ev[k].isoformat() if k == "at" else ev[k] for k in _LINK_FIELDS],
                      separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(f"{prev}|{body}".encode()).hexdigest()


def append(instance: InstanceState, *, action: str, actor: str | None, at: datetime,
           task_id: str | None = None, bpmn_id: str | None = None,
           data: Mapping[str, Any] | None = None) -> None:
    """Queue the next link of ``instance``'s chain; it is written with the step (under its lock)."""
    ev: dict[str, Any] = {
        "instance_id": instance.id, "seq": instance.audit_seq + 1, "at": at, "actor": actor,
        "action": action, "task_id": task_id, "bpmn_id": bpmn_id, "data_digest": digest(data),
        "prev_hash": instance.audit_head}
    ev["hash"] = _link_hash(ev["prev_hash"], ev)
    instance.audit_seq, instance.audit_head = ev["seq"], ev["hash"]
    instance.pending_audit.append(ev)


@dataclass(frozen=True)
class BrokenLink:
    instance_id: int | None  # None: a checkpoint, not a chain
    seq: int | None
    event_id: int | None
    reason: str

    def __str__(self) -> str:
        if self.instance_id is None:
            return self.reason
        where = f"instance {self.instance_id}"
        if self.seq is not None:
            where += f", event #{self.seq}" + (f" (id {self.event_id})" if self.event_id is not None else "")
        return f"{where}: {self.reason}"


def _check_chain(instance: ProcessInstance, events: Iterable[AuditEvent]) -> BrokenLink | None:
    prev, expected_seq = "", 1
    for ev in events:
        if ev.seq != expected_seq:
            return BrokenLink(instance.id, ev.seq, ev.id, f"event #{expected_seq} is missing")
        if ev.prev_hash != prev:
            return BrokenLink(instance.id, ev.seq, ev.id, "does not point at the previous event")
        if _link_hash(prev, {k: getattr(ev, k) for k in _LINK_FIELDS}) != ev.hash:
            return BrokenLink(instance.id, ev.seq, ev.id, "content was altered after it was written")
        prev, expected_seq = ev.hash, expected_seq + 1
    if (instance.audit_seq or 0) != expected_seq - 1 or (instance.audit_head or "") != prev:
        return BrokenLink(instance.id, None, None,
                          f"chain ends at #{expected_seq - 1} but the instance recorded "
                          f"#{instance.audit_seq}: events were removed")
    return None


def verify(session: Session, instance_ids: Iterable[int] | None = None, *,
           key: checkpoints.CheckpointKey | None = None,
           mirror: Path | None = None) -> tuple[int, list[BrokenLink]]:
    """Check every chain (or the given ones); return how many were checked and the first
    broken link of each broken chain. With the checkpoint ``key``, every chain must also hold
    the heads its signed checkpoints recorded, and a checkpoint that does not verify is
    reported: rewriting, truncating or re-hashing history, or forging a checkpoint, is found."""
    query = select(ProcessInstance).order_by(ProcessInstance.id)
    if instance_ids is not None:
        query = query.where(ProcessInstance.id.in_(list(instance_ids)))
    broken: list[BrokenLink] = []
    expected: dict[int, dict[int, tuple[str, str]]] = {}
    if key is not None:
        good, forged = checkpoints.load(session, key, mirror)
        broken.extend(BrokenLink(None, None, None, reason) for reason in forged)
        expected = checkpoints.expected_heads(good)
    checked = 0
    for instance in session.scalars(query.execution_options(yield_per=500)):
        events = list(session.scalars(select(AuditEvent).where(AuditEvent.instance_id == instance.id)
                                      .order_by(AuditEvent.seq)))
        checked += 1
        link = _check_chain(instance, events)
        contradiction = checkpoints.check(expected.pop(instance.id, {}), {ev.seq: ev.hash for ev in events})
        if contradiction is not None:
            seq, reason = contradiction
            event_id = next((ev.id for ev in events if ev.seq == seq), None)
            link = BrokenLink(instance.id, seq, event_id, reason)
        if link is not None:
            broken.append(link)
    if instance_ids is None:
        broken.extend(BrokenLink(iid, None, None, "the instance was deleted after a checkpoint recorded it")
                      for iid in sorted(expected))
    return checked, broken
