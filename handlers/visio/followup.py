"""After a session: what is missing on each dossier and what the secretary may do about it —
relaunch the members whose opinion is missing, or adjourn the dossier to the commission's
next session (its open opinion tasks are then given there)."""
from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine import Actor, Engine, NotFound

from .. import notify
from ..common import Refusal
from ..dossier_models import CommissionSession, Dossier
from ..models import User
from ..ports import Ports
from ..queries import MAX_ID
from . import access, dossier, sessions

RELAUNCH, ADJOURN = "relaunch", "adjourn"


def next_session(session: Session, sitting: CommissionSession) -> CommissionSession | None:
    """The commission's next open session after this one (by date, then time)."""
    return session.scalar(select(CommissionSession).where(
        CommissionSession.commission_id == sitting.commission_id, CommissionSession.status == "scheduled",
        CommissionSession.id != sitting.id, CommissionSession.session_date >= sitting.session_date)
        .order_by(CommissionSession.session_date, CommissionSession.start_time, CommissionSession.id).limit(1))


def steps(session: Session, seat: access.Seat, target: Dossier, given: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The allowed next steps on a dossier of the agenda: none while every opinion is in."""
    missing = [o for o in given if o["state"] == "open"]
    if not missing or dossier.current_session_id(session, target.id) != seat.session.id:
        return []
    out: list[dict[str, Any]] = [{"action": RELAUNCH, "members": [o["member_id"] for o in missing]}]
    following = next_session(session, seat.session)
    out.append({"action": ADJOURN, "session_id": following.id if following else None,
                "date": following.session_date.isoformat() if following else None})
    return out


def act(engine: Engine, ports: Ports, actor: Actor, session_id: int, dossier_id: int, action: str) -> dict[str, Any]:
    """Do one of :func:`steps`' actions (secretary only); what was done."""
    now = engine.clock()
    with engine.transaction() as session:
        seat = access.secretary(session, actor, session_id)
        if not 0 < dossier_id <= MAX_ID or not access.on_agenda(session, seat.session, dossier_id):
            raise NotFound(f"dossier {dossier_id} is not on this session's agenda")
        target = session.get_one(Dossier, dossier_id)
        allowed = {s["action"]: s for s in steps(session, seat, target, dossier.opinions(session, seat.session,
                                                                                           target))}
        if action not in allowed:
            raise Refusal("Cette suite n'est pas possible pour ce dossier : tous les avis sont donnés, ou il est "
                          "inscrit à une autre séance.",
                          "هذا الإجراء غير ممكن لهذا الملف: كل الآراء مقدمة، أو هو مدرج في جلسة أخرى.", status=409)
        if action == RELAUNCH:
            rows = []
            for member in allowed[RELAUNCH]["members"]:
                user = session.get_one(User, member)
                rows.append(notify.message(session, ports, target, user.id, user.locale or "fr", "task_arrived",
                                           {"task": "Donner l'avis de l'organisme" if user.locale != "ar"
                                            else "إبداء رأي الهيئة"}, now))
            notify.insert_messages(session, ports, rows, now)
            return {"action": RELAUNCH, "notified": allowed[RELAUNCH]["members"]}
        following = session.get(CommissionSession, allowed[ADJOURN]["session_id"] or 0)
        if following is None:
            raise Refusal("Aucune séance suivante n'est programmée : programmez-la d'abord.",
                          "لا توجد جلسة موالية مبرمجة: برمجها أولا.", status=409)
        sessions.add_to_agenda(session, actor, following, target.id)
        return {"action": ADJOURN, "session_id": following.id}
