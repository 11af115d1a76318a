"""What validation tells an analyst about code or XML the parsers cannot read is French: the
parsers' English messages are worded again, and an unknown one is never passed through."""
from __future__ import annotations

import re

import pytest
from lxml import etree

from engine import exprcheck
from engine.parser_words import python_message, xml_message
from engine.xml import parse_xml

ENGLISH = re.compile(r"\b(the|was|never|closed|invalid|syntax|expected|unexpected|tag|line|and|not|found|"
                     r"parentheses|literal|defined|attribute|mismatch|content)\b", re.I)


def _condition_problem(code: str) -> str:
    escaped = code.replace("&", "&amp;").replace("<", "&lt;")
    xml = ('<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" '
           'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" id="d"><bpmn:process id="p" isExecutable="true">'
           '<bpmn:sequenceFlow id="f" sourceRef="a" targetRef="b"><bpmn:conditionExpression '
           f'xsi:type="bpmn:tFormalExpression">{escaped}</bpmn:conditionExpression></bpmn:sequenceFlow>'
           '</bpmn:process></bpmn:definitions>')
    [problem] = exprcheck.check({"t.bpmn": etree.ElementTree(etree.fromstring(xml))}, {"t.bpmn": "bpmn"})
    assert problem.element_id == "f"
    return problem.message.split(" » (", 1)[1]  # what follows the quoted code


@pytest.mark.parametrize(("code", "said"), [
    ("f(a", "« ( » n'est jamais fermé"),
    ("x == 1)", "« ) » ferme ce qui n'a pas été ouvert"),
    ("'abc", "une chaîne de caractères n'est pas fermée"),
    ("[" * 300 + "]" * 300, "trop de parenthèses ou crochets imbriqués"),
    ("not " * 4000 + "True", "expression trop longue ou trop imbriquée"),
    ("complete = = True", "syntaxe invalide"),
    ("01 == x", "nombre mal écrit"),
])
def test_python_syntax_errors_are_said_in_french(code: str, said: str) -> None:
    message = _condition_problem(code)
    assert message.startswith(said), message
    assert not ENGLISH.search(message), message


@pytest.mark.parametrize(("content", "said"), [
    (b"<a><b></a>", "la balise « b » ouverte ligne 1 est fermée par « a »"),
    (b"<a>", "le fichier s'arrête dans la balise « a » (ligne 1)"),
    (b"<a/><b/>", "du contenu suit la fin du document"),
    (b"hello", "une balise ouvrante « < » est attendue"),
    (b"<a x=1/>", "une valeur d'attribut doit être entre guillemets"),
    (b"<a>&</a>", "un « & » doit s'écrire « &amp; »"),
    (b'<a x="1" x="2"/>', "l'attribut « x » est répété"),
    (b"<p:a/>", "le préfixe « p » n'est pas déclaré"),
])
def test_xml_syntax_errors_are_said_in_french(content: bytes, said: str) -> None:
    _tree, [problem] = parse_xml("t.bpmn", content)
    assert problem.message == f"XML mal formé : {said}" and problem.line == 1
    assert not ENGLISH.search(said)


def test_a_message_not_recognized_is_never_passed_through() -> None:
    assert python_message("some future wording of the parser") == "syntaxe invalide"
    assert xml_message("libxml2 says something new") == "syntaxe XML invalide"
