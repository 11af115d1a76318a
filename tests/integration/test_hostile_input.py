"""Hostile input is refused before anything is written; filing is atomic; a database
failure under a step is never an incident; a resent notification keeps its Message-ID."""
from __future__ import annotations

import socket
import time

import pytest
import sqlalchemy as sa
from sqlalchemy import select

from engine import StepFailed, Unavailable
from engine.models import OutboxMessage
from handlers.dossier_models import Dossier, Notification, StatusChange
from tests.bpmn.helpers import ready_tasks
from tests.conftest import AGENT as AGENT_ACTOR
from tests.conftest import APPLICANT, Site
from tests.integration.faults_support import AGENT, CITIZEN, SMALL, SQL_TRACES, BoundedServer, drafts, orphans
from tests.integration.test_async import Sink, sink  # noqa: F401 - the SMTP sink fixture


def test_control_characters_and_lone_surrogates_are_refused_before_any_write(site: Site) -> None:
    client = site.app.test_client()
    citizen = site.token(CITIZEN)
    for bad in ("TF \ud800 1", "TF \x07 1", "TF \x1b[31m"):
        r = client.post("/api/v1/dossiers", headers=citizen, json={
            "procedure": "permis_construire", "commune": "casablanca", "fields": {**SMALL, "parcelle": bad}})
        assert r.status_code == 422 and "json.fields.parcelle" in r.json["detail"]["fields"], r.json
        assert "Caractère interdit" in r.json["message"]
    [dossier_id] = drafts(site, 1)
    r = client.patch(f"/api/v1/dossiers/{dossier_id}", headers={**citizen, "Accept-Language": "ar"},
                     json={"fields": {"parcelle": "\udfff"}})
    assert r.status_code == 422 and "حرف غير مسموح" in r.json["message"]
    page = site.client(CITIZEN).post(f"/dossiers/{dossier_id}/fields", data={"parcelle": "x\x00y"})
    assert page.status_code == 422
    with site.app.app_context():
        from web.extensions import db
        assert db.session.scalar(select(sa.func.count()).select_from(Dossier)) == 1
        assert db.session.get(Dossier, dossier_id).fields["parcelle"] == SMALL["parcelle"]


def test_a_stored_draft_with_a_control_character_is_refused_before_numbering(site: Site) -> None:
    [dossier_id] = drafts(site, 1)
    with site.app.app_context():
        from web.extensions import db
        dossier = db.session.get(Dossier, dossier_id)
        dossier.fields = {**dossier.fields, "parcelle": "TF\x07"}  # written before inputs were checked
        db.session.commit()
    r = site.app.test_client().post(f"/api/v1/dossiers/{dossier_id}/submit", headers=site.token(CITIZEN))
    assert r.status_code == 422 and "parcelle" in r.json["detail"]["fields"]
    with site.app.app_context():
        from web.extensions import db
        dossier = db.session.get(Dossier, dossier_id)
        assert (dossier.number, dossier.status, dossier.instance_id) == (None, "draft", None)


@pytest.mark.parametrize("depth", [5_000, 20_000])
def test_deeply_nested_json_is_a_400_everywhere(site: Site, depth: int) -> None:
    client = site.app.test_client()
    agent = site.token(AGENT)
    for body in ("[" * depth + "]" * depth, '{"a":' * depth + "1" + "}" * depth):
        for url in ("/api/v1/tokens", "/api/v1/dossiers", "/api/v1/tasks/x/complete"):
            r = client.post(url, data=body, content_type="application/json", headers=agent)
            assert r.status_code == 400 and "imbriqué" in r.json["message"], (url, r.data[:200])


def test_oversized_json_is_a_413_stating_the_limit(site: Site) -> None:
    client = site.app.test_client()
    body = '{"email": "' + "a" * (2 * 1024 * 1024) + '", "password": "x"}'
    r = client.post("/api/v1/tokens", data=body, content_type="application/json")
    assert r.status_code == 413 and "1 Mo" in r.json["message"] and r.json["detail"]["limit_bytes"] == 1024 * 1024
    r = client.post("/api/v1/tokens", data=body, content_type="application/json", headers={"Accept-Language": "ar"})
    assert r.status_code == 413 and "1 ميغابايت" in r.json["message"]


def _chunked(url: str, path: str, content_type: str, total: int) -> tuple[int, int, str]:
    """POST ``total`` bytes chunked; returns (status, bytes sent before the answer, body)."""
    host, port = url.removeprefix("http://").split(":")
    sent = 0
    with socket.create_connection((host, int(port)), timeout=30) as sock:
        sock.sendall(f"POST {path} HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n"
                     f"Content-Type: {content_type}\r\nConnection: close\r\n\r\n".encode())
        chunk = b"a" * 65536
        try:
            while sent < total:
                sock.sendall(b"%x\r\n%b\r\n" % (len(chunk), chunk))
                sent += len(chunk)
            sock.sendall(b"0\r\n\r\n")
        except OSError:
            pass  # the server answered and closed
        answer = b""
        try:
            while data := sock.recv(65536):
                answer += data
        except OSError:
            pass
    head, _, body = answer.partition(b"\r\n\r\n")
    return int(head.split()[1]), sent, body.decode(errors="replace")


def test_a_chunked_body_over_the_limit_is_a_413_at_the_limit(site: Site) -> None:
    server = BoundedServer(site.app, 2)
    try:
        status, sent, body = _chunked(server.url, "/api/v1/tokens", "application/json", 50 * 1024 * 1024)
        assert status == 413 and "1 Mo" in body
        status, _, body = _chunked(server.url, "/api/v1/dossiers/1/documents",
                                   "multipart/form-data; boundary=xyz", 50 * 1024 * 1024)
        assert status == 413 and "30 Mo" in body, body[:300]
    finally:
        server.stop()


