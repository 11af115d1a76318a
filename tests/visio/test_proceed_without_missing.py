"""After the session, a dossier still missing an absent member's opinion: the secretary may
proceed without it only when no missing opinion is binding for the dossier (the table
``avis_conformes``: the agence urbaine's binds a permis de construire). The procedure then
goes on (shared.bpmn: the message boundary event ``cm_without_missing`` on ``cm_opinion``,
then ``cm_unexpressed``) to its decision, the missing opinion recorded « non exprimé »."""
from __future__ import annotations

import io

from pypdf import PdfReader
from sqlalchemy import select

from .conftest import AGENT, MEMBER, MEMBER2, World
from .test_minutes_before_decision import _documents, _steps

PROCEED_BUTTON = "Poursuivre sans les avis manquants"


def _close(world: World, given_by: str, opinion: dict | None = None) -> None:
    url = f"/commission/sessions/{world.session_id}/dossiers/{world.dossier_id}/opinion"
    assert world.http(given_by).post(url, json=opinion or {"avis": "favorable"}).status_code == 200
    r = world.http(AGENT).post(f"/commission/sessions/{world.session_id}/close",
                               json={"confirm": True, "before_date": True})
    assert r.status_code == 200, r.json


def _opinion_rows(world: World) -> dict[str, str]:
    from handlers.dossier_models import Opinion
    from web.extensions import db
    with world.site.app.app_context():
        return {o.organism_code: o.avis for o in db.session.scalars(select(Opinion).where(
            Opinion.dossier_id == world.dossier_id))}


def test_proceeding_without_a_non_binding_opinion_continues_to_the_decision(world: World, demo_pki) -> None:  # noqa: ANN001
    # the agence urbaine (binding) gave its opinion; urbanisme is absent
    _close(world, MEMBER, {"avis": "favorable_reserve", "reserves": "Clôture en retrait"})
    assert _steps(world) == ["cm_opinion"]
    agent = world.http(AGENT)
    page = agent.get(f"/commission/sessions/{world.session_id}").get_data(as_text=True)
    assert page.count(PROCEED_BUTTON) == 1 and "Un avis conforme manque" not in page
    assert "urbanisme de la commune (<bdi>Nadia Tazi (Casablanca)</bdi>)</span>" in page  # what is missing
    r = agent.post(f"/commission/sessions/{world.session_id}/dossiers/{world.dossier_id}/followup",
                   data={"action": "proceed"})
    assert r.status_code == 302
    assert "consignés « non exprimé »" in agent.get(r.headers["Location"]).get_data(as_text=True)
    after = _steps(world)
    assert "cm_opinion" not in after and "cm_pv_wait" not in after and after, after  # on to the decision
    assert _opinion_rows(world) == {"agence_urbaine": "favorable_reserve", "urbanisme": "non_exprime"}
    # the round was deliberated on the opinion given: its reserve is a condition of the decision
    from engine.models import ProcessInstance
    from handlers.dossier_models import Dossier
    from web.extensions import db
    with world.site.app.app_context():
        state = db.session.get(ProcessInstance, db.session.get(Dossier, world.dossier_id).instance_id).state
    assert '"avis_non_exprimes": ["urbanisme"]' in state and '"outcome": "accord_conditions"' in state
    assert "Agence urbaine : Clôture en retrait" in state or "Agence urbaine : Cl\\u00f4ture en retrait" in state
    # the signed record of this dossier's opinions says it
    [record] = _documents(world, "avis_recueillis")
    pdf = world.site.app.extensions["guichet.ports"].files.get(record.sha256)
    text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages)
    assert "Nadia Tazi (Casablanca) : Non exprimé" in text and "Youssef Alaoui (Casablanca) : Favorable sous" in text
    assert "poursuivi sans les avis non exprimés, aucun n'étant un" in text
    assert "quand le secrétariat a poursuivi" in text
    # the history: the decision is in the instance's audit trail, and nothing is left to do
    from engine.models import AuditEvent
    from handlers.dossier_models import Dossier
    from web.extensions import db
    with world.site.app.app_context():
        instance = db.session.get(Dossier, world.dossier_id).instance_id
        actions = list(db.session.scalars(select(AuditEvent.action).where(AuditEvent.instance_id == instance)))
    assert "message.caught" in actions
    page = agent.get(f"/commission/sessions/{world.session_id}").get_data(as_text=True)
    assert PROCEED_BUTTON not in page
    again = agent.post(f"/commission/sessions/{world.session_id}/dossiers/{world.dossier_id}/followup",
                       data={"action": "proceed"})
    assert again.status_code == 409


