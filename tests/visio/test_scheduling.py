"""Scheduling: the guichet agent sets a session (date, time, agenda); members are notified
and see it; dossiers reaching the commission join the agent's next session."""
from __future__ import annotations

import re
from datetime import UTC, timedelta

from sqlalchemy import select

from .conftest import AGENT, MEMBER, OTHER_AGENT, OTHER_MEMBER, World, at_commission


def _petits_projets(world: World) -> int:
    from handlers.models import Commission
    from web.extensions import db
    with world.site.app.app_context():
        return db.session.scalar(select(Commission.id).where(Commission.commune_code == "casablanca",
                                                             Commission.kind == "petits_projets"))


def _day(world: World, days: int) -> str:
    from web.bootstrap import get_engine
    return (get_engine(world.site.app).clock() + timedelta(days=days)).date().isoformat()


def test_agent_schedules_members_are_notified_and_see_it(world: World) -> None:
    from handlers.dossier_models import AgendaItem, Notification
    from handlers.models import User
    from web.extensions import db
    agent = world.http(AGENT)
    form = agent.get("/commission/sessions/new").get_data(as_text=True)
    assert f'value="{world.dossier_id}"' in form  # the dossier waits for this commission
    commission = _petits_projets(world)
    r = agent.post("/commission/sessions/new", data={"commission_id": commission, "date": _day(world, 3),
                                                    "time": "10:30", "dossier_id": [str(world.dossier_id)],
                                                    "place": "Salle du conseil"})
    assert r.status_code == 302, r.data[:500]
    new_id = int(r.headers["Location"].rsplit("/", 1)[1])
    assert "Salle du conseil" in agent.get(r.headers["Location"]).get_data(as_text=True)
    assert new_id != world.session_id
    with world.site.app.app_context():
        # the dossier moved from the session the procedure opened to the agent's
        assert db.session.scalars(select(AgendaItem.session_id).where(
            AgendaItem.dossier_id == world.dossier_id)).all() == [new_id]
        told = db.session.scalars(select(User.email).join(Notification, Notification.recipient_id == User.id).where(
            Notification.template == "session_scheduled")).all()
        assert sorted(told) == ["agence-urbaine@casablanca.demo", "urbanisme@casablanca.demo"]
    member = world.http(MEMBER)
    listing = member.get("/commission/sessions").get_data(as_text=True)
    assert f"/commission/sessions/{new_id}" in listing and "10:30" in listing
    assert f"/commission/sessions/{new_id}" in member.get("/inbox").get_data(as_text=True)
    assert f"/commission/sessions/{new_id}" not in world.http(OTHER_MEMBER).get("/commission/sessions").get_data(
        as_text=True)
    page = member.get(f"/commission/sessions/{new_id}").get_data(as_text=True)
    assert f"/commission/sessions/{new_id}/room" in page


def test_scheduling_refuses_bad_input_and_other_people(world: World) -> None:
    agent = world.http(AGENT)
    commission = _petits_projets(world)
    bad = agent.post("/commission/sessions/new", data={"commission_id": commission, "date": "yesterday",
                                                      "time": "25:00"})
    assert bad.status_code == 422
    past = agent.post("/commission/sessions/new", data={"commission_id": commission, "date": _day(world, -1),
                                                       "time": "10:00"})
    assert past.status_code == 422
    assert world.http(MEMBER).get("/commission/sessions/new").status_code == 403
    # the Rabat agent schedules Rabat's commissions only: Casablanca's is not offered
    rabat = world.http(OTHER_AGENT).get("/commission/sessions/new").get_data(as_text=True)
    assert f'value="{commission}"' not in rabat


def test_a_dossier_reaching_the_commission_joins_the_agents_next_session(world: World) -> None:
    from handlers.dossier_models import AgendaItem
    from web.extensions import db
    agent = world.http(AGENT)
    r = agent.post("/commission/sessions/new", data={"commission_id": _petits_projets(world),
                                                    "date": _day(world, 7), "time": "09:00"})
    scheduled = int(r.headers["Location"].rsplit("/", 1)[1])
    second = at_commission(world.site)
    with world.site.app.app_context():
        assert db.session.scalar(select(AgendaItem.session_id).where(AgendaItem.dossier_id == second)) == scheduled


