"""Operator parameters: each handler declares a JSON Schema; validation checks the diagrams."""
from __future__ import annotations

from typing import Any

import pytest

from engine import HandlerRegistry, HandlerSpec, Rules, compile_sources
from engine.params import check_params
from engine.sources import read_directory
from handlers.files import FileStore
from handlers.ports import Ports
from handlers.registry import HANDLERS, build_registry
from handlers.roles import lane_roles
from tests.conftest import PROCESSES

SCHEMAS = {name: params for name, (_, _, params) in HANDLERS.items()}
RULES = Rules(operators=set(HANDLERS), lane_roles=lane_roles(), operator_params=SCHEMAS)
FILES, FORMS = read_directory(PROCESSES)
NOTIFY = ('<spiffworkflow:serviceTaskOperator id="notify.send"><spiffworkflow:parameters>'
          '<spiffworkflow:parameter id="to" type="any" value="\'applicant\'"/>'
          '<spiffworkflow:parameter id="template" type="any" value="\'filed\'"/>'
          '</spiffworkflow:parameters></spiffworkflow:serviceTaskOperator>')


def compile_with(old: str, new: str) -> list[Any]:
    text = FILES["economic.bpmn"].decode()
    assert old in text
    files = {**FILES, "economic.bpmn": text.replace(old, new, 1).encode()}
    return compile_sources(files, FORMS, RULES).problems


def test_every_handler_declares_an_object_schema() -> None:
    for name, schema in SCHEMAS.items():
        assert schema["type"] == "object" and set(schema["required"]) <= set(schema["properties"]), name
    assert SCHEMAS["notify.send"]["required"] == ["template", "to"]
    assert SCHEMAS["dossier.status"]["required"] == ["code"]


def test_the_registry_hands_the_schemas_to_the_engine() -> None:
    registry = build_registry(Ports(files=FileStore("/nonexistent")))
    assert registry.params() == SCHEMAS
    assert registry.get("notify.send").params is SCHEMAS["notify.send"]
    bare = HandlerRegistry.of({"x.y": HandlerSpec(lambda call: None)})
    assert bare.params() == {}  # a handler declaring nothing is not checked


def test_shipped_procedures_pass() -> None:
    result = compile_sources(FILES, FORMS, RULES)
    assert result.ok, result.problems


def test_missing_required_parameters_are_located_on_the_task() -> None:
    problems = compile_with(NOTIFY, '<spiffworkflow:serviceTaskOperator id="notify.send">'
                                    '<spiffworkflow:parameters/></spiffworkflow:serviceTaskOperator>')
    messages = sorted(p.message for p in problems)
    assert messages == ["paramètre obligatoire 'template' manquant pour l'opérateur 'notify.send'",
                        "paramètre obligatoire 'to' manquant pour l'opérateur 'notify.send'"]
    assert {p.element_id for p in problems} == {"ea_notify_filed"}
    assert all(p.file == "economic.bpmn" and p.line for p in problems)


def test_unknown_parameter() -> None:
    extra = NOTIFY.replace("</spiffworkflow:parameters>",
                           '<spiffworkflow:parameter id="cc" type="any" value="\'x\'"/></spiffworkflow:parameters>')
    [problem] = compile_with(NOTIFY, extra)
    assert "paramètre inconnu 'cc'" in problem.message and "template, to" in problem.message


@pytest.mark.parametrize(("value", "complaint"), [
    ("'everyone'", "'everyone'"),        # not an audience
    ("42", "42"),                        # not a string
])
def test_literal_of_the_wrong_kind(value: str, complaint: str) -> None:
    [problem] = compile_with('value="\'applicant\'"', f'value="{value}"')
    assert problem.message.startswith("paramètre 'to' : la valeur") and complaint in problem.message
    assert problem.element_id == "ea_notify_filed"


def test_expressions_are_left_to_run_time() -> None:
    schema = SCHEMAS["commission.convene"]
    assert check_params("f.bpmn", "t", "commission.convene", {"delay_days": {"value": "delai + 1"}}, schema) == []
    [bad] = check_params("f.bpmn", "t", "commission.convene", {"delay_days": {"value": "'deux'"}}, schema)
    assert "delay_days" in bad.message and bad.element_id == "t"
    assert check_params("f.bpmn", "t", "commission.convene", {"delay_days": {"value": "3"}}, schema) == []
    assert check_params("f.bpmn", "t", "dossier.status", {"code": {"value": "  "}}, SCHEMAS["dossier.status"])


def test_rules_without_schemas_check_nothing() -> None:
    text = FILES["economic.bpmn"].decode().replace(
        NOTIFY, '<spiffworkflow:serviceTaskOperator id="notify.send"><spiffworkflow:parameters/>'
                '</spiffworkflow:serviceTaskOperator>', 1)
    rules = Rules(operators=set(HANDLERS), lane_roles=lane_roles())
    assert compile_sources({**FILES, "economic.bpmn": text.encode()}, FORMS, rules).ok
