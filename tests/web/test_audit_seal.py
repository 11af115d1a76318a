"""Tamper evidence an insider with database rights cannot rewrite: chain heads are sealed in
checkpoints signed with a key the database does not hold, and stored files are re-hashed on
every download and by ``guichet audit verify``."""
from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa

from engine.models import AuditCheckpoint, AuditEvent, ProcessInstance
from tests.conftest import AGENT, APPLICANT, Site
from tests.tamper import as_dba


def _walked(engine, sessions) -> int:  # noqa: ANN001
    from tests.bpmn.helpers import ready_tasks
    iid = engine.start("approval", {"applicant_id": APPLICANT.user_id}, APPLICANT, scope="casa")
    [review] = ready_tasks(sessions, iid)
    engine.complete(review.id, {"complete": True}, AGENT)
    return iid


def _seal(app) -> None:  # noqa: ANN001
    """The periodic round (the embedded ticker; beat runs the same ``seal``)."""
    from web.ticker import tick
    tick(app)


def _rehash(conn: sa.Connection, iid: int, *, from_seq: int) -> None:
    """What an insider does: recompute every link from ``from_seq`` on and the instance's head."""
    from engine.audit import _LINK_FIELDS, _link_hash
    events = conn.execute(sa.select(AuditEvent.__table__).where(AuditEvent.instance_id == iid)
                          .order_by(AuditEvent.seq)).mappings().all()
    prev = ""
    for ev in events:
        if ev["seq"] >= from_seq:
            fields = {k: ev[k] for k in _LINK_FIELDS}
            if fields["at"].tzinfo is None:
                fields["at"] = fields["at"].replace(tzinfo=UTC)
            new = _link_hash(prev, fields)
            conn.execute(sa.update(AuditEvent).where(AuditEvent.id == ev["id"]).values(prev_hash=prev, hash=new))
            prev = new
        else:
            prev = ev["hash"]
    conn.execute(sa.update(ProcessInstance).where(ProcessInstance.id == iid)
                 .values(audit_head=prev, audit_seq=len(events)))


def test_a_rewritten_and_rehashed_chain_is_detected(app, cli, engine, sessions, db_engine) -> None:  # noqa: ANN001
    from engine import audit
    iid = _walked(engine, sessions)
    _seal(app)
    assert cli.invoke(args=["audit", "verify"]).exit_code == 0
    with db_engine.begin() as conn, as_dba(conn):
        conn.execute(sa.update(AuditEvent).where(AuditEvent.instance_id == iid, AuditEvent.seq == 2)
                     .values(actor="intruder"))
        _rehash(conn, iid, from_seq=2)
    with sessions() as s:
        assert audit.verify(s) == (1, [])  # the chain alone is consistent again…
    bad = cli.invoke(args=["audit", "verify"])  # …the signed checkpoint is not fooled
    assert bad.exit_code == 1
    assert f"BROKEN instance {iid}, event #" in bad.output and "history was rewritten" in bad.output


def test_a_deleted_last_link_with_a_rewound_seq_is_detected(app, cli, engine, sessions, db_engine) -> None:  # noqa: ANN001
    iid = _walked(engine, sessions)
    _seal(app)
    with db_engine.begin() as conn, as_dba(conn):
        last = conn.scalar(sa.select(sa.func.max(AuditEvent.seq)).where(AuditEvent.instance_id == iid))
        conn.execute(sa.delete(AuditEvent).where(AuditEvent.instance_id == iid, AuditEvent.seq == last))
        _rehash(conn, iid, from_seq=last)  # audit_seq and audit_head rewound to the new last link
        conn.execute(sa.delete(AuditCheckpoint))  # and the checkpoints in the database deleted too
    bad = cli.invoke(args=["audit", "verify"])
    assert bad.exit_code == 1, bad.output
    assert f"BROKEN instance {iid}, event #{last}" in bad.output and "truncated" in bad.output  # the mirror kept it


