"""The shipped procedures validate, and everything they name exists: handlers, forms,
catalog statuses and processes, checklist documents."""
from __future__ import annotations

import json
import re
from pathlib import Path

from lxml import etree

from engine.sources import read_directory
from handlers import catalog_usage
from handlers.catalog_store import read_files
from handlers.registry import HANDLERS
from tests.procedures.conftest import PROCESSES

NS = {"bpmn": "http://www.omg.org/spec/BPMN/20100524/MODEL",
      "spiffworkflow": "http://spiffworkflow.org/bpmn/schema/1.0/core"}
DIAGRAMS = sorted(PROCESSES.glob("*.bpmn"))


def _all(xpath: str) -> list[etree._Element]:
    return [el for path in DIAGRAMS for el in etree.parse(str(path)).iterfind(xpath, NS)]


def test_the_procedures_validate_with_the_real_registry(platform) -> None:  # noqa: ANN001
    result = platform.engine.compile(*read_directory(PROCESSES))
    assert result.ok, [str(p) for p in result.problems]
    keys = {p.key for p in result.processes}
    assert {proc.process for proc in read_files(PROCESSES).procedures.values()} <= keys


def test_every_operator_is_a_registered_handler() -> None:
    operators = {el.get("id") for el in _all(".//spiffworkflow:serviceTaskOperator")}
    assert operators and operators <= set(HANDLERS), operators - set(HANDLERS)


def test_every_form_exists_is_a_schema_and_has_bilingual_ui_hints() -> None:
    forms = {el.get("value") for el in _all(".//spiffworkflow:property[@name='formJsonSchemaFilename']")}
    for form in forms:
        path = PROCESSES / "forms" / form
        assert path.is_file(), f"{form} is named by a user task but missing"
        ui = json.loads(path.with_name(form.replace(".schema.json", ".ui.json")).read_text())
        assert {"fr", "ar"} <= set(ui["title"]), form
        for key, hint in ui.items():
            if isinstance(hint, dict) and "label" in hint:
                assert {"fr", "ar"} <= set(hint["label"]), f"{form}: {key}"


def test_public_statuses_used_by_diagrams_are_in_the_catalog() -> None:
    catalog = read_files(PROCESSES)
    used = set()
    for op in _all(".//spiffworkflow:serviceTaskOperator[@id='dossier.status']"):
        for param in op.iterfind(".//spiffworkflow:parameter[@id='code']", NS):
            used.add(re.sub(r"^'(.*)'$", r"\1", param.get("value")))
    assert used and used <= set(catalog.statuses), used - set(catalog.statuses)
    sources = {p.name: p.read_text(encoding="utf-8") for p in DIAGRAMS}
    statuses, messages = catalog_usage.uses(sources)
    assert used <= set(statuses) and messages
    assert catalog_usage.problems(catalog, sources, {proc.process for proc in catalog.procedures.values()}) == []


def test_diagrams_are_laid_out_for_analysts() -> None:
    for path in DIAGRAMS:
        tree = etree.parse(str(path))
        shapes = {el.get("bpmnElement") for el in tree.iter("{http://www.omg.org/spec/BPMN/20100524/DI}BPMNShape")}
        nodes = {el.get("id") for el in tree.iter() if isinstance(el.tag, str) and el.get("id")
                 and etree.QName(el).localname in {"userTask", "serviceTask", "callActivity", "startEvent",
                                                     "endEvent", "exclusiveGateway", "businessRuleTask",
                                                     "scriptTask", "boundaryEvent", "lane"}}
        assert nodes <= shapes, f"{path.name}: no shape for {sorted(nodes - shapes)[:5]}"
        names = [el.get("name") for el in tree.iter() if isinstance(el.tag, str)
                 and etree.QName(el).localname in {"userTask", "serviceTask", "callActivity"}]
        assert all(names), f"{path.name}: every task has a French name"


def test_catalog_lists_every_procedure_of_the_domain() -> None:
    catalog = read_files(PROCESSES)
    assert set(catalog.procedures) == {
        "permis_construire", "permis_habiter", "autorisation_lotir", "groupe_habitations",
        "autorisation_morceler", "permis_refection", "permis_regularisation", "permis_demolition",
        "exercice_activite", "occupation_domaine_public", "ouverture_tranchee"}
    for proc in catalog.procedures.values():
        assert any(item.required for item in proc.checklist), proc.key
    assert Path(PROCESSES / "catalog.yaml").read_text(encoding="utf-8")
