"""Demo data for the visio room: two permis de construire filed by the demo citizen, found
admissible by the guichet agent, on a session of the Casablanca petits projets commission
the agent scheduled for the next working day — so ``make run`` shows a room at once."""
from __future__ import annotations

import io
from datetime import datetime, timedelta
from typing import Any

from reportlab.lib.pagesizes import A3, landscape
from reportlab.pdfgen.canvas import Canvas
from sqlalchemy import select

from engine import Engine, NotFound
from engine.definitions import latest_id
from engine.models import HumanTask

from .. import dossiers
from ..accounts import actor_for, find_by_email
from ..dossier_models import CommissionSession, Dossier
from ..models import Commission
from ..ports import Ports
from . import sessions

FILINGS: list[dict[str, Any]] = [{"parcelle": "TF 12345/C", "usage": "habitation_individuelle", "surface": 180, "niveaux": 2},
           {"parcelle": "TF 67890/C", "usage": "habitation_individuelle", "surface": 240, "niveaux": 3}]


def plan_pdf(title: str, parcel: str) -> bytes:
    """A simple one-page A3 site plan: the parcel, the building footprint, the street."""
    buffer = io.BytesIO()
    width, height = landscape(A3)
    c = Canvas(buffer, pagesize=(width, height), invariant=1)
    c.setTitle(title)
    c.setLineWidth(2)
    c.rect(150, 150, 700, 450)  # the parcel
    c.setFillColorRGB(0.85, 0.88, 0.92)
    c.rect(300, 260, 380, 240, fill=1)  # the building
    c.setFillColorRGB(0, 0, 0)
    c.setDash(8, 6)
    c.line(100, 120, width - 100, 120)  # the street alignment
    c.setDash()
    c.setFont("Helvetica-Bold", 22)
    c.drawString(150, height - 90, f"{title} — {parcel}")
    c.setFont("Helvetica", 13)
    c.drawString(150, 95, "Voie publique (alignement)")
    c.drawString(310, 480, "Construction projetée R+1")
    c.drawString(150, height - 120, "Échelle 1/200 — document de démonstration")
    c.showPage()
    c.save()
    return buffer.getvalue()


def _file(engine: Engine, ports: Ports, fields: dict[str, Any], citizen: object, agent: object) -> int:
    now = engine.clock()
    with engine.transaction() as s:
        draft = dossiers.create_draft(s, ports, procedure="permis_construire", commune="casablanca",
                                      applicant=citizen, fields=fields, now=now)  # type: ignore[arg-type]
        for item in ports.catalog(s).procedure("permis_construire").checklist:
            dossiers.add_document(s, ports, draft, kind=item.kind, filename=f"{item.kind}.pdf",
                                  content=plan_pdf(item.fr, fields["parcelle"]), by=citizen, now=now)  # type: ignore[arg-type]
        dossier_id = draft.id
    dossiers.submit(engine, ports, dossier_id, citizen)  # type: ignore[arg-type]
    with engine.transaction(write=False) as s:
        instance = s.get_one(Dossier, dossier_id).instance_id
        check = s.scalar(select(HumanTask.id).where(HumanTask.instance_id == instance, HumanTask.state == "READY",
                                                    HumanTask.role == "guichet_agent"))
    if check is not None:
        engine.complete(check, {"complete": True}, agent)  # type: ignore[arg-type]
    return dossier_id


def seed(engine: Engine, ports: Ports, now: datetime) -> int | None:
    """The demo session's id (made once; None when the procedures are not deployed yet)."""
    with engine.transaction() as s:
        try:
            latest_id(s, ports.catalog(s).procedure("permis_construire").process)
        except (NotFound, KeyError):
            return None
        commission = s.scalar(select(Commission).where(Commission.commune_code == "casablanca",
                                                       Commission.kind == "petits_projets"))
        citizen_user, agent_user = find_by_email(s, "citoyen@guichet.demo"), find_by_email(s, "guichet@casablanca.demo")
        if commission is None or citizen_user is None or agent_user is None:
            return None
        existing = s.scalar(select(CommissionSession.id).where(CommissionSession.commission_id == commission.id,
                                                               CommissionSession.scheduled_by.isnot(None)))
        if existing is not None:
            return int(existing)
        commission_id, citizen, agent = commission.id, actor_for(citizen_user), actor_for(agent_user)
    filed = [_file(engine, ports, fields, citizen, agent) for fields in FILINGS]
    day = (now + timedelta(days=1)).date()
    while day.weekday() >= 5:
        day += timedelta(days=1)
    with engine.transaction() as s:
        made = sessions.schedule(s, ports, agent, commission_id=commission_id, day=day, time="10:00",
                                 dossier_ids=filed, now=now)
        return made.id
