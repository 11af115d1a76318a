"""The cockpit on seeded dossiers: its per-element figures equal what the database holds,
an element lists its dossiers, a dossier shows its path, audit trail and incidents (retry)."""
from __future__ import annotations

import html as entities
import json
import re
import statistics
from datetime import timedelta
from typing import Any

from sqlalchemy import select

from engine import outbox
from engine.clock import utcnow
from engine.jobs import run
from engine.models import AuditEvent, HumanTask, OutboxMessage, ProcessDefinition, ProcessInstance
from handlers.accounts import actor_for
from handlers.dossier_models import Dossier
from handlers.models import User
from tests.conftest import Site
from tests.filing import file_complete

ANALYST = "analyste@guichet.demo"
AGENT = "guichet@casablanca.demo"
FIELDS = {"parcelle": "TF 1/C", "usage": "habitation_individuelle", "surface": 120, "niveaux": 2}


def seed(site: Site) -> dict[str, Any]:
    """Five permits: two filed 40 days ago (past their deadline), three today, one of which
    the agent found complete (so it went on to the commission)."""
    from web.bootstrap import get_engine
    from web.extensions import db
    app = site.app
    engine, ports = get_engine(app), app.extensions["guichet.ports"]
    with app.app_context():
        citizen = actor_for(db.session.scalar(select(User).where(User.email == "citoyen@guichet.demo")))
        db.session.remove()
        real = engine.clock
        engine.clock = lambda: real() - timedelta(days=40)
        try:
            old = [file_complete(engine, ports, citizen, "permis_construire", FIELDS) for _ in range(2)]
        finally:
            engine.clock = real
        new = [file_complete(engine, ports, citizen, "permis_construire", FIELDS) for _ in range(3)]
    with app.app_context():
        agent = actor_for(db.session.scalar(select(User).where(User.email == AGENT)))
        instance = db.session.get(Dossier, new[0]).instance_id
        task = db.session.scalar(select(HumanTask.id).where(HumanTask.instance_id == instance,
                                                            HumanTask.state == "READY"))
        db.session.remove()
        engine.complete(task, {"complete": True}, agent)
    return {"old": old, "new": new}


def expected(site: Site, key: str) -> tuple[ProcessDefinition, dict[str, dict[str, Any]]]:
    """Per element, straight from the rows (computed here in Python, not by the cockpit)."""
    from web.extensions import db
    with site.app.app_context():
        definition = db.session.scalar(select(ProcessDefinition).where(ProcessDefinition.process_key == key)
                                       .order_by(ProcessDefinition.version.desc()))
        rows = db.session.execute(select(HumanTask).join(ProcessInstance, ProcessInstance.id == HumanTask.instance_id)
                                  .where(ProcessInstance.definition_id == definition.id)).scalars().all()
        db.session.expunge_all()
    now = utcnow()
    out: dict[str, dict[str, Any]] = {}
    for element in {r.bpmn_id for r in rows}:
        mine = [r for r in rows if r.bpmn_id == element]
        ready = [r for r in mine if r.state == "READY"]
        done = [(r.completed_at - r.created_at).total_seconds() for r in mine if r.state == "COMPLETED"]
        out[element] = {"waiting": len({r.instance_id for r in ready}),
                        "overdue": len({r.instance_id for r in ready if r.due_at and r.due_at < now}),
                        "done": len(done), "median": statistics.median(done) if done else None}
    return definition, out


def data_block(page: str) -> dict[str, Any]:
    raw = re.search(r'<script type="application/json" id="cockpit-data">(.*?)</script>', page, re.S).group(1)
    return json.loads(raw)


def table(page: str) -> dict[str, list[str]]:
    body = page.split('class="cockpit-stats"', 1)[1].split("</tbody>", 1)[0]
    out = {}
    for element, row in re.findall(r'<tr data-element="([^"]+)">(.*?)</tr>', body, re.S):
        out[element] = [entities.unescape(re.sub(r"<[^>]+>", "", c)).strip()
                        for c in re.findall(r"<td>(.*?)</td>", row, re.S)][1:]
    return out


