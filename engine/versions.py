"""Version history of deployed processes: diff summaries, bundles to edit, drafts, export.

A *bundle* is what an analyst edits as one unit: the BPMN and DMN files a process is built
from (its ``sources``) and the forms (``name.schema.json`` → JSON text). Deploying a bundle
compiles every executable process in it; each one whose content changed gets a new version.
"""
from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from lxml import etree
from sqlalchemy import select
from sqlalchemy.orm import Session, undefer

from .errors import NotFound
from .models import ProcessDefinition, ProcessDraft
from .xml import BPMN_NS, parse_xml

SPIFF_NS = "http://spiffworkflow.org/bpmn/schema/1.0/core"
# Diagram interchange (shapes, edges, bounds) is layout, not behaviour: left out of diffs.
_LAYOUT_NS = ("http://www.omg.org/spec/BPMN/20100524/DI", "http://www.omg.org/spec/DD/20100524/DI",
              "http://www.omg.org/spec/DD/20100524/DC", "https://www.omg.org/spec/DMN/20191111/DMNDI/",
              "http://www.omg.org/spec/DMN/20180521/DMNDI/")


def _is_model_element(el: etree._Element) -> bool:
    """A BPMN or DMN element with an id of its own (extension elements belong to their task)."""
    if not isinstance(el.tag, str) or el.get("id") is None:
        return False
    ns = etree.QName(el).namespace or ""
    return ns == BPMN_NS or ("DMN" in ns and ns not in _LAYOUT_NS)


def _signature(el: etree._Element) -> tuple[Any, ...]:
    """An element's own content: tag, attributes, text and its children that have no id."""
    children = tuple(_signature(c) for c in el if isinstance(c.tag, str) and not _is_model_element(c)
                     and etree.QName(c).namespace not in _LAYOUT_NS)
    return (el.tag, tuple(sorted(el.attrib.items())), (el.text or "").strip(), children)


def _elements(sources: Mapping[str, str]) -> dict[str, tuple[Any, ...]]:
    found: dict[str, tuple[Any, ...]] = {}
    for name, text in sources.items():
        tree, _problems = parse_xml(name, text.encode("utf-8"))
        if tree is None:
            continue
        for el in tree.iter():
            if _is_model_element(el) and el.getparent() is not None:
                found[f"{name}#{el.get('id')}"] = _signature(el)
    return found


def diff_summary(before: Mapping[str, str] | None, after: Mapping[str, str]) -> dict[str, list[str]]:
    """Element ids (``file#id``) added, removed and changed between two sets of sources."""
    old, new = _elements(before or {}), _elements(after)
    return {"added": sorted(new.keys() - old.keys()), "removed": sorted(old.keys() - new.keys()),
            "changed": sorted(k for k in old.keys() & new.keys() if old[k] != new[k])}


def history(session: Session, process_key: str) -> list[ProcessDefinition]:
    """Every version of ``process_key``, newest first, with its diff summary."""
    rows = list(session.scalars(select(ProcessDefinition).options(undefer(ProcessDefinition.diff_summary), undefer(ProcessDefinition.sources))
                                .where(ProcessDefinition.process_key == process_key)
                                .order_by(ProcessDefinition.version.desc())))
    if not rows:
        raise NotFound(f"no deployed process '{process_key}'")
    return rows


def version(session: Session, process_key: str, number: int | None = None) -> ProcessDefinition:
    """One version of a process (the newest when ``number`` is None), sources loaded."""
    if number is not None and not 0 < number < 2**31:  # beyond the column: no such version
        raise NotFound(f"process '{process_key}' has no version {number}")
    query = (select(ProcessDefinition).options(undefer(ProcessDefinition.sources), undefer(ProcessDefinition.forms))
             .where(ProcessDefinition.process_key == process_key))
    query = (query.where(ProcessDefinition.version == number) if number is not None
             else query.order_by(ProcessDefinition.version.desc()).limit(1))
    row = session.scalar(query)
    if row is None:
        raise NotFound(f"process '{process_key}' has no version {number}" if number is not None
                       else f"no deployed process '{process_key}'")
    return row


def form_text(schema: Mapping[str, Any]) -> str:
    return json.dumps(schema, ensure_ascii=False, indent=2) + "\n"


@dataclass
class Bundle:
    """What the modeler opens: files (name → XML text) and forms (name → JSON text)."""

    process_key: str
    base_version: int | None
    files: dict[str, str]
    forms: dict[str, str]
    draft: bool = False

    def as_bytes(self) -> tuple[dict[str, bytes], dict[str, bytes]]:
        """Diagrams and forms (schemas and UI hints) as the compiler takes them."""
        files = {k: v.encode("utf-8") for k, v in self.files.items()}
        forms = {k: v.encode("utf-8") for k, v in self.forms.items()}
        return files, forms


