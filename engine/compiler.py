"""Validate and compile BPMN/DMN files and JSON Schema forms into deployable processes.

Validation = hardened XML parse + BPMN/DMN XSD + SpiffWorkflow parse + our lint. Every
problem names the file, the element id and the line; nothing here raises on bad input.
"""
from __future__ import annotations

import threading
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from typing import Any

from lxml import etree
from SpiffWorkflow.bpmn.parser.ValidationException import ValidationException
from SpiffWorkflow.dmn.parser.BpmnDmnParser import SCHEMAS as DMN_SCHEMAS
from SpiffWorkflow.spiff.parser import VALIDATOR

from . import exprcheck, lint, references
from .calls import CallActivity
from .errors import Problem
from .sources import FORM_SUFFIX, UI_SUFFIX
from .specs import Parser, content_hash, spec_to_dict
from .xml import BPMN_NS, id_lines, kind_of, nearest_id, parse_xml

NS = {"bpmn": BPMN_NS, "spiffworkflow": "http://spiffworkflow.org/bpmn/schema/1.0/core"}
_xsd_lock = threading.Lock()
_dmn_schemas: dict[str, etree.XMLSchema] = {}


@dataclass
class Rules:
    """What the lint checks against: registered operators, lane name → role key, and
    operator → the JSON Schema of its parameters (operators absent there are not checked)."""

    operators: Collection[str] = ()
    lane_roles: Mapping[str, str] = field(default_factory=dict)
    operator_params: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    # process key → its newest deployed version: what call activities may call besides the bundle
    deployed: Mapping[str, int] = field(default_factory=dict)


@dataclass
class CompiledProcess:
    """One executable process, ready to deploy: its spec, forms and source files."""

    key: str
    name: str
    spec: Any
    subprocess_specs: dict[str, Any]
    forms: dict[str, dict[str, Any]]
    sources: dict[str, str]
    spec_dict: dict[str, Any]
    content_hash: str


@dataclass
class Compilation:
    processes: list[CompiledProcess]
    problems: list[Problem]

    @property
    def ok(self) -> bool:
        return not any(p.severity == "error" for p in self.problems)


def _xsd_problems(name: str, tree: etree._ElementTree, kind: str) -> list[Problem]:
    if kind == "bpmn":
        VALIDATOR.preprocess(tree)
        schema = VALIDATOR.validator
    else:
        ns = etree.QName(tree.getroot()).namespace
        if ns not in _dmn_schemas:
            with open(DMN_SCHEMAS[ns], "rb") as fh:
                _dmn_schemas[ns] = etree.XMLSchema(etree.parse(fh))
        schema = _dmn_schemas[ns]
    with _xsd_lock:  # an XMLSchema's error log is per object: serialize its use
        if schema.validate(tree):
            return []
        errors = [(e.line, e.message) for e in schema.error_log]
    return [Problem(name, f"non conforme au schéma {kind.upper()} : {msg}", nearest_id(tree, line), line)
            for line, msg in errors[:20]]


def _executable_process_ids(name: str, tree: etree._ElementTree) -> tuple[list[str], list[Problem]]:
    ids, problems = [], []
    processes = tree.getroot().findall(f"{{{BPMN_NS}}}process")
    for proc in processes:
        flag = proc.get("isExecutable")
        if flag == "true":
            ids.append(proc.get("id"))
        elif flag is None:
            problems.append(Problem(
                name, 'le processus ne dit pas isExecutable="true" : marquez-le exécutable dans le '
                'modeleur (ou isExecutable="false" s\'il ne fait que documenter un participant)',
                proc.get("id"), proc.sourceline))
    if not processes:
        problems.append(Problem(name, "le fichier ne définit aucun processus", None, 1))
    elif not ids and not problems:
        first = processes[0]
        problems.append(Problem(name, 'aucun processus de ce fichier n\'est exécutable (tous disent '
                                      'isExecutable="false")', first.get("id"), first.sourceline))
    return ids, problems


def _element_named_in(message: str, tree: etree._ElementTree) -> tuple[str | None, int | None]:
    """Find the element whose name the message quotes (Spiff names some nodes only by name)."""
    best: etree._Element | None = None
    for el in tree.iter():
        name = el.get("name") if isinstance(el.tag, str) else None
        if name and name in message and (best is None or len(name) > len(best.get("name"))):
            best = el
    return (best.get("id"), best.sourceline) if best is not None else (None, None)


def _located(exc: Exception, files: Mapping[str, etree._ElementTree], default_file: str) -> Problem:
    """Turn any parser exception into a located problem (Spiff raises bare errors too)."""
    if isinstance(exc, ValidationException):
        fname = exc.file_name or default_file
        element = getattr(exc, "id", None) or None
        line = exc.line_number if isinstance(exc, ValidationException) and exc.line_number else None
        if line is None and element and fname in files:
            line = id_lines(files[fname]).get(element)
        message = (str(exc).split("\n")[0] or type(exc).__name__).strip().rstrip(".") + "."
        if element is None and fname in files:
            element, line = _element_named_in(message, files[fname])
        return Problem(fname, message, element, line)
    return Problem(default_file, f"le diagramme ne peut pas être interprété ({type(exc).__name__} : {exc})")


