"""Shared sub-processes by reference: a call activity runs the newest deployed version of the
process it names when the call starts (or the version it pins); a call under way finishes on
its version; a bundle carrying an old copy of a called process never reverts it."""
from __future__ import annotations

import json

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from engine import Engine
from engine.definitions import called_definitions, deploy, find
from engine.models import ProcessDefinition, ProcessInstance
from engine.sources import read_directory
from handlers.dossier_models import Dossier
from tests.conftest import PROCESSES, Site
from tests.procedures.conftest import Platform
from tests.procedures.test_economic import SHOP
from tests.procedures.test_guu import AGENT, CITIZEN, FAV, SMALL

V1_TITLE = "Donner l'avis de l'organisme"
V2_TITLE = "Rendre l'avis de l'organisme"
MINUTES = ('<bpmn:userTask id="cm_minutes" name="Rédiger le procès-verbal"><bpmn:extensionElements>'
           '<spiffworkflow:properties><spiffworkflow:property name="formJsonSchemaFilename" '
           'value="recevabilite.schema.json"/></spiffworkflow:properties></bpmn:extensionElements>'
           '<bpmn:incoming>commission_f7</bpmn:incoming><bpmn:outgoing>commission_f7b</bpmn:outgoing></bpmn:userTask>\n'
           '<bpmn:sequenceFlow id="commission_f7b" sourceRef="cm_minutes" targetRef="cm_deliberate"/>\n')


def commission_v2(shared: str) -> str:
    """v2 of ``commission``: the opinion task renamed, minutes written before deliberating."""
    out = shared.replace(f'id="cm_opinion" name="{V1_TITLE}"', f'id="cm_opinion" name="{V2_TITLE}"')
    out = out.replace('<bpmn:sequenceFlow id="commission_f7" sourceRef="cm_compile" targetRef="cm_deliberate"/>',
                      '<bpmn:sequenceFlow id="commission_f7" sourceRef="cm_compile" targetRef="cm_minutes"/>\n' + MINUTES)
    out = out.replace('<bpmn:incoming>commission_f7</bpmn:incoming><bpmn:outgoing>commission_f8</bpmn:outgoing>',
                      '<bpmn:incoming>commission_f7b</bpmn:incoming><bpmn:outgoing>commission_f8</bpmn:outgoing>')
    out = out.replace('<bpmn:flowNodeRef>cm_done</bpmn:flowNodeRef>',
                      '<bpmn:flowNodeRef>cm_done</bpmn:flowNodeRef><bpmn:flowNodeRef>cm_minutes</bpmn:flowNodeRef>', 1)
    assert out.count("cm_minutes") == 4 and V2_TITLE in out
    return out


def deploy_files(engine: Engine, files: dict[str, bytes], opened: str) -> dict[str, tuple[int, bool]]:
    """Compile and deploy as the studio does a bundle opened on ``opened``."""
    _all, forms = read_directory(PROCESSES)
    compilation = engine.compile(files, forms)
    assert compilation.ok, compilation.problems
    with engine.transaction() as s:
        outcomes = deploy(s, compilation.processes, by="analyst", comment=None, now=engine.clock(),
                          restore={opened})
    return {o.process_key: (o.version, o.created) for o in outcomes}


def commission_bundle(shared: str) -> dict[str, bytes]:
    files, _forms = read_directory(PROCESSES)
    return {"shared.bpmn": shared.encode(), **{k: v for k, v in files.items() if k.endswith(".dmn")}}


def deploy_commission_v2(p: Platform) -> None:
    shared = (PROCESSES / "shared.bpmn").read_text(encoding="utf-8")
    outcome = deploy_files(p.engine, commission_bundle(commission_v2(shared)), "commission")
    assert outcome["commission"] == (2, True)
    assert outcome["recevabilite"] == (1, False) and outcome["signature"] == (1, False)


def reloaded(p: Platform) -> None:
    """A new engine on the same database: no warm workflow, no cached spec (a restarted node)."""
    old = p.engine
    p.engine = Engine(p.sessions, old.registry, lane_roles=old.lane_roles, clock=old.clock)
    p.engine.dispatcher = old.dispatcher


def titles(p: Platform, d: int, bpmn_id: str) -> set[str]:
    return {t.title for t in p.tasks(d) if t.bpmn_id == bpmn_id}


def instance_of(sessions: sessionmaker[Session], d: int) -> ProcessInstance:
    with sessions() as s:
        return s.get_one(ProcessInstance, s.get_one(Dossier, d).instance_id)


