"""Administration through the pages: one-time invitation links, the CSV import's dry run,
grants bounded in time, deactivation making a member's open opinion task a problem that is
reassigned from the problems list."""
from __future__ import annotations

import io
import re

from tests.conftest import DEMO_PASSWORD, Site
from tests.web.admin_support import ADMIN, link_sent_to, people_csv
from tests.web.test_portal import file_dossier

MEMBER = "agence-urbaine@casablanca.demo"


def _new_commune(site: Site, code: str = "settat") -> object:
    admin = site.client(ADMIN)
    r = admin.post("/admin/communes", data={"code": code, "name_fr": "Commune de Settat", "name_ar": "جماعة سطات",
                                            "region": "Casablanca-Settat", "province": "Settat",
                                            "timezone": "Africa/Casablanca", "guichet": "unique"})
    assert r.status_code == 303 and r.headers["Location"].endswith(f"/admin/communes/{code}")
    return admin


def test_invitation_link_sets_the_password_once(site: Site) -> None:
    admin = _new_commune(site)
    r = admin.post("/admin/communes/settat/people", data={
        "full_name": "Amina Admin", "email": "amina@settat.ma", "locale": "fr", "role": "admin"})
    assert r.status_code == 303
    page = admin.get("/admin/communes/settat").get_data(as_text=True)
    assert "Invitation envoyée" in page and "amina@settat.ma" in page
    link = link_sent_to(site, "amina@settat.ma")
    anon = site.client()
    assert anon.get(link).status_code == 200
    short = anon.post(link, data={"password": "short", "confirm": "short"})
    assert short.status_code == 422 and "10 caractères" in short.get_data(as_text=True)
    r = anon.post(link, data={"password": "amina-password-1", "confirm": "amina-password-1"})
    assert r.status_code == 302 and r.headers["Location"].endswith("/auth/login")
    assert anon.get(link).status_code == 404  # one use only
    again = anon.post(link, data={"password": "other-password-2", "confirm": "other-password-2"})
    assert again.status_code == 404 and "déjà servi" in again.get_data(as_text=True)
    amina = site.client("amina@settat.ma", password="amina-password-1")
    assert amina.get("/admin/communes/settat").status_code == 200
    assert amina.get("/admin/communes/casablanca").status_code == 403  # not her commune
    # the national administrator sees the whole trail, with the values after the change
    trail = admin.get("/admin/audit").get_data(as_text=True)
    assert "commune.created" in trail and "person.created" in trail and "amina@settat.ma" in trail
    assert amina.get("/admin/audit").status_code == 403


def test_csv_dry_run_lists_every_problem_by_line_and_writes_nothing(site: Site) -> None:
    admin = _new_commune(site)
    for kind in ("petits_projets", "grands_projets"):
        assert admin.post("/admin/communes/settat/commissions", data={
            "kind": kind, "name_fr": f"Commission {kind}", "name_ar": f"لجنة {kind}"}).status_code == 303
    bad = admin.post("/admin/communes/settat/import", content_type="multipart/form-data", data={
        "action": "import", "file": (io.BytesIO(people_csv("settat", bad=True)), "people.csv")})
    page = bad.get_data(as_text=True)
    assert bad.status_code == 422 and "été enregistré : 1 problème(s)" in page
    assert "Ligne 5 :" in page and "nowhere" in page
    assert "agent@settat.ma" not in admin.get("/admin/communes/settat").get_data(as_text=True)
    checked = admin.post("/admin/communes/settat/import", content_type="multipart/form-data", data={
        "action": "check", "file": (io.BytesIO(people_csv("settat", bad=False)), "people.csv")})
    assert checked.status_code == 200 and "6 ligne(s) sans problème" in checked.get_data(as_text=True)
    assert "agent@settat.ma" not in admin.get("/admin/communes/settat").get_data(as_text=True)
    done = admin.post("/admin/communes/settat/import", content_type="multipart/form-data", data={
        "action": "import", "file": (io.BytesIO(people_csv("settat", bad=False)), "people.csv")})
    assert done.status_code == 200 and "6 personne(s) invitée(s)" in done.get_data(as_text=True)
    page = admin.get("/admin/communes/settat").get_data(as_text=True)
    assert "agent@settat.ma" in page and "president@settat.ma" in page
    link_sent_to(site, "regie@settat.ma")  # every new person got an invitation


