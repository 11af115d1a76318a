"""Commune administrators see and change their own commune only: every administration
route (page and API) × the national administrator, two commune administrators, a guichet
agent and an anonymous visitor, on resources of Casablanca and of Rabat."""
from __future__ import annotations

import io
import itertools
import re
from typing import Any

from tests.conftest import DEMO_PASSWORD, Site
from tests.web.admin_matrix import ADMIN_ROWS
from tests.web.test_admin import _opinion_task

ACTORS = {"anonymous": None, "agent": "guichet@casablanca.demo", "national": "admin@guichet.demo",
          "casa_admin": "adm@casablanca.ma", "rabat_admin": "adm@rabat.ma"}
NATIONAL = {"national"}
ANY_ADMIN = {"national", "casa_admin", "rabat_admin"}
OWN = {"casablanca": {"national", "casa_admin"}, "rabat": {"national", "rabat_admin"}}
CSV = b"email,full_name,role\nnew@x.ma,New Person,guichet_agent\n"


def _rows() -> list[tuple[str, str, str, set[str], Any]]:
    rows: list[tuple[str, str, str, set[str], Any]] = [
        ("GET", "/admin/", "/admin/", ANY_ADMIN, None),
        ("GET", "/admin/incidents", "/admin/incidents", NATIONAL, None),
        ("POST", "/admin/incidents/<int:job_id>/retry", "/admin/incidents/999999/retry", NATIONAL, {}),
        ("POST", "/admin/communes", "/admin/communes", NATIONAL, {}),
        ("GET", "/admin/audit", "/admin/audit", NATIONAL, None),
        ("GET", "/admin/problems", "/admin/problems", ANY_ADMIN, None),
        ("POST", "/admin/problems/<task_id>/reassign", "/admin/problems/{T}/reassign", OWN["casablanca"],
         {"user": ""}),
        ("GET", "/admin/organisms", "/admin/organisms", ANY_ADMIN, None),
        ("POST", "/admin/organisms", "/admin/organisms", NATIONAL, {}),
        ("GET", "/admin/organisms/<code>", "/admin/organisms/regie", ANY_ADMIN, None),
        ("POST", "/admin/organisms/<code>", "/admin/organisms/regie", NATIONAL, {}),
        ("GET", "/api/v1/admin/communes", "/api/v1/admin/communes", ANY_ADMIN, None),
        ("POST", "/api/v1/admin/communes", "/api/v1/admin/communes", NATIONAL,
         {"code": "x", "name_fr": "", "name_ar": ""}),
        ("GET", "/api/v1/admin/organisms", "/api/v1/admin/organisms", ANY_ADMIN, None),
        ("POST", "/api/v1/admin/organisms", "/api/v1/admin/organisms", NATIONAL,
         {"code": "x", "kind": "x", "name_fr": "", "name_ar": ""}),
        ("GET", "/api/v1/admin/audit", "/api/v1/admin/audit", NATIONAL, None),
        ("GET", "/api/v1/admin/problems", "/api/v1/admin/problems", ANY_ADMIN, None),
        ("POST", "/api/v1/admin/problems/<task_id>/reassign", "/api/v1/admin/problems/{T}/reassign",
         OWN["casablanca"], {"user": ""}),
    ]
    for c, allowed in OWN.items():
        rows += [
            ("GET", "/admin/communes/<code>", f"/admin/communes/{c}", allowed, None),
            ("POST", "/admin/communes/<code>", f"/admin/communes/{c}", allowed, {}),
            ("GET", "/admin/communes/<code>/import", f"/admin/communes/{c}/import", allowed, None),
            ("POST", "/admin/communes/<code>/logo", f"/admin/communes/{c}/logo", allowed, {}),
            ("POST", "/admin/communes/<code>/import", f"/admin/communes/{c}/import", allowed, {}),
            ("POST", "/admin/communes/<code>/people", f"/admin/communes/{c}/people", allowed, {}),
            ("GET", "/admin/people/<user_id>", f"/admin/people/{{P_{c}}}", allowed, None),
            ("POST", "/admin/people/<user_id>/deactivate", f"/admin/people/{{P_{c}}}/deactivate", allowed, {}),
            ("POST", "/admin/people/<user_id>/activate", f"/admin/people/{{P_{c}}}/activate", allowed, {}),
            ("POST", "/admin/people/<user_id>/reset", f"/admin/people/{{P_{c}}}/reset", allowed, {}),
            ("POST", "/admin/people/<user_id>/grants", f"/admin/people/{{P_{c}}}/grants", allowed,
             {"role": "bogus"}),
            ("POST", "/admin/grants/<int:grant_id>/remove", f"/admin/grants/{{G_{c}}}/remove", allowed, {}),
            ("POST", "/admin/communes/<code>/commissions", f"/admin/communes/{c}/commissions", allowed, {}),
            ("GET", "/admin/commissions/<int:commission_id>", f"/admin/commissions/{{K_{c}}}", allowed, None),
            ("POST", "/admin/commissions/<int:commission_id>/seats", f"/admin/commissions/{{K_{c}}}/seats",
             allowed, {}),
            ("POST", "/admin/seats/<int:member_id>/end", f"/admin/seats/{{S_{c}}}/end", allowed,
             {"last_day": "2099-01-01"}),
            ("PATCH", "/api/v1/admin/communes/<code>", f"/api/v1/admin/communes/{c}", allowed,
             {"name_fr": "", "name_ar": ""}),
            ("GET", "/api/v1/admin/communes/<code>/people", f"/api/v1/admin/communes/{c}/people", allowed, None),
            ("POST", "/api/v1/admin/communes/<code>/people", f"/api/v1/admin/communes/{c}/people", allowed,
             {"email": "bad", "full_name": "x", "role": "guichet_agent"}),
            ("POST", "/api/v1/admin/people/<user_id>/<any(deactivate, activate, reset):action>",
             f"/api/v1/admin/people/{{P_{c}}}/reset", allowed, None),
            ("POST", "/api/v1/admin/people/<user_id>/grants", f"/api/v1/admin/people/{{P_{c}}}/grants", allowed,
             {"role": "bogus"}),
            ("DELETE", "/api/v1/admin/grants/<int:grant_id>", f"/api/v1/admin/grants/{{G_{c}}}", allowed, None),
            ("GET", "/api/v1/admin/communes/<code>/commissions", f"/api/v1/admin/communes/{c}/commissions",
             allowed, None),
            ("POST", "/api/v1/admin/communes/<code>/commissions", f"/api/v1/admin/communes/{c}/commissions",
             allowed, {"kind": "", "name_fr": "", "name_ar": ""}),
            ("POST", "/api/v1/admin/commissions/<int:commission_id>/seats",
             f"/api/v1/admin/commissions/{{K_{c}}}/seats", allowed, {"email": f"voirie@{c}.demo", "organism": "regie"}),
            ("POST", "/api/v1/admin/seats/<int:member_id>/end", f"/api/v1/admin/seats/{{S_{c}}}/end", allowed,
             {"last_day": "2099-01-01"}),
            ("POST", "/api/v1/admin/communes/<code>/import", f"/api/v1/admin/communes/{c}/import", allowed, "csv"),
        ]
    return rows