def bundle_of(row: ProcessDefinition, library: Mapping[str, str],
              called: Sequence[ProcessDefinition] = ()) -> Bundle:
    """A deployed version as a bundle; ``library`` (the forms on disk) fills the form list,
    the version's own forms win. ``called`` (the versions of the processes it calls that a
    call would run now, oldest deployment first) bring their files and forms as they are
    now: the files that define the opened process, and the decision tables it uses, stay
    as the opened version has them."""
    files = dict(row.sources)
    forms = dict(library)
    forms.update({name: form_text(schema) for name, schema in (row.forms or {}).items()})
    kept = _own_files(row.process_key, row.sources)
    for other in called:
        files.update({name: text for name, text in (other.sources or {}).items() if name not in kept})
        forms.update({name: form_text(schema) for name, schema in (other.forms or {}).items()})
    return Bundle(row.process_key, row.version, dict(sorted(files.items())), dict(sorted(forms.items())))


def _own_files(process_key: str, sources: Mapping[str, str]) -> set[str]:
    """The files that define ``process_key`` and the DMN files holding the decisions they call."""
    own, decisions = set(), set()
    for name, text in sources.items():
        tree, _problems = parse_xml(name, text.encode("utf-8"))
        if tree is not None and tree.getroot().find(f"{{{BPMN_NS}}}process[@id='{process_key}']") is not None:
            own.add(name)
            decisions |= {(el.text or "").strip() for el in tree.iter(f"{{{SPIFF_NS}}}calledDecisionId")}
    for name, text in sources.items():
        tree, _problems = parse_xml(name, text.encode("utf-8")) if name.endswith(".dmn") else (None, [])
        if tree is not None and any(el.get("id") in decisions for el in tree.getroot()
                                    if isinstance(el.tag, str) and etree.QName(el).localname == "decision"):
            own.add(name)
    return own


def get_draft(session: Session, process_key: str, author: str) -> Bundle | None:
    row = session.scalar(select(ProcessDraft).where(ProcessDraft.process_key == process_key,
                                                    ProcessDraft.author == author))
    if row is None:
        return None
    return Bundle(process_key, row.base_version, dict(row.files), dict(row.forms), draft=True)


def save_draft(session: Session, bundle: Bundle, author: str, now: datetime) -> None:
    """Keep ``bundle`` as ``author``'s draft of its process (replacing the previous one)."""
    row = session.scalar(select(ProcessDraft).where(ProcessDraft.process_key == bundle.process_key,
                                                    ProcessDraft.author == author))
    if row is None:
        row = ProcessDraft(process_key=bundle.process_key, author=author)
        session.add(row)
    row.base_version, row.files, row.forms, row.updated_at = (bundle.base_version, dict(bundle.files),
                                                              dict(bundle.forms), now)
    session.flush()


def discard_draft(session: Session, process_key: str, author: str) -> None:
    row = session.scalar(select(ProcessDraft).where(ProcessDraft.process_key == process_key,
                                                    ProcessDraft.author == author))
    if row is not None:
        session.delete(row)
        session.flush()


def drafts_of(session: Session, author: str) -> dict[str, datetime]:
    """The process keys ``author`` has a draft of, with when it was saved."""
    rows = session.execute(select(ProcessDraft.process_key, ProcessDraft.updated_at)
                           .where(ProcessDraft.author == author))
    return {key: when for key, when in rows}


def export(session: Session, directory: Path, process_key: str | None = None,
           number: int | None = None) -> list[Path]:
    """Write deployed sources back to ``directory`` (forms under ``forms/``).

    With a key (and version), that version's bundle (with the processes it calls as a call
    would run them now; its own files win); without, for every file name the content
    of the most recent deployment that contains it. Returns the paths written.
    """
    files: dict[str, str] = {}
    forms: dict[str, str] = {}
    if process_key is not None:
        from .definitions import called_rows  # definitions imports this module
        row = version(session, process_key, number)
        opened = bundle_of(row, {}, called_rows(session, row))
        files, forms = opened.files, opened.forms
    rows = [] if process_key is not None else list(session.scalars(
        select(ProcessDefinition).options(undefer(ProcessDefinition.sources), undefer(ProcessDefinition.forms))
        .order_by(ProcessDefinition.deployed_at, ProcessDefinition.id)))
    for row in rows:  # oldest first: later deployments overwrite
        files.update(row.sources or {})
        forms.update({name: form_text(schema) for name, schema in (row.forms or {}).items()})
    written = []
    for name, text in sorted(files.items()):
        written.append(_write(directory / Path(name).name, text))
    for name, text in sorted(forms.items()):
        written.append(_write(directory / "forms" / Path(name).name, text))
    return written


def _write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    if not text.startswith("<?xml") and path.suffix in (".bpmn", ".dmn"):
        text = "<?xml version='1.0' encoding='UTF-8'?>\n" + text
    path.write_text(text if text.endswith("\n") else text + "\n", encoding="utf-8")
    return path
