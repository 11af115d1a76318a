"""Validation: every bad input gets a located error, never a traceback."""
from __future__ import annotations

from pathlib import Path

import pytest

from engine import Rules, compile_sources
from engine.sources import read_directory
from tests.conftest import DIAGRAMS, LANE_ROLES, service_missing

RULES = Rules(operators={"test.notify", "test.sign"}, lane_roles=LANE_ROLES)
APPROVAL = (DIAGRAMS / "approval.bpmn").read_text()
_, FORMS = read_directory(DIAGRAMS)


def problems_for(text: str, forms: dict[str, bytes] | None = None, name: str = "x.bpmn"):  # noqa: ANN201
    result = compile_sources({name: text.encode()}, FORMS if forms is None else forms, RULES)
    assert not result.ok
    return result.problems


def line_of(text: str, needle: str) -> int:
    return next(i for i, line in enumerate(text.splitlines(), 1) if needle in line)


def test_valid_diagrams_compile() -> None:
    result = compile_sources(*read_directory(DIAGRAMS), RULES)
    assert result.ok, result.problems
    assert {p.key for p in result.processes} == {"approval", "commission", "parent", "child", "ten_steps",
                                                         "broken_script", "interrupting_subprocess",
                                                         "interrupting_boundary", "interrupting_none"}


def test_malformed_xml_is_located() -> None:
    broken = APPROVAL.replace("</bpmn:userTask>", "</bpmn:userTsk>", 1)
    [p] = problems_for(broken)
    assert p.file == "x.bpmn" and "XML mal formé" in p.message
    assert p.line == line_of(broken, "</bpmn:userTsk>")


def test_xsd_invalid_file_is_located() -> None:
    broken = APPROVAL.replace('<bpmn:exclusiveGateway id="decide"',
                              '<bpmn:exclusiveGateway colour="red" id="decide"')
    problems = problems_for(broken)
    assert any("schéma BPMN" in p.message and "colour" in p.message for p in problems)
    p = problems[0]
    assert p.line == line_of(broken, 'colour="red"') and p.element_id == "decide"


def test_unknown_operator_is_located() -> None:
    broken = APPROVAL.replace('id="test.notify"', 'id="mail.sendd"')
    [p] = problems_for(broken)
    assert "mail.sendd" in p.message and "n'est pas un gestionnaire enregistré" in p.message
    assert p.element_id == "notify" and p.line == line_of(broken, 'id="notify"')


def test_missing_form_is_located() -> None:
    forms = {k: v for k, v in FORMS.items() if k != "fix.schema.json"}
    [p] = problems_for(APPROVAL, forms)
    assert "fix.schema.json" in p.message and p.element_id == "fix"
    assert p.line == line_of(APPROVAL, 'id="fix"')


def test_form_that_is_not_a_json_schema() -> None:
    forms = dict(FORMS, **{"fix.schema.json": b'{"type": "objekt"}'})
    problems = problems_for(APPROVAL, forms)
    assert any(p.file == "fix.schema.json" and "pas un JSON Schema valide" in p.message for p in problems)


def test_unknown_lane_is_located() -> None:
    broken = APPROVAL.replace('name="applicant"', 'name="Plombier"')
    [p] = problems_for(broken)
    assert "le couloir « Plombier » n'est pas un rôle connu" in p.message and p.element_id == "fix"


def test_camunda_style_file_without_is_executable() -> None:
    broken = APPROVAL.replace(' isExecutable="true"', "")
    [p] = problems_for(broken)
    assert "isExecutable" in p.message and p.element_id == "approval"
    assert p.line == line_of(broken, '<bpmn:process id="approval"')


def test_status_labels_on_a_task_are_refused_for_the_catalog_s() -> None:
    broken = APPROVAL.replace('<spiffworkflow:property name="deadline" value="P15D"/>',
                              '<spiffworkflow:property name="deadline" value="P15D"/>'
                              '<spiffworkflow:property name="status_fr" value="En cours"/>')
    assert broken != APPROVAL
    [p] = problems_for(broken)
    assert "dossier.status" in p.message and "catalogue" in p.message and p.element_id == "review"


@pytest.mark.parametrize("payload", [
    '<!DOCTYPE d [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>',
    '<!DOCTYPE d [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>',
])
def test_dtd_and_entities_are_refused(payload: str) -> None:
    text = APPROVAL.replace('<?xml version="1.0" encoding="UTF-8"?>',
                            '<?xml version="1.0" encoding="UTF-8"?>' + payload)
    [p] = problems_for(text)
    assert "DTD" in p.message or "malformed" in p.message


@pytest.mark.parametrize("content", [b"", b"   ", b"%PDF-1.7 not xml", b"<html><body/></html>",
                                     b'<?xml version="1.0"?><root/>'])
def test_wrong_file_types_are_refused(content: bytes) -> None:
    result = compile_sources({"upload.bpmn": content}, {}, RULES)
    assert not result.ok and result.problems[0].file == "upload.bpmn"


def test_call_activity_to_a_missing_process() -> None:
    parent = (DIAGRAMS / "parent.bpmn").read_text()
    problems = problems_for(parent, name="parent.bpmn")
    assert any("child" in p.message for p in problems)


MIWG = Path(__file__).resolve().parents[3] / "shared" / "corpus" / "bpmn-miwg"


def test_the_miwg_corpus_is_there() -> None:
    if len(list(MIWG.glob("*.bpmn"))) != 21:
        service_missing(f"the 21 MIWG reference models are not at {MIWG}")


@pytest.mark.parametrize("path", sorted(MIWG.glob("*.bpmn")), ids=lambda p: p.name)
def test_miwg_reference_models_get_ok_or_located_errors(path: Path) -> None:
    result = compile_sources({path.name: path.read_bytes()}, {}, RULES)
    if not result.ok:
        for p in result.problems:
            assert p.file == path.name and p.message
        assert any(p.line for p in result.problems), result.problems


def test_oversized_diagrams_are_refused() -> None:
    from engine.xml import MAX_XML_BYTES
    padding = "<!--" + "x" * MAX_XML_BYTES + "-->"
    result = compile_sources({"huge.bpmn": (APPROVAL + padding).encode()}, FORMS, RULES)
    assert not result.ok and "dépasse" in result.problems[0].message
