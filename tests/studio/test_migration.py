"""Migration of running instances: a changed version compiled and deployed, a dry run that
says who can move and why the others cannot, then the move under the instance lock."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from engine import Conflict, Engine
from engine.definitions import deploy
from engine.migration import MigrationRefused, dry_run, migrate
from engine.models import AuditEvent, HumanTask, ProcessDefinition, ProcessInstance
from engine.sources import read_directory
from tests.bpmn.helpers import actions, instance, ready_tasks
from tests.conftest import AGENT, APPLICANT, DIAGRAMS, FakeClock

ANALYST = AGENT.__class__("analyst-1", frozenset({"analyst"}))

# v2 of "approval": the review deadline becomes 20 days, and a triage step is inserted
# between the review and the decision.
TRIAGE = '''<bpmn:userTask id="triage" name="Trier le dossier">
      <bpmn:extensionElements><spiffworkflow:properties>
        <spiffworkflow:property name="formJsonSchemaFilename" value="step.schema.json"/>
      </spiffworkflow:properties></bpmn:extensionElements>
      <bpmn:incoming>f2</bpmn:incoming><bpmn:outgoing>f2b</bpmn:outgoing>
    </bpmn:userTask>
    <bpmn:sequenceFlow id="f2b" sourceRef="triage" targetRef="decide"/>
    <bpmn:sequenceFlow id="f2" sourceRef="review" targetRef="triage"/>'''


def changed_approval() -> bytes:
    xml = (DIAGRAMS / "approval.bpmn").read_text()
    xml = xml.replace('value="P15D"', 'value="P20D"')
    xml = xml.replace('<bpmn:sequenceFlow id="f2" sourceRef="review" targetRef="decide"/>', TRIAGE)
    xml = xml.replace("<bpmn:incoming>f2</bpmn:incoming>\n      <bpmn:outgoing>f3</bpmn:outgoing>",
                      "<bpmn:incoming>f2b</bpmn:incoming>\n      <bpmn:outgoing>f3</bpmn:outgoing>")
    xml = xml.replace("<bpmn:flowNodeRef>review</bpmn:flowNodeRef>",
                      "<bpmn:flowNodeRef>review</bpmn:flowNodeRef><bpmn:flowNodeRef>triage</bpmn:flowNodeRef>")
    assert xml.count("triage") >= 4 and "P20D" in xml
    return xml.encode()


def deploy_v2(engine: Engine, clock: FakeClock) -> None:
    files, forms = read_directory(DIAGRAMS)
    files["approval.bpmn"] = changed_approval()
    compilation = engine.compile(files, forms)
    assert compilation.ok, compilation.problems
    with engine.transaction() as session:
        outcomes = deploy(session, compilation.processes, by="analyst-1", comment="triage", now=clock())
    assert [(o.version, o.created) for o in outcomes if o.process_key == "approval"] == [(2, True)]


def start(engine: Engine, key: str) -> int:
    return engine.start("approval", {"applicant_id": APPLICANT.user_id}, AGENT, business_key=key, scope="casa")


def test_dry_run_then_migrate_moves_who_can_and_explains_the_others(engine: Engine, sessions, clock) -> None:
    at_review = start(engine, "A-1")
    at_fix = start(engine, "B-1")
    [review_b] = ready_tasks(sessions, at_fix)
    engine.complete(review_b.id, {"complete": False}, AGENT)
    assert [t.bpmn_id for t in ready_tasks(sessions, at_fix)] == ["fix"]
    clock.advance(days=1)
    deploy_v2(engine, clock)
    after = start(engine, "C-1")  # already on v2: not part of the migration

    result = dry_run(engine, "approval")
    assert result.target_version == 2
    verdicts = {v.business_key: v for v in result.verdicts}
    assert set(verdicts) == {"A-1", "B-1"}
    assert verdicts["A-1"].can_move and verdicts["A-1"].waiting_at == ["review", "review_timeout"]
    refused = verdicts["B-1"]
    assert not refused.can_move
    assert ("changed_done", "review") in {(r.code, r.element) for r in refused.reasons}
    assert "outputs" in next(r.detail for r in refused.reasons if r.element == "review")
    assert instance(sessions, at_review).definition_id == instance(sessions, at_fix).definition_id  # nothing written

    [review_a] = ready_tasks(sessions, at_review)
    clock.advance(hours=2)
    new_definition = migrate(engine, at_review, ANALYST, expected_version=verdicts["A-1"].row_version)
    with sessions() as s:
        assert s.get(ProcessDefinition, new_definition).version == 2
        row = s.get(HumanTask, review_a.id)
        assert row.state == "READY"  # the same open task, now with the new deadline
        assert row.due_at == review_a.created_at + timedelta(days=20)
        last = s.scalars(select(AuditEvent).where(AuditEvent.instance_id == at_review)
                         .order_by(AuditEvent.seq.desc())).first()
        assert (last.action, last.actor) == ("instance.migrated", "analyst-1")
    assert instance(sessions, at_review).definition_id == new_definition

    # the instance continues on the new version: the review leads to the new triage step
    engine.complete(review_a.id, {"complete": True}, AGENT)
    assert [t.bpmn_id for t in ready_tasks(sessions, at_review)] == ["triage"]
    [triage] = ready_tasks(sessions, at_review)
    engine.complete(triage.id, {"note": "ok"}, AGENT)
    assert instance(sessions, at_review).status == "completed"
    assert "instance.migrated" in actions(sessions, at_review)

    with pytest.raises(MigrationRefused) as refusal:
        migrate(engine, at_fix, ANALYST)
    assert any(r.element == "review" for r in refusal.value.reasons)
    with pytest.raises(Conflict):
        migrate(engine, after, ANALYST)  # already on the newest version
    assert instance(sessions, at_fix).definition_id != new_definition

    from engine.audit import verify
    with sessions() as s:
        checked, broken = verify(s)
    assert broken == [] and checked == 3


def test_migration_refuses_an_instance_that_moved_since_the_dry_run(engine: Engine, sessions, clock) -> None:
    iid = start(engine, "A-2")
    v1 = instance(sessions, iid).definition_id
    deploy_v2(engine, clock)
    [verdict] = dry_run(engine, "approval").verdicts
    [review] = ready_tasks(sessions, iid)
    engine.claim(review.id, AGENT)  # a step on the instance: its version moves on
    with pytest.raises(Conflict, match="changed since the dry run"):
        migrate(engine, iid, ANALYST, expected_version=verdict.row_version)
    with sessions() as s:
        assert s.get(ProcessInstance, iid).definition_id == v1


def test_waiting_at_a_removed_element_cannot_move(engine: Engine, sessions, clock) -> None:
    iid = start(engine, "A-3")
    v1 = instance(sessions, iid).definition_id
    files, forms = read_directory(DIAGRAMS)
    xml = changed_approval().decode().replace('id="review"', 'id="review2"').replace(
        'targetRef="review"', 'targetRef="review2"').replace('attachedToRef="review"', 'attachedToRef="review2"')
    xml = xml.replace("sourceRef=\"review\"", "sourceRef=\"review2\"").replace(
        "<bpmn:flowNodeRef>review</bpmn:flowNodeRef>", "<bpmn:flowNodeRef>review2</bpmn:flowNodeRef>")
    files["approval.bpmn"] = xml.encode()
    compilation = engine.compile(files, forms)
    assert compilation.ok, compilation.problems
    with engine.transaction() as session:
        deploy(session, compilation.processes, by="analyst-1", comment="renamed", now=clock())
    [verdict] = dry_run(engine, "approval").verdicts
    assert not verdict.can_move, verdict
    assert {r.code for r in verdict.reasons} & {"removed_active", "state_rejected"}
    assert instance(sessions, iid).definition_id == v1


def test_members_opinions_survive_a_migration(engine: Engine, sessions, clock) -> None:
    """Open multi-instance tasks keep their member (their own data) and get the new deadline."""
    from engine import Actor
    members = ["m-agence", "m-commune"]
    iid = engine.start("commission", {"members": members}, AGENT, business_key="PC-9", scope="casa")
    opened = {t.id: t for t in ready_tasks(sessions, iid)}
    files, forms = read_directory(DIAGRAMS)
    files["commission.bpmn"] = (DIAGRAMS / "commission.bpmn").read_bytes().replace(b'value="P3D"', b'value="P4D"')
    compilation = engine.compile(files, forms)
    assert compilation.ok, compilation.problems
    with engine.transaction() as session:
        deploy(session, compilation.processes, by="analyst-1", comment="4 days", now=clock())
    [verdict] = dry_run(engine, "commission").verdicts
    assert verdict.can_move, verdict.reasons
    migrate(engine, iid, ANALYST)
    tasks = ready_tasks(sessions, iid)
    assert {t.id for t in tasks} == set(opened)
    assert sorted(t.assignee for t in tasks) == members
    assert all(t.due_at == opened[t.id].created_at + timedelta(days=4) for t in tasks)
    for t in tasks:
        engine.complete(t.id, {"avis": "favorable"}, Actor(t.assignee))
    assert engine.drain_outbox() == 1
    inst = instance(sessions, iid)
    assert inst.status == "completed" and '"decision": "accord"' in inst.state
