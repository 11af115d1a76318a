"""The analyst helpers of diagram expressions (engine/expressions.py) and the binding
opinions table (processes/avis_conformes.dmn): each helper on sample data, in DMN cells and
scripts; then the change request "make the agence urbaine's opinion binding for
lotissements only", made by editing the tables as the Studio's DMN editor saves them and
deploying, checked with a lotissement and a permis de construire filed afterwards."""
from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from sqlalchemy import select

from engine import compile_sources
from engine.compiler import Rules
from engine.definitions import deploy
from engine.expressions import HELPERS, HelperEnvironment, bind
from engine.models import ProcessInstance
from engine.sources import read_directory
from handlers.dossier_models import Dossier
from handlers.registry import build_registry
from handlers.roles import lane_roles
from tests.procedures.conftest import PROCESSES, Platform

CITIZEN = "citoyen@guichet.demo"
AGENT = "guichet@casablanca.demo"
PRESIDENT = "president@casablanca.demo"
FAV = {"avis": "favorable"}
UNFAVOURABLE = {"avis": "defavorable", "motif": "Non conforme au plan d'aménagement"}
LOT = {"surface": 12000, "parcelle": "TF 9/C"}
SMALL = {"usage": "habitation_individuelle", "surface": 180, "niveaux": 2, "parcelle": "TF 12345/C"}

SAMPLE: dict[str, Any] = {
    "avis_conformes": ["agence_urbaine"],
    "avis_recus": [
        {"organisme": "agence_urbaine", "avis": "favorable_reserve", "conforme": True,
         "reserves": "Retrait de 3 m sur rue", "motif": None, "plans_modifies": True},
        {"organisme": "urbanisme", "avis": "favorable", "conforme": False,
         "reserves": None, "motif": None, "plans_modifies": False},
        {"organisme": "protection_civile", "avis": "defavorable", "conforme": False,
         "reserves": None, "motif": "Issues de secours", "plans_modifies": False},
        {"organisme": "regie", "avis": "favorable_reserve", "conforme": False,
         "reserves": "Raccordement à prévoir", "motif": None, "plans_modifies": False},
    ],
}


# -- each helper on sample data ---------------------------------------------------------
def test_helpers_on_sample_data() -> None:
    h = bind(SAMPLE)
    assert h["avis"]("agence_urbaine") == "favorable_reserve"
    assert h["avis"]("protection_civile") == "defavorable"
    assert h["avis"]("ancfcc") is None  # not seated: no opinion
    assert h["avis_defavorable"]("protection_civile") and not h["avis_defavorable"]("urbanisme")
    assert h["avis_conforme"]("agence_urbaine") and not h["avis_conforme"]("protection_civile")
    assert not h["un_avis_conforme_defavorable"]()  # the binding opinion is favourable
    assert h["nombre_avis"]() == 4
    assert h["nombre_avis"]("defavorable") == 1
    assert h["nombre_avis"]("favorable", "favorable_reserve") == 3
    assert h["nombre_avis"]("favorable_reserve", conforme=False) == 1
    assert h["nombre_avis"](conforme=True) == 1
    assert h["plans_modifies_demandes"]()
    assert h["liste_reserves"]() == ["Retrait de 3 m sur rue", "Raccordement à prévoir"]


def test_binding_unfavourable_and_an_organism_seated_twice() -> None:
    data = {"avis_recus": [
        {"organisme": "agence_urbaine", "avis": "favorable", "conforme": True},
        {"organisme": "agence_urbaine", "avis": "defavorable", "conforme": True},
        {"organisme": "urbanisme", "avis": "favorable_reserve", "conforme": False, "reserves": "Clôture"}]}
    h = bind(data)
    assert h["avis"]("agence_urbaine") == "defavorable"  # the most severe of the organism's opinions
    assert h["un_avis_conforme_defavorable"]()
    assert h["avis_conforme"]("agence_urbaine")  # from the opinions, without avis_conformes
    assert not h["plans_modifies_demandes"]()


def test_no_opinions_yet() -> None:
    h = bind({})
    assert h["avis"]("agence_urbaine") is None and h["nombre_avis"]() == 0
    assert not h["un_avis_conforme_defavorable"]() and h["liste_reserves"]() == []
    assert not h["avis_conforme"]("agence_urbaine")


