"""The room's HTTP side: who may see what, the dossier on screen with every member's
opinion task, opinions given in the room (completing the right BPMN task, broadcast live),
stale and invalid opinions, the annotated plan export."""
from __future__ import annotations

import io
import re

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from .conftest import AGENT, CITIZEN, MEMBER, MEMBER2, OTHER_AGENT, OTHER_MEMBER, World, received

NS = "/commission"


def _urls(world: World) -> list[str]:
    s, d, v = world.session_id, world.dossier_id, world.plan_id
    return [f"/commission/sessions/{s}", f"/commission/sessions/{s}/room", f"/commission/sessions/{s}/dossiers/{d}",
            f"/commission/sessions/{s}/documents/{v}/annotations", f"/commission/documents/{v}/file"]


def _page(body: bytes) -> bytes:
    return re.sub(rb'name="csrf_token" value="[^"]*"', b'name="csrf_token" value=""', body)


@pytest.mark.parametrize("email", [OTHER_MEMBER, OTHER_AGENT, CITIZEN])
def test_outsiders_get_404_as_for_what_does_not_exist(world: World, email: str) -> None:
    client = world.http(email)
    for url in _urls(world):
        assert client.get(url).status_code == 404, url
    hidden = client.get(f"/commission/documents/{world.plan_id}/file")
    missing = client.get(f"/commission/documents/{world.plan_id + 100000}/file")
    # the same page, but for the sign-out form's CSRF token, whose signature carries the second
    assert hidden.status_code == missing.status_code == 404 and _page(hidden.data) == _page(missing.data)
    opinion = client.post(f"/commission/sessions/{world.session_id}/dossiers/{world.dossier_id}/opinion",
                          json={"avis": "favorable"})
    assert opinion.status_code == 404 and opinion.json["message"]
    assert client.post(f"/commission/sessions/{world.session_id}/close", json={"confirm": True, "before_date": True}).status_code == 404


@pytest.mark.parametrize("email", [AGENT, MEMBER])
def test_room_users_get_the_pages(world: World, email: str) -> None:
    client = world.http(email)
    for url in _urls(world):
        assert client.get(url).status_code == 200, url
    assert client.get(f"/commission/documents/{world.plan_id}/file").data.startswith(b"%PDF")
    room = client.get(f"/commission/sessions/{world.session_id}/room")
    assert "camera=(self)" in room.headers["Permissions-Policy"] and "microphone=(self)" in room.headers["Permissions-Policy"]
    assert "camera=()" in client.get(f"/commission/sessions/{world.session_id}").headers["Permissions-Policy"]


def test_the_dossier_on_screen_lists_every_members_opinion_task(world: World) -> None:
    body = world.http(MEMBER2).get(f"/commission/sessions/{world.session_id}/dossiers/{world.dossier_id}").json
    assert body["dossier"]["status"]["code"] == "commission" and body["dossier"]["number"].startswith("PC-")
    assert {d["kind"] for d in body["documents"]} >= {"plan_masse", "plans_architecte"}
    assert all(d["url"] == f"/commission/documents/{d['id']}/file" for d in body["documents"])
    organisms = {o["organism"]: o for o in body["opinions"]}
    assert set(organisms) == {"Agence urbaine", "Service de l'urbanisme de la commune"}
    assert all(o["state"] == "open" and o["task_id"] and o["avis"] is None for o in body["opinions"])
    assert organisms["Agence urbaine"]["binding"] is True
    missing = world.http(MEMBER).get(f"/commission/sessions/{world.session_id}/dossiers/999999")
    assert missing.status_code == 404 and missing.json["message"]


