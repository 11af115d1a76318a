"""Checkpoints of the audit chains, signed with a key the database does not hold.

The hash chain alone proves nothing against someone who can write to the database: they can
rewrite an event and re-hash every later link and ``audit_head``, or delete the last link and
rewind ``audit_seq``. A checkpoint records ``(instance, seq, head hash)`` for the chains that
moved, signed with HMAC-SHA256 under a key kept in a file outside the database
(``GUICHET_AUDIT_KEY``); ``audit verify`` then checks every chain against every checkpoint
whose signature holds, and reports a checkpoint whose signature does not (forged without the
key). Checkpoints are stored in ``audit_checkpoint`` and mirrored as files outside the
database, so deleting the rows does not delete the evidence. When a time-stamping authority
is configured, each checkpoint also carries its RFC 3161 token.

Written by the periodic round (the chains that moved since the last round) and at each
decision (that dossier's chain).
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
import os
import secrets
import tempfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from .models import AuditCheckpoint, AuditEvent, ProcessInstance

log = logging.getLogger(__name__)

Timestamper = Callable[[bytes], bytes]  # RFC 3161: data → DER token
OVERLAP = 1000  # audit event ids a scheduled checkpoint looks back past the last watermark


@dataclass(frozen=True)
class CheckpointKey:
    """The HMAC key; ``key_id`` names it without revealing it."""

    secret: bytes

    @property
    def key_id(self) -> str:
        return hashlib.sha256(b"guichet-audit-key|" + self.secret).hexdigest()[:16]

    def sign(self, payload: str) -> str:
        return hmac.new(self.secret, payload.encode("utf-8"), hashlib.sha256).hexdigest()

    def verifies(self, payload: str, signature: str) -> bool:
        return hmac.compare_digest(self.sign(payload), signature)

    @classmethod
    def load(cls, path: str | Path, *, create: bool = False) -> CheckpointKey:
        """The key in ``path`` (hex); ``create``: generate it there first when absent (set-up)."""
        path = Path(path)
        if create:
            create_secret_file(path, secrets.token_hex(32))
        return cls(bytes.fromhex(path.read_text().strip()))


def create_secret_file(path: Path, content: str) -> None:
    """Write ``content`` to ``path`` (mode 0600) unless it exists. Safe when several processes
    start at once (the server and its workers): the content is written to a private temporary
    file and linked into place, so the first writer wins whole and nobody reads half a key."""
    if path.exists():
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(fd, "w") as fh:
            fh.write(content)
        try:
            os.link(tmp, path)
        except FileExistsError:
            pass  # another process created it first: its key is the key
    finally:
        os.unlink(tmp)


@dataclass(frozen=True)
class Checkpoint:
    """A verified checkpoint: its entries are ``(instance id, seq, head hash)``."""

    ref: str
    entries: list[tuple[int, int, str]]


def _heads(session: Session, instance_ids: Iterable[int]) -> list[tuple[int, int, str]]:
    ids = sorted(set(instance_ids))
    rows: list[tuple[int, int, str]] = []
    for start in range(0, len(ids), 1000):
        rows.extend((r.id, r.audit_seq, r.audit_head) for r in session.execute(
            select(ProcessInstance.id, ProcessInstance.audit_seq, ProcessInstance.audit_head)
            .where(ProcessInstance.id.in_(ids[start:start + 1000]), ProcessInstance.audit_seq > 0)))
    return sorted(rows)


def checkpoint(session: Session, key: CheckpointKey, now: datetime, *, reason: str = "schedule",
               instance_ids: Iterable[int] | None = None, mirror: Path | None = None,
               timestamper: Timestamper | None = None) -> AuditCheckpoint | None:
    """Sign the heads of ``instance_ids`` (default: every chain with events written since the
    last scheduled checkpoint) in ``session``'s transaction; None when nothing moved."""
    upto = None
    if instance_ids is None:
        since = session.scalar(select(func.max(AuditCheckpoint.upto_event_id))) or 0
        upto = session.scalar(select(func.max(AuditEvent.id))) or 0
        if upto <= since:
            return None  # nothing moved
        # Ids are handed out before commit, so a slow step may commit an event whose id is
        # below the last watermark: look back OVERLAP ids to seal such chains too.
        instance_ids = session.scalars(select(AuditEvent.instance_id).where(AuditEvent.id > since - OVERLAP)
                                       .where(AuditEvent.id <= upto).distinct())
    entries = _heads(session, instance_ids)
    if not entries:
        return None
    payload = json.dumps({"at": now.isoformat(), "reason": reason, "key": key.key_id,
                          "entries": [list(e) for e in entries]}, separators=(",", ":"))
    token = None
    if timestamper is not None:
        try:
            token = timestamper(payload.encode("utf-8"))
        except Exception as exc:  # noqa: BLE001 - the signed checkpoint stands without its stamp
            log.warning("no time stamp for the audit checkpoint: %s", exc)
    row = AuditCheckpoint(at=now, reason=reason, upto_event_id=upto, payload=payload, key_id=key.key_id,
                          signature=key.sign(payload), tsa_token=token)
    session.add(row)
    if mirror is not None:
        _write_mirror(mirror, row)
    return row