def test_the_documented_set_of_names() -> None:
    assert sorted(HELPERS) == ["auteur_de", "avis", "avis_conforme", "avis_defavorable", "liste_reserves",
                               "nombre_avis", "plans_modifies_demandes", "un_avis_conforme_defavorable"]
    readme = (PROCESSES / "README.md").read_text(encoding="utf-8")
    for name, helper in HELPERS.items():
        assert helper.doc and name in helper.example
        assert f"`{helper.call}`" in readme, name


# -- in the evaluation environment: expressions, DMN cells (external context), scripts -
def test_environment_evaluates_conditions_cells_and_scripts() -> None:
    env = HelperEnvironment()
    data = json.loads(json.dumps(SAMPLE))
    assert env.evaluate('avis("regie") == "favorable_reserve" and not un_avis_conforme_defavorable()', data)
    # a DMN cell "> nombre_avis() / 2" against its input value, as Spiff's DMN engine passes it
    assert env.evaluate("dmninputexpr > nombre_avis() / 2", data, {"dmninputexpr": 3}) is True
    env.execute('nb = nombre_avis("defavorable")\nconditions = liste_reserves()', data)
    assert data["nb"] == 1 and data["conditions"] == ["Retrait de 3 m sur rue", "Raccordement à prévoir"]
    assert not any(callable(v) for v in data.values()) and "avis" not in data  # no helper left in the data
    shadowed = {"avis": "favorable", "avis_recus": []}  # a form field named like a helper keeps its value
    assert env.evaluate('avis == "favorable"', shadowed)
    env.execute("x = avis", shadowed)
    assert shadowed["x"] == "favorable"


# -- the change request, through deployment ---------------------------------------------
URBANISM = ('? in ("permis_construire", "permis_habiter", "autorisation_lotir", "groupe_habitations", '
            '"autorisation_morceler", "permis_refection", "permis_regularisation", "permis_demolition")')


def lotissements_only(text: str) -> str:
    """What dmn-js saves after the analyst typed ``"autorisation_lotir"`` in the
    "Procédure" cell of the agence urbaine's row (and its description)."""
    assert URBANISM in text
    return (text.replace(URBANISM, '"autorisation_lotir"')
                .replace("pour toute autorisation d'urbanisme", "pour les lotissements"))


def majority_rule(text: str) -> str:
    """The "Tout avis défavorable entraîne le refus" row becomes "unfavourable opinions are
    the majority": its "Avis défavorables" cell reads ``> nombre_avis() / 2`` and the
    later rows no longer require zero unfavourable opinions (that column left empty)."""
    text = text.replace('<inputEntry id="deliberation_r1_i1"><text>&gt;= 1</text>',
                        '<inputEntry id="deliberation_r1_i1"><text>&gt; nombre_avis() / 2</text>')
    text = text.replace("Tout avis défavorable entraîne le refus", "Avis défavorables majoritaires")
    for row in range(2, 6):
        old = f'<inputEntry id="deliberation_r{row}_i1"><text>0</text>'
        assert old in text
        text = text.replace(old, f'<inputEntry id="deliberation_r{row}_i1"><text></text>')
    return text


def redeploy(p: Platform, edits: dict[str, Callable[[str], str]]) -> None:
    files, forms = read_directory(PROCESSES)
    for name, edit in edits.items():
        files[name] = edit(files[name].decode("utf-8")).encode("utf-8")
    result = compile_sources(files, forms, Rules(operators=set(build_registry(p.ports)), lane_roles=lane_roles()))
    assert result.ok, result.problems
    with p.engine.transaction() as s:
        outcomes = deploy(s, result.processes, by="analyst", comment="avis conforme : lotissements", now=p.clock())
    assert any(o.created for o in outcomes)


def _values(node: Any, key: str) -> Iterator[Any]:
    if isinstance(node, dict):
        for k, v in node.items():
            if k == key:
                yield v
            yield from _values(v, key)
    elif isinstance(node, list):
        for v in node:
            yield from _values(v, key)


def reasons(p: Platform, d: int) -> set[str]:
    """Every ``outcome_reason`` the deliberation wrote in the dossier's workflow data."""
    with p.sessions() as s:
        state = s.scalar(select(ProcessInstance.state).join(Dossier, Dossier.instance_id == ProcessInstance.id)
                         .where(Dossier.id == d))
    return set(_values(json.loads(state or "{}"), "outcome_reason"))