def test_cockpit_counts_equal_the_database(site: Site) -> None:
    seeded = seed(site)
    definition, truth = expected(site, "guu_autorisation")
    assert truth["rc_check"]["waiting"] == 4 and truth["rc_check"]["overdue"] == 2  # the seed did what it says
    assert truth["rc_check"]["done"] == 1
    analyst = site.client(ANALYST)
    page = analyst.get("/studio/cockpit/guu_autorisation").get_data(as_text=True)
    stats = data_block(page)["stats"]
    rows = table(page)
    for element, want in truth.items():
        got = stats[element]
        assert (got["waiting"], got["overdue"]) == (want["waiting"], want["overdue"]), element
        if want["median"] is None:
            assert got["median"] is None, element
        else:
            assert abs(got["median"] - want["median"]) < 1.0, element  # seconds
        assert rows[element][:3] == [str(want["waiting"]), str(want["overdue"]), str(want["done"])], element
    # the call activity that holds the check shows what waits inside it
    assert stats["ga_recv"]["waiting"] == truth["rc_check"]["waiting"] + truth.get("rc_complete", {}).get("waiting", 0)
    assert 'id="cockpit-canvas"' in page and "bpmn-navigated-viewer.production.min.js" in page
    assert "<bpmn:definitions" in data_block(page)["xml"] or "definitions" in data_block(page)["xml"]

    # an element's dossiers: the four waiting at the completeness check, numbers shown
    listing = analyst.get("/studio/cockpit/guu_autorisation?element=rc_check").get_data(as_text=True)
    from web.extensions import db
    with site.app.app_context():
        numbers = {d.number for d in db.session.scalars(select(Dossier).where(Dossier.id.in_(
            seeded["old"] + seeded["new"][1:])))}
        moved = db.session.get(Dossier, seeded["new"][0]).number
    waiting_part = listing.split('class="cockpit-waiting"', 1)[1].split("</table>", 1)[0]
    assert all(n in waiting_part for n in numbers) and moved not in waiting_part
    assert waiting_part.count('class="overdue"') == 2
    versions = analyst.get("/studio/cockpit").get_data(as_text=True)
    assert "guu_autorisation" in versions and f"v{definition.version}</a> : 5 / 0" in versions


def test_dossier_view_path_audit_and_incident_retry(site: Site) -> None:
    seeded = seed(site)
    from web.bootstrap import get_engine
    from web.extensions import db
    with site.app.app_context():
        instance = db.session.get(Dossier, seeded["new"][0]).instance_id
        audit_count = db.session.scalar(select(AuditEvent.seq).where(AuditEvent.instance_id == instance)
                                        .order_by(AuditEvent.seq.desc()).limit(1))
        db.session.remove()
    engine = get_engine(site.app)
    # a job that keeps failing (no handler for its kind) becomes an incident, as in production
    with site.app.app_context():
        with engine.transaction() as s:
            job = outbox.enqueue(s, "unknown.kind", ref="x", instance_id=instance, now=engine.clock())
            broken = outbox.record_incident(s, instance, "cm_opinion: HandlerFailed: boom", engine.clock())
        for _ in range(outbox.MAX_ATTEMPTS):
            run(engine, job)
    analyst = site.client(ANALYST)
    page = analyst.get(f"/studio/cockpit/instances/{instance}").get_data(as_text=True)
    data = data_block(page)
    assert "rc_check" in data["completed"] and "ga_receipt" in data["completed"]
    assert data["current"] and "rc_check" not in data["current"]
    assert "cm_opinion" in data["failed"]
    audit_part = page.split('class="cockpit-audit"', 1)[1]
    assert audit_part.count("<tr>") - 1 == audit_count  # header row + one per link
    assert f'/studio/cockpit/jobs/{job}/retry' in page and f'/studio/cockpit/jobs/{broken}/retry' not in page

    response = analyst.post(f"/studio/cockpit/jobs/{job}/retry")
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/studio/cockpit/instances/{instance}")
    with site.app.app_context():
        retried = db.session.get(OutboxMessage, job)
        assert retried.status == "pending" and retried.attempts == 1  # ran again at once, failed once more
    assert analyst.post(f"/studio/cockpit/jobs/{broken}/retry").status_code == 409
    # stats count the incident at its element
    stats = data_block(analyst.get("/studio/cockpit/guu_autorisation").get_data(as_text=True))["stats"]
    assert stats["cm_opinion"]["incidents"] == 1 and stats["ga_exam"]["incidents"] == 1


def test_cockpit_is_for_analysts_only(site: Site) -> None:
    for email in (None, AGENT, "admin@guichet.demo"):
        client = site.client(email) if email else site.client()
        response = client.get("/studio/cockpit/guu_autorisation")
        assert response.status_code in (302, 404), email
    analyst = site.client(ANALYST)
    assert analyst.get("/studio/cockpit/nope").status_code == 404
    assert analyst.get("/studio/cockpit/guu_autorisation?version=99").status_code == 404
    assert analyst.get("/studio/cockpit/instances/99999999999").status_code == 404