def _world(site: Site) -> dict[str, Any]:
    from sqlalchemy import select
    from werkzeug.security import generate_password_hash

    from handlers.accounts import find_by_email
    from handlers.administration import Admin, people, run
    from handlers.administration.grants import GrantInput
    from handlers.models import Commission, CommissionMember
    from web.bootstrap import get_engine
    from web.extensions import db
    task = _opinion_task(site)
    hashed = generate_password_hash(DEMO_PASSWORD)
    counter = itertools.count()
    with site.app.app_context():
        engine = get_engine(site.app)
        for commune in OWN:
            run(engine, people.create, Admin.system(), None, people.PersonInput(
                f"adm@{commune}.ma", f"Admin {commune}", "ar" if commune == "rabat" else "fr",
                [GrantInput("admin", commune)]), engine.clock(),
                password_hash=hashed)
        world: dict[str, Any] = {"T": task}
        for commune in OWN:
            voirie = find_by_email(db.session(), f"voirie@{commune}.demo")
            world[f"P_{commune}"] = voirie.id
            world[f"K_{commune}"] = db.session.scalar(select(Commission.id).where(
                Commission.commune_code == commune, Commission.kind == "petits_projets"))
            world[f"S_{commune}"] = db.session.scalar(select(CommissionMember.id).where(
                CommissionMember.user_id == voirie.id))

            def grant(commune: str = commune) -> int:
                """A fresh grant to take back (each allowed request removes one)."""
                with site.app.app_context():
                    user = run(get_engine(site.app), people.create, Admin.system(), None, people.PersonInput(
                        f"g{next(counter)}@{commune}.ma", "Grant Holder", "fr", [GrantInput("guichet_agent", commune)]),
                        get_engine(site.app).clock(), password_hash=hashed)
                    return int(user.grants[0].id)
            world[f"G_{commune}"] = grant
        db.session.remove()
    return world


