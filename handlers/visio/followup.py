"""After a session: what is missing on each dossier and what the secretary may do about it —
relaunch the members whose opinion is missing, adjourn the dossier to the commission's
next session (its open opinion tasks are then given there), or proceed without the missing
opinions when none of them is binding for this dossier (what the procedure's table
``avis_conformes`` answered): the procedure then goes on (shared.bpmn, ``cm_without_missing``)."""
from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine import Actor, Engine, NotFound
from engine import reads as engine_reads
from engine.models import ProcessInstance

from .. import notify
from ..common import Refusal
from ..dossier_models import CommissionSession, Dossier
from ..models import CommissionMember, User
from ..ports import Ports
from ..queries import MAX_ID
from . import access, dossier, sessions
from .unexpressed import MESSAGE, PAYLOAD

RELAUNCH, ADJOURN, PROCEED = "relaunch", "adjourn", "proceed"


def next_session(session: Session, sitting: CommissionSession) -> CommissionSession | None:
    """The commission's next open session after this one (by date, then time)."""
    return session.scalar(select(CommissionSession).where(
        CommissionSession.commission_id == sitting.commission_id, CommissionSession.status == "scheduled",
        CommissionSession.id != sitting.id, CommissionSession.session_date >= sitting.session_date)
        .order_by(CommissionSession.session_date, CommissionSession.start_time, CommissionSession.id).limit(1))


def steps(session: Session, seat: access.Seat, target: Dossier, given: list[dict[str, Any]],
          engine: Engine | None = None) -> list[dict[str, Any]]:
    """The allowed next steps on a dossier of the agenda: none while every opinion is in.
    Proceeding without the missing opinions once the session is closed, when the table of
    binding opinions says none of them binds (read with the ``engine``; unknown: not offered)."""
    missing = [o for o in given if o["state"] == "open"]
    if not missing or dossier.current_session_id(session, target.id) != seat.session.id:
        return []
    # reminded: who holds each missing opinion's task now (an administrator may have handed it over)
    out: list[dict[str, Any]] = [{"action": RELAUNCH, "members": [o["holder_id"] or o["member_id"] for o in missing]}]
    following = next_session(session, seat.session)
    out.append({"action": ADJOURN, "session_id": following.id if following else None,
                "date": following.session_date.isoformat() if following else None})
    if seat.session.status == "closed" and engine is not None and awaits_decision(engine, session, target, missing) \
            and binding_missing(engine, session, seat.session.commission_id, target, missing) == []:
        out.append({"action": PROCEED, "members": [o["member_id"] for o in missing]})
    return out


def awaits_decision(engine: Engine, session: Session, target: Dossier, missing: list[dict[str, Any]]) -> bool:
    """Whether the dossier's procedure can take the decision to proceed (a version deployed
    before it was modelled cannot: its opinion round has no such event)."""
    task = dossier.opinion_task(session, target, missing[0]["member_id"])
    return task is not None and MESSAGE in engine_reads.awaited_messages(engine, session, task.id)


def binding_missing(engine: Engine, session: Session, commission_id: int, target: Dossier,
                    missing: list[dict[str, Any]]) -> list[dict[str, Any]] | None:
    """The missing opinions that bind the decision on this dossier, as the procedure's table
    ``avis_conformes`` answered for this round; None when it cannot be read."""
    task = dossier.opinion_task(session, target, missing[0]["member_id"]) if missing else None
    decided = dossier.binding_organisms(engine, session, task)
    if decided is None:
        return None
    codes = {m.user_id: m.organism_code for m in session.scalars(select(CommissionMember).where(
        CommissionMember.commission_id == commission_id, CommissionMember.user_id.in_([o["member_id"] for o in missing])))}
    return [o for o in missing if codes.get(o["member_id"]) in decided]


