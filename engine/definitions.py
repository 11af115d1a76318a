"""Deployments: each compiled process stored immutably by content hash, versioned per key."""
from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, func, select
from sqlalchemy.orm import Session, undefer

from .compiler import CompiledProcess
from .errors import NotFound
from .models import ProcessDefinition, ProcessInstance
from .sources import FORM_SUFFIX, UI_SUFFIX
from .specs import SERIALIZER_VERSION, SpecCache, spec_from_dict
from .versions import diff_summary

SPECS = SpecCache()


@dataclass(frozen=True)
class DeployOutcome:
    process_key: str
    version: int
    content_hash: str
    created: bool  # False: identical content was already deployed (a no-op)


def deploy(session: Session, processes: list[CompiledProcess], *, by: str | None,
           comment: str | None, now: datetime, restore: bool = False) -> list[DeployOutcome]:
    """Store each process whose content is new; unchanged ones are left as they are.

    Content deployed before but no longer the newest is left alone too (re-running
    ``guichet processes deploy`` on an old checkout must not undo the studio's versions),
    unless ``restore``: then it becomes a new, newest version (an analyst going back)."""
    outcomes = []
    for proc in processes:
        previous = session.scalar(select(ProcessDefinition).options(undefer(ProcessDefinition.sources))
                                  .where(ProcessDefinition.process_key == proc.key)
                                  .order_by(ProcessDefinition.version.desc()).limit(1))
        same = _same_content(session, proc, previous, restore)
        if same is not None:
            outcomes.append(DeployOutcome(proc.key, same.version, proc.content_hash, False))
            continue
        last = previous.version if previous is not None else 0
        row = ProcessDefinition(
            process_key=proc.key, version=last + 1, content_hash=proc.content_hash, name=proc.name,
            spec=json.dumps(proc.spec_dict, ensure_ascii=False), forms=proc.forms,
            sources=proc.sources, serializer_version=SERIALIZER_VERSION, deployed_at=now,
            deployed_by=by, comment=comment,
            diff_summary=diff_summary(previous.sources, proc.sources) if previous is not None else None)
        session.add(row)
        session.flush()
        outcomes.append(DeployOutcome(proc.key, row.version, proc.content_hash, True))
    return outcomes


def _same_content(session: Session, proc: CompiledProcess, newest: ProcessDefinition | None,
                  restore: bool) -> ProcessDefinition | None:
    """The version that already holds ``proc``'s content and makes deploying it a no-op."""
    if newest is None:
        return None
    if newest.content_hash == proc.content_hash:
        return newest
    if restore:
        return None
    return session.scalar(select(ProcessDefinition).where(ProcessDefinition.process_key == proc.key,
                                                          ProcessDefinition.content_hash == proc.content_hash)
                          .order_by(ProcessDefinition.version.desc()).limit(1))


_LATEST_ID = (select(ProcessDefinition.id).where(ProcessDefinition.process_key == bindparam("key"))
              .order_by(ProcessDefinition.version.desc()).limit(1))


def latest_id(session: Session, process_key: str) -> int:
    """The id of the newest version of ``process_key``: asked at every start, so a new
    deployment is used at once by every node, without a restart."""
    found = session.scalar(_LATEST_ID, {"key": process_key})
    if found is None:
        raise NotFound(f"no deployed process '{process_key}'")
    return found


def listing(session: Session) -> list[ProcessDefinition]:
    return list(session.scalars(select(ProcessDefinition)
                                .order_by(ProcessDefinition.process_key, ProcessDefinition.version)))


@dataclass(frozen=True)
class LoadedDefinition:
    spec: Any
    subprocess_specs: dict[str, Any]
    forms: dict[str, Any]


def load(definition: ProcessDefinition) -> LoadedDefinition:
    """The spec objects of a definition, rebuilt once per process and shared read-only."""
    spec, subs, forms = SPECS.get(definition.content_hash, lambda: _loaded(definition))
    return LoadedDefinition(spec, subs, forms)


def _loaded(definition: ProcessDefinition) -> tuple[Any, dict[str, Any], dict[str, Any]]:
    spec, subs = spec_from_dict(json.loads(definition.spec))
    return spec, subs, dict(definition.forms)


def latest_versions(session: Session) -> list[ProcessDefinition]:
    """The newest version of each process key (light columns only)."""
    newest = (select(ProcessDefinition.process_key, func.max(ProcessDefinition.version).label("v"))
              .group_by(ProcessDefinition.process_key).subquery())
    query = (select(ProcessDefinition)
             .join(newest, (ProcessDefinition.process_key == newest.c.process_key)
                   & (ProcessDefinition.version == newest.c.v))
             .order_by(ProcessDefinition.process_key))
    return list(session.scalars(query))


def form_of(session: Session, instance_id: int, name: str) -> tuple[dict[str, Any], dict[str, Any] | None] | None:
    """A task's form as deployed with its instance's version: (schema, UI hints or None when
    the version carries none), or None when that version has no such form."""
    found = session.execute(select(ProcessDefinition.id, ProcessDefinition.content_hash).join(
        ProcessInstance, ProcessInstance.definition_id == ProcessDefinition.id).where(
        ProcessInstance.id == instance_id)).first()
    if found is None:
        return None

    def build() -> tuple[Any, dict[str, Any], dict[str, Any]]:  # the full row only on a cache miss
        return _loaded(session.get_one(ProcessDefinition, found.id))
    forms = SPECS.get(found.content_hash, build)[2]
    if name not in forms:
        return None
    return forms[name], forms.get(name.removesuffix(FORM_SUFFIX) + UI_SUFFIX)
