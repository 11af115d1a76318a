"""Every Python expression a diagram carries, compiled at validation, not when a dossier
reaches it: flow conditions, scripts, timers, multi-instance settings, service-task
parameters, user-task assignee and deadline, DMN cells — and checked against the sandbox
(engine/sandbox.py: no import, no ``__`` names, no ``lambda``…). Each problem names the
file, the element and the line, in French, for the analyst who wrote it.

Read from the XML (after the XSD check), so that the line is the expression's own.
"""
from __future__ import annotations

import ast
import re
from collections.abc import Callable, Mapping

from lxml import etree
from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition

from . import sandbox
from .errors import Problem
from .lint import is_iso_duration
from .parser_words import python_message
from .xml import BPMN_NS

SPIFF_NS = "http://spiffworkflow.org/bpmn/schema/1.0/core"
NS = {"bpmn": BPMN_NS, "spiff": SPIFF_NS}

# (XPath, what it is for the analyst, mode): "eval" an expression, "exec" a script
_BPMN_EXPRESSIONS = [
    (".//bpmn:sequenceFlow/bpmn:conditionExpression", "la condition du flux", "eval"),
    (".//bpmn:scriptTask/bpmn:script", "le script", "exec"),
    (".//spiff:preScript", "le pré-script", "exec"),
    (".//spiff:postScript", "le post-script", "exec"),
    (".//bpmn:multiInstanceLoopCharacteristics/bpmn:loopCardinality",
     "le nombre d'instances (multi-instance)", "eval"),
    (".//bpmn:multiInstanceLoopCharacteristics/bpmn:completionCondition",
     "la condition de fin (multi-instance)", "eval"),
    (".//bpmn:standardLoopCharacteristics/bpmn:loopCondition", "la condition de boucle", "eval"),
]
_TIMERS = {"timeDuration": "une durée ISO 8601", "timeDate": "une date ISO 8601",
           "timeCycle": "un cycle ISO 8601"}
_EXAMPLES = {"timeDuration": '"P2D"', "timeDate": '"2026-03-01T09:00:00+01:00"',
             "timeCycle": '"R3/PT1H"'}
_NOT_CLICKED = ("timerEventDefinition", "multiInstanceLoopCharacteristics", "parameter", "serviceTaskOperator")  # ids within a task
_QUESTION_MARK = re.compile(r"(\?)(?=(?:[^'\"]|['\"][^'\"]*['\"])*$)")  # as Spiff's DMN engine


def _is_iso(kind: str, value: str) -> bool:
    if kind == "timeDuration":
        return is_iso_duration(value)
    try:
        if kind == "timeDate":
            TimerEventDefinition.get_datetime(value)
        else:
            TimerEventDefinition.parse_iso_recurring_interval(value)
    except Exception:  # noqa: BLE001 - Spiff's parsers raise what they meet
        return False
    return True


def _syntax_error(source: str, mode: str) -> SyntaxError | None:
    try:
        compile(source, "<diagramme>", mode, dont_inherit=True)
    except SyntaxError as exc:
        return exc
    except (ValueError, TypeError) as exc:  # a NUL byte, for one
        return SyntaxError(str(exc))
    except (RecursionError, MemoryError):
        return SyntaxError("expression trop longue ou trop imbriquée")
    return None