def test_interim_president_holds_the_role_for_the_dates_only(site: Site) -> None:
    from datetime import date, timedelta

    from handlers.administration.grants import INTERIM
    from handlers.notify import holders
    from web.extensions import db
    admin = site.client(ADMIN)
    today = date.today()
    with site.app.app_context():
        from handlers.accounts import find_by_email
        deputy = find_by_email(db.session(), "guichet@casablanca.demo").id
    r = admin.post(f"/admin/people/{deputy}/grants", data={
        "role": INTERIM, "commune": "casablanca", "valid_from": (today + timedelta(days=2)).isoformat(),
        "valid_until": (today + timedelta(days=9)).isoformat(), "delegated_by": "president@casablanca.demo"})
    assert r.status_code == 303
    assert "Rôle attribué" in admin.get(f"/admin/people/{deputy}").get_data(as_text=True)
    missing = admin.post(f"/admin/people/{deputy}/grants", data={"role": INTERIM, "commune": "rabat"})
    assert "date de début" in admin.get(missing.headers["Location"]).get_data(as_text=True)
    with site.app.app_context():
        session = db.session()
        assert deputy not in holders(session, [(None, "president")], "casablanca", today)
        assert deputy in holders(session, [(None, "president")], "casablanca", today + timedelta(days=3))
        assert deputy not in holders(session, [(None, "president")], "casablanca", today + timedelta(days=10))


def _opinion_task(site: Site) -> str:
    file_dossier(site)
    agent = site.client("guichet@casablanca.demo")
    check = re.findall(r'/tasks/([0-9a-f-]{36})', agent.get("/inbox").get_data(as_text=True))[0]
    assert agent.post(f"/tasks/{check}", data={"complete": "on"}).status_code == 302
    inbox = site.client(MEMBER).get("/inbox").get_data(as_text=True)
    return re.search(r'/tasks/([0-9a-f-]{36})', inbox).group(1)


def test_deactivated_member_task_is_a_problem_and_is_reassigned(site: Site) -> None:
    task = _opinion_task(site)
    admin = site.client(ADMIN)
    assert task not in admin.get("/admin/problems").get_data(as_text=True)
    with site.app.app_context():
        from handlers.accounts import find_by_email
        from web.extensions import db
        member = find_by_email(db.session(), MEMBER).id
        urbanisme = find_by_email(db.session(), "urbanisme@casablanca.demo").id
    assert admin.post(f"/admin/people/{member}/deactivate").status_code == 303
    assert site.app.test_client().post("/auth/login", data={"email": MEMBER, "password": DEMO_PASSWORD}
                                       ).status_code == 401  # a deactivated account signs in no more
    problems = admin.get("/admin/problems").get_data(as_text=True)
    assert f'data-task="{task}"' in problems and "compte désactivé" in problems
    assert "1 tâche(s) attendent" in admin.get("/admin/").get_data(as_text=True)
    # the problem is visible to the commune's administrator too, not to another commune's
    admin.post("/admin/communes/casablanca/people", data={"full_name": "Adm Casa", "email": "adm@casa.ma",
                                                          "role": "admin"})
    refused = admin.post(f"/admin/problems/{task}/reassign", data={"user": member})
    assert "ne peut pas recevoir cette tâche" in admin.get(refused.headers["Location"]).get_data(as_text=True)
    r = admin.post(f"/admin/problems/{task}/reassign", data={"user": urbanisme})
    assert r.status_code == 303
    assert "confiée" in admin.get("/admin/problems").get_data(as_text=True)
    assert f'data-task="{task}"' not in admin.get("/admin/problems").get_data(as_text=True)
    taker = site.client("urbanisme@casablanca.demo")
    assert f"/tasks/{task}" in taker.get("/inbox").get_data(as_text=True)
    assert taker.post(f"/tasks/{task}", data={"opinion.avis": "favorable"}).status_code == 302


