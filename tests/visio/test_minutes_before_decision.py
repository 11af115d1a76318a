"""Minutes before the decision (shared.bpmn, commission: cm_pv → cm_pv_gw → cm_pv_wait):
a dossier examined in a session held in the room waits for that session's signed minutes
before anything is decided; one whose opinions were collected remotely gets its own signed
"avis recueillis" record instead."""
from __future__ import annotations

from typing import Any

from sqlalchemy import select

from signing.verify import verify

from .conftest import AGENT, MEMBER, MEMBER2, NS, World


def _steps(world: World) -> list[str]:
    from engine.models import HumanTask
    from handlers.dossier_models import Dossier
    from web.extensions import db
    with world.site.app.app_context():
        instance = db.session.get(Dossier, world.dossier_id).instance_id
        return sorted(db.session.scalars(select(HumanTask.bpmn_id).where(HumanTask.instance_id == instance,
                                                                         HumanTask.state == "READY")))


def _documents(world: World, kind: str) -> list[Any]:
    from handlers.dossier_models import DocumentVersion
    from web.extensions import db
    with world.site.app.app_context():
        return list(db.session.scalars(select(DocumentVersion).where(
            DocumentVersion.dossier_id == world.dossier_id, DocumentVersion.kind == kind)))


def _decided(world: World) -> bool:
    from handlers.dossier_models import Decision
    from web.extensions import db
    with world.site.app.app_context():
        return db.session.scalar(select(Decision.id).where(Decision.dossier_id == world.dossier_id)) is not None


def test_a_decision_cannot_be_signed_before_the_minutes_exist(world: World) -> None:
    sock = world.socket(MEMBER)  # the session is held: a member is in its room
    url = f"/commission/sessions/{world.session_id}/dossiers/{world.dossier_id}/opinion"
    for who in (MEMBER, MEMBER2):
        assert world.http(who).post(url, json={"avis": "favorable"}).status_code == 200
    # every opinion is in: the procedure waits for the minutes, nothing is decided
    assert _steps(world) == ["cm_pv_wait"]
    assert not _decided(world) and _documents(world, "proces_verbal") == []
    # the agent's task cannot be talked past: completing it checks again, and it comes back
    api = world.site.app.test_client()
    token = world.site.token(AGENT)
    task = api.get("/api/v1/tasks", headers=token).json["items"]
    [waiting] = [t for t in task if t["bpmn_id"] == "cm_pv_wait" and t["dossier_id"] == world.dossier_id]
    assert waiting["title"] == "Clore la séance et signer le procès-verbal"
    r = api.post(f"/api/v1/tasks/{waiting['id']}/complete", json={"data": {}}, headers=token)
    assert r.status_code == 200, r.json
    assert _steps(world) == ["cm_pv_wait"] and not _decided(world)
    # closing the session signs the minutes and lets the procedure go on to its decision
    sock.disconnect(namespace=NS)
    r = world.http(AGENT).post(f"/commission/sessions/{world.session_id}/close", json={"confirm": True, "before_date": True})
    assert r.status_code == 200, r.json
    assert len(_documents(world, "proces_verbal")) == 1
    after = _steps(world)
    assert "cm_pv_wait" not in after and after, after  # past the commission (fees or signature)
    assert _documents(world, "avis_recueillis") == []


def test_opinions_collected_remotely_get_their_own_signed_record(world: World, demo_pki) -> None:  # noqa: ANN001
    api = world.site.app.test_client()
    for who in (MEMBER, MEMBER2):
        token = world.site.token(who)
        [mine] = [t for t in api.get("/api/v1/tasks", headers=token).json["items"] if t["bpmn_id"] == "cm_opinion"]
        r = api.post(f"/api/v1/tasks/{mine['id']}/complete", json={"data": {"opinion": {"avis": "favorable"}}},
                     headers=token)
        assert r.status_code == 200, r.json
    [record] = _documents(world, "avis_recueillis")
    pdf = world.site.app.extensions["guichet.ports"].files.get(record.sha256)
    result = verify(pdf, [demo_pki.ca_certificate.read_bytes()])
    assert result.valid and result.intact and result.trusted, result.problems
    import io

    from pypdf import PdfReader
    text = PdfReader(io.BytesIO(pdf)).pages[0].extract_text()
    assert "RELEVÉ DES AVIS RECUEILLIS" in text and "hors séance" in text
    after = _steps(world)
    assert "cm_pv_wait" not in after and "cm_opinion" not in after and after
    assert _documents(world, "proces_verbal") == []