def compile_sources(
    files: Mapping[str, bytes], forms: Mapping[str, bytes], rules: Rules
) -> Compilation:
    """Validate and compile ``files`` (name → bytes of .bpmn/.dmn) with their ``forms``."""
    problems: list[Problem] = []
    trees: dict[str, etree._ElementTree] = {}
    kinds: dict[str, str] = {}
    for name, content in sorted(files.items()):
        tree, found = parse_xml(name, content)
        problems += found
        if tree is None:
            continue
        kind = kind_of(tree)
        if kind is None:
            problems.append(Problem(name, "ce n'est pas un fichier BPMN 2.0 ni DMN (élément racine inconnu "
                                          f"{tree.getroot().tag!r})", None, 1))
            continue
        xsd = _xsd_problems(name, tree, kind)
        problems += xsd
        if not xsd:
            trees[name], kinds[name] = tree, kind
    problems += references.check(trees, kinds, rules.deployed)
    problems += exprcheck.check(trees, kinds)
    if any(p.severity == "error" for p in problems):
        return Compilation([], problems)

    parser = Parser(validator=None)
    executable: dict[str, str] = {}
    for name, tree in trees.items():
        try:
            if kinds[name] == "dmn":
                parser.add_dmn_xml(tree.getroot(), filename=name)
            else:
                ids, found = _executable_process_ids(name, tree)
                problems += found
                executable.update((pid, name) for pid in ids)
                parser.add_bpmn_xml(tree, filename=name)
        except Exception as exc:  # noqa: BLE001 - any parser failure becomes a located problem
            problems.append(_located(exc, trees, name))
    if any(p.severity == "error" for p in problems):
        return Compilation([], problems)

    form_schemas, form_problems = lint.load_forms({k: v for k, v in forms.items() if not k.endswith(UI_SUFFIX)})
    ui_hints, ui_problems = lint.load_ui({k: v for k, v in forms.items() if k.endswith(UI_SUFFIX)})
    problems += form_problems + ui_problems
    compiled = []
    for key, fname in sorted(executable.items()):
        try:
            spec = parser.get_spec(key)
            subs = _embedded_specs(parser, spec)
        except Exception as exc:  # noqa: BLE001
            problems.append(_located(exc, trees, fname))
            continue
        found, used_forms = lint.check_specs(spec, subs, form_schemas, rules)
        # a process called by several others is linted with each: report its problems once
        problems += [q for q in (_locate(p, trees) for p in found) if q not in problems]
        used_forms.update({ui: ui_hints[ui] for name in list(used_forms)
                           if (ui := name.removesuffix(FORM_SUFFIX) + UI_SUFFIX) in ui_hints})
        sources = _sources_of(spec, subs, trees)
        spec_dict = spec_to_dict(spec, subs)
        digest = content_hash({"key": key, "spec": spec_dict, "forms": used_forms})
        compiled.append(CompiledProcess(key, spec.description or key, spec, subs, used_forms,
                                        sources, spec_dict, digest))
    if any(p.severity == "error" for p in problems):
        return Compilation([], problems)
    return Compilation(compiled, problems)


def _embedded_specs(parser: Parser, spec: Any, found: dict[str, Any] | None = None) -> dict[str, Any]:
    """The sub-processes a process holds itself (nested included). The processes its call
    activities name are not copied in: each is deployed under its own key and a call runs
    its newest (or pinned) version (engine/calls.py)."""
    found = {} if found is None else found
    for task_spec in spec.task_specs.values():
        name = getattr(task_spec, "spec", None)
        if isinstance(name, str) and not isinstance(task_spec, CallActivity) and name not in found:
            found[name] = parser.get_spec(name)
            _embedded_specs(parser, found[name], found)
    return found


def _locate(problem: Problem, trees: Mapping[str, etree._ElementTree]) -> Problem:
    if problem.line or not problem.element_id or problem.file not in trees:
        return problem
    line = id_lines(trees[problem.file]).get(problem.element_id)
    return Problem(problem.file, problem.message, problem.element_id, line, problem.severity)


def _sources_of(spec: Any, subs: Mapping[str, Any], trees: Mapping[str, etree._ElementTree]) -> dict[str, str]:
    """The source files a process is built from: its BPMN files and the DMN files they call."""
    names = {spec.file} | {s.file for s in subs.values()}
    decisions = set()
    for name in names:
        for el in trees[name].iterfind(".//spiffworkflow:calledDecisionId", NS):
            decisions.add((el.text or "").strip())
    for name, tree in trees.items():
        if kind_of(tree) == "dmn":
            ids = {d.get("id") for d in tree.getroot() if etree.QName(d).localname == "decision"}
            if ids & decisions:
                names.add(name)
    return {n: etree.tostring(trees[n], encoding="unicode") for n in sorted(names)}