def act(engine: Engine, ports: Ports, actor: Actor, session_id: int, dossier_id: int, action: str) -> dict[str, Any]:
    """Do one of :func:`steps`' actions (secretary only); what was done."""
    if action == PROCEED:
        with engine.transaction(write=False) as session:
            target, seat, allowed, given = _read(engine, session, actor, session_id, dossier_id)
            if PROCEED not in allowed:
                raise _no_proceeding(engine, session, seat, target, given)
            members = allowed[PROCEED]["members"]
            instance_id, payload, version = _delivery(engine, session, actor, target, members)
        # the reads are over: the engine takes the instance's lock in its own step (a step
        # committed since — an opinion given meanwhile — is a Conflict: reload and decide again)
        engine.deliver(instance_id, MESSAGE, payload, actor, expected_version=version)
        return {"action": PROCEED, "unexpressed": members}
    now = engine.clock()
    with engine.transaction() as session:
        target, seat, allowed, given = _read(engine, session, actor, session_id, dossier_id)
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


def _read(engine: Engine, session: Session, actor: Actor, session_id: int, dossier_id: int
          ) -> tuple[Dossier, access.Seat, dict[str, dict[str, Any]], list[dict[str, Any]]]:
    seat = access.secretary(session, actor, session_id)
    if not 0 < dossier_id <= MAX_ID or not access.on_agenda(session, seat.session, dossier_id):
        raise NotFound(f"dossier {dossier_id} is not on this session's agenda")
    target = session.get_one(Dossier, dossier_id)
    given = dossier.opinions(session, seat.session, target)
    return target, seat, {s["action"]: s for s in steps(session, seat, target, given, engine)}, given


def _no_proceeding(engine: Engine, session: Session, seat: access.Seat, target: Dossier,
                   given: list[dict[str, Any]]) -> Refusal:
    """Why the procedure cannot go on without the missing opinions (409)."""
    missing = [o for o in given if o["state"] == "open"]
    if not missing or dossier.current_session_id(session, target.id) != seat.session.id:
        return Refusal("Aucun avis ne manque sur ce dossier dans cette séance.",
                       "لا ينقص أي رأي في هذا الملف خلال هذه الجلسة.", status=409)
    if seat.session.status != "closed":
        return Refusal("Closez d'abord la séance : les membres peuvent encore y donner leur avis.",
                       "اختتم الجلسة أولا: لا يزال بإمكان الأعضاء إبداء آرائهم فيها.", status=409)
    if not awaits_decision(engine, session, target, missing):
        return Refusal("La procédure de ce dossier ne prévoit pas de poursuivre sans les avis manquants (version "
                       "antérieure) : relancez les membres ou reportez le dossier.",
                       "مسطرة هذا الملف لا تتيح المضي دون الآراء الناقصة (صيغة سابقة): ذكّر الأعضاء أو أجّل الملف.",
                       status=409)
    binding = binding_missing(engine, session, seat.session.commission_id, target, missing)
    if binding is None:
        return Refusal("Les avis conformes de ce dossier ne peuvent pas être lus : impossible de poursuivre sans "
                       "les avis manquants.", "تتعذر قراءة الآراء المطابقة لهذا الملف: لا يمكن المضي دون الآراء "
                       "الناقصة.", status=409)
    names_fr = ", ".join(f"{o['organism']} ({o['member']})" for o in binding)
    names_ar = "، ".join(f"{o['organism_ar']} (\u2068{o['member']}\u2069)" for o in binding)
    return Refusal(f"L'avis manquant de {names_fr} est un avis conforme pour ce dossier : la décision ne peut pas "
                   "être prise sans lui. Relancez le membre ou reportez le dossier.",
                   f"الرأي الناقص لـ {names_ar} رأي مطابق لهذا الملف: لا يمكن اتخاذ القرار بدونه. ذكّر العضو أو "
                   "أجّل الملف.", status=409)


def _delivery(engine: Engine, session: Session, actor: Actor, target: Dossier, missing: list[str]
              ) -> tuple[int, dict[str, Any], int]:
    """(instance, message, payload, version read) of the decision to proceed: the payload
    carries the opinions the round had collected (the opinion task's output so far) and the
    members whose opinion is not expressed."""
    task = dossier.opinion_task(session, target, missing[0])
    collected = engine_reads.activity_data(engine, session, task.id) if task is not None else None
    instance = session.get_one(ProcessInstance, target.instance_id)
    payload = {PAYLOAD: {"avis_donnes": dict((collected or {}).get("opinions") or {}), "non_exprimes": missing,
                         "par": actor.user_id}}
    return instance.id, payload, instance.version
