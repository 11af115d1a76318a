"""Closing a session: signed minutes that pyHanko validates, listing the attendees with their
times, the agenda, the opinions and reserves, and the annotated plan pages; attached to every
dossier of the agenda; the room is told."""
from __future__ import annotations

import io

from pypdf import PdfReader
from sqlalchemy import select

from signing.verify import verify

from .conftest import AGENT, CITIZEN, MEMBER, MEMBER2, World, received

NS = "/commission"


def test_closing_signs_minutes_with_attendance_opinions_and_annotated_plans(world: World, demo_pki) -> None:  # noqa: ANN001
    from handlers.dossier_models import DocumentVersion
    from web.extensions import db
    agent, member = world.socket(AGENT), world.socket(MEMBER)
    assert member.emit("annotate", {"version_id": world.plan_id, "page": 1, "kind": "rect",
                                    "geometry": {"x": 50, "y": 50, "w": 200, "h": 100}},
                       namespace=NS, callback=True)["ok"]
    url = f"/commission/sessions/{world.session_id}/dossiers/{world.dossier_id}/opinion"
    assert world.http(MEMBER).post(url, json={"avis": "favorable_reserve", "reserves": "Clôture en retrait"}
                                   ).status_code == 200
    agent.get_received(NS)
    r = world.http(AGENT).post(f"/commission/sessions/{world.session_id}/close", json={"confirm": True, "before_date": True})
    assert r.status_code == 200, r.json
    assert received(agent, "closed") == [{"minutes_url": f"/commission/sessions/{world.session_id}/minutes.pdf"}]
    pdf = world.http(MEMBER2).get(r.json["minutes_url"]).data
    result = verify(pdf, [demo_pki.ca_certificate.read_bytes()])
    assert result.valid and result.intact and result.trusted and result.covers_whole_document, result.problems
    reader = PdfReader(io.BytesIO(pdf))
    text = "\n".join(p.extract_text() for p in reader.pages)
    assert "Commission des petits projets" in text
    assert "Youssef Alaoui" in text and "Rachid Bennani (Casablanca)" in text  # who attended
    assert "Nadia Tazi" in text  # a member who did not attend still appears among the opinions
    assert "Favorable sous réserve" in text and "Clôture en retrait" in text
    assert len(reader.pages) >= 2  # the annotated plan page is appended
    assert b"re" in reader.pages[-1].get_contents().get_data()
    with world.site.app.app_context():
        attached = db.session.scalars(select(DocumentVersion).where(
            DocumentVersion.dossier_id == world.dossier_id, DocumentVersion.kind == "proces_verbal")).all()
        assert len(attached) == 1
        doc_id = attached[0].id
    assert world.http(CITIZEN).get(f"/dossiers/{world.dossier_id}/documents/{doc_id}").data == pdf
    # closed: no second close, no more opinions or agenda changes
    assert world.http(AGENT).post(f"/commission/sessions/{world.session_id}/close", json={"confirm": True, "before_date": True}).status_code == 409
    assert world.http(MEMBER2).post(url, json={"avis": "favorable"}).status_code == 409
    late = member.emit("annotate", {"version_id": world.plan_id, "page": 1, "kind": "rect",
                                    "geometry": {"x": 1, "y": 1, "w": 2, "h": 2}}, namespace=NS, callback=True)
    assert late["ok"] is False and "cette séance est close" in late["error"]


def test_only_the_secretary_closes(world: World) -> None:
    r = world.http(MEMBER).post(f"/commission/sessions/{world.session_id}/close", json={"confirm": True, "before_date": True})
    assert r.status_code == 403
    assert world.http(MEMBER).get(f"/commission/sessions/{world.session_id}/minutes.pdf").status_code == 404


def test_closing_from_the_session_page_asks_for_confirmation_and_warns_before_its_day(world: World) -> None:
    agent = world.http(AGENT)
    page = agent.get(f"/commission/sessions/{world.session_id}").get_data(as_text=True)
    assert 'name="confirm" required' in page and 'name="before_date" required' in page  # the day has not come
    assert "vous la closez avant sa date" in page
    url = f"/commission/sessions/{world.session_id}/close"
    unconfirmed = agent.post(url, data={})
    assert unconfirmed.status_code == 422 and "Confirmez la clôture" in unconfirmed.get_data(as_text=True)
    early = agent.post(url, data={"confirm": "on"})
    assert early.status_code == 409 and "avant sa date" in early.get_data(as_text=True)
    assert agent.post(url, json={"confirm": True}).status_code == 409  # the room's request alike
    assert agent.post(url, data={"confirm": "on", "before_date": "on"}).status_code == 302
    page = agent.get(f"/commission/sessions/{world.session_id}").get_data(as_text=True)
    assert 'name="confirm"' not in page and "minutes.pdf" in page
    # after: the dossier still misses both opinions; the secretary relaunches from the page
    assert page.count("Relancer les membres absents") == 1 and "aucune séance suivante" in page
    r = agent.post(f"/commission/sessions/{world.session_id}/dossiers/{world.dossier_id}/followup",
                   data={"action": "relaunch"})
    assert r.status_code == 302
    assert "relancés" in agent.get(r.headers["Location"]).get_data(as_text=True)
    assert world.http(MEMBER).post(f"/commission/sessions/{world.session_id}/dossiers/{world.dossier_id}/followup",
                                   data={"action": "relaunch"}).status_code == 403