def commission_id(sessions: sessionmaker[Session], version: int) -> int | None:
    with sessions() as s:
        return find(s, "commission", version)


def test_commission_deployed_alone_is_run_by_every_procedure_that_calls_it(platform: Platform) -> None:
    p = platform
    deploy_commission_v2(p)
    reloaded(p)
    guu = p.file(CITIZEN, "permis_construire", SMALL)
    shop = p.file(SHOP, "exercice_activite", {"activite": "librairie", "surface": 40, "raison_sociale": "Kitab"})
    for d in (guu, shop):
        p.do(d, "rc_check", {"complete": True}, AGENT)
        assert titles(p, d, "cm_opinion") == {V2_TITLE}
    with p.sessions() as s:  # the callers were not redeployed: they call commission by its key
        assert s.scalar(select(ProcessDefinition.version).where(
            ProcessDefinition.process_key == "guu_autorisation").order_by(ProcessDefinition.version.desc())) == 1
    p.opinions(guu, {"agence_urbaine": FAV, "urbanisme": FAV})
    assert p.open_steps(guu) == ["cm_minutes"]  # v2's added step, in the GUU dossier's inbox rows
    p.opinions(shop, {"economie": FAV, "autorite_locale": FAV})
    assert p.open_steps(shop) == ["cm_minutes"]
    p.do(guu, "cm_minutes", {"complete": True}, AGENT)
    assert p.open_steps(guu) == ["ga_pay"]


def test_a_call_under_way_finishes_on_its_version(platform: Platform) -> None:
    p = platform
    before = p.file(CITIZEN, "permis_construire", SMALL)
    p.do(before, "rc_check", {"complete": True}, AGENT)
    assert titles(p, before, "cm_opinion") == {V1_TITLE}
    v1 = commission_id(p.sessions, 1)
    assert called_definitions(instance_of(p.sessions, before).state) == [v1]
    deploy_commission_v2(p)
    reloaded(p)
    after = p.file(CITIZEN, "permis_construire", SMALL)
    p.do(after, "rc_check", {"complete": True}, AGENT)
    assert called_definitions(instance_of(p.sessions, after).state) == [commission_id(p.sessions, 2)]

    [first, second] = [t for t in p.tasks(before) if t.bpmn_id == "cm_opinion"]
    member = next(e for e in ("agence-urbaine@casablanca.demo", "urbanisme@casablanca.demo")
                  if p.actor(e).user_id == first.assignee)
    p.engine.complete(first.id, {"opinion": FAV}, p.actor(member))
    reloaded(p)  # between the two opinions: the state comes back from the database
    assert called_definitions(instance_of(p.sessions, before).state) == [v1]
    other = next(e for e in ("agence-urbaine@casablanca.demo", "urbanisme@casablanca.demo")
                 if p.actor(e).user_id == second.assignee)
    p.engine.complete(second.id, {"opinion": FAV}, p.actor(other))
    assert p.open_steps(before) == ["ga_pay"]  # v1 has no minutes step
    assert titles(p, after, "cm_opinion") == {V2_TITLE}


def test_a_pinned_version_is_honoured(platform: Platform) -> None:
    p = platform
    deploy_commission_v2(p)
    files, _forms = read_directory(PROCESSES)
    guu = files["guu.bpmn"].decode()
    pinned = guu.replace('<bpmn:callActivity id="ga_exam" name="Examen en commission" calledElement="commission">',
                         '<bpmn:callActivity id="ga_exam" name="Examen en commission" calledElement="commission">'
                         '<bpmn:extensionElements><spiffworkflow:properties><spiffworkflow:property '
                         'name="calledVersion" value="1"/></spiffworkflow:properties></bpmn:extensionElements>')
    assert pinned != guu
    bundle = {"guu.bpmn": pinned.encode(), **{k: v for k, v in files.items() if k.endswith(".dmn")}}
    outcome = deploy_files(p.engine, bundle, "guu_autorisation")
    assert outcome["guu_autorisation"] == (2, True) and "commission" not in outcome
    d = p.file(CITIZEN, "permis_construire", SMALL)
    p.do(d, "rc_check", {"complete": True}, AGENT)
    assert titles(p, d, "cm_opinion") == {V1_TITLE}
    assert called_definitions(instance_of(p.sessions, d).state) == [commission_id(p.sessions, 1)]


