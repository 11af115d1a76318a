"""Commission sessions through the API, the whole life of one: schedule (in person), agenda,
convocation with its .ics, a member's opinion, attendance intervals, closing with its
confirmation and early warning, the minutes, and what follows on dossiers still missing
opinions — with the pages' access rules."""
from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select

from .conftest import AGENT, CITIZEN, MEMBER, MEMBER2, NS, OTHER_AGENT, OTHER_MEMBER, World, at_commission


def _api(world: World, method: str, path: str, who: str, **kw: Any) -> Any:
    headers = {**world.site.token(who), **kw.pop("headers", {})}
    return getattr(world.site.app.test_client(), method)(f"/api/v1{path}", headers=headers, **kw)


def _petits(world: World) -> int:
    from handlers.models import Commission
    from web.extensions import db
    with world.site.app.app_context():
        return db.session.scalar(select(Commission.id).where(Commission.commune_code == "casablanca",
                                                             Commission.kind == "petits_projets"))


def _locale(world: World, email: str, lang: str) -> None:
    from handlers.models import User
    from web.extensions import db
    with world.site.app.app_context():
        db.session.scalar(select(User).where(User.email == email)).locale = lang
        db.session.commit()


def _day(world: World, days: int) -> str:
    from web.bootstrap import get_engine
    return (get_engine(world.site.app).clock() + timedelta(days=days)).date().isoformat()


