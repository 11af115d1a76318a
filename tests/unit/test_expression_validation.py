"""Every expression a diagram carries is compiled at validation: a located problem (file,
element, line) in French, instead of a failure when a dossier reaches it."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from engine import compile_sources
from engine.errors import Problem
from tests.conftest import DIAGRAMS
from tests.unit.test_validation import FORMS, RULES, line_of

APPROVAL = (DIAGRAMS / "approval.bpmn").read_text()
COMMISSION = (DIAGRAMS / "commission.bpmn").read_text()
DELIBERATION = (DIAGRAMS / "deliberation.dmn").read_text()
TIMER = '"P30D"</bpmn:timeDuration>'


def problems(files: dict[str, str]) -> list[Problem]:
    result = compile_sources({k: v.encode() for k, v in files.items()}, FORMS, RULES)
    return result.problems


def only(text: str, replace: str, by: str, name: str = "x.bpmn", **others: str) -> Problem:
    """The single problem of ``text`` once ``replace`` is replaced by ``by``."""
    assert replace in text
    changed = text.replace(replace, by, 1)
    found = problems({name: changed, **others})
    assert len(found) == 1, found
    return found[0]


def test_the_test_diagrams_pass_as_they_are() -> None:
    assert problems({"a.bpmn": APPROVAL, "c.bpmn": COMMISSION, "d.dmn": DELIBERATION}) == []


def test_flow_condition() -> None:
    p = only(APPROVAL, "complete == True", "complete = = True")
    assert (p.file, p.element_id) == ("x.bpmn", "f3")
    assert p.line == line_of(APPROVAL, "complete == True")
    assert "la condition du flux n'est pas du Python valide" in p.message and "complete = = True" in p.message


def test_script_error_is_on_its_own_line() -> None:
    p = only(APPROVAL, 'outcome = "expired"', 'outcome = "expired"\nif outcome\n  pass')
    assert p.element_id == "expired" and p.message.startswith("le script n'est pas du Python valide")
    assert p.line == line_of(APPROVAL, 'outcome = "expired"') + 1


def test_unquoted_timer_duration_says_to_quote_it() -> None:
    p = only(APPROVAL, TIMER, "P30D</bpmn:timeDuration>")
    assert p.element_id == "review_timeout" and p.line == line_of(APPROVAL, TIMER)
    assert 'entre guillemets : "P30D"' in p.message and "nom de variable" in p.message


@pytest.mark.parametrize("timer", ['"P3X"', '"30 jours"', "30"])
def test_quoted_timer_must_be_an_iso_duration(timer: str) -> None:
    p = only(APPROVAL, TIMER, f"{timer}</bpmn:timeDuration>")
    assert p.element_id == "review_timeout"
    assert "durée ISO 8601" in p.message or "texte ISO 8601" in p.message


def test_timer_expression_must_compile_but_may_name_a_variable() -> None:
    assert problems({"x.bpmn": APPROVAL.replace(TIMER, "study_deadline</bpmn:timeDuration>")}) == []
    assert problems({"x.bpmn": APPROVAL.replace(TIMER, '"P" + str(days) + "D"</bpmn:timeDuration>')}) == []
    p = only(APPROVAL, TIMER, "study_deadline +</bpmn:timeDuration>")
    assert "l'expression du minuteur n'est pas du Python valide" in p.message


@pytest.mark.parametrize(("kind", "good", "bad", "hint"), [
    ("timeDate", '"2026-03-01T09:00:00+01:00"', '"2026-13-01"', "date ISO 8601"),
    ("timeDate", '"2026-03-01T09:00:00"', "2026-03-01T09:00:00", "entre guillemets"),
    ("timeCycle", '"R3/PT1H"', '"R3/PT1X"', "cycle ISO 8601"),
    ("timeCycle", '"R3/PT1H"', "R3/PT1H", "entre guillemets"),
])
def test_timer_dates_and_cycles(kind: str, good: str, bad: str, hint: str) -> None:
    def diagram(value: str) -> str:
        return APPROVAL.replace(f"<bpmn:timeDuration {TIMER[:0]}", f"<bpmn:{kind} ", 1) \
            .replace(TIMER, f"{value}</bpmn:{kind}>")
    assert problems({"x.bpmn": diagram(good)}) == []
    [p] = problems({"x.bpmn": diagram(bad)})
    assert p.element_id == "review_timeout" and hint in p.message


def test_multi_instance_settings() -> None:
    mi = "<bpmn:loopDataInputRef>members</bpmn:loopDataInputRef>"
    out = '<bpmn:outputDataItem id="avis" name="avis"/>'
    p = only(COMMISSION, out, out + "<bpmn:completionCondition>len(opinions) &gt;= </bpmn:completionCondition>",
             **{"d.dmn": DELIBERATION})
    assert p.element_id == "opinion" and "la condition de fin (multi-instance)" in p.message
    p = only(COMMISSION, mi, "<bpmn:loopDataInputRef>dossier.members</bpmn:loopDataInputRef>", **{"d.dmn": DELIBERATION})
    assert p.element_id == "opinion" and "doit être le nom d'une variable" in p.message
    assert problems({"d.dmn": DELIBERATION, "x.bpmn": COMMISSION.replace(
        out, out + "<bpmn:completionCondition>len(opinions) &gt;= 2</bpmn:completionCondition>")}) == []


def test_multi_instance_cardinality() -> None:
    mi = "<bpmn:loopDataInputRef>members</bpmn:loopDataInputRef>"
    p = only(COMMISSION, mi, "<bpmn:loopCardinality>len(members</bpmn:loopCardinality>", **{"d.dmn": DELIBERATION})
    assert p.element_id == "opinion" and "le nombre d'instances" in p.message


def test_service_task_parameter_value() -> None:
    p = only(APPROVAL, "value=\"'mail'\"", "value=\"'mail\"")
    assert p.element_id == "notify" and p.line == line_of(APPROVAL, "value=\"'mail'\"")
    assert "le paramètre « channel » de l'opérateur n'est pas du Python valide" in p.message


def test_user_task_assignee() -> None:
    p = only(APPROVAL, 'value="applicant_id"', 'value="applicant_id["')
    assert p.element_id == "fix" and p.line == line_of(APPROVAL, 'value="applicant_id"')
    assert "l'attribution (assignee) n'est pas du Python valide" in p.message


def test_user_task_deadline_is_an_iso_duration() -> None:
    p = only(APPROVAL, 'value="P15D"', 'value="P15X"')
    assert p.element_id == "review" and "« P15X » n'est pas une durée ISO 8601" in p.message
    p = only(APPROVAL, 'value="P15D"', 'value="delay +"')
    assert "le délai (deadline) n'est pas du Python valide" in p.message
    assert problems({"x.bpmn": APPROVAL.replace('value="P15D"', 'value="PT12H"')}) == []


@pytest.mark.parametrize(("replace", "by", "element", "what"), [
    ('opinions.count("defavorable")', 'opinions.count("defavorable"', "ie_unfavourable",
     "l'expression d'entrée"),
    ("<text>&gt; 0</text>", "<text>&gt; &gt; 0</text>", "r_refus_in", "la cellule d'entrée"),
    ('<text>"refus"</text>', '<text>"refus</text>', "r_refus_out", "la cellule de sortie"),
])
def test_dmn_cells(replace: str, by: str, element: str, what: str) -> None:
    p = only(DELIBERATION, replace, by, name="d.dmn", **{"c.bpmn": COMMISSION})
    assert (p.file, p.element_id) == ("d.dmn", element) and what in p.message
    assert p.line == line_of(DELIBERATION, replace)


def test_dmn_unary_tests_spiff_accepts_pass() -> None:
    for cell in ("&gt; 0", "0", '"accord"', "-", "1 &lt; ? &lt; 3", 'in ["a", "b"]'):
        dmn = DELIBERATION.replace("<text>&gt; 0</text>", f"<text>{cell}</text>", 1)
        assert problems({"d.dmn": dmn, "c.bpmn": COMMISSION}) == [], cell


def test_the_deployed_processes_still_validate() -> None:
    guichet = Path(sys.executable).with_name("guichet")
    run = subprocess.run([str(guichet), "processes", "validate"], capture_output=True, text=True,
                         timeout=300, cwd=Path(__file__).resolve().parents[2])
    assert run.returncode == 0, run.stdout + run.stderr