def _write_mirror(directory: Path, row: AuditCheckpoint) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    record = {"payload": row.payload, "signature": row.signature,
              "tsa_token": base64.b64encode(row.tsa_token).decode() if row.tsa_token else None}
    target = directory / f"{row.at.strftime('%Y%m%dT%H%M%S%f')}-{row.signature[:16]}.json"
    tmp = target.with_suffix(".tmp")
    tmp.write_text(json.dumps(record))
    os.replace(tmp, target)


def load(session: Session, key: CheckpointKey, mirror: Path | None = None) -> tuple[list[Checkpoint], list[str]]:
    """Every checkpoint whose signature holds (database rows and mirrored files, once each),
    and a description of each one whose signature does not."""
    found: dict[str, tuple[str, str]] = {}  # signature → (where, payload)
    for row in session.execute(select(AuditCheckpoint.id, AuditCheckpoint.payload, AuditCheckpoint.signature)):
        found.setdefault(row.signature, (f"checkpoint {row.id}", row.payload))
    if mirror is not None and mirror.is_dir():
        for path in sorted(mirror.glob("*.json")):
            try:
                record = json.loads(path.read_text())
                found.setdefault(str(record["signature"]), (f"checkpoint file {path.name}", str(record["payload"])))
            except (OSError, ValueError, KeyError, TypeError):
                found.setdefault(path.name, (f"checkpoint file {path.name}", ""))
    good: list[Checkpoint] = []
    forged: list[str] = []
    for signature, (where, payload) in found.items():
        if not key.verifies(payload, signature):
            forged.append(f"{where}: its signature does not verify (forged, or signed with another key)")
            continue
        entries = [(int(i), int(s), str(h)) for i, s, h in json.loads(payload)["entries"]]
        good.append(Checkpoint(where, entries))
    return good, forged


def expected_heads(checkpoints: Iterable[Checkpoint]) -> dict[int, dict[int, tuple[str, str]]]:
    """instance id → seq → (head hash, the checkpoint that recorded it)."""
    heads: dict[int, dict[int, tuple[str, str]]] = {}
    for cp in checkpoints:
        for instance_id, seq, head in cp.entries:
            heads.setdefault(instance_id, {})[seq] = (head, cp.ref)
    return heads


def check(expected: dict[int, tuple[str, str]], hashes: dict[int, str]) -> tuple[int, str] | None:
    """The first checkpointed link the chain ``hashes`` (seq → hash) contradicts, with why."""
    for seq in sorted(expected):
        head, ref = expected[seq]
        if seq not in hashes:
            return seq, f"{ref} recorded event #{seq}, which is gone: history was truncated"
        if hashes[seq] != head:
            return seq, f"{ref} recorded another hash for event #{seq}: history was rewritten"
    return None


def summary(checkpoints: list[Checkpoint]) -> dict[str, Any]:
    return {"checkpoints": len(checkpoints), "chains": len({e[0] for cp in checkpoints for e in cp.entries})}