def test_session_lifecycle_through_the_api(world: World) -> None:
    from handlers.dossier_models import AgendaItem, Notification
    from web.extensions import db
    cid = _petits(world)
    base = f"/commissions/{cid}/sessions"
    listing = _api(world, "get", base, AGENT).json
    assert [d["id"] for d in listing["awaiting"]] == [world.dossier_id]
    for outsider in (OTHER_MEMBER, OTHER_AGENT, CITIZEN):  # neither member nor agent of the commune
        assert _api(world, "get", base, outsider).status_code == 404
    # schedule: in person needs a place; a bad time or a past day is refused in the caller's language
    # after the session the procedure made for the dossier (2 days ahead, on a working day:
    # at most 4 days), so that it is never this one's "next session" whatever today is
    day = _day(world, 5)
    r = _api(world, "post", base, AGENT, json={"date": day, "time": "10:30", "visio": False})
    assert r.status_code == 422 and "lieu" in r.json["message"]
    _locale(world, AGENT, "ar")  # the caller's language
    r = _api(world, "post", base, AGENT, json={"date": _day(world, -1), "time": "10:30"})
    assert r.status_code == 422 and "الماضي" in r.json["message"]
    _locale(world, AGENT, "fr")
    assert _api(world, "post", base, AGENT, json={"date": day, "time": "25:00"}).status_code == 422
    assert _api(world, "post", base, MEMBER, json={"date": day, "time": "10:30"}).status_code == 403
    r = _api(world, "post", base, AGENT, json={"date": day, "time": "10:30", "visio": False,
                                               "place": "Salle du conseil", "dossier_ids": [world.dossier_id]})
    assert r.status_code == 201, r.json
    sid = r.json["id"]
    assert (r.json["place"], r.json["visio"], r.json["status"]) == ("Salle du conseil", False, "scheduled")
    assert [i["dossier_id"] for i in r.json["agenda"]] == [world.dossier_id]
    with world.site.app.app_context():
        notes = db.session.scalars(select(Notification).where(Notification.template == "session_scheduled")).all()
        assert len(notes) == 2 and all(n.attachment_name == f"seance-{sid}.ics" for n in notes)
        invitation = world.site.app.extensions["guichet.ports"].files.get(notes[0].attachment_sha256).decode()
        assert "LOCATION:Salle du conseil" in invitation and f"UID:session-{sid}@" in invitation
    # the agenda: a second dossier first; the first cannot simply be dropped (it waits for this commission)
    second = at_commission(world.site)
    path = f"{base}/{sid}"
    r = _api(world, "post", f"{path}/agenda", AGENT, json={"dossier_id": second, "position": 1})
    assert [i["dossier_id"] for i in r.json["agenda"]] == [second, world.dossier_id]
    assert _api(world, "post", f"{path}/agenda", MEMBER, json={"dossier_id": second}).status_code == 403
    assert _api(world, "delete", f"{path}/agenda/{world.dossier_id}", AGENT).status_code == 409
    assert _api(world, "post", f"{path}/convocation", AGENT).json == {"convened": 2}
    # a session of this commission is not reachable under another commission's id
    assert _api(world, "get", f"/commissions/{cid + 1}/sessions/{sid}", AGENT).status_code == 404
    # a member in the room twice (reconnected) and an opinion given through the API
    for _ in range(2):
        sock = world.socket(MEMBER, join=False)
        assert sock.emit("join", {"session_id": sid}, namespace=NS, callback=True)["ok"]
        sock.disconnect(namespace=NS)
    r = _api(world, "post", f"{path}/agenda/{world.dossier_id}/opinion", MEMBER,
             json={"avis": "favorable_reserve", "reserves": "Retrait de 3 m"})
    assert r.status_code == 200 and r.json["state"] == "done" and r.json["avis"] == "favorable_reserve"
    assert _api(world, "post", f"{path}/agenda/{world.dossier_id}/opinion", MEMBER,
                json={"avis": "favorable"}).status_code == 409
    assert _api(world, "post", f"{path}/agenda/{world.dossier_id}/opinion", AGENT,
                json={"avis": "favorable"}).status_code == 403
    seen = _api(world, "get", path, MEMBER2).json
    assert seen["role"] == "member" and seen["before_its_date"] is True
    attendee = next(a for a in seen["attendance"] if a["name"].startswith("Youssef Alaoui"))
    assert len(seen["attendance"]) == 1 and len(attendee["intervals"]) == 2
    assert all(i["left_at"] for i in attendee["intervals"])
    first = next(i for i in seen["agenda"] if i["dossier_id"] == world.dossier_id)
    assert [m.split(" (")[0] for m in first["missing"]] == ["Nadia Tazi"] and first["next_steps"] == []  # for the secretary only
    # closing: confirmed, and before its day only when said so
    assert _api(world, "post", f"{path}/close", AGENT, json={}).status_code == 422
    early = _api(world, "post", f"{path}/close", AGENT, json={"confirm": True})
    assert early.status_code == 409 and "avant sa date" in early.json["message"]
    assert _api(world, "post", f"{path}/close", MEMBER, json={"confirm": True, "before_date": True}
                ).status_code == 403
    assert _api(world, "get", f"{path}/minutes.pdf", MEMBER).status_code == 404
    r = _api(world, "post", f"{path}/close", AGENT, json={"confirm": True, "before_date": True})
    assert r.status_code == 200, r.json
    pdf = _api(world, "get", f"{path}/minutes.pdf", MEMBER2)
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")
    assert _api(world, "post", f"{path}/agenda", AGENT, json={"dossier_id": second}).status_code == 409
    # after: per dossier, what is missing and the next steps, with their effects
    after = _api(world, "get", path, AGENT).json
    assert after["status"] == "closed" and after["minutes_sha256"] == r.json["sha256"]
    waiting = next(i for i in after["agenda"] if i["dossier_id"] == second)
    assert sorted(m.split(" (")[0] for m in waiting["missing"]) == ["Nadia Tazi", "Youssef Alaoui"]
    assert [s["action"] for s in waiting["next_steps"]] == ["relaunch", "adjourn"]
    follow = f"{path}/agenda/{second}/followup"
    r = _api(world, "post", follow, AGENT, json={"action": "relaunch"})
    assert r.status_code == 200 and len(r.json["notified"]) == 2
    with world.site.app.app_context():
        assert db.session.scalar(select(Notification.id).where(Notification.dossier_id == second,
                                                                Notification.template == "task_arrived",
                                                                Notification.created_at >= datetime.fromisoformat(after["closed_at"])))
    assert _api(world, "post", follow, AGENT, json={"action": "adjourn"}).status_code == 409  # no next session
    nxt = _api(world, "post", base, AGENT, json={"date": _day(world, 10), "time": "09:00"}).json["id"]
    r = _api(world, "post", follow, AGENT, json={"action": "adjourn"})
    assert r.status_code == 200 and r.json["session_id"] == nxt
    with world.site.app.app_context():
        assert db.session.scalar(select(AgendaItem.session_id).where(AgendaItem.dossier_id == second)
                                 .order_by(AgendaItem.id.desc()).limit(1)) == nxt
    assert _api(world, "post", follow, AGENT, json={"action": "adjourn"}).status_code == 409  # no longer here
    assert _api(world, "post", follow, MEMBER, json={"action": "relaunch"}).status_code == 403


def test_sessions_api_is_in_the_openapi_document(world: World) -> None:
    paths = world.site.app.test_client().get("/api/v1/openapi.json").json["paths"]
    base = "/api/v1/commissions/{commission_id}/sessions"
    assert {base, f"{base}/{{session_id}}", f"{base}/{{session_id}}/agenda",
            f"{base}/{{session_id}}/agenda/{{dossier_id}}", f"{base}/{{session_id}}/convocation",
            f"{base}/{{session_id}}/agenda/{{dossier_id}}/opinion", f"{base}/{{session_id}}/close",
            f"{base}/{{session_id}}/agenda/{{dossier_id}}/followup", f"{base}/{{session_id}}/minutes.pdf"} <= set(paths)