def test_a_missing_binding_opinion_refuses_to_proceed(world: World) -> None:
    _close(world, MEMBER2)  # urbanisme gave its opinion; the agence urbaine's (binding) is missing
    agent = world.http(AGENT)
    page = agent.get(f"/commission/sessions/{world.session_id}").get_data(as_text=True)
    assert PROCEED_BUTTON not in page and "Relancer les membres absents" in page
    assert "avis conforme" in page and "Un avis conforme manque" in page
    agent.get("/lang/ar")  # the same page in Arabic
    page = agent.get(f"/commission/sessions/{world.session_id}").get_data(as_text=True)
    assert "ينقص رأي مطابق" in page and "المضي دون الآراء الناقصة" not in page and "الوكالة الحضرية" in page
    agent.get("/lang/fr")
    r = agent.post(f"/commission/sessions/{world.session_id}/dossiers/{world.dossier_id}/followup",
                   data={"action": "proceed"})
    assert r.status_code == 409 and "avis conforme" in r.get_data(as_text=True)
    assert _steps(world) == ["cm_opinion"] and _opinion_rows(world) == {"urbanisme": "favorable"}


def test_the_api_offers_proceeding_only_when_allowed(world: World, demo_pki) -> None:  # noqa: ANN001
    from handlers.dossier_models import CommissionSession
    from web.extensions import db
    with world.site.app.app_context():
        commission_id = db.session.get(CommissionSession, world.session_id).commission_id
    api = world.site.app.test_client()
    token = world.site.token(AGENT)
    path = f"/api/v1/commissions/{commission_id}/sessions/{world.session_id}"
    follow = f"{path}/agenda/{world.dossier_id}/followup"
    # before closing: the members may still give it in the session
    before = api.post(follow, json={"action": "proceed"}, headers=token)
    assert before.status_code == 409 and "Closez d'abord la séance" in before.json["message"], before.json
    _close(world, MEMBER2)
    [item] = api.get(path, headers=token).json["agenda"]
    assert [s["action"] for s in item["next_steps"]] == ["relaunch", "adjourn"]
    refused = api.post(follow, json={"action": "proceed"}, headers=token)
    assert refused.status_code == 409 and "Agence urbaine" in refused.json["message"], refused.json
    assert "est un avis conforme pour ce dossier" in refused.json["message"]
    from handlers.models import User
    with world.site.app.app_context():  # the same refusal in Arabic, for a secretary who reads Arabic
        db.session.scalar(select(User).where(User.email == AGENT)).locale = "ar"
        db.session.commit()
    refused = api.post(follow, json={"action": "proceed"}, headers=token)
    assert refused.status_code == 409 and "رأي مطابق لهذا الملف" in refused.json["message"], refused.json
    assert "الوكالة الحضرية" in refused.json["message"]
    assert _steps(world) == ["cm_opinion"]


def test_the_api_proceeds_when_no_missing_opinion_binds(world: World, demo_pki) -> None:  # noqa: ANN001
    from handlers.dossier_models import CommissionSession
    from web.extensions import db
    with world.site.app.app_context():
        commission_id = db.session.get(CommissionSession, world.session_id).commission_id
    api = world.site.app.test_client()
    token = world.site.token(AGENT)
    path = f"/api/v1/commissions/{commission_id}/sessions/{world.session_id}"
    _close(world, MEMBER)
    [item] = api.get(path, headers=token).json["agenda"]
    proceed = [s for s in item["next_steps"] if s["action"] == "proceed"]
    assert len(proceed) == 1
    r = api.post(f"{path}/agenda/{world.dossier_id}/followup", json={"action": "proceed"}, headers=token)
    assert r.status_code == 200, r.json
    assert r.json["action"] == "proceed" and r.json["unexpressed"] == proceed[0]["members"]
    assert "cm_opinion" not in _steps(world)
    [item] = api.get(path, headers=token).json["agenda"]
    assert item["next_steps"] == []
    assert {o["organism"]: o["avis"] for o in item["opinions"]} == {
        "Agence urbaine": "favorable", "Service de l'urbanisme de la commune": "non_exprime"}


