"""Filing a complete dossier through the domain functions (draft, every checklist PDF, submit)."""
from __future__ import annotations

from typing import Any

from engine import Actor, Engine
from handlers import dossiers
from handlers.ports import Ports
from tests.pdfs import tiny_pdf


def file_complete(engine: Engine, ports: Ports, applicant: Actor, procedure: str, fields: dict[str, Any],
                  commune: str = "casablanca", skip: tuple[str, ...] = ()) -> int:
    """Create a draft with every checklist document (but ``skip``), submit it, return its id."""
    with engine.transaction() as s:
        d = dossiers.create_draft(s, ports, procedure=procedure, commune=commune, applicant=applicant,
                                  fields=fields, now=engine.clock())
        for item in ports.catalog(s).procedure(procedure).checklist:
            if item.kind not in skip:
                dossiers.add_document(s, ports, d, kind=item.kind, filename=f"{item.kind}.pdf",
                                      content=tiny_pdf(item.kind), by=applicant, now=engine.clock())
        dossier_id = d.id
    dossiers.submit(engine, ports, dossier_id, applicant)
    return dossier_id