def test_agenda_add_and_move(world: World) -> None:
    from handlers.dossier_models import AgendaItem
    from web.extensions import db
    second = at_commission(world.site)
    agent = world.http(AGENT)
    r = agent.post("/commission/sessions/new", data={"commission_id": _petits_projets(world),
                                                    "date": _day(world, 5), "time": "11:00",
                                                    "dossier_id": [str(world.dossier_id)]})
    sid = int(r.headers["Location"].rsplit("/", 1)[1])
    page = agent.get(f"/commission/sessions/{sid}").get_data(as_text=True)
    assert re.search(rf'<option value="{second}">', page)  # offered for the agenda
    assert agent.post(f"/commission/sessions/{sid}/agenda", data={"dossier_id": second}).status_code == 302
    assert agent.post(f"/commission/sessions/{sid}/agenda", data={"dossier_id": second, "position": 1}
                      ).status_code == 302
    with world.site.app.app_context():
        order = db.session.scalars(select(AgendaItem.dossier_id).where(AgendaItem.session_id == sid)
                                   .order_by(AgendaItem.position)).all()
        assert order == [second, world.dossier_id]
    assert world.http(MEMBER).post(f"/commission/sessions/{sid}/agenda", data={"dossier_id": second}
                                   ).status_code == 403


def test_scheduled_session_is_mailed_to_members_in_their_language(world: World) -> None:
    from handlers.channels import SmtpChannel
    from handlers.models import User
    from tests.integration.test_async import Sink
    from web.extensions import db
    sink = Sink()
    try:
        world.site.app.extensions["guichet.ports"].channels["email"] = SmtpChannel("127.0.0.1", sink.port)
        with world.site.app.app_context():
            db.session.scalar(select(User).where(User.email == MEMBER)).locale = "ar"
            db.session.commit()
        r = world.http(AGENT).post("/commission/sessions/new", data={
            "commission_id": _petits_projets(world), "date": _day(world, 4), "time": "15:00"})
        assert r.status_code == 302
        sent = {m["To"].addresses[0].addr_spec: m for m in sink.messages
                if "séance" in m["Subject"] or "جلسة" in m["Subject"]}
        mails = {to: m.get_body(("plain",)).get_content() for to, m in sent.items()}
        assert set(mails) == {MEMBER, "urbanisme@casablanca.demo"}
        # the invitation: an iCalendar event at 15:00 in Casablanca's time, written in UTC
        from datetime import date, datetime
        from zoneinfo import ZoneInfo
        start = datetime.combine(date.fromisoformat(_day(world, 4)), datetime.min.time().replace(hour=15),
                                 ZoneInfo("Africa/Casablanca")).astimezone(UTC)
        invitation = next(p for p in sent[MEMBER].iter_attachments())
        assert invitation.get_content_type() == "text/calendar" and invitation.get_filename().endswith(".ics")
        calendar = invitation.get_content()
        calendar = calendar.decode() if isinstance(calendar, bytes) else calendar
        assert f"DTSTART:{start:%Y%m%dT%H%M%SZ}" in calendar
        assert "BEGIN:VEVENT" in calendar and "/commission/sessions/" in calendar
        assert "لجنة المشاريع الصغرى" in mails[MEMBER] and "15:00" in mails[MEMBER]
        assert "Commission des petits projets" in mails["urbanisme@casablanca.demo"]
    finally:
        sink.stop()


def test_scheduling_offers_only_the_dossiers_of_that_commission(world: World) -> None:
    """The permit waits for petits projets; grands projets seats the same two members (and
    more), Rabat's petits projets the same kind elsewhere: neither is offered the dossier."""
    from handlers.models import Commission
    from handlers.visio.sessions import awaiting
    from web.extensions import db
    agent = world.http(AGENT)
    with world.site.app.app_context():
        by_kind = {(c.commune_code, c.kind): c for c in db.session.scalars(select(Commission))}
        assert [d.id for d in awaiting(db.session(), by_kind["casablanca", "petits_projets"])] == [world.dossier_id]
        for other in (("casablanca", "grands_projets"), ("casablanca", "voirie"), ("rabat", "petits_projets")):
            assert awaiting(db.session(), by_kind[other]) == [], other
        grands = by_kind["casablanca", "grands_projets"].id
        petits = by_kind["casablanca", "petits_projets"].id
    page = agent.get(f"/commission/sessions/new?commission_id={grands}").get_data(as_text=True)
    assert f'name="dossier_id" value="{world.dossier_id}"' not in page
    page = agent.get(f"/commission/sessions/new?commission_id={petits}").get_data(as_text=True)
    assert f'name="dossier_id" value="{world.dossier_id}"' in page
