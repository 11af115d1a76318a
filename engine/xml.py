"""Hardened XML loading: no DTDs, no entities, no network, bounded size.

Diagrams come from analysts' browsers and from other tools; they are untrusted input.
"""
from __future__ import annotations

from lxml import etree

from .errors import Problem
from .parser_words import xml_message

MAX_XML_BYTES = 5 * 1024 * 1024

BPMN_NS = "http://www.omg.org/spec/BPMN/20100524/MODEL"
DMN_NAMESPACES = (
    "http://www.omg.org/spec/DMN/20151101/dmn.xsd",
    "http://www.omg.org/spec/DMN/20180521/MODEL/",
    "https://www.omg.org/spec/DMN/20191111/MODEL/",
)


def _parser() -> etree.XMLParser:
    # A new parser per call: lxml parsers are not thread-safe.
    return etree.XMLParser(
        resolve_entities=False, no_network=True, load_dtd=False, dtd_validation=False,
        huge_tree=False, remove_comments=False,
    )


def parse_xml(name: str, content: bytes) -> tuple[etree._ElementTree | None, list[Problem]]:
    """Parse ``content`` safely; return the tree, or None and the located reasons why not."""
    if not content.strip():
        return None, [Problem(name, "le fichier est vide")]
    if len(content) > MAX_XML_BYTES:
        return None, [Problem(name, f"le fichier dépasse {MAX_XML_BYTES // 1024 // 1024} Mo")]
    try:
        tree = etree.ElementTree(etree.fromstring(content, _parser()))
    except etree.XMLSyntaxError as exc:
        return None, [Problem(name, f"XML mal formé : {xml_message(exc.msg)}", line=exc.lineno or None)]
    if tree.docinfo.internalDTD is not None or tree.docinfo.doctype:
        # Entities are never expanded by our parser, but a DTD has no place in BPMN/DMN:
        # refusing it outright closes XXE and entity-expansion tricks.
        return None, [Problem(name, "un DOCTYPE/DTD n'est pas permis dans un diagramme", line=1)]
    return tree, []


def kind_of(tree: etree._ElementTree) -> str | None:
    """``"bpmn"``, ``"dmn"`` or None from the root element's namespace."""
    root = tree.getroot()
    ns = etree.QName(root).namespace
    if ns == BPMN_NS and etree.QName(root).localname == "definitions":
        return "bpmn"
    if ns in DMN_NAMESPACES and etree.QName(root).localname == "definitions":
        return "dmn"
    return None


def id_lines(tree: etree._ElementTree) -> dict[str, int]:
    """Map every element id to its source line, to locate problems found on parsed specs."""
    lines: dict[str, int] = {}
    for el in tree.iter():
        if not isinstance(el.tag, str):
            continue
        ident = el.get("id")
        if ident and ident not in lines and el.sourceline:
            lines[ident] = el.sourceline
    return lines


def nearest_id(tree: etree._ElementTree, line: int | None) -> str | None:
    """The id of the innermost element starting at or before ``line`` (best effort)."""
    if not line:
        return None
    best: str | None = None
    for el in tree.iter():
        if not isinstance(el.tag, str) or not el.sourceline:
            continue
        if el.sourceline > line:
            break
        if el.get("id"):
            best = el.get("id")
    return best