def test_a_checkpoint_forged_without_the_key_is_reported(app, cli, engine, sessions, db_engine) -> None:  # noqa: ANN001
    import json

    from engine.checkpoints import CheckpointKey
    iid = _walked(engine, sessions)
    with sessions() as s:
        head = s.get(ProcessInstance, iid)
        payload = json.dumps({"at": "2026-01-01T00:00:00+00:00", "reason": "schedule", "key": "x",
                              "entries": [[iid, head.audit_seq, head.audit_head]]}, separators=(",", ":"))
    wrong = CheckpointKey(b"not the key" * 3)
    with sessions.begin() as s:
        s.add(AuditCheckpoint(at=datetime.now(UTC), reason="schedule", payload=payload, key_id=wrong.key_id,
                              signature=wrong.sign(payload)))
    bad = cli.invoke(args=["audit", "verify"])
    assert bad.exit_code == 1 and "signature does not verify (forged" in bad.output


def test_a_decision_seals_its_dossier_and_an_altered_file_is_refused(site: Site) -> None:
    from handlers.dossier_models import DocumentVersion
    from tests.web.test_portal import CITIZEN, file_dossier, test_whole_journey_through_pages
    from web.extensions import db
    test_whole_journey_through_pages(site)
    with site.app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).where(AuditCheckpoint.reason == "decision")) >= 1
    dossier_id, client = file_dossier(site)
    with site.app.app_context():
        doc = db.session.scalars(sa.select(DocumentVersion).where(DocumentVersion.dossier_id == dossier_id)).first()
        path = site.app.extensions["guichet.ports"].files.path(doc.sha256)
        db.session.remove()
    assert client.get(f"/dossiers/{dossier_id}/documents/{doc.id}").status_code == 200
    path.write_bytes(path.read_bytes().replace(b"%%EOF", b"%%EOF\n% altered"))
    refused = site.client(CITIZEN).get(f"/dossiers/{dossier_id}/documents/{doc.id}")
    assert refused.status_code == 500 and "empreinte" in refused.get_data(as_text=True)
    with site.app.app_context():
        from engine.models import OutboxMessage
        incident = db.session.scalars(sa.select(OutboxMessage).where(OutboxMessage.kind == "incident")).all()[-1]
        assert doc.sha256 in (incident.last_error or "")
        db.session.remove()
    out = site.app.test_cli_runner().invoke(args=["audit", "verify"])
    assert out.exit_code == 1 and f"BROKEN stored file {doc.sha256}: altered" in out.output



def test_checkpoints_carry_the_time_stamp_and_stand_without_one(engine, sessions, tmp_path) -> None:  # noqa: ANN001
    from engine import audit
    from engine.checkpoints import CheckpointKey, checkpoint
    key = CheckpointKey.load(tmp_path / "key", create=True)
    iid = _walked(engine, sessions)
    stamped: list[bytes] = []

    def tsa(data: bytes) -> bytes:
        stamped.append(data)
        return b"DER-TOKEN"
    with sessions.begin() as s:
        row = checkpoint(s, key, datetime.now(UTC), timestamper=tsa, mirror=tmp_path / "mirror")
        assert row is not None and row.tsa_token == b"DER-TOKEN" and stamped == [row.payload.encode()]
        assert checkpoint(s, key, datetime.now(UTC)) is None  # nothing moved since

    def down(data: bytes) -> bytes:
        raise OSError("TSA unreachable")
    with sessions.begin() as s:
        row = checkpoint(s, key, datetime.now(UTC), instance_ids=[iid], timestamper=down)
        assert row is not None and row.tsa_token is None  # signed all the same
    with sessions() as s:
        assert audit.verify(s, key=key, mirror=tmp_path / "mirror") == (1, [])
    assert (tmp_path / "key").stat().st_mode & 0o777 == 0o600


def test_without_a_readable_key_dossiers_move_and_verify_says_so(app, cli, engine, sessions, tmp_path) -> None:  # noqa: ANN001
    from web.bootstrap import build_ports
    app.config["GUICHET_AUDIT_KEY"] = str(tmp_path / "gone")
    app.extensions["guichet.ports"] = build_ports(app)
    _walked(engine, sessions)
    _seal(app)  # the round goes on without writing a checkpoint
    with sessions() as s:
        assert s.scalar(sa.select(sa.func.count()).select_from(AuditCheckpoint)) == 0
    out = cli.invoke(args=["audit", "verify"])
    assert out.exit_code == 1 and "no readable audit key" in out.output
