"""A member's opinion task handed by an administrator to someone else (the member was
deactivated): the room still lists it under the member's seat, the opinion is recorded for
that seat's organism with who gave it, and the signed minutes say both."""
from __future__ import annotations

import io
import re

import pytest
import sqlalchemy as sa
from pypdf import PdfReader
from sqlalchemy import select

from tests.web.admin_support import ADMIN
from tests.web.test_browser import live as live  # noqa: PLC0414 - the live fixture, asked for after the posts

from .conftest import AGENT, MEMBER, MEMBER2, OTHER_MEMBER, World


def _ids(world: World, *emails: str) -> list[str]:
    from handlers.accounts import find_by_email
    from web.extensions import db
    with world.site.app.app_context():
        return [find_by_email(db.session(), e).id for e in emails]


def _room_opinions(world: World) -> dict[str, dict]:
    """The room's opinion rows of the dossier, by the seat's member id (what the room's
    panel and the API show)."""
    r = world.http(AGENT).get(f"/commission/sessions/{world.session_id}/dossiers/{world.dossier_id}")
    assert r.status_code == 200, r.data[:300]
    return {o["member_id"]: o for o in r.json["opinions"]}


def _hand_over_and_give(world: World) -> tuple[str, str, str, dict[str, str]]:
    """The member is deactivated and their seat's opinion task handed to a substitute; the
    colleague gives theirs in the room, then the substitute completes the seat's task from
    their inbox: the last opinion of the round, so its step compiles them all. The seat's
    member, the colleague, the substitute, and their names."""
    member, colleague, substitute = _ids(world, MEMBER, MEMBER2, OTHER_MEMBER)
    seat_task = _room_opinions(world)[member]["task_id"]
    admin = world.http(ADMIN)
    assert admin.post(f"/admin/people/{member}/deactivate").status_code == 303
    r = admin.post(f"/admin/problems/{seat_task}/reassign", data={"user": substitute})
    assert r.status_code == 303 and "confiée" in admin.get("/admin/problems").get_data(as_text=True)
    # the seat's row keeps its task (it did not become "no opinion asked"), still open
    rows = _room_opinions(world)
    assert rows[member]["task_id"] == seat_task and rows[member]["state"] == "open"
    assert rows[colleague]["state"] == "open" and rows[colleague]["task_id"] != seat_task
    url = f"/commission/sessions/{world.session_id}/dossiers/{world.dossier_id}/opinion"
    assert world.http(MEMBER2).post(url, json={"avis": "favorable"}).status_code == 200
    taker = world.http(OTHER_MEMBER)
    assert f"/tasks/{seat_task}" in taker.get("/inbox").get_data(as_text=True)
    done = taker.post(f"/tasks/{seat_task}", data={"opinion.avis": "favorable_reserve",
                                                    "opinion.reserves": "Retrait de 3 m sur rue"})
    assert done.status_code == 302, done.get_data(as_text=True)[:500]
    from handlers.models import User
    from web.extensions import db
    with world.site.app.app_context():
        names = {u.id: u.full_name for u in db.session.scalars(select(User).where(User.id.in_([member, substitute])))}
    return member, colleague, substitute, names