def test_member_who_left_the_commission_is_a_problem(site: Site) -> None:
    task = _opinion_task(site)
    admin = site.client(ADMIN)
    with site.app.app_context():
        from sqlalchemy import select

        from handlers.accounts import find_by_email
        from handlers.models import CommissionMember
        from web.extensions import db
        member = find_by_email(db.session(), MEMBER).id
        seats = list(db.session.scalars(select(CommissionMember.id).where(CommissionMember.user_id == member)))
    for seat in seats:
        assert admin.post(f"/admin/seats/{seat}/end", data={"back": "/admin/problems"}).status_code == 303
    page = admin.get("/admin/problems").get_data(as_text=True)
    assert f'data-task="{task}"' in page and "ne siège plus" in page


def test_occasional_and_future_members_are_called_only_when_due(site: Site) -> None:
    """A member called for another project type, or seated from a later date, gets no
    opinion task on this dossier; past sessions keep the members they had."""
    from datetime import date, timedelta

    from sqlalchemy import select

    from engine.models import HumanTask
    from handlers.models import Commission
    from web.extensions import db
    admin = site.client(ADMIN)
    with site.app.app_context():
        commission = db.session.scalar(select(Commission.id).where(Commission.commune_code == "casablanca",
                                                                   Commission.kind == "petits_projets"))
    later = (date.today() + timedelta(days=30)).isoformat()
    for email, organism, project_type, start in (("regie@casablanca.demo", "regie", "lotissement", ""),
                                                  ("hygiene@casablanca.demo", "hygiene", "", later),
                                                  ("protection-civile@casablanca.demo", "protection_civile",
                                                   "permis_construire", "")):
        r = admin.post(f"/admin/commissions/{commission}/seats", data={
            "email": email, "organism": organism, "project_type": project_type, "valid_from": start})
        assert "Membre ajouté" in admin.get(r.headers["Location"]).get_data(as_text=True)
    _opinion_task(site)
    with site.app.app_context():
        from handlers.accounts import find_by_email
        assignees = set(db.session.scalars(select(HumanTask.assignee).where(HumanTask.bpmn_id == "cm_opinion")))
        called = {find_by_email(db.session(), e).id for e in (MEMBER, "urbanisme@casablanca.demo",
                                                              "protection-civile@casablanca.demo")}
    assert assignees == called  # the two permanent members and the one called for building permits


def _images(pdf: bytes) -> int:
    return len(re.findall(rb"/Subtype\s*/Image", pdf))


def test_the_commune_logo_is_printed_on_its_receipts(site: Site) -> None:
    from PIL import Image
    admin = site.client(ADMIN)
    dossier_id, citizen = file_dossier(site)
    before = citizen.get(f"/dossiers/{dossier_id}/receipt.pdf").data
    refused = admin.post("/admin/communes/casablanca/logo", content_type="multipart/form-data",
                         data={"logo": (io.BytesIO(b"%PDF-1.4 not an image"), "logo.png")})
    assert "PNG ou JPEG" in admin.get(refused.headers["Location"]).get_data(as_text=True)
    png = io.BytesIO()
    Image.new("RGB", (120, 80), (20, 110, 60)).save(png, "PNG")
    r = admin.post("/admin/communes/casablanca/logo", content_type="multipart/form-data",
                   data={"logo": (io.BytesIO(png.getvalue()), "logo.png")})
    assert 'id="has-logo"' in admin.get(r.headers["Location"]).get_data(as_text=True)
    after = citizen.get(f"/dossiers/{dossier_id}/receipt.pdf").data
    assert after.startswith(b"%PDF") and _images(after) == _images(before) + 1
