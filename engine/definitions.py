"""Deployments: each compiled process stored immutably by content hash, versioned per key."""
from __future__ import annotations

import json
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, func, select
from sqlalchemy.orm import Session, undefer

from .calls import calls_of
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
    newest: int | None = None  # not created, and ``version`` is an older one: the version left in service


def deploy(session: Session, processes: list[CompiledProcess], *, by: str | None,
           comment: str | None, now: datetime, restore: bool | Collection[str] = False) -> list[DeployOutcome]:
    """Store each process whose content is new; unchanged ones are left as they are.

    Content deployed before but no longer the newest is left alone too (re-running
    ``guichet processes deploy`` on an old checkout must not undo the studio's versions; a
    bundle carrying an older copy of a process it calls must not revert it), unless
    ``restore`` is true or names the process: then it becomes a new, newest version (an
    analyst going back to an earlier version of the process they opened)."""
    outcomes = []
    for proc in processes:
        back = restore if isinstance(restore, bool) else proc.key in restore
        previous = session.scalar(select(ProcessDefinition).options(undefer(ProcessDefinition.sources))
                                  .where(ProcessDefinition.process_key == proc.key)
                                  .order_by(ProcessDefinition.version.desc()).limit(1))
        same = _same_content(session, proc, previous, back)
        if same is not None:
            kept = previous.version if previous is not None and previous.version != same.version else None
            outcomes.append(DeployOutcome(proc.key, same.version, proc.content_hash, False, kept))
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
_VERSION_ID = select(ProcessDefinition.id).where(ProcessDefinition.process_key == bindparam("key"),
                                                 ProcessDefinition.version == bindparam("number"))


def latest_id(session: Session, process_key: str) -> int:
    """The id of the newest version of ``process_key``: asked at every start, so a new
    deployment is used at once by every node, without a restart."""
    found = find(session, process_key)
    if found is None:
        raise NotFound(f"no deployed process '{process_key}'")
    return found


def find(session: Session, process_key: str, number: int | None = None) -> int | None:
    """The id of version ``number`` of ``process_key`` (None: the newest), or None."""
    if number is None:
        return session.scalar(_LATEST_ID, {"key": process_key})
    if not 0 < number < 2**31:
        return None
    return session.scalar(_VERSION_ID, {"key": process_key, "number": number})


def newest_versions(session: Session) -> dict[str, int]:
    """Process key → its newest version number: what a call activity may name."""
    rows = session.execute(select(ProcessDefinition.process_key, func.max(ProcessDefinition.version))
                           .group_by(ProcessDefinition.process_key))
    return {key: number for key, number in rows}


def newest_sources(session: Session) -> dict[str, dict[str, str]]:
    """Process key → the source files of its newest version, in one query."""
    newest = select(func.max(ProcessDefinition.id)).group_by(ProcessDefinition.process_key)
    rows = session.execute(select(ProcessDefinition.process_key, ProcessDefinition.sources)
                           .where(ProcessDefinition.id.in_(newest)))
    return {key: dict(sources or {}) for key, sources in rows}


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


def called_rows(session: Session, definition: ProcessDefinition) -> list[ProcessDefinition]:
    """The versions of the processes ``definition`` calls (nested calls included) that a call
    starting now would run — the newest, or the pinned one — oldest deployment first."""
    seen, rows, todo = {definition.process_key}, [], [definition]
    while todo:
        loaded = load(todo.pop())
        for key, pin in sorted(calls_of(loaded.spec, loaded.subprocess_specs).items()):
            found = None if key in seen else find(session, key, pin)
            seen.add(key)
            if found is not None:
                row = session.get_one(ProcessDefinition, found)
                rows.append(row)
                todo.append(row)
    return sorted(rows, key=lambda r: (r.deployed_at, r.id))


def with_calls(session: Session, definition: ProcessDefinition) -> LoadedDefinition:
    """A definition's specs together with those of the processes it calls (as a call starting
    now would run them): what the cockpit shows inside a call activity."""
    loaded = load(definition)
    subs = dict(loaded.subprocess_specs)
    for row in called_rows(session, definition):
        other = load(row)
        subs.setdefault(other.spec.name, other.spec)
        for name, spec in other.subprocess_specs.items():
            subs.setdefault(name, spec)
    return LoadedDefinition(loaded.spec, subs, loaded.forms)


def latest_versions(session: Session) -> list[ProcessDefinition]:
    """The newest version of each process key (light columns only)."""
    newest = (select(ProcessDefinition.process_key, func.max(ProcessDefinition.version).label("v"))
              .group_by(ProcessDefinition.process_key).subquery())
    query = (select(ProcessDefinition)
             .join(newest, (ProcessDefinition.process_key == newest.c.process_key)
                   & (ProcessDefinition.version == newest.c.v))
             .order_by(ProcessDefinition.process_key))
    return list(session.scalars(query))