def test_an_opinion_given_for_a_deactivated_member_is_recorded_for_the_seat_with_its_author(
        world: World, demo_pki) -> None:  # noqa: ANN001
    member, colleague, substitute, names = _hand_over_and_give(world)
    from handlers.dossier_models import Opinion
    from web.extensions import db
    with world.site.app.app_context():
        recorded = {o.organism_code: (o.member_id, o.given_by, o.avis) for o in db.session.scalars(
            select(Opinion).where(Opinion.dossier_id == world.dossier_id))}
    assert recorded == {"agence_urbaine": (member, substitute, "favorable_reserve"),
                        "urbanisme": (colleague, None, "favorable")}
    rows = _room_opinions(world)
    assert rows[member]["given_by"] == names[substitute] and rows[member]["avis"] == "favorable_reserve"
    assert rows[member]["state"] == "done" and rows[colleague]["given_by"] is None
    # the signed minutes name who gave it, for whose seat
    r = world.http(AGENT).post(f"/commission/sessions/{world.session_id}/close",
                               json={"confirm": True, "before_date": True})
    assert r.status_code == 200, r.json
    pdf = world.http(MEMBER2).get(r.json["minutes_url"]).data
    text = re.sub(r"\s+", " ", "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages))
    text = text.replace(" – ", " ")  # where the line was carried over
    assert f"Agence urbaine — {names[substitute]} (pour le siège de {names[member]}) : Favorable sous réserve" \
        in text, text[:3000]
    assert "Réserves : Retrait de 3 m sur rue" in text and f"— {names[member]} :" not in text


def _room_row(page: object, world: World, row: str, part: str) -> tuple[str, str]:
    page.goto(f"/commission/sessions/{world.session_id}/room")  # type: ignore[attr-defined]
    page.wait_for_selector(row)  # type: ignore[attr-defined]
    return page.locator(f"{row} {part}").inner_text(), page.locator(row).inner_text()  # type: ignore[attr-defined]


def test_the_room_shows_who_holds_then_who_gave_a_seats_opinion(world: World, request: pytest.FixtureRequest) -> None:
    """In a real Chromium: the secretary's room lists a handed-over opinion under the seat's
    member, "handed to" the substitute while it waits and "given by" them once given, in
    French and in Arabic (the name isolated)."""
    member, substitute = _ids(world, MEMBER, OTHER_MEMBER)
    seat_task = _room_opinions(world)[member]["task_id"]
    assert world.http(ADMIN).post(f"/admin/problems/{seat_task}/reassign", data={"user": substitute}).status_code == 303
    url = f"/commission/sessions/{world.session_id}/dossiers/{world.dossier_id}/opinion"
    assert world.http(MEMBER2).post(url, json={"avis": "favorable"}).status_code == 200  # the colleague's first
    site = request.getfixturevalue("live")  # after the test client's posts: it turns CSRF on
    page = site.login(AGENT)
    for lang, said in (("fr", "confié à Samira Berrada (Casablanca)"), ("ar", "مسند إلى \u2068Samira Berrada (Casablanca)\u2069")):
        page.goto(f"/lang/{lang}")
        shown, whole = _room_row(page, world, f"#opinions tr[data-member='{member}'][data-state=open]", ".holder")
        assert said in shown and "Youssef Alaoui" in whole, shown
    taker = site.login(OTHER_MEMBER)  # gives it through their inbox's form, in the browser: the round's last
    taker.goto(f"/tasks/{seat_task}")
    taker.locator("input[name='opinion.avis'][value='favorable']").check()
    taker.locator(f"form[action$='/tasks/{seat_task}'] button[type=submit]").click()
    taker.wait_for_url("**/inbox**")
    for lang, said in (("fr", "donné par Samira Berrada (Casablanca)"), ("ar", "أبداه \u2068Samira Berrada (Casablanca)\u2069")):
        page.goto(f"/lang/{lang}")
        shown, whole = _room_row(page, world, f"#opinions tr[data-member='{member}'][data-state=done]", ".given-by")
        assert said in shown and "Youssef Alaoui" in whole and "confié à" not in whole and "مسند" not in whole, whole


def test_a_member_whose_seat_opinion_was_handed_over_is_told_so(world: World) -> None:
    member, substitute = _ids(world, MEMBER, OTHER_MEMBER)
    seat_task = _room_opinions(world)[member]["task_id"]
    assert world.http(ADMIN).post(f"/admin/problems/{seat_task}/reassign", data={"user": substitute}).status_code == 303
    url = f"/commission/sessions/{world.session_id}/dossiers/{world.dossier_id}/opinion"
    client = world.http(MEMBER)
    r = client.post(url, json={"avis": "favorable"})
    assert r.status_code == 409 and "confié l'avis de votre siège à une autre personne" in r.json["message"], r.json
    client.get("/lang/ar")
    r = client.post(url, json={"avis": "favorable"})
    assert r.status_code == 409 and "أسند أحد المسؤولين رأي مقعدك" in r.json["message"], r.json
    assert _room_opinions(world)[member]["state"] == "open"  # nothing recorded


def test_the_secretary_sees_who_holds_a_handed_over_opinion_and_reminds_them(world: World) -> None:
    from handlers.dossier_models import Notification
    from web.extensions import db
    member, substitute = _ids(world, MEMBER, OTHER_MEMBER)
    seat_task = _room_opinions(world)[member]["task_id"]
    assert world.http(ADMIN).post(f"/admin/problems/{seat_task}/reassign", data={"user": substitute}).status_code == 303
    agent = world.http(AGENT)
    page = agent.get(f"/commission/sessions/{world.session_id}").get_data(as_text=True)
    missing = re.search(r'<p class="muted missing">.*?</p>', page, re.S)
    assert missing and "confié à <bdi>Samira Berrada (Casablanca)</bdi>" in missing.group(0), missing
    agent.get("/lang/ar")
    page = agent.get(f"/commission/sessions/{world.session_id}").get_data(as_text=True)
    assert "<bdi>Youssef Alaoui (Casablanca)</bdi>، مسند إلى <bdi>Samira Berrada (Casablanca)</bdi>" in page
    agent.get("/lang/fr")
    def counts() -> dict[str, int]:
        with world.site.app.app_context():
            return {who: db.session.scalar(select(sa.func.count()).select_from(Notification).where(
                Notification.recipient_id == who, Notification.template == "task_arrived")) for who in (member, substitute)}
    before = counts()
    r = agent.post(f"/commission/sessions/{world.session_id}/dossiers/{world.dossier_id}/followup",
                   data={"action": "relaunch"})
    assert r.status_code == 302
    after = counts()  # the holder is reminded, not the seat's member
    assert after[substitute] == before[substitute] + 1 and after[member] == before[member], (before, after)