def test_filing_is_all_or_nothing(site: Site) -> None:
    from web.bootstrap import get_engine
    [dossier_id] = drafts(site, 1)
    engine = get_engine(site.app)
    real = engine.start_in

    def failing(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202 - the procedure cannot start
        real(*args, **kwargs)
        raise Unavailable("the connection was lost while saving", reason="unreachable")
    engine.start_in = failing  # type: ignore[method-assign]
    r = site.app.test_client().post(f"/api/v1/dossiers/{dossier_id}/submit", headers=site.token(CITIZEN))
    del engine.start_in
    assert r.status_code == 503 and r.headers["Retry-After"] and not SQL_TRACES.search(r.get_data(as_text=True))
    with site.app.app_context():
        from web.extensions import db
        dossier = db.session.get(Dossier, dossier_id)
        assert (dossier.number, dossier.status, dossier.instance_id) == (None, "draft", None)
        assert db.session.scalars(select(StatusChange).where(StatusChange.dossier_id == dossier_id)).all() == []
    r = site.app.test_client().post(f"/api/v1/dossiers/{dossier_id}/submit", headers=site.token(CITIZEN))
    assert r.status_code == 200 and r.json["number"]
    again = site.app.test_client().post(f"/api/v1/dossiers/{dossier_id}/submit", headers=site.token(CITIZEN))
    assert again.status_code == 200 and again.json["number"] == r.json["number"]  # an answer lost, asked again
    assert orphans(site) == []


def test_repair_starts_a_dossier_numbered_without_its_procedure(site: Site) -> None:
    [dossier_id] = drafts(site, 1)
    with site.app.app_context():  # as the old two-transaction submit could leave one
        from web.extensions import db
        dossier = db.session.get(Dossier, dossier_id)
        from handlers.catalog_store import newest_id
        dossier.number, dossier.status, dossier.catalog_id = "PC-OLD-1", "deposited", newest_id(db.session())
        db.session.commit()
    assert orphans(site) == [dossier_id]
    result = site.app.test_cli_runner().invoke(args=["dossiers", "repair"])
    assert result.exit_code == 0 and "PC-OLD-1" in result.output and "1 dossier(s) repaired" in result.output
    assert orphans(site) == []
    with site.app.app_context():
        from web.extensions import db
        assert db.session.get(Dossier, dossier_id).instance_id is not None
    assert "0 dossier(s) repaired" in site.app.test_cli_runner().invoke(args=["dossiers", "repair"]).output


def test_a_database_failure_under_a_step_is_not_an_incident(engine, sessions, faults) -> None:  # noqa: ANN001
    iid = engine.start("approval", {"applicant_id": APPLICANT.user_id}, APPLICANT, scope="casa")
    [review] = ready_tasks(sessions, iid)
    faults["test.notify"] = sa.exc.OperationalError("SELECT secret FROM t WHERE p = %(p)s", {"p": "hidden"},
                                                    Exception("server closed the connection unexpectedly"))
    with pytest.raises(Unavailable) as failed:
        engine.complete(review.id, {"complete": True}, AGENT_ACTOR)
    assert "secret" not in str(failed.value) and "hidden" not in str(failed.value)
    faults["test.notify"] = RuntimeError("a real bug in the handler")
    with pytest.raises(StepFailed):
        engine.complete(review.id, {"complete": True}, AGENT_ACTOR)
    with sessions() as s:
        errors = list(s.scalars(select(OutboxMessage.last_error).where(OutboxMessage.kind == "incident")))
    assert len(errors) == 1 and "real bug" in errors[0]


def test_a_notification_resent_after_a_crash_keeps_its_message_id(site: Site, sink: Sink) -> None:  # noqa: F811
    from handlers.channels import SmtpChannel
    from tests.filing import file_complete
    from web.bootstrap import get_engine
    channel = SmtpChannel("127.0.0.1", sink.port, "guichet@commune.ma")

    class CrashAfterSending:
        """The relay took the message, then the worker died before recording it."""

        def new_reference(self) -> str:
            return channel.new_reference()

        def send(self, **kwargs: str) -> str:
            channel.send(**kwargs)
            raise ConnectionResetError("worker killed")
    ports = site.app.extensions["guichet.ports"]
    ports.channels["email"] = CrashAfterSending()
    engine = get_engine(site.app)
    with site.app.app_context():
        from handlers.accounts import actor_for, find_by_email
        from web.extensions import db
        engine.dispatcher = lambda ids: None  # jobs run by hand below
        file_complete(engine, ports, actor_for(find_by_email(db.session(), CITIZEN)), "permis_construire", SMALL)
        db.session.rollback()  # a snapshot taken before the filing would not see its jobs
        jobs = db.session.scalars(select(OutboxMessage.id).where(OutboxMessage.kind == "notification")).all()
        assert jobs
        for job in jobs:
            assert engine.run_outbox_message(job) == "pending"
        first = {m["To"]: m["Message-ID"] for m in sink.messages}
        ports.channels["email"] = channel  # the retry
        for job in jobs:
            assert engine.run_outbox_message(job) == "done"
            assert engine.run_outbox_message(job) == "done"  # a redelivery sends nothing
        assert len(sink.messages) == 2 * len(jobs) == 2 * len(first)
        assert {m["To"]: m["Message-ID"] for m in sink.messages[len(first):]} == first
        db.session.rollback()
        notes = db.session.scalars(select(Notification).where(Notification.channel == "email")).all()
        assert sorted(n.reference for n in notes) == sorted(first.values())
        assert all(n.attempted_at and n.sent_at for n in notes)
    time.sleep(0)  # keep the sink fixture alive until here