def test_a_stale_or_unawaited_message_changes_nothing(world: World, demo_pki) -> None:  # noqa: ANN001
    """``Engine.deliver``: a message read against an older state of the dossier (an opinion
    given meanwhile) is a conflict; one that nothing waits for (the round is over) too."""
    import pytest

    from engine import Actor, Conflict
    from engine.models import ProcessInstance
    from handlers.dossier_models import Dossier
    from handlers.visio.unexpressed import MESSAGE
    from web.bootstrap import get_engine
    from web.extensions import db
    _close(world, MEMBER)
    engine = get_engine(world.site.app)
    with world.site.app.app_context():
        instance_id = db.session.get(Dossier, world.dossier_id).instance_id
        version = db.session.get(ProcessInstance, instance_id).version
    actor = Actor("secretary", frozenset({"guichet_agent"}))
    payload = {"poursuite": {"avis_donnes": {}, "non_exprimes": [], "par": "secretary"}}
    with world.site.app.app_context(), pytest.raises(Conflict):
        engine.deliver(instance_id, MESSAGE, payload, actor, expected_version=version - 1)
    assert _steps(world) == ["cm_opinion"]
    agent = world.http(AGENT)
    assert agent.post(f"/commission/sessions/{world.session_id}/dossiers/{world.dossier_id}/followup",
                      data={"action": "proceed"}).status_code == 302
    # the room shows the missing opinion as not expressed
    room = agent.get(f"/commission/sessions/{world.session_id}/dossiers/{world.dossier_id}").json
    assert sorted(o["avis"] for o in room["opinions"]) == ["favorable", "non_exprime"]
    assert "la commission a poursuivi sans cet avis" in agent.get(
        f"/commission/sessions/{world.session_id}/room").get_data(as_text=True)
    with world.site.app.app_context(), pytest.raises(Conflict, match="nothing in this procedure waits"):
        engine.deliver(instance_id, MESSAGE, payload, actor)


def _without_the_event(text: str) -> str:
    """shared.bpmn as it was before proceeding was modelled: no message, no boundary event."""
    text = text.replace("<bpmn:incoming>commission_f19</bpmn:incoming>", "")
    gone = ("cm_without_missing", "cm_unexpressed", "commission_f18", "commission_f19", "msg_sans_avis_manquants")
    return "\n".join(line for line in text.splitlines() if not any(g in line for g in gone))


def test_a_dossier_on_an_older_commission_version_is_not_offered_to_proceed(site, demo_pki) -> None:  # noqa: ANN001
    from pathlib import Path

    from engine.definitions import deploy
    from engine.sources import read_directory
    from handlers.dossier_models import AgendaItem
    from web.bootstrap import get_engine
    from web.extensions import db

    from .conftest import at_commission
    engine = get_engine(site.app)
    files, forms = read_directory(Path(__file__).resolve().parents[2] / "processes")
    files["shared.bpmn"] = _without_the_event(files["shared.bpmn"].decode("utf-8")).encode("utf-8")
    with site.app.app_context():
        result = engine.compile(files, forms)
    assert result.ok, result.problems
    with site.app.app_context(), engine.transaction() as s:
        assert any(o.created for o in deploy(s, result.processes, by="analyst", comment="avant", now=engine.clock()))
    dossier_id = at_commission(site)
    with site.app.app_context():
        session_id = db.session.scalar(select(AgendaItem.session_id).where(AgendaItem.dossier_id == dossier_id))
    world = World(site, session_id, dossier_id, 0)
    _close(world, MEMBER)  # urbanisme (not binding) is missing: the table would allow it, the procedure cannot
    agent = world.http(AGENT)
    page = agent.get(f"/commission/sessions/{session_id}").get_data(as_text=True)
    assert PROCEED_BUTTON not in page and "Relancer les membres absents" in page
    r = agent.post(f"/commission/sessions/{session_id}/dossiers/{dossier_id}/followup", data={"action": "proceed"})
    assert r.status_code == 409 and "version antérieure" in r.get_data(as_text=True)
    assert _steps(world) == ["cm_opinion"]