def test_opinion_from_the_room_completes_the_members_task_and_is_broadcast(world: World) -> None:
    from engine.models import HumanTask
    from web.extensions import db
    watcher = world.socket(MEMBER2)
    url = f"/commission/sessions/{world.session_id}/dossiers/{world.dossier_id}/opinion"
    before = world.http(MEMBER).get(f"/commission/sessions/{world.session_id}/dossiers/{world.dossier_id}").json
    mine = next(o for o in before["opinions"] if o["organism"] == "Agence urbaine")
    r = world.http(MEMBER).post(url, json={"avis": "favorable_reserve", "reserves": "Recul de 5 m sur rue",
                                           "task_id": mine["task_id"]})
    assert r.status_code == 200, r.json
    assert r.json["opinion"]["avis"] == "favorable_reserve"
    shown = received(watcher, "opinion")
    assert shown and shown[-1]["reserves"] == "Recul de 5 m sur rue" and shown[-1]["organism"] == "Agence urbaine"
    with world.site.app.app_context():
        task = db.session.get(HumanTask, mine["task_id"])
        assert task.state == "COMPLETED" and task.completed_by == mine["member_id"]
        others = db.session.scalars(select(HumanTask).where(HumanTask.instance_id == task.instance_id,
                                                            HumanTask.state == "READY")).all()
        assert [t.assignee for t in others] != [] and mine["member_id"] not in [t.assignee for t in others]
    after = world.http(AGENT).get(f"/commission/sessions/{world.session_id}/dossiers/{world.dossier_id}").json
    given = next(o for o in after["opinions"] if o["organism"] == "Agence urbaine")
    assert (given["state"], given["avis"], given["reserves"]) == ("done", "favorable_reserve", "Recul de 5 m sur rue")
    # the same opinion again: stale
    again = world.http(MEMBER).post(url, json={"avis": "favorable"})
    assert again.status_code == 409 and again.json["message"]


def test_invalid_opinions_are_422_and_change_nothing(world: World) -> None:
    url = f"/commission/sessions/{world.session_id}/dossiers/{world.dossier_id}/opinion"
    member = world.http(MEMBER)
    r = member.post(url, json={"avis": "defavorable"})  # a refusal states its motive
    assert r.status_code == 422 and "motive" in r.json["detail"]["fields"], r.json
    r = member.post(url, json={"avis": "peut-etre"})
    assert r.status_code == 422 and "avis" in r.json["detail"]["fields"], r.json
    r = member.post(url, json={"avis": "favorable", "colour": "blue"})
    assert r.status_code == 422
    assert member.post(url, data="not json").status_code == 422
    secretary = world.http(AGENT).post(url, json={"avis": "favorable"})
    assert secretary.status_code == 403  # the secretary gives no opinion
    body = member.get(f"/commission/sessions/{world.session_id}/dossiers/{world.dossier_id}").json
    assert all(o["state"] == "open" for o in body["opinions"])
    # a task id that is not the member's open task: stale
    r = member.post(url, json={"avis": "favorable", "task_id": "00000000-0000-0000-0000-000000000000"})
    assert r.status_code == 409


def test_both_opinions_from_the_room_end_the_round(world: World) -> None:
    from handlers.dossier_models import Opinion
    from web.extensions import db
    url = f"/commission/sessions/{world.session_id}/dossiers/{world.dossier_id}/opinion"
    assert world.http(MEMBER).post(url, json={"avis": "favorable"}).status_code == 200
    assert world.http(MEMBER2).post(url, json={"avis": "favorable"}).status_code == 200
    with world.site.app.app_context():
        rows = db.session.scalars(select(Opinion).where(Opinion.dossier_id == world.dossier_id)).all()
        assert sorted(r.avis for r in rows) == ["favorable", "favorable"]  # one row each, compiled once
        assert {r.session_id for r in rows} == {world.session_id}


