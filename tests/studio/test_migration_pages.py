"""Migration through the studio's pages, on seeded permits: a v2 of the procedure compiled
and deployed, the dry run, the move of the dossiers that can, the others explained."""
from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import select

from engine.definitions import deploy
from engine.models import AuditEvent, HumanTask, ProcessInstance
from engine.sources import read_directory
from handlers.dossier_models import Dossier
from tests.conftest import PROCESSES, Site
from tests.studio.test_cockpit import AGENT, ANALYST, seed

NOTE = ('<bpmn:serviceTask id="ga_note" name="Accuser la recevabilité"><bpmn:extensionElements>'
        '<spiffworkflow:serviceTaskOperator id="notify.send"><spiffworkflow:parameters>'
        '<spiffworkflow:parameter id="to" type="any" value="\'applicant\'"/>'
        '<spiffworkflow:parameter id="template" type="any" value="\'filed\'"/>'
        '</spiffworkflow:parameters></spiffworkflow:serviceTaskOperator></bpmn:extensionElements>'
        '<bpmn:incoming>guu_autorisation_f1</bpmn:incoming><bpmn:outgoing>guu_autorisation_f1b</bpmn:outgoing>'
        '</bpmn:serviceTask>\n'
        '<bpmn:sequenceFlow id="guu_autorisation_f1" sourceRef="ga_recv" targetRef="ga_note"/>\n'
        '<bpmn:sequenceFlow id="guu_autorisation_f1b" sourceRef="ga_note" targetRef="ga_recv_gw"/>')


def deploy_v2(site: Site) -> None:
    """v2: a notice after the completeness check, and 5 days instead of 3 for the check."""
    from web.bootstrap import get_engine
    files, forms = read_directory(PROCESSES)
    guu = files["guu.bpmn"].decode()
    guu = guu.replace('<bpmn:sequenceFlow id="guu_autorisation_f1" sourceRef="ga_recv" targetRef="ga_recv_gw"/>', NOTE)
    guu = guu.replace('<bpmn:incoming>guu_autorisation_f1</bpmn:incoming><bpmn:outgoing>guu_autorisation_f2',
                      '<bpmn:incoming>guu_autorisation_f1b</bpmn:incoming><bpmn:outgoing>guu_autorisation_f2')
    shared = files["shared.bpmn"].decode()
    check = shared.index('id="rc_check"')
    shared = shared[:check] + shared[check:].replace('name="deadline" value="P3D"', 'name="deadline" value="P5D"', 1)
    files["guu.bpmn"], files["shared.bpmn"] = guu.encode(), shared.encode()
    engine = get_engine(site.app)
    with site.app.app_context():
        compilation = engine.compile(files, forms)
        assert compilation.ok, compilation.problems
        with engine.transaction() as session:
            outcomes = deploy(session, compilation.processes, by="analyst", comment="notice", now=engine.clock())
    assert ("guu_autorisation", 2, True) in {(o.process_key, o.version, o.created) for o in outcomes}


def test_dry_run_and_migration_through_the_pages(site: Site) -> None:
    from web.extensions import db
    seeded = seed(site)
    deploy_v2(site)
    analyst = site.client(ANALYST)
    page = analyst.get("/studio/migration/guu_autorisation").get_data(as_text=True)
    running = re.findall(r'<td class="running">(\d+)</td>', page)
    assert running == ["5", "0"]

    page = analyst.post("/studio/migration/guu_autorisation/dry-run").get_data(as_text=True)
    with site.app.app_context():
        instances = {d: db.session.get(Dossier, d).instance_id for d in seeded["old"] + seeded["new"]}
    moved_on = instances[seeded["new"][0]]  # went through the completeness check already
    assert re.search(rf'id="verdict-{moved_on}" class="blocked"', page)
    assert "relie autrement" in page.split(f'id="verdict-{moved_on}"', 1)[1].split("</tr>", 1)[0]
    choices = re.findall(r'name="instance" value="(\d+:\d+)"', page)
    assert sorted(int(c.split(":")[0]) for c in choices) == sorted(i for i in instances.values() if i != moved_on)

    with site.app.app_context():
        before = {t.id: t for t in db.session.scalars(select(HumanTask).where(HumanTask.state == "READY"))}
        db.session.expunge_all()
    response = analyst.post("/studio/migration/guu_autorisation", data={"instance": choices + [f"{moved_on}:0"]})
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert page.count('class="moved"') == 4 and page.count('class="refused"') == 1
    with site.app.app_context():
        versions = {i.id: i.definition_id for i in db.session.scalars(select(ProcessInstance))}
        assert len({versions[i] for i in instances.values() if i != moved_on}) == 1
        assert versions[moved_on] != versions[instances[seeded["old"][0]]]
        for task in db.session.scalars(select(HumanTask).where(HumanTask.state == "READY", HumanTask.bpmn_id == "rc_check")):
            assert task.due_at == before[task.id].created_at + timedelta(days=5)  # same task, the new deadline
        migrated = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "instance.migrated")).all()
        assert len(migrated) == 4 and {e.actor for e in migrated} == {db.session.scalar(
            select(__import__("handlers.models", fromlist=["User"]).User.id).where(
                __import__("handlers.models", fromlist=["User"]).User.email == ANALYST))}
        target = instances[seeded["new"][1]]
        check = db.session.scalar(select(HumanTask.id).where(HumanTask.instance_id == target,
                                                             HumanTask.state == "READY"))
    # the migrated dossier goes on along v2: the agent's check leads through the new notice
    agent = site.client(AGENT)
    assert agent.post(f"/tasks/{check}", data={"complete": "on"}).status_code == 302
    with site.app.app_context():
        elements = set(db.session.scalars(select(AuditEvent.bpmn_id).where(AuditEvent.instance_id == target)))
    assert "ga_note" in elements

    # a second run finds nothing left but the one that cannot move; bad input is a 400
    page = analyst.post("/studio/migration/guu_autorisation/dry-run").get_data(as_text=True)
    assert page.count('class="blocked"') == 1 and 'name="instance"' not in page
    assert analyst.post("/studio/migration/guu_autorisation", data={"instance": "x:y"}).status_code == 400
    assert analyst.post("/studio/migration/guu_autorisation", data={}).status_code == 400
    assert site.client(AGENT).post("/studio/migration/guu_autorisation/dry-run").status_code == 404
