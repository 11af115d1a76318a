"""An opinion a member gives from their inbox (the task's form, or the API), not in the room,
while the round is still open: the room shows it as given, with its content, at once; the
secretary's session page and the API say the same; and the minutes of a session closed
before the round ends record it (not "avis non rendu"). When the round's last opinion
comes, the compilation keeps that row (one per member and session)."""
from __future__ import annotations

import io
import re

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from tests.conftest import DEMO_PASSWORD

from .conftest import AGENT, MEMBER, MEMBER2, World


def _ids(world: World, *emails: str) -> list[str]:
    from handlers.accounts import find_by_email
    from web.extensions import db
    with world.site.app.app_context():
        return [find_by_email(db.session(), e).id for e in emails]


def _room(world: World) -> dict[str, dict]:
    r = world.http(AGENT).get(f"/commission/sessions/{world.session_id}/dossiers/{world.dossier_id}")
    assert r.status_code == 200, r.data[:300]
    return {o["member_id"]: o for o in r.json["opinions"]}


def _give_from_inbox(world: World, how: str, task_id: str) -> None:
    client = world.http(MEMBER)
    if how == "page":
        assert f"/tasks/{task_id}" in client.get("/inbox").get_data(as_text=True)
        r = client.post(f"/tasks/{task_id}", data={"opinion.avis": "favorable_reserve",
                                                   "opinion.reserves": "Clôture en retrait de 2 m"})
        assert r.status_code == 302, r.get_data(as_text=True)[:500]
    else:
        token = client.post("/api/v1/tokens", json={"email": MEMBER, "password": DEMO_PASSWORD})
        assert token.status_code in (200, 201), token.json
        r = client.post(f"/api/v1/tasks/{task_id}/complete", headers={"Authorization": f"Bearer {token.json['token']}"},
                        json={"data": {"opinion": {"avis": "favorable_reserve",
                                                   "reserves": "Clôture en retrait de 2 m"}}})
        assert r.status_code == 200, r.json


@pytest.mark.parametrize("how", ["page", "api"])
def test_an_opinion_given_from_the_inbox_shows_in_the_room_and_the_minutes_before_the_round_ends(
        world: World, demo_pki, how: str) -> None:  # noqa: ANN001
    from handlers.dossier_models import Opinion
    from web.extensions import db
    member, colleague = _ids(world, MEMBER, MEMBER2)
    task_id = _room(world)[member]["task_id"]
    _give_from_inbox(world, how, task_id)

    rows = _room(world)  # the room's panel and the API: given, with what was given
    assert rows[member]["state"] == "done" and rows[member]["avis"] == "favorable_reserve", rows[member]
    assert rows[member]["reserves"] == "Clôture en retrait de 2 m" and rows[member]["given_at"]
    assert rows[member]["given_by"] is None  # the seat's own member gave it
    assert rows[colleague]["state"] == "open" and rows[colleague]["avis"] is None
    page = world.http(AGENT).get(f"/commission/sessions/{world.session_id}").get_data(as_text=True)
    missing = re.findall(r'<span class="missing-opinion">(.*?)</span>', page)  # the secretary's page
    assert len(missing) == 1 and rows[colleague]["member"] in missing[0], missing

    # the session closes before the colleague gives theirs: the minutes record the member's
    r = world.http(AGENT).post(f"/commission/sessions/{world.session_id}/close",
                               json={"confirm": True, "before_date": True})
    assert r.status_code == 200, r.json
    pdf = world.http(MEMBER2).get(r.json["minutes_url"]).data
    text = re.sub(r"\s+", " ", "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages))
    text = text.replace(" – ", " ")
    assert "Favorable sous réserve" in text and "Clôture en retrait de 2 m" in text, text[:3000]
    assert text.count("avis non rendu") == 1, text[:3000]  # the colleague's only
    with world.site.app.app_context():
        recorded = [(o.member_id, o.session_id, o.avis) for o in db.session.scalars(
            select(Opinion).where(Opinion.dossier_id == world.dossier_id))]
    assert recorded == [(member, world.session_id, "favorable_reserve")]


def test_the_rounds_compilation_keeps_the_row_an_inbox_opinion_wrote(world: World) -> None:
    from handlers.dossier_models import Opinion
    from web.extensions import db
    member, colleague = _ids(world, MEMBER, MEMBER2)
    _give_from_inbox(world, "page", _room(world)[member]["task_id"])
    url = f"/commission/sessions/{world.session_id}/dossiers/{world.dossier_id}/opinion"
    assert world.http(MEMBER2).post(url, json={"avis": "favorable"}).status_code == 200  # the round's last
    with world.site.app.app_context():
        recorded = sorted((o.member_id, o.session_id, o.avis, o.reserves) for o in db.session.scalars(
            select(Opinion).where(Opinion.dossier_id == world.dossier_id)))
    assert recorded == sorted([(member, world.session_id, "favorable_reserve", "Clôture en retrait de 2 m"),
                               (colleague, world.session_id, "favorable", None)])
    rows = _room(world)
    assert rows[member]["avis"] == "favorable_reserve" and rows[colleague]["avis"] == "favorable"
