"""People are told when a task arrives for them: the role's holders in the dossier's commune
(or everywhere), or the task's assignee alone, each in their own language, once."""
from __future__ import annotations

from sqlalchemy import or_, select, update

from handlers.dossier_models import Dossier, Notification
from handlers.models import RoleGrant, User
from tests.conftest import Site
from tests.web.test_api import CITIZEN, api_file

AGENT = "guichet@casablanca.demo"


def _told(site: Site, dossier_id: int) -> dict[str, tuple[str, str]]:
    from web.extensions import db
    with site.app.app_context():
        rows = db.session.scalars(select(Notification).where(Notification.dossier_id == dossier_id,
                                                             Notification.template == "task_arrived"))
        return {n.recipient_id: (n.lang, n.body) for n in rows}


def test_a_new_task_tells_its_holders_or_its_assignees_in_their_language(site: Site) -> None:
    from web.extensions import db
    with site.app.app_context():  # one Casablanca agent reads Arabic
        agent_id = db.session.scalar(select(User.id).where(User.email == AGENT))
        db.session.execute(update(User).where(User.id == agent_id).values(locale="ar"))
        db.session.commit()
        holders = set(db.session.scalars(select(RoleGrant.user_id).where(
            RoleGrant.role == "guichet_agent",
            or_(RoleGrant.commune_code == "casablanca", RoleGrant.commune_code.is_(None)))))
        other_communes = set(db.session.scalars(select(RoleGrant.user_id).where(
            RoleGrant.role == "guichet_agent", RoleGrant.commune_code != "casablanca"))) - holders
    assert agent_id in holders and other_communes  # the demo has agents elsewhere too

    dossier_id = api_file(site, site.token(CITIZEN))  # submitted: the completeness check is open
    told = _told(site, dossier_id)
    assert set(told) == holders  # every holder in the commune, nobody from another commune
    with site.app.app_context():
        number = db.session.get_one(Dossier, dossier_id).number
    # the form's title in each person's language; in Arabic, the number as a left-to-right isolate
    assert told[agent_id] == ("ar", f"مهمة في انتظاركم: « التحقق من قبول الملف » في الملف \u2066{number}\u2069 "
                                    "(رخصة البناء).")
    title = "Vérification de la recevabilité"
    assert all(lang == "fr" and body.startswith(f"Une tâche vous attend : « {title} » sur le dossier {number} (")
               for user, (lang, body) in told.items() if user != agent_id)

    api = site.app.test_client()
    agent = site.token(AGENT)
    [task] = api.get("/api/v1/tasks", headers=agent).json["items"]
    assert api.post(f"/api/v1/tasks/{task['id']}/complete", json={"data": {"complete": True}},
                    headers=agent).json["status"] == "commission"
    # the commission's opinion tasks each have an assignee: that member alone is told, once
    with site.app.app_context():
        from engine.models import HumanTask
        instance_id = db.session.get_one(Dossier, dossier_id).instance_id
        assignees = set(db.session.scalars(select(HumanTask.assignee).where(
            HumanTask.instance_id == instance_id, HumanTask.state == "READY", HumanTask.assignee.is_not(None))))
        count = len(list(db.session.scalars(select(Notification.id).where(
            Notification.dossier_id == dossier_id, Notification.template == "task_arrived"))))
    assert assignees and set(_told(site, dossier_id)) == holders | assignees
    assert count == len(holders) + len(assignees)  # nobody twice