def _short(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= 60 else text[:57] + "…"


def _where(el: etree._Element) -> str | None:
    """The id of the element an analyst clicks on: the nearest ancestor that has one."""
    node: etree._Element | None = el
    while node is not None:
        if node.get("id") and etree.QName(node).localname not in _NOT_CLICKED:
            return node.get("id")
        node = node.getparent()
    return None


class _Checker:
    def __init__(self, file: str):
        self.file = file
        self.problems: list[Problem] = []

    def add(self, el: etree._Element, message: str, line: int | None = None) -> None:
        self.problems.append(Problem(self.file, message, _where(el), line or el.sourceline))

    def code(self, el: etree._Element, source: str, what: str, mode: str = "eval") -> bool:
        """Compile ``source``; report where it fails. The line counts from the element's."""
        exc = _syntax_error(source, mode)
        if exc is None:
            return self.safe(el, source, what, mode)
        line = el.sourceline
        if line is not None and exc.lineno and mode == "exec":  # a script runs as written
            line += exc.lineno - 1
        col = f", colonne {exc.offset}" if exc.offset and "\n" not in source.strip() else ""
        self.add(el, f"{what} n'est pas du Python valide : « {_short(source)} » ({python_message(exc.msg)}{col})", line)
        return False


    def safe(self, el: etree._Element, source: str, what: str, mode: str = "eval",
             shown: str | None = None) -> bool:
        """Report what the sandbox refuses in ``source`` (which parses): engine/sandbox.py."""
        found = sandbox.refusals(source, mode)
        for lineno, message in found:
            line, quoted = el.sourceline, shown or source
            if lineno and mode == "exec":  # a script: its own line, and that line quoted
                line = line + lineno - 1 if line is not None else None
                quoted = source.splitlines()[lineno - 1]
            self.add(el, f"{what} « {_short(quoted)} » : {message}", line)
        return not found


def _timer(c: _Checker, el: etree._Element) -> None:
    kind = etree.QName(el).localname
    text = (el.text or "").strip()
    what = "l'expression du minuteur"
    if not text:
        c.add(el, f"{what} est vide : écrivez {_TIMERS[kind]} entre guillemets, par exemple {_EXAMPLES[kind]}")
        return
    if _is_iso(kind, text):  # P2D written bare: Python would read a variable named P2D
        c.add(el, f"{what} « {text} » doit être écrite entre guillemets : \"{text}\" (sans guillemets, "
                  f"Python lit {text} comme un nom de variable)")
        return
    if not c.code(el, text, what):
        return
    node = ast.parse(text, mode="eval").body
    if isinstance(node, ast.Constant) and isinstance(node.value, str) and not _is_iso(kind, node.value):
        c.add(el, f"{what} « {node.value} » n'est pas {_TIMERS[kind]} (par exemple {_EXAMPLES[kind]})")
    elif isinstance(node, ast.Constant) and not isinstance(node.value, str):
        c.add(el, f"{what} doit donner un texte ISO 8601 entre guillemets, par exemple {_EXAMPLES[kind]}")


def _user_task(c: _Checker, task: etree._Element) -> None:
    for prop in task.iterfind("bpmn:extensionElements/spiff:properties/spiff:property", NS):
        name, value = prop.get("name"), (prop.get("value") or "").strip()
        if name == "assignee" and value:
            c.code(prop, value, "l'attribution (assignee)")
        elif name == "deadline" and value:
            if value.upper().startswith("P") and value.replace("_", "").isalnum():
                if not is_iso_duration(value):
                    c.add(prop, f"le délai (deadline) « {value} » n'est pas une durée ISO 8601 "
                                "(par exemple P30D pour 30 jours, PT12H pour 12 heures)")
            else:
                c.code(prop, value, "le délai (deadline)")


def _bpmn(c: _Checker, root: etree._Element) -> None:
    for xpath, what, mode in _BPMN_EXPRESSIONS:
        for el in root.iterfind(xpath, NS):
            text = el.text or ""
            if not text.strip():
                if mode == "eval":
                    c.add(el, f"{what} est vide")
                continue
            c.code(el, text.strip() if mode == "eval" else text, what, mode)
    for el in root.iterfind(".//bpmn:multiInstanceLoopCharacteristics/bpmn:loopDataInputRef", NS):
        name = (el.text or "").strip()
        if not name.isidentifier():
            c.add(el, f"la collection du multi-instance « {_short(name)} » doit être le nom d'une "
                      "variable du dossier (lettres, chiffres et _)")
    for kind in _TIMERS:
        for el in root.iterfind(f".//bpmn:timerEventDefinition/bpmn:{kind}", NS):
            _timer(c, el)
    for param in root.iterfind(".//spiff:serviceTaskOperator/spiff:parameters/spiff:parameter", NS):
        value = param.get("value")
        if value is None or not value.strip():
            c.add(param, f"le paramètre « {param.get('id')} » de l'opérateur n'a pas de valeur "
                         "(une expression Python, par exemple 'texte' entre apostrophes)")
        else:
            c.code(param, value.strip(), f"le paramètre « {param.get('id')} » de l'opérateur")
    for task in root.iterfind(".//bpmn:userTask", NS):
        _user_task(c, task)


def _dmn(c: _Checker, root: etree._Element) -> None:
    ns = {"dmn": etree.QName(root).namespace}
    for el in root.iterfind(".//dmn:inputExpression/dmn:text", ns):
        if (el.text or "").strip():
            c.code(el, el.text.strip(), "l'expression d'entrée de la table de décision")
    for el in root.iterfind(".//dmn:inputEntry/dmn:text", ns):
        cell = (el.text or "").strip()
        if not cell or cell == "-":
            continue
        text = _QUESTION_MARK.sub("dmninputexpr", cell)
        # Spiff compares with == what parses alone, and prefixes the input otherwise ("> 3")
        what = "la cellule d'entrée de la règle"
        if _syntax_error(text, "eval") is None:
            c.safe(el, text, what, shown=cell)
        elif _syntax_error(f"v {text}", "eval") is None:
            c.safe(el, f"v {text}", what, shown=cell)
        else:
            c.code(el, text, what)
    for el in root.iterfind(".//dmn:outputEntry/dmn:text", ns):
        if (el.text or "").strip():
            c.code(el, el.text.strip(), "la cellule de sortie de la règle")


CHECKS: Mapping[str, Callable[[_Checker, etree._Element], None]] = {"bpmn": _bpmn, "dmn": _dmn}


def check(trees: Mapping[str, etree._ElementTree], kinds: Mapping[str, str]) -> list[Problem]:
    """The expression problems of every BPMN and DMN file, each located."""
    problems: list[Problem] = []
    for name, tree in sorted(trees.items()):
        checker = _Checker(name)
        CHECKS[kinds[name]](checker, tree.getroot())
        problems += checker.problems
    return problems

