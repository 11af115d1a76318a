"""The deployed catalog: immutable versions in the database, the same on every node.

A dossier keeps the catalog version it was filed under (``Dossier.catalog_id``), so its
checklist and filing form never change under it; new dossiers take the newest version,
looked up at each filing (a deployment is used at once by every node, without a restart).
Versions are immutable, so each is built once per process and cached by id.
"""
from __future__ import annotations

import json
import threading
from collections import OrderedDict
from collections.abc import Mapping
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import JSON, Integer, String, Text, select
from sqlalchemy.orm import Mapped, Session, mapped_column, undefer

from engine import Base, NotFound
from engine.db import per_engine
from engine.rawsql import Hot

from . import catalog as _catalog
from . import catalog_yaml
from .catalog import Catalog, CatalogError
from .catalog_problems import Problem


class CatalogVersion(Base):
    """One deployed, immutable version of the catalog (with its filing forms)."""

    __tablename__ = "catalog_version"

    id: Mapped[int] = mapped_column(primary_key=True)
    version: Mapped[int] = mapped_column(Integer, unique=True)
    content_hash: Mapped[str] = mapped_column(String(64), index=True)
    content: Mapped[dict[str, Any]] = mapped_column(JSON, deferred=True)
    forms: Mapped[dict[str, Any]] = mapped_column(JSON, deferred=True)
    deployed_at: Mapped[datetime] = mapped_column()
    deployed_by: Mapped[str | None] = mapped_column(String(100))
    comment: Mapped[str | None] = mapped_column(Text)
    # what changed since the previous version: procedures, statuses, documents, messages, forms
    changes: Mapped[dict[str, Any] | None] = mapped_column(JSON, deferred=True)


class CatalogDraft(Base):
    """An analyst's catalog being edited: one per analyst, on top of a deployed version."""

    __tablename__ = "catalog_draft"

    author: Mapped[str] = mapped_column(String(100), primary_key=True)
    base_version: Mapped[int | None] = mapped_column(Integer)
    content: Mapped[dict[str, Any]] = mapped_column(JSON)
    forms: Mapped[dict[str, Any]] = mapped_column(JSON)
    updated_at: Mapped[datetime] = mapped_column()


class _Cache:
    """Built catalogs by (database, version id) — versions are immutable: bounded, shared by
    every thread, no query on a hit (the database's URL keeps tests' databases apart)."""

    def __init__(self, size: int = 16):
        self._rows: OrderedDict[tuple[str, int], Catalog] = OrderedDict()
        self._lock = threading.Lock()
        self._size = size

    def clear(self) -> None:
        """Forget every version (a database emptied and refilled under the same URL: tests)."""
        with self._lock:
            self._rows.clear()

    def get(self, session: Session, catalog_id: int) -> Catalog:
        key = (per_engine(session.get_bind().engine, "url", lambda e: str(e.url)), catalog_id)  # written out once
        with self._lock:
            found = self._rows.get(key)
            if found is not None:
                self._rows.move_to_end(key)
                return found
        row = session.scalar(select(CatalogVersion).options(undefer(CatalogVersion.content),
                                                            undefer(CatalogVersion.forms))
                             .where(CatalogVersion.id == catalog_id))
        if row is None:
            raise NotFound(f"version {catalog_id} du catalogue introuvable")
        built = _build(row)
        with self._lock:
            self._rows[key] = built
            while len(self._rows) > self._size:
                self._rows.popitem(last=False)
        return built


def _build(row: CatalogVersion) -> Catalog:
    loaded = _catalog.from_dict(row.content, row.forms)
    return Catalog(loaded.procedures, loaded.statuses, loaded.documents, loaded.messages, loaded.forms,
                   version=row.version, id=row.id)


CACHE = _Cache()
EMPTY = Catalog({}, {})
_NEWEST = Hot(select(CatalogVersion.id).order_by(CatalogVersion.version.desc()).limit(1))


NEWEST = "guichet.catalog.newest"  # session.info: (transaction, the newest version's id)


def newest_id(session: Session) -> int | None:
    """The newest version's id: looked up once per transaction (a request, a step), so every
    node follows a deployment at its next request without a restart."""
    transaction = session.get_transaction()
    memo = session.info.get(NEWEST)
    if memo is None or memo[0] is not transaction or transaction is None:
        value = _NEWEST.scalar(session, {})
        memo = (session.get_transaction(), value)  # the query began the transaction, if none was
        session.info[NEWEST] = memo
    return None if memo[1] is None else int(memo[1])


def current(session: Session, catalog_id: int | None = None) -> Catalog:
    """The catalog version ``catalog_id`` (a dossier's), else the newest deployed one."""
    if catalog_id is None:
        catalog_id = newest_id(session)
        if catalog_id is None:  # nothing deployed yet: no procedure to offer
            return EMPTY
    return CACHE.get(session, catalog_id)


def _changes(before: Catalog | None, after: Catalog) -> dict[str, list[str]]:
    old = before.to_dict() if before is not None else {}
    new = after.to_dict()
    out: dict[str, list[str]] = {}
    for section in ("procedures", "statuses", "documents", "messages"):
        a, b = old.get(section, {}), new[section]
        out[section] = sorted([f"+{k}" for k in b.keys() - a.keys()] + [f"-{k}" for k in a.keys() - b.keys()]
                              + [f"~{k}" for k in a.keys() & b.keys() if a[k] != b[k]])
    a_forms, b_forms = (before.forms if before else {}), after.forms
    out["forms"] = sorted([f"+{k}" for k in b_forms.keys() - a_forms.keys()]
                          + [f"-{k}" for k in a_forms.keys() - b_forms.keys()]
                          + [f"~{k}" for k in a_forms.keys() & b_forms.keys() if a_forms[k] != b_forms[k]])
    return out