def examine(p: Platform, procedure: str, fields: dict[str, Any], opinions: dict[str, dict[str, Any]]) -> int:
    d = p.file(CITIZEN, procedure, fields)
    p.do(d, "rc_check", {"complete": True}, AGENT)
    p.opinions(d, opinions)
    return d


def sign(p: Platform, d: int) -> None:
    assert p.open_steps(d) == ["sg_approve"]
    p.do(d, "sg_approve", {"approve": True}, PRESIDENT)


def binding_of(p: Platform, d: int) -> dict[str, bool]:
    return {o.organism_code: o.binding for o in p.recorded_opinions(d)}


def test_shipped_table_makes_the_agence_urbaine_binding_for_urbanism(platform: Platform) -> None:
    p = platform
    d = examine(p, "permis_construire", SMALL, {"agence_urbaine": UNFAVOURABLE, "urbanisme": FAV})
    sign(p, d)
    assert p.decision(d).outcome == "refus" and reasons(p, d) == {"avis conforme défavorable"}
    assert binding_of(p, d) == {"agence_urbaine": True, "urbanisme": False}


def test_binding_for_lotissements_only(platform: Platform) -> None:
    p = platform
    before = p.file(CITIZEN, "permis_construire", SMALL)
    p.do(before, "rc_check", {"complete": True}, AGENT)  # its commission examination has begun
    redeploy(p, {"avis_conformes.dmn": lotissements_only})
    p.opinions(before, {"agence_urbaine": FAV, "urbanisme": FAV})
    lot = examine(p, "autorisation_lotir", LOT, {"agence_urbaine": UNFAVOURABLE, "urbanisme": FAV,
                                                 "protection_civile": FAV, "regie": FAV})
    sign(p, lot)
    assert p.decision(lot).outcome == "refus" and reasons(p, lot) == {"avis conforme défavorable"}
    assert binding_of(p, lot)["agence_urbaine"] is True
    permis = examine(p, "permis_construire", SMALL, {"agence_urbaine": UNFAVOURABLE, "urbanisme": FAV})
    # no longer binding: the shipped deliberation's other rule decides ("any unfavourable refuses")
    assert binding_of(p, permis) == {"agence_urbaine": False, "urbanisme": False}
    sign(p, permis)
    assert p.decision(permis).outcome == "refus" and reasons(p, permis) == {"avis défavorable"}
    # the examination begun before finishes on its version: the agence urbaine was binding there
    assert binding_of(p, before)["agence_urbaine"] is True


def test_binding_for_lotissements_only_with_a_majority_of_simple_opinions(platform: Platform) -> None:
    p = platform
    redeploy(p, {"avis_conformes.dmn": lotissements_only, "deliberation.dmn": majority_rule})
    lot = examine(p, "autorisation_lotir", LOT, {"agence_urbaine": UNFAVOURABLE, "urbanisme": FAV,
                                                 "protection_civile": FAV, "regie": FAV})
    sign(p, lot)
    assert p.decision(lot).outcome == "refus" and reasons(p, lot) == {"avis conforme défavorable"}
    permis = examine(p, "permis_construire", SMALL, {"agence_urbaine": UNFAVOURABLE, "urbanisme": FAV})
    assert p.open_steps(permis) == ["ga_pay"]  # not refused: one simple opinion against one
    p.pay(permis)
    sign(p, permis)
    assert p.decision(permis).outcome == "accord" and reasons(p, permis) == {"avis favorables"}
    # unfavourable simple opinions in the majority still refuse
    both = examine(p, "permis_construire", SMALL, {"agence_urbaine": UNFAVOURABLE, "urbanisme": UNFAVOURABLE})
    sign(p, both)
    assert p.decision(both).outcome == "refus" and reasons(p, both) == {"avis défavorable"}


@pytest.mark.parametrize("procedure", ["exercice_activite"])
def test_no_binding_organism_outside_urbanism(platform: Platform, procedure: str) -> None:
    p = platform
    d = p.file("architecte@guichet.demo", procedure, {"activite": "librairie", "raison_sociale": "Kitab"})
    p.do(d, "rc_check", {"complete": True}, AGENT)
    p.opinions(d, {"economie": FAV, "autorite_locale": UNFAVOURABLE})
    sign(p, d)
    assert p.decision(d).outcome == "refus" and reasons(p, d) == {"avis défavorable"}
    assert not any(binding_of(p, d).values())
