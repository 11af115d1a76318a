"""Repair: start the procedure of any submitted dossier left without one.

Filing is one transaction now (:func:`handlers.dossiers.submit`), so no new dossier can be
numbered without its procedure; dossiers filed before that (the number used to commit
first) are started here — by ``guichet dossiers repair`` and by every periodic round.
"""
from __future__ import annotations

import logging

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine import Actor, Engine, EngineError

from .dossier_models import Dossier
from .dossiers import start_procedure
from .ports import Ports

log = logging.getLogger(__name__)


def unstarted(session: Session, limit: int = 100) -> list[int]:
    """Submitted dossiers (they have a number) whose procedure never started."""
    return list(session.scalars(select(Dossier.id).where(Dossier.number.is_not(None), Dossier.instance_id.is_(None))
                                .order_by(Dossier.id).limit(limit)))


def repair(engine: Engine, ports: Ports, limit: int = 100) -> list[str]:
    """Start each unstarted dossier's procedure, one transaction each, under the dossier's
    lock (a node repairing at the same time finds it started); returns their numbers."""
    with engine.transaction(write=False) as session:
        ids = unstarted(session, limit)
    started = []
    for dossier_id in ids:
        try:
            with engine.transaction() as session:
                dossier = session.get(Dossier, dossier_id, with_for_update=True)
                if dossier is None or dossier.instance_id is not None or dossier.number is None:
                    continue
                start_procedure(engine, session, ports, dossier, Actor(dossier.applicant_id, frozenset({"applicant"})))
                started.append(dossier.number)
        except EngineError as exc:  # logged; the next round tries again
            log.warning("dossier %s: its procedure could not be started: %s", dossier_id, exc)
    return started
