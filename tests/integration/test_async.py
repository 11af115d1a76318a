"""Async work in one process: mail delivery, the outbox relay after a lost publication,
incidents and their retry, deadline reminders, timers through beat's task."""
from __future__ import annotations

import email
from email import policy

import pytest
from sqlalchemy import select

from engine.models import OutboxMessage
from handlers.dossier_models import Notification
from handlers.models import User
from tests.conftest import FakeClock
from tests.web.conftest import Site

CITIZEN = "citoyen@guichet.demo"
SMALL = {"parcelle": "TF 1/C", "usage": "habitation_individuelle", "surface": 120, "niveaux": 2}


class Sink:
    """An SMTP server on loopback that keeps what it receives (aiosmtpd)."""

    def __init__(self) -> None:
        from aiosmtpd.controller import Controller
        self.messages: list[email.message.EmailMessage] = []
        sink = self

        class Handler:
            async def handle_DATA(self, server, session, envelope):  # noqa: ANN001, ANN201, N802
                sink.messages.append(email.message_from_bytes(envelope.content, policy=policy.default))
                return "250 OK"
        import socket
        with socket.socket() as probe:  # a free port on loopback
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.controller = Controller(Handler(), hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def stop(self) -> None:
        self.controller.stop()


@pytest.fixture
def sink():  # noqa: ANN201
    s = Sink()
    yield s
    s.stop()


def file(site: Site, email_: str = CITIZEN) -> int:
    from tests.filing import file_complete
    from web.bootstrap import get_engine
    with site.app.app_context():
        return file_complete(get_engine(site.app), site.app.extensions["guichet.ports"], _actor(site, email_),
                             "permis_construire", SMALL)


def _actor(site: Site, email_: str):  # noqa: ANN202
    from handlers.accounts import actor_for, find_by_email
    from web.extensions import db
    return actor_for(find_by_email(db.session(), email_))


def test_mail_in_each_recipients_language_arrives_intact(site: Site, sink: Sink) -> None:
    from handlers.channels import SmtpChannel
    site.app.extensions["guichet.ports"].channels["email"] = SmtpChannel("127.0.0.1", sink.port, "guichet@commune.ma")
    with site.app.app_context():
        from web.extensions import db
        db.session.scalar(select(User).where(User.email == CITIZEN)).locale = "ar"
        db.session.commit()
    file(site)
    to_citizen = [m for m in sink.messages if CITIZEN in m["To"]]
    assert to_citizen and "تم إيداع ملفكم" in to_citizen[0].get_content()
    assert to_citizen[0]["To"].addresses[0].display_name == "Hassan Amrani"
    to_agent = [m for m in sink.messages if "guichet@casablanca.demo" in m["To"]]
    assert to_agent and "Une tâche vous attend : « Vérification de la recevabilité »" in to_agent[0].get_content()
    with site.app.app_context():
        from web.extensions import db
        notes = db.session.scalars(select(Notification)).all()
        assert notes and all(n.sent_at and n.reference for n in notes)  # recorded and delivered


def test_lost_publication_is_relayed_and_runs_once(site: Site, sink: Sink) -> None:
    from engine import jobs
    from handlers.channels import SmtpChannel
    from web.bootstrap import get_engine
    site.app.extensions["guichet.ports"].channels["email"] = SmtpChannel("127.0.0.1", sink.port)
    with site.app.app_context():
        engine = get_engine(site.app)
        runner = engine.dispatcher
        engine.dispatcher = lambda ids: None  # the commit happened, the publication was lost
        file(site)
        assert sink.messages == []
        from web.extensions import db
        pending = db.session.scalars(select(OutboxMessage).where(OutboxMessage.status == "pending")).all()
        assert pending and all(m.published_at is None for m in pending)
        engine.dispatcher = runner
        assert jobs.relay(engine, runner) == len(pending)
        delivered = len(sink.messages)
        assert delivered == len(pending)
        assert jobs.relay(engine, runner) == 0  # nothing left, nothing sent twice
        assert len(sink.messages) == delivered


def test_failing_job_becomes_an_incident_an_admin_retries(site: Site) -> None:
    from handlers.channels import SmtpChannel
    from web.bootstrap import get_engine
    site.app.extensions["guichet.ports"].channels["email"] = SmtpChannel("127.0.0.1", 1)  # nothing listens
    file(site)
    with site.app.app_context():
        for _ in range(5):  # the ticker's rounds: each one retries what is still pending
            get_engine(site.app).drain_outbox()
    cli = site.app.test_cli_runner()
    listing = cli.invoke(args=["jobs", "failed"]).output
    assert "notification" in listing and "ConnectionRefusedError" in listing
    with site.app.app_context():
        from web.extensions import db
        failed = db.session.scalars(select(OutboxMessage).where(OutboxMessage.status == "failed")).all()
        assert failed and all(m.attempts == 5 for m in failed)
    sink = Sink()
    try:
        site.app.extensions["guichet.ports"].channels["email"] = SmtpChannel("127.0.0.1", sink.port)
        result = cli.invoke(args=["jobs", "retry", str(failed[0].id)])
        assert result.exit_code == 0, result.output
        assert len(sink.messages) == 1
        assert cli.invoke(args=["jobs", "retry", str(failed[0].id)]).exit_code != 0  # not failed any more
        admin = site.client("admin@guichet.demo")
        page = admin.get("/admin/incidents").get_data(as_text=True)
        assert f"<td>{failed[1].id}</td>" in page and "ConnectionRefusedError" in page
        assert admin.post(f"/admin/incidents/{failed[1].id}/retry").status_code == 302  # from the web
        assert len(sink.messages) == 2
        assert f"<td>{failed[1].id}</td>" not in admin.get("/admin/incidents").get_data(as_text=True)
        assert site.client(CITIZEN).get("/admin/incidents").status_code == 404
    finally:
        sink.stop()
    with site.app.app_context():
        assert get_engine(site.app).drain_outbox() >= 0


def test_deadline_reminder_and_breach_then_timers_through_beats_task(site: Site) -> None:
    from web import tasks
    from web.bootstrap import get_engine
    clock = FakeClock()
    with site.app.app_context():
        get_engine(site.app).clock = clock
    dossier_id = file(site)
    with site.app.app_context():
        from web.extensions import db
        clock.advance(days=2)  # rc_check is due in 3 days: within the 2-day reminder window
        assert tasks.watch_deadlines.run() == (1, 0)
        assert tasks.watch_deadlines.run() == (0, 0)  # once
        clock.advance(days=2)
        assert tasks.watch_deadlines.run() == (0, 1)
        templates = db.session.scalars(select(Notification.template).where(
            Notification.dossier_id == dossier_id)).all()
        assert "deadline_reminder" in templates and "deadline_breached" in templates
    # the agent finds the dossier complete; the commission then stays silent past 15 days
    client = site.client("guichet@casablanca.demo")
    import re
    task_id = re.search(r'/tasks/([0-9a-f-]{36})', client.get("/inbox").get_data(as_text=True)).group(1)
    assert client.post(f"/tasks/{task_id}", data={"complete": "on"}).status_code == 302
    with site.app.app_context():
        clock.advance(days=12, minutes=1)
        assert tasks.wake_timers.run() == 1  # the reminder, as beat would run it
        clock.advance(days=3)
        assert tasks.wake_timers.run() == 1  # breach: tacit approval
        from handlers.dossier_models import Dossier
        db.session.rollback()
        assert db.session.get(Dossier, dossier_id).status == "signature"