def deploy(session: Session, catalog: Catalog, *, by: str | None, comment: str | None, now: datetime,
           restore: bool = True) -> tuple[int, bool]:
    """Store ``catalog`` as a new version unless the newest already holds it: (version, created).

    Without ``restore`` (a deploy from files), content deployed before is a no-op too, so an
    old checkout never undoes the Studio's newer versions."""
    digest = catalog.content_hash()
    newest = session.scalar(select(CatalogVersion).order_by(CatalogVersion.version.desc()).limit(1))
    if newest is not None and newest.content_hash == digest:
        return newest.version, False
    if not restore:
        seen = session.scalar(select(CatalogVersion.version).where(CatalogVersion.content_hash == digest)
                              .order_by(CatalogVersion.version.desc()).limit(1))
        if seen is not None:
            return seen, False
    before = CACHE.get(session, newest.id) if newest is not None else None
    row = CatalogVersion(version=(newest.version if newest else 0) + 1, content_hash=digest,
                         content=catalog.to_dict(), forms=dict(catalog.forms), deployed_at=now,
                         deployed_by=by, comment=comment, changes=_changes(before, catalog))
    session.add(row)
    session.flush()
    session.info.pop(NEWEST, None)
    return row.version, True


def history(session: Session) -> list[CatalogVersion]:
    return list(session.scalars(select(CatalogVersion).options(undefer(CatalogVersion.changes))
                                .order_by(CatalogVersion.version.desc())))


def by_version(session: Session, number: int) -> Catalog:
    found = session.scalar(select(CatalogVersion.id).where(CatalogVersion.version == number))
    if found is None:
        raise NotFound(f"version {number} du catalogue introuvable")
    return CACHE.get(session, found)


# --- files: what version control holds -------------------------------------------------

def read_files(directory: Path) -> Catalog:
    """``catalog.yaml`` and the filing forms it names (with their UI hints) from a directory."""
    path = directory / "catalog.yaml"
    if not path.exists():
        raise CatalogError([Problem("file.missing", path=path)])
    forms: dict[str, Any] = {}
    problems: list[str] = []
    raw = _catalog.parse(path.read_text(encoding="utf-8"))  # shape first, forms next
    for proc in raw.procedures.values():
        if proc.form is None or proc.form in forms:
            continue
        for name in (proc.form, proc.form.replace(".schema.json", ".ui.json")):
            file = directory / "forms" / name
            if not file.exists():
                if name == proc.form:
                    problems.append(Problem("procedure.form_file", key=proc.key, file=file))
                continue
            try:
                forms[name] = json.loads(file.read_text(encoding="utf-8"))
            except json.JSONDecodeError as exc:
                problems.append(Problem("form.json", file=file, line=exc.lineno, column=exc.colno))
            except ValueError:  # not UTF-8 text
                problems.append(Problem("form.json", file=file, line=1, column=1))
    if problems:
        raise CatalogError(problems)
    return _catalog.from_dict(raw.to_dict(), forms)


def deploy_files(session: Session, directory: Path, *, by: str | None, comment: str | None,
                 now: datetime) -> tuple[int, bool]:
    """Deploy ``directory``'s catalog (``guichet processes deploy``): a no-op for content
    deployed before, so an old checkout never undoes the Studio's newer versions."""
    return deploy(session, read_files(directory), by=by, comment=comment, now=now, restore=False)


def write_files(catalog: Catalog, directory: Path) -> list[Path]:
    """Write ``catalog.yaml`` and the catalog's forms back to ``directory`` (export)."""
    written = []
    path = directory / "catalog.yaml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(catalog_yaml.dump(catalog), encoding="utf-8")
    written.append(path)
    for name, value in sorted(catalog.forms.items()):
        target = directory / "forms" / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(json.dumps(value, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
        written.append(target)
    return written


# --- drafts ------------------------------------------------------------------------------

def get_draft(session: Session, author: str) -> CatalogDraft | None:
    return session.get(CatalogDraft, author)


def working_copy(session: Session, author: str) -> tuple[dict[str, Any], dict[str, Any], int | None, bool]:
    """What ``author`` edits: (catalog data, forms, base version, is a draft)."""
    draft = get_draft(session, author)
    if draft is not None:
        return dict(draft.content), dict(draft.forms), draft.base_version, True
    cat = current(session)
    return cat.to_dict(), dict(cat.forms), cat.version, False


def save_draft(session: Session, author: str, content: Mapping[str, Any], forms: Mapping[str, Any],
               base_version: int | None, now: datetime) -> None:
    draft = get_draft(session, author)
    if draft is None:
        draft = CatalogDraft(author=author)
        session.add(draft)
    draft.content, draft.forms, draft.base_version, draft.updated_at = dict(content), dict(forms), base_version, now
    session.flush()


def discard_draft(session: Session, author: str) -> None:
    draft = get_draft(session, author)
    if draft is not None:
        session.delete(draft)
        session.flush()
