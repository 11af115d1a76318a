"""The Python and XML parsers' messages, said in French to the analyst who reads them.

Both parsers answer in English; what validation shows an analyst is French. The messages
they give for the mistakes people make are recognized here and worded again; any other
becomes a plain "syntaxe invalide" (the problem's line and column still say where).
"""
from __future__ import annotations

import re

_PYTHON = [
    (r"trop longue ou trop imbriquée", "expression trop longue ou trop imbriquée"),  # ours, already French
    (r"too many nested parentheses", "trop de parenthèses ou crochets imbriqués"),
    (r"'(.)' was never closed", "« {0} » n'est jamais fermé"),
    (r"unmatched '(.)'", "« {0} » ferme ce qui n'a pas été ouvert"),
    (r"closing parenthesis '(.)' does not match opening parenthesis '(.)'", "« {0} » ne ferme pas « {1} »"),
    (r"unterminated (triple-quoted )?string literal", "une chaîne de caractères n'est pas fermée"),
    (r"expected ':'", "« : » attendu"),
    (r"expected an indented block", "un bloc indenté est attendu"),
    (r"unexpected indent", "indentation inattendue"),
    (r"unindent does not match any outer indentation level", "l'indentation ne correspond à aucun niveau"),
    (r"invalid decimal literal|invalid digit|leading zeros", "nombre mal écrit"),
    (r"invalid character '(.)'", "caractère « {0} » non permis"),
    (r"cannot assign to (.+?)( here)?\.?( Maybe you meant '==' instead of '='\?)?$", "affectation impossible"),
    (r"Maybe you meant '==' or ':=' instead of '='\?|invalid syntax. Maybe you meant '=='",
     "« = » affecte : pour comparer, écrivez « == »"),
    (r"invalid syntax. Perhaps you forgot a comma\?", "syntaxe invalide (une virgule oubliée ?)"),
    (r"'return' outside function", "« return » hors d'une fonction"),
    (r"source code (string )?cannot contain null bytes", "caractère NUL dans le code"),
    (r"unexpected EOF while parsing|unexpected end of input", "le code s'arrête avant la fin"),
]
_XML = [
    (r"Opening and ending tag mismatch: ([^\s,]+) line (\d+) and ([^\s,]+)",
     "la balise « {0} » ouverte ligne {1} est fermée par « {2} »"),
    (r"Premature end of data in tag (\S+) line (\d+)", "le fichier s'arrête dans la balise « {0} » (ligne {1})"),
    (r"Extra content at the end of the document", "du contenu suit la fin du document"),
    (r"Start tag expected, '<' not found", "une balise ouvrante « < » est attendue"),
    (r"Document is empty", "le document est vide"),
    (r"EntityRef: expecting ';'|xmlParseEntityRef: no name", "un « & » doit s'écrire « &amp; »"),
    (r"Entity '(\S+)' not defined", "l'entité « {0} » n'est pas définie"),
    (r"Attribute (\S+) redefined", "l'attribut « {0} » est répété"),
    (r"AttValue: \" or ' expected|attributes construct error", "une valeur d'attribut doit être entre guillemets"),
    (r"Specification mandates value for attribute (\S+)", "l'attribut « {0} » n'a pas de valeur"),
    (r"Couldn't find end of Start Tag (\S+)", "la balise « {0} » n'est pas fermée par « > »"),
    (r"StartTag: invalid element name", "nom de balise invalide"),
    (r"Namespace prefix (\S+) (?:on (\S+) )?is not defined", "le préfixe « {0} » n'est pas déclaré"),
    (r"Unescaped '<' not allowed in attributes values", "un « < » dans un attribut doit s'écrire « &lt; »"),
    (r"Char 0x[0-9A-Fa-f]+ out of allowed range|PCDATA invalid Char value", "caractère non permis dans le XML"),
    (r"Input is not proper UTF-8", "le fichier n'est pas en UTF-8"),
]


def _say(message: str, table: list[tuple[str, str]], otherwise: str) -> str:
    for pattern, words in table:
        found = re.search(pattern, message or "")
        if found:
            return words.format(*(g or "" for g in found.groups()))
    return otherwise


def python_message(message: str) -> str:
    """A Python ``SyntaxError``'s message, in French."""
    return _say(message, _PYTHON, "syntaxe invalide")


def xml_message(message: str) -> str:
    """An lxml ``XMLSyntaxError``'s message, in French."""
    return _say(message, _XML, "syntaxe XML invalide")