def test_missing_called_process_pinned_version_or_decision_is_a_located_problem(platform: Platform) -> None:
    files, forms = read_directory(PROCESSES)
    guu = files["guu.bpmn"].decode()
    broken = guu.replace('calledElement="commission"', 'calledElement="commision"', 1)
    broken = broken.replace('<spiffworkflow:calledDecisionId>guu_track<', '<spiffworkflow:calledDecisionId>guu_trak<')
    alone = {"guu.bpmn": broken.encode(), **{k: v for k, v in files.items() if k.endswith(".dmn")}}
    result = platform.engine.compile(alone, forms)
    assert not result.ok
    found = {(q.file, q.element_id): q for q in result.problems}
    assert "« commision » n'existe ni dans ce lot ni parmi les processus déployés" in found[("guu.bpmn", "ga_exam")].message
    assert found[("guu.bpmn", "ga_exam")].line == next(
        n for n, line in enumerate(broken.splitlines(), 1) if 'id="ga_exam"' in line)
    assert "la décision « guu_trak » n'existe" in found[("guu.bpmn", "ga_track")].message
    # a process called but neither in the bundle nor deployed: guu.bpmn alone validates only
    # because shared.bpmn's processes are deployed
    just_guu = {"guu.bpmn": files["guu.bpmn"], **{k: v for k, v in files.items() if k.endswith(".dmn")}}
    assert platform.engine.compile(just_guu, forms).ok
    pinned = guu.replace('calledElement="commission">', 'calledElement="commission"><bpmn:extensionElements>'
                         '<spiffworkflow:properties><spiffworkflow:property name="calledVersion" value="9"/>'
                         '</spiffworkflow:properties></bpmn:extensionElements>', 1)
    result = platform.engine.compile({**just_guu, "guu.bpmn": pinned.encode()}, forms)
    assert [q.message for q in result.problems if q.element_id == "ga_exam"] == [
        "le processus appelé « commission » n'a pas de version 9 (la plus récente est la 1)"]


def test_deploying_the_guu_bundle_opened_before_does_not_revert_commission(site: Site) -> None:
    from web.bootstrap import get_engine
    from web.extensions import db
    client, analyst = site.app.test_client(), site.token("analyste@guichet.demo")
    opened = client.get("/api/v1/processes/guu_autorisation/versions/1", headers=analyst).json
    assert f'name="{V1_TITLE}"' in opened["files"]["shared.bpmn"]  # the called process's files come along
    # meanwhile commission v2 is deployed alone, from its own bundle
    commission = client.get("/api/v1/processes/commission/versions/1", headers=analyst).json
    files = dict(commission["files"], **{"shared.bpmn": commission_v2(commission["files"]["shared.bpmn"])})
    done = client.post("/api/v1/processes/commission/deploy", headers=analyst,
                       json={"files": files, "forms": commission["forms"], "comment": "procès-verbal"})
    assert done.status_code == 201
    assert {d["key"] for d in done.json["deployed"] if d["created"]} == {"commission"}
    # the GUU bundle, opened on the old shared.bpmn, is changed in guu.bpmn only and deployed
    guu_files = dict(opened["files"])
    guu_files["guu.bpmn"] = guu_files["guu.bpmn"].replace('name="Examen en commission"', 'name="Passage en commission"')
    deployed = client.post("/api/v1/processes/guu_autorisation/deploy", headers=analyst,
                           json={"files": guu_files, "forms": opened["forms"], "comment": "libellé"})
    assert deployed.status_code == 201, deployed.json
    outcome = {d["key"]: (d["version"], d["created"]) for d in deployed.json["deployed"]}
    assert outcome["guu_autorisation"] == (2, True)
    assert outcome["commission"] == (1, False)  # the old copy is a version already deployed: nothing written
    with site.app.app_context():
        rows = db.session.scalars(select(ProcessDefinition).where(ProcessDefinition.process_key == "commission")
                                  .order_by(ProcessDefinition.version)).all()
        assert [r.version for r in rows] == [1, 2]
        assert V2_TITLE in json.dumps(rows[-1].sources, ensure_ascii=False)
        db.session.remove()
    # reopened, the GUU bundle shows the newest commission; a new dossier runs it
    reopened = client.get("/api/v1/processes/guu_autorisation/versions/2", headers=analyst).json
    assert f'name="{V2_TITLE}"' in reopened["files"]["shared.bpmn"]
    engine = get_engine(site.app)
    p = Platform(engine, engine.session_factory, site.app.extensions["guichet.ports"], clock=None)  # type: ignore[arg-type]
    with site.app.app_context():
        d = p.file(CITIZEN, "permis_construire", SMALL)
        p.do(d, "rc_check", {"complete": True}, AGENT)
        assert {t.title for t in p.tasks(d) if t.bpmn_id == "cm_opinion"} == {V2_TITLE}
