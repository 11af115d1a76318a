"""What a bundle names outside itself: the processes its call activities call (and the
version they pin) and the decisions its business rule tasks evaluate.

A called process must be in the bundle or already deployed; a pinned version must be
deployed; a decision must be in one of the bundle's DMN files. Checked on the XML, before
Spiff parses anything, so that each problem names its file, element and line.
"""
from __future__ import annotations

from collections.abc import Mapping

from lxml import etree

from .calls import CALLED_VERSION
from .errors import Problem
from .xml import BPMN_NS

SPIFF_NS = "http://spiffworkflow.org/bpmn/schema/1.0/core"


def _decisions(trees: Mapping[str, etree._ElementTree], kinds: Mapping[str, str]) -> set[str]:
    return {el.get("id") for name, tree in trees.items() if kinds[name] == "dmn"
            for el in tree.getroot() if isinstance(el.tag, str) and etree.QName(el).localname == "decision"}


def _executable(trees: Mapping[str, etree._ElementTree], kinds: Mapping[str, str]) -> set[str]:
    return {p.get("id") for name, tree in trees.items() if kinds[name] == "bpmn"
            for p in tree.getroot().findall(f"{{{BPMN_NS}}}process") if p.get("isExecutable") == "true"}


def _property(el: etree._Element, name: str) -> str | None:
    for prop in el.iterfind(f"{{{BPMN_NS}}}extensionElements/{{{SPIFF_NS}}}properties/{{{SPIFF_NS}}}property"):
        if prop.get("name") == name:
            return prop.get("value")
    return None


def check(trees: Mapping[str, etree._ElementTree], kinds: Mapping[str, str],
          deployed: Mapping[str, int]) -> list[Problem]:
    """Problems with what the bundle's diagrams call; ``deployed``: process key → newest version."""
    processes, decisions = _executable(trees, kinds), _decisions(trees, kinds)
    problems: list[Problem] = []
    for name, tree in sorted(trees.items()):
        if kinds[name] != "bpmn":
            continue
        for el in tree.iter(f"{{{BPMN_NS}}}callActivity"):
            problems += _check_call(name, el, processes, deployed)
        for el in tree.iter(f"{{{BPMN_NS}}}businessRuleTask"):
            ref = el.find(f"{{{BPMN_NS}}}extensionElements/{{{SPIFF_NS}}}calledDecisionId")
            decision = (ref.text or "").strip() if ref is not None else ""
            if not decision:
                problems.append(Problem(name, "la tâche de règle métier n'indique aucune décision "
                                              "(calledDecisionId)", el.get("id"), el.sourceline))
            elif decision not in decisions:
                problems.append(Problem(name, f"la décision « {decision} » n'existe dans aucun fichier DMN de ce "
                                              "lot : ajoutez la table de décision ou corrigez son identifiant",
                                        el.get("id"), el.sourceline))
    return problems


def _check_call(name: str, el: etree._Element, processes: set[str], deployed: Mapping[str, int]) -> list[Problem]:
    called = (el.get("calledElement") or "").strip()
    where = (el.get("id"), el.sourceline)
    if not called:
        return [Problem(name, "l'activité d'appel n'indique aucun processus appelé (calledElement)", *where)]
    if called not in processes and called not in deployed:
        return [Problem(name, f"le processus appelé « {called} » n'existe ni dans ce lot ni parmi les "
                              "processus déployés", *where)]
    pin = _property(el, CALLED_VERSION)
    if pin is None or not pin.strip():
        return []
    if not pin.strip().isdigit() or int(pin) < 1:
        return [Problem(name, f"la version appelée « {pin} » n'est pas un numéro de version (1, 2, …)", *where)]
    newest = deployed.get(called)
    if newest is None:
        return [Problem(name, f"le processus appelé « {called} » n'a encore aucune version déployée : "
                              f"la version {int(pin)} ne peut pas être fixée", *where)]
    if int(pin) > newest:
        return [Problem(name, f"le processus appelé « {called} » n'a pas de version {int(pin)} "
                              f"(la plus récente est la {newest})", *where)]
    return []
