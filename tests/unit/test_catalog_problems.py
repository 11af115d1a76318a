"""A catalog's problems are said in French and in Arabic: every code, as the code raises it."""
from __future__ import annotations

import copy
import pickle
import re

import pytest

from handlers.catalog import CatalogError, parse
from handlers.catalog_problems import LRI, PDI, TEXTS, Problem, text

# the values each code is raised with (handlers.catalog*, as they call it)
VALUES = {
    "catalog.shape": {"keys": "statuses, documents, messages, procedures"}, "yaml": {}, "yaml.line": {"line": 3},
    "labels.shape": {"section": "status"}, "labels.code": {"section": "document", "code": "Bad"},
    "labels.both": {"section": "message", "code": "filed"}, "labels.twice": {"code": "cin"},
    "labels.builtin": {"code": "draft"}, "document.in_use": {"kind": "plan"}, "status.builtin": {"code": "draft"},
    "message.builtin": {"name": "filed"}, "procedures.shape": {}, "procedure.key": {"key": "Bad"},
    "procedure.new_key": {"key": "Bad"}, "procedure.exists": {"key": "permis"}, "procedure.shape": {"key": "permis"},
    "procedure.missing": {"key": "permis", "missing": "code, domain"},
    "procedure.code": {"key": "permis", "code": "p1"}, "procedure.code_taken": {"key": "a", "code": "PC", "other": "b"},
    "procedure.domain": {"key": "permis", "domain": "x", "domains": "urbanisme, economique"},
    "procedure.form": {"key": "permis", "form": "f.schema.json"},
    "procedure.form_file": {"key": "permis", "file": "forms/f.schema.json"}, "procedure.twice": {"key": "permis"},
    "procedure.process": {"key": "permis", "process": "nulle_part"}, "item.shape": {"key": "permis"},
    "item.unknown": {"key": "permis", "kind": "x"},
    "item.types": {"key": "permis", "kind": "plan", "bad": "text/html", "accepted": "application/pdf"},
    "item.when": {"key": "permis", "kind": "plan"},
    "item.signer": {"key": "permis", "kind": "plan", "signed_by": "x", "known": "architecte, igt"},
    "form.shape": {"name": "f.json"}, "form.schema": {"name": "f.schema.json", "keyword": "anyOf", "where": "$.type"},
    "form.name": {"name": "F"}, "form.json": {"file": "forms/f.schema.json", "line": 2, "column": 5},
    "file.missing": {"path": "processes/catalog.yaml"}, "field.name": {"name": "Bad"},
    "field.type": {"name": "a", "kind": "x"}, "field.minimum": {"name": "a", "text": "x"},
    "field.maximum": {"name": "a", "text": "x"}, "field.labels": {"name": "a"}, "field.options": {"name": "a"},
    "fields.twice": {}, "usage.status": {"where": "guu.bpmn:12 [t1]", "code": "x"},
    "usage.message": {"where": "guu.bpmn:12 [t1]", "name": "x"},
}
ARABIC = re.compile("[\u0600-\u06ff]")
FRENCH_WORDS = re.compile(r"\b(procédure|pièce|formulaire|champ|statut|catalogue|invalide|introuvable)\b")


def test_every_code_has_its_values_listed() -> None:
    assert set(VALUES) == set(TEXTS)


@pytest.mark.parametrize("code", sorted(TEXTS))
def test_each_problem_reads_in_french_and_in_arabic(code: str) -> None:
    problem = Problem(code, **VALUES[code])
    french, arabic = str(problem), problem.text("ar")
    assert problem.text("fr") == french and text(problem, "fr") == french and text(problem, "ar") == arabic
    assert "{" not in french.replace("{fr, ar}", "").replace("{kind, required}", "")
    assert ARABIC.search(arabic) and not FRENCH_WORDS.search(arabic), arabic
    for key, value in VALUES[code].items():
        if key != "section":  # a section is a word of the sentence, in its language
            assert str(value) in french and f"{LRI}{value}{PDI}" in arabic, (key, arabic)
    assert arabic.count(LRI) == arabic.count(PDI)


def test_a_problem_is_its_french_sentence_wherever_a_string_goes() -> None:
    problem = Problem("procedure.exists", key="permis_construire")
    assert problem == "la procédure « permis_construire » existe déjà"
    assert "; ".join([problem, problem]).startswith("la procédure")
    for again in (copy.deepcopy(problem), pickle.loads(pickle.dumps(problem))):
        assert again == problem and again.code == "procedure.exists" and again.text("ar") == problem.text("ar")


def test_a_broken_catalog_lists_every_problem_in_both_languages() -> None:
    broken = ("statuses: {Draft: {fr: Brouillon}}\ndocuments: {}\nmessages: {}\n"
              "procedures:\n  permis:\n    code: pc\n    domain: lune\n    process: guu\n    fr: Permis\n    ar: رخصة\n"
              "    checklist: [[plan, true]]\n")
    with pytest.raises(CatalogError) as caught:
        parse(broken, {"depot.schema.json": {"type": "objet"}})
    codes = [p.code for p in caught.value.problems]  # type: ignore[attr-defined]
    assert {"labels.code", "procedure.code", "procedure.domain", "item.unknown", "form.schema"} <= set(codes)
    arabic = [text(p, "ar") for p in caught.value.problems]
    assert all(ARABIC.search(a) and not FRENCH_WORDS.search(a) for a in arabic), arabic
    assert any("mot-clé" in p for p in caught.value.problems)  # jsonschema's English message is not shown


def test_invalid_yaml_names_its_line_in_both_languages() -> None:
    with pytest.raises(CatalogError) as caught:
        parse("procedures: [\n  a: b\n")
    (problem,) = caught.value.problems
    assert problem.startswith("catalog.yaml n'est pas du YAML valide (ligne")
    assert "السطر" in text(problem, "ar")