def _request(site: Site, clients: dict[str, Any], actor: str, method: str, url: str, body: Any) -> Any:
    email = ACTORS[actor]
    if url.startswith("/api/"):
        if actor not in clients:
            clients[actor] = site.token(email) if email else {}
        client = site.app.test_client()
        if body == "csv":
            return client.open(url, method=method, headers=clients[actor],
                               data={"dry_run": "true", "file": (io.BytesIO(CSV), "p.csv")})
        return client.open(url, method=method, headers=clients[actor], json=body)
    key = f"page:{actor}"
    if key not in clients:
        clients[key] = site.client(email) if email else site.client()
    return clients[key].open(url, method=method, data=body)


def _denied(url: str, status: int, location: str) -> bool:
    if url.startswith("/api/"):
        return status in (401, 403, 404)
    return status in (403, 404) or (status in (301, 302, 303) and "/auth/login" in location)


def test_commune_administrators_see_and_change_their_own_commune_only(site: Site) -> None:
    world = _world(site)
    clients: dict[str, Any] = {}
    wrong = []
    for method, _rule, template, allowed, body in _rows():
        for actor in ACTORS:
            values = {k: (v() if callable(v) else v) for k, v in world.items()
                      if "{" + k + "}" in template}
            url = template.format(**values)
            response = _request(site, clients, actor, method, url, body)
            assert response.status_code < 500, (method, url, actor, response.status_code)
            denied = _denied(url, response.status_code, response.headers.get("Location", ""))
            if denied == (actor in allowed):
                wrong.append(f"{method} {url} as {actor}: {response.status_code}")
    assert wrong == [], "\n".join(wrong)
    # a commune administrator's lists hold their commune only
    page = clients["page:casa_admin"].get("/admin/").get_data(as_text=True)
    assert "/admin/communes/casablanca" in page and "/admin/communes/rabat" not in page
    listed = site.app.test_client().get("/api/v1/admin/communes", headers=clients["rabat_admin"]).json
    assert [c["code"] for c in listed] == ["rabat"]
    refused = site.app.test_client().get("/api/v1/admin/communes/casablanca/people",
                                         headers=clients["rabat_admin"])  # she reads Arabic
    assert refused.status_code == 403 and re.search("[\u0600-\u06ff]", refused.json["message"])


def test_every_admin_route_has_a_row(site: Site) -> None:
    covered = {(m, r) for m, r, *_ in _rows()}
    platform = {(m, r) for m, r, *_ in ADMIN_ROWS}
    missing = [f"{m} {rule.rule}" for rule in site.app.url_map.iter_rules()
               if "/admin" in rule.rule for m in rule.methods - {"HEAD", "OPTIONS"}
               if (m, rule.rule) not in covered or (m, rule.rule) not in platform | {
                   ("GET", "/admin/incidents"), ("POST", "/admin/incidents/<int:job_id>/retry")}]
    assert missing == []
