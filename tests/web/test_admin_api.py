"""Administration through the JSON API, and changes that hold at once on another node."""
from __future__ import annotations

import io
import re

from tests.conftest import DEMO_PASSWORD, Site
from tests.web.admin_support import ADMIN, link_sent_to, people_csv
from tests.web.test_admin import MEMBER, _opinion_task


def test_a_commune_set_up_through_the_api(site: Site) -> None:
    api = site.app.test_client()
    national = site.token(ADMIN)
    r = api.post("/api/v1/admin/communes", headers=national, json={
        "code": "khouribga", "name_fr": "Commune de Khouribga", "name_ar": "جماعة خريبكة", "guichet": "provincial"})
    assert r.status_code == 201 and r.json["guichet"] == "provincial"
    again = api.post("/api/v1/admin/communes", headers={**national, "Accept-Language": "ar"}, json={
        "code": "khouribga", "name_fr": "x", "name_ar": "y"})
    assert again.status_code == 409 and "khouribga" in again.json["message"]
    bad_zone = api.patch("/api/v1/admin/communes/khouribga", headers=national, json={
        "name_fr": "Khouribga", "name_ar": "خريبكة", "timezone": "Mars/Olympus"})
    assert bad_zone.status_code == 422 and "timezone" in bad_zone.json["message"]
    for kind in ("petits_projets", "grands_projets"):
        assert api.post("/api/v1/admin/communes/khouribga/commissions", headers=national, json={
            "kind": kind, "name_fr": kind, "name_ar": kind}).status_code == 201
    upload = {"dry_run": "false", "file": (io.BytesIO(people_csv("khouribga", bad=True)), "p.csv")}
    refused = api.post("/api/v1/admin/communes/khouribga/import", headers=national, data=upload)
    assert refused.status_code == 422 and not refused.json["written"]
    assert [(p["line"], p["code"]) for p in refused.json["problems"]] == [(5, "unknown_organism")]
    assert api.get("/api/v1/admin/communes/khouribga/people", headers=national).json == []
    upload = {"dry_run": "false", "file": (io.BytesIO(people_csv("khouribga", bad=False)), "p.csv")}
    done = api.post("/api/v1/admin/communes/khouribga/import", headers=national, data=upload)
    assert done.status_code == 200 and done.json["written"] and done.json["seats"] == 4
    people = {p["email"]: p for p in api.get("/api/v1/admin/communes/khouribga/people", headers=national).json}
    assert len(people) == 6 and people["president@khouribga.ma"]["grants"][0]["role"] == "president"
    seats = {c["kind"]: c["members"] for c in
             api.get("/api/v1/admin/communes/khouribga/commissions", headers=national).json}
    assert [m["project_type"] for m in seats["grands_projets"]] == [None, "lotissement"]  # one occasional member
    # the interim president holds the role for the dates of the delegation, from the titular
    agent = people["agent@khouribga.ma"]["id"]
    interim = api.post(f"/api/v1/admin/people/{agent}/grants", headers=national, json={
        "role": "interim_president", "commune": "khouribga", "valid_from": "2030-07-01",
        "valid_until": "2030-07-31", "delegated_by": "president@khouribga.ma"})
    assert interim.status_code == 201
    grants = {g["role"]: g for g in api.get("/api/v1/admin/communes/khouribga/people", headers=national).json
              if g["email"] == "agent@khouribga.ma" for g in g["grants"]}
    assert grants["president"]["valid_until"] == "2030-07-31" and grants["president"]["delegated_by"]
    trail = api.get("/api/v1/admin/audit?commune=khouribga", headers=national).json
    actions = {e["action"] for e in trail}
    assert {"commune.created", "commission.created", "person.created", "seat.added", "grant.added"} <= actions
    assert "commune.updated" not in actions  # the refused change left nothing, in the trail either
    [added] = [e for e in trail if e["action"] == "grant.added" and e["after"]["valid_until"] == "2030-07-31"]
    assert added["actor"] == "Omar Sefrioui" and added["before"] is None


def test_stranded_task_reassigned_through_the_api(site: Site) -> None:
    task = _opinion_task(site)
    api = site.app.test_client()
    national = site.token(ADMIN)
    with site.app.app_context():
        from handlers.accounts import find_by_email
        from web.extensions import db
        member = find_by_email(db.session(), MEMBER).id
    assert api.post(f"/api/v1/admin/people/{member}/deactivate", headers=national).status_code == 200
    [row] = api.get("/api/v1/admin/problems", headers=national).json
    assert row["task_id"] == task and row["reason"] == "inactive" and row["candidates"]
    taker = row["candidates"][0]["id"]
    assert api.post(f"/api/v1/admin/problems/{task}/reassign", headers=national,
                    json={"user": member}).status_code == 422
    assert api.post(f"/api/v1/admin/problems/{task}/reassign", headers=national,
                    json={"user": taker}).status_code == 200
    assert api.get("/api/v1/admin/problems", headers=national).json == []
    assert api.post(f"/api/v1/admin/problems/{task}/reassign", headers=national,
                    json={"user": taker}).status_code == 422  # already theirs


def test_a_change_holds_at_once_on_another_node(site: Site) -> None:
    """Two nodes on one database: what an administrator changes on one holds on the other at
    its next request — a deactivated person is signed out, a new role is there — no restart."""
    from web import create_app
    other = create_app({**{k: site.app.config[k] for k in ("SQLALCHEMY_DATABASE_URI", "GUICHET_PROCESSES_DIR",
                                                             "GUICHET_STORAGE_DIR", "SECRET_KEY")},
                        "TESTING": True, "WTF_CSRF_ENABLED": False})
    there = other.test_client()
    assert there.post("/auth/login", data={"email": MEMBER, "password": DEMO_PASSWORD}).status_code == 302
    assert there.get("/inbox").status_code == 200
    assert there.get("/admin/").status_code == 404  # not an administrator (yet)
    admin = site.client(ADMIN)
    with site.app.app_context():
        from handlers.accounts import find_by_email
        from web.extensions import db
        member = find_by_email(db.session(), MEMBER).id
    assert admin.post(f"/admin/people/{member}/grants", data={"role": "admin", "commune": "casablanca"}
                      ).status_code == 303
    assert there.get("/admin/communes/casablanca").status_code == 200  # the new role, on the other node
    assert admin.post(f"/admin/people/{member}/deactivate").status_code == 303
    r = there.get("/inbox")
    assert r.status_code == 302 and "/auth/login" in r.headers["Location"]  # signed out everywhere
    assert admin.post(f"/admin/people/{member}/reset").status_code == 303
    assert admin.post(f"/admin/people/{member}/activate").status_code == 303
    link = link_sent_to(site, MEMBER)
    assert re.match(r"/auth/welcome/[\w-]+$", link)
    assert there.post("/auth/login", data={"email": MEMBER, "password": DEMO_PASSWORD}).status_code == 401
    with other.app_context():
        from web.extensions import db as other_db
        other_db.session.remove()
        other_db.engines[None].dispose()