def test_the_room_shows_which_opinions_bind_as_the_decision_table_decides(world: World) -> None:
    """Binding opinions (*avis conformes*) are what the procedure's table ``avis_conformes``
    decided for this dossier, not a flag on the organism: with the flags the other way round,
    the room and the recorded opinion still say what the table said."""
    from handlers.dossier_models import Opinion
    from handlers.models import Organism
    from web.extensions import db
    with world.site.app.app_context():
        for organism in db.session.scalars(select(Organism)):
            organism.binding = organism.code != "agence_urbaine"  # the opposite of the table
        db.session.commit()
    url = f"/commission/sessions/{world.session_id}/dossiers/{world.dossier_id}"
    shown = {o["organism"]: o["binding"] for o in world.http(MEMBER2).get(url).json["opinions"]}
    assert shown == {"Agence urbaine": True, "Service de l'urbanisme de la commune": False}
    given = world.http(MEMBER2).post(f"{url}/opinion", json={"avis": "favorable"})
    assert given.status_code == 200 and given.json["opinion"]["binding"] is False  # broadcast as such
    after = {o["organism"]: (o["binding"], o["state"]) for o in world.http(AGENT).get(url).json["opinions"]}
    assert after == {"Agence urbaine": (True, "open"), "Service de l'urbanisme de la commune": (False, "done")}
    with world.site.app.app_context():
        [row] = db.session.scalars(select(Opinion).where(Opinion.dossier_id == world.dossier_id)).all()
        assert (row.organism_code, row.binding) == ("urbanisme", False)
    given = world.http(MEMBER).post(f"{url}/opinion", json={"avis": "favorable"})
    assert given.status_code == 200 and given.json["opinion"]["binding"] is True
    # the round is over (compiled from the table's answer): the room shows what was recorded
    done = {o["organism"]: (o["binding"], o["state"]) for o in world.http(AGENT).get(url).json["opinions"]}
    assert done == {"Agence urbaine": (True, "done"), "Service de l'urbanisme de la commune": (False, "done")}
    with world.site.app.app_context():
        rows = db.session.scalars(select(Opinion).where(Opinion.dossier_id == world.dossier_id)).all()
        assert {r.organism_code: r.binding for r in rows} == {"agence_urbaine": True, "urbanisme": False}


def test_export_draws_the_annotations_and_attaches_a_plan_annote(world: World) -> None:
    member = world.socket(MEMBER)
    for kind, geometry in [("rect", {"x": 100, "y": 500, "w": 120, "h": 60}),
                           ("text", {"x": 100, "y": 480, "text": "Recul 5 m"})]:
        assert member.emit("annotate", {"version_id": world.plan_id, "page": 1, "kind": kind, "geometry": geometry,
                                        "style": {"color": "#0000ff", "width": 3}}, namespace=NS, callback=True)["ok"]
    r = world.http(AGENT).post(f"/commission/sessions/{world.session_id}/documents/{world.plan_id}/export")
    assert r.status_code == 201, r.json
    pdf = world.http(CITIZEN).get(f"/dossiers/{world.dossier_id}/documents/{r.json['id']}")
    assert pdf.status_code == 200  # the applicant sees it
    page = PdfReader(io.BytesIO(pdf.data)).pages[0]
    assert "Recul 5 m" in page.extract_text()
    content = page.get_contents().get_data()
    assert b"0 0 1 RG" in content and b" re" in content  # a blue rectangle stroked
    empty = world.http(AGENT).post(f"/commission/sessions/{world.session_id}/documents/{world.dossier_id + 999}/export")
    assert empty.status_code == 404


def test_the_room_shows_fields_with_their_form_labels_and_choice_labels(world: World) -> None:
    member = world.http(MEMBER)
    url = f"/commission/sessions/{world.session_id}/dossiers/{world.dossier_id}"
    fields = {f["name"]: f for f in member.get(url).json["dossier"]["fields"]}
    assert fields["usage"]["label"] == "Usage" and fields["usage"]["value"] == "Habitation individuelle"
    assert fields["parcelle"]["label"].startswith("Parcelle") and fields["parcelle"]["value"] == "TF 1/C"
    assert all(f["label"] != name and f["value"] not in ("None", "") for name, f in fields.items())
    assert member.get("/lang/ar").status_code == 302
    arabic = {f["name"]: f for f in member.get(url).json["dossier"]["fields"]}
    assert arabic["usage"]["value"] == "سكن فردي" and arabic["usage"]["label"] == "الاستعمال"
    page = member.get(f"/commission/sessions/{world.session_id}/room").get_data(as_text=True)
    assert "· None" not in page


def test_the_sessions_page_is_in_the_navigation_of_members_and_agents(world: World) -> None:
    from .conftest import AGENT, CITIZEN
    for who in (MEMBER, AGENT):
        assert 'href="/commission/sessions"' in world.http(who).get("/inbox").get_data(as_text=True)
    assert 'href="/commission/sessions"' not in world.http(CITIZEN).get("/dossiers/").get_data(as_text=True)