def form_of(session: Session, instance_id: int, name: str, task_id: str | None = None
            ) -> tuple[dict[str, Any], dict[str, Any] | None] | None:
    """A task's form as deployed with the version it runs on: (schema, UI hints or None when
    the version carries none), or None when that version has no such form. A task inside a
    called process (``task_id`` says which) takes the form of the version the call runs."""
    found = session.execute(select(ProcessInstance.definition_id, ProcessInstance.state).where(
        ProcessInstance.id == instance_id)).first()
    if found is None:
        return None
    for definition_id in [*called_definitions(found.state, task_id), found.definition_id]:
        forms = forms_of(session, definition_id)
        if name in forms:
            return forms[name], forms.get(name.removesuffix(FORM_SUFFIX) + UI_SUFFIX)
    return None


# A stored state records ``definition_id`` only in the sub-workflows of calls (engine/calls.py,
# engine/specs.py): without it, every task of the instance has its top definition's forms.
CALLS_MARKER = '"definition_id"'


@dataclass(frozen=True)
class TaskForm:
    """A task's form as deployed with the version it runs on, and its instance's version."""

    schema: dict[str, Any] | None  # None: that version has no such form
    ui: dict[str, Any] | None
    version: int


def instance_form_columns() -> tuple[Any, ...]:
    """Columns to select beside a task (joined to its instance and definition, see
    :func:`task_form`): what finding its form needs, without reading the state."""
    return (ProcessInstance.version.label("instance_version"), ProcessInstance.definition_id,
            ProcessDefinition.content_hash, ProcessInstance.state.contains(CALLS_MARKER).label("has_calls"))


def task_form(session: Session, row: Any, instance_id: int, name: str | None, task_id: str) -> TaskForm:
    """The form of a task from a row with :func:`instance_form_columns`: the deployed forms
    of the instance's definition (cached by content), or, when the instance has called
    processes, the version its call runs (:func:`form_of`, which reads the state)."""
    if not name:
        return TaskForm({"properties": {}}, None, row.instance_version)
    if row.has_calls:
        found = form_of(session, instance_id, name, task_id)
        return TaskForm(found[0] if found else None, found[1] if found else None, row.instance_version)
    definition_id = row.definition_id

    def build() -> tuple[Any, dict[str, Any], dict[str, Any]]:  # the full row only on a cache miss
        return _loaded(session.get_one(ProcessDefinition, definition_id))
    forms = SPECS.get(row.content_hash, build)[2]
    return TaskForm(forms.get(name), forms.get(name.removesuffix(FORM_SUFFIX) + UI_SUFFIX) if name in forms else None,
                    row.instance_version)


def forms_of(session: Session, definition_id: int) -> dict[str, Any]:
    """The forms deployed with a definition (cached with its specs)."""
    content_hash = session.scalar(select(ProcessDefinition.content_hash).where(ProcessDefinition.id == definition_id))
    if content_hash is None:
        return {}

    def build() -> tuple[Any, dict[str, Any], dict[str, Any]]:  # the full row only on a cache miss
        return _loaded(session.get_one(ProcessDefinition, definition_id))
    return SPECS.get(content_hash, build)[2]


def called_definitions(state: str, task_id: str | None = None) -> list[int]:
    """The definitions an instance's running calls use, as its stored state records them
    (engine/calls.py); with ``task_id``, only the one whose sub-workflow holds that task."""
    if not state:
        return []
    ids: list[int] = []
    for sub in json.loads(state).get("subprocesses", {}).values():
        number = sub.get("definition_id")
        if number is None:
            continue
        if task_id is not None:
            if task_id in sub.get("tasks", {}):
                return [number]
            continue
        ids.append(number)
    return sorted(set(ids), reverse=True)


_NEWEST_FORMS: dict[tuple[int, ...], dict[str, Any]] = {}


def newest_forms(session: Session) -> dict[str, Any]:
    """Every form of each process's newest version (schemas and UI hints), by name: one
    light query a session (a page listing many tasks asks once), the forms themselves read
    once per deployment."""
    transaction = session.get_transaction()
    memo = session.info.get("guichet.newest_forms")
    if memo is not None and transaction is not None and memo[0] is transaction:
        return memo[1]  # type: ignore[no-any-return]
    newest = (select(func.max(ProcessDefinition.id)).group_by(ProcessDefinition.process_key))
    ids = tuple(sorted(session.scalars(newest)))
    found = _NEWEST_FORMS.get(ids)
    if found is None:
        found = {}
        for forms in session.scalars(select(ProcessDefinition.forms).where(ProcessDefinition.id.in_(ids))
                                     .order_by(ProcessDefinition.id)):
            found.update(forms or {})
        _NEWEST_FORMS.clear()
        _NEWEST_FORMS[ids] = found
    session.info["guichet.newest_forms"] = (session.get_transaction(), found)
    return found
