"""A visio-commission ready to meet, for the browser scenario: the real application on a
fresh SQLite database (shipped procedures, demo accounts, a DEMO PKI made here), one
building permit filed with a drawn plan and waiting for the commission, a session of that
commission scheduled for today with the permit on its agenda — served over HTTP and
websockets by a real threaded server on 127.0.0.1."""
from __future__ import annotations

import io
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from flask import Flask
from werkzeug.serving import make_server

PROCESSES = Path(__file__).resolve().parents[2] / "processes"
PASSWORD = "demo-password-123"
AGENT = "guichet@casablanca.demo"
MEMBERS = ("agence-urbaine@casablanca.demo", "urbanisme@casablanca.demo")
OTHER_COMMISSION_MEMBER = "economie@casablanca.demo"  # sits on the economic commission only
OUTSIDER = "citoyen@guichet.demo"
FIELDS = {"usage": "habitation_individuelle", "surface": 180, "niveaux": 2, "parcelle": "TF 12345/C"}


@dataclass
class Meeting:
    """What the scenario needs to know about the prepared room."""

    app: Flask
    database_url: str
    session_id: int
    dossier_id: int
    commission: str


def plan_pdf() -> bytes:
    """A two-page architect's plan (ground floor, first floor) drawn with reportlab."""
    from reportlab.lib.pagesizes import A4, landscape
    from reportlab.pdfgen import canvas
    out = io.BytesIO()
    width, height = landscape(A4)
    pdf = canvas.Canvas(out, pagesize=(width, height))
    for floor, title in enumerate(("Plan du rez-de-chaussée", "Plan de l'étage")):
        pdf.setLineWidth(4)
        pdf.rect(80, 80, width - 160, height - 180)
        pdf.setLineWidth(2)
        pdf.line(80 + (width - 160) * 0.45, 80, 80 + (width - 160) * 0.45, height - 100)
        pdf.line(80, 80 + (height - 180) * 0.5, 80 + (width - 160) * 0.45, 80 + (height - 180) * 0.5)
        pdf.setFont("Helvetica-Bold", 18)
        pdf.drawString(80, height - 60, f"{title} — villa TF 12345/C")
        pdf.setFont("Helvetica", 12)
        rooms = ["Séjour 32 m²", "Cuisine 12 m²", "Chambre 1 14 m²"] if floor == 0 else \
            ["Chambre 2 15 m²", "Chambre 3 13 m²", "Terrasse 20 m²"]
        for (x, y), name in zip(((520, 300), (180, 170), (180, 390)), rooms, strict=True):
            pdf.drawString(x, y, name)
        pdf.drawString(width - 260, 95, "Échelle 1/100 — Arch. L. Chraibi")
        pdf.showPage()
    pdf.save()
    return out.getvalue()


def prepare(workdir: Path) -> Meeting:
    """The database, the application and the meeting; nothing is served yet."""
    from engine import Base, compile_sources
    from engine.clock import utcnow
    from engine.compiler import Rules
    from engine.definitions import deploy
    from engine.sources import read_directory
    from handlers import demo, dossiers
    from handlers.accounts import actor_for, find_by_email
    from handlers.dossier_models import AgendaItem, CommissionSession, Dossier
    from handlers.models import Commission
    from handlers.registry import build_registry
    from handlers.roles import lane_roles
    from handlers.visio import sessions
    from signing import demo_pki
    from tests.conftest import deploy_catalog
    from tests.pdfs import tiny_pdf
    from web import create_app
    from web.bootstrap import get_engine

    url = f"sqlite:///{workdir / 'guichet.sqlite'}"
    engine_sa = sa.create_engine(url)
    Base.metadata.create_all(engine_sa)
    engine_sa.dispose()
    pki = demo_pki.create(workdir / "pki", "demo-pass")
    app = create_app({
        "SQLALCHEMY_DATABASE_URI": url, "TESTING": True, "WTF_CSRF_ENABLED": True, "SECRET_KEY": "visio-test",
        "GUICHET_PROCESSES_DIR": str(PROCESSES), "GUICHET_STORAGE_DIR": str(workdir / "files"),
        "GUICHET_BASE_URL": "http://127.0.0.1", "GUICHET_SIGNING_P12": str(pki.president_pkcs12),
        "GUICHET_SIGNING_PASSPHRASE": "demo-pass", "GUICHET_SIGNING_TRUST": str(pki.ca_certificate),
        "GUICHET_ICE_SERVERS": []})
    app.instance_path = str(workdir / "instance")
    Path(app.instance_path).mkdir(exist_ok=True)
    with app.app_context():
        engine = get_engine(app)
        ports = app.extensions["guichet.ports"]
        compiled = compile_sources(*read_directory(PROCESSES),
                                   Rules(operators=set(build_registry(ports)), lane_roles=lane_roles()))
        assert compiled.ok, compiled.problems
        with engine.transaction() as s:
            deploy(s, compiled.processes, by="visio-scenario", comment=None, now=utcnow())
            deploy_catalog(s, utcnow())
            demo.seed(s, PASSWORD, utcnow())
        with engine.transaction() as s:
            citizen = actor_for(find_by_email(s, OUTSIDER))
            agent = actor_for(find_by_email(s, AGENT))
            draft = dossiers.create_draft(s, ports, procedure="permis_construire", commune="casablanca",
                                          applicant=citizen, fields=FIELDS, now=engine.clock())
            for item in ports.catalog(s).procedure("permis_construire").checklist:
                content = plan_pdf() if item.kind == "plans_architecte" else tiny_pdf(item.kind)
                dossiers.add_document(s, ports, draft, kind=item.kind, filename=f"{item.kind}.pdf", content=content,
                                      by=citizen, now=engine.clock())
            dossier_id = draft.id
        dossiers.submit(engine, ports, dossier_id, citizen)
        engine.complete(_ready_task(engine, dossier_id, "rc_check").id, {"complete": True}, agent)
        with engine.transaction() as s:
            dossier = s.get_one(Dossier, dossier_id)
            # the procedure convened the commission (an unscheduled sitting): the agent schedules it
            convened = s.scalars(sa.select(CommissionSession).join(AgendaItem, AgendaItem.session_id == CommissionSession.id)
                                 .where(AgendaItem.dossier_id == dossier.id)).one()
            commission = s.get_one(Commission, convened.commission_id)
            sitting = sessions.schedule(s, ports, agent, commission_id=commission.id, day=engine.clock().date(),
                                        time="10:00", dossier_ids=[dossier_id], now=engine.clock())
            session_id, name = sitting.id, commission.name_fr
    return Meeting(app, url, session_id, dossier_id, name)


def _ready_task(engine: Any, dossier_id: int, bpmn_id: str) -> Any:
    from engine.models import HumanTask
    from handlers.dossier_models import Dossier
    with engine.transaction() as s:
        instance_id = s.get_one(Dossier, dossier_id).instance_id
        return s.scalars(sa.select(HumanTask).where(HumanTask.instance_id == instance_id, HumanTask.bpmn_id == bpmn_id,
                                                    HumanTask.state == "READY")).one()


@contextmanager
def serving(app: Flask, port: int = 0) -> Iterator[str]:
    """Serves ``app`` (HTTP and the Socket.IO websockets) on 127.0.0.1; yields its base URL."""
    server = make_server("127.0.0.1", port, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="guichet-visio", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)
