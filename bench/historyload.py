"""Bulk history for bench/history.py: finished dossiers written with COPY, not the engine.

Each finished permis has the rows the engine leaves behind: its process instance (with a
real finished state, ~11 KB), 6 human tasks (completeness check, two opinions, payment,
approval, one completeness request), 12 audit events, 6 document versions, 6 status
changes and a signed decision. History is spread over ten years and twenty communes, so
Casablanca holds a tenth of it.
"""
from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa

ID_BASE = 10_000_000  # history ids stay clear of the live rows' sequences (which stay low)
AUDIT_BASE = 100_000_000
AUDIT_PER_DOSSIER, DOCS, STATUSES = 12, 6, 6
SPAN = timedelta(days=3650) / 1_000_000  # one dossier every ~5 minutes over ten years
EPOCH = datetime(2016, 1, 1, tzinfo=UTC)
COMMUNES = ["casablanca", "rabat"] + [f"commune{k:02d}" for k in range(18)]
KINDS = ["demande", "certificat_propriete", "plan_situation", "plans_architecte", "etude_beton", "plan_masse"]
STEPS = [("rc_check", "Vérifier la recevabilité", "guichet_agent", None, "recevabilite.schema.json"),
         ("rc_complete", "Compléter le dossier", "applicant", "applicant", "completer.schema.json"),
         ("cm_opinion", "Donner l'avis", "commission_member", "member-au", "avis.schema.json"),
         ("cm_opinion", "Donner l'avis", "commission_member", "member-urb", "avis.schema.json"),
         ("ga_payment", "Enregistrer le paiement", "guichet_agent", None, "paiement.schema.json"),
         ("sg_approve", "Approuver et signer", "president", None, "approbation.schema.json")]
ACTIONS = ["instance.started", "task.completed", "service.completed", "task.completed", "service.completed",
           "task.completed", "task.completed", "task.completed", "service.completed", "task.completed",
           "service.completed", "instance.completed"]
TIMELINE = ["deposited", "verification", "incomplete", "verification", "commission", "authorized"]
APPLICANTS = 5000


def finished_state(engine: Any, ports: Any, sessions: Any, agent: Any) -> str:
    """The stored state of a real permis taken to the president's approval."""
    from engine.models import HumanTask, ProcessInstance
    from handlers.accounts import actor_for, find_by_email
    from handlers.dossier_models import Dossier
    from tests.filing import file_complete

    def actor(email: str) -> Any:
        with sessions() as s:
            return actor_for(find_by_email(s, email))

    def ready(iid: int, **where: Any) -> str:
        with sessions() as s:
            q = sa.select(HumanTask.id).where(HumanTask.instance_id == iid, HumanTask.state == "READY")
            return s.scalars(q.filter_by(**where)).first()

    d = file_complete(engine, ports, actor("citoyen@guichet.demo"), "permis_construire",
                      {"parcelle": "TF 9/C", "usage": "habitation_individuelle", "surface": 150, "niveaux": 2})
    with sessions() as s:
        iid = s.get(Dossier, d).instance_id
    engine.complete(ready(iid, bpmn_id="rc_check"), {"complete": True}, agent)
    for org in ("agence-urbaine", "urbanisme"):
        member = actor(f"{org}@casablanca.demo")
        engine.complete(ready(iid, assignee=member.user_id), {"opinion": {"avis": "favorable"}}, member)
    from handlers.payments.declare import declare
    declare(engine, ports, actor("citoyen@guichet.demo"), d, method="provider", provider="regie")
    engine.complete(ready(iid, bpmn_id="ga_payment"), {"payment_confirmed": True}, agent)
    engine.complete(ready(iid, bpmn_id="sg_approve"), {"approve": True}, actor("president@casablanca.demo"))
    with sessions() as s:
        return s.get(ProcessInstance, iid).state


def _esc(value: str) -> str:
    return value.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n")


def _copy(cursor: Any, table: str, columns: str, lines: list[str]) -> None:
    with cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as cp:
        cp.write("".join(lines))


def _reference_rows(cursor: Any) -> None:
    now = datetime.now(UTC).isoformat()
    _copy(cursor, "commune", "code, name_fr, name_ar",
          [f"{c}\tCommune {c}\tجماعة {c}\n" for c in COMMUNES if c not in ("casablanca", "rabat")])
    _copy(cursor, "app_user", "id, email, full_name, password_hash, locale, created_at",
          [f"hist-applicant-{k}\thist{k}@example.ma\tDemandeur {k}\t!\tfr\t{now}\n" for k in range(APPLICANTS)])


def load(conn: sa.Connection, *, start: int, count: int, state: str, batch: int = 5000) -> int:
    """COPY ``count`` finished dossiers numbered from ``start``; returns the rows written."""
    raw = conn.connection.driver_connection
    definition, key = conn.execute(sa.text(  # the definition the live permis run on
        "SELECT definition_id, process_key FROM process_instance ORDER BY id LIMIT 1")).one()
    rows = 0
    with raw.cursor() as cur:
        cur.execute("SET synchronous_commit = off")
        cur.execute("SET session_replication_role = replica")  # rows consistent by construction: no FK triggers
        if start == 0:
            _reference_rows(cur)
        state_text = _esc(state)
        for first in range(start, start + count, batch):
            rows += _batch(cur, range(first, min(first + batch, start + count)), definition, key, state_text)
    raw.commit()
    return rows


_DAYS = [(EPOCH + timedelta(days=d)).date().isoformat() for d in range(4000)]


def _batch(cur: Any, numbers: range, definition: int, key: str, state: str) -> int:
    """One batch of dossiers; timestamps are built from precomputed days (isoformat per
    row would cost more than PostgreSQL's side of the COPY)."""
    dossiers, instances, tasks, audits, docs, timeline, decisions = [], [], [], [], [], [], []
    fields = _esc(json.dumps({"parcelle": "TF 1/C", "usage": "habitation_individuelle", "surface": 150,
                              "niveaux": 2}))
    for i in numbers:
        did = iid = ID_BASE + i
        commune = COMMUNES[i % len(COMMUNES)]
        day = i * 3650 // 1_000_000
        clock = f" {i % 24:02d}:{i // 24 % 60:02d}:00+00"
        ts, done = _DAYS[day] + clock, _DAYS[day + 40] + clock
        year = _DAYS[day][:4]
        applicant = f"hist-applicant-{i % APPLICANTS}"
        number = f"PC-{commune.upper()}-{year}-H{i:07d}"
        dossiers.append(f"{did}\t{number}\tpermis_construire\t{commune}\t{applicant}\t{fields}\tauthorized\t"
                        f"{iid}\taccord\t{ts}\t{ts}\t{done}\n")
        instances.append(f"{iid}\t{definition}\t{key}\t{number}\t{commune}\tcompleted\t{state}\t"
                         f"1.5\t{len(ACTIONS)}\t\\N\t{len(ACTIONS)}\t{i:064x}\t{applicant}\t{ts}\t{done}\n")
        hexi = f"{i:08x}"
        for k, (bpmn, title, role, who, form) in enumerate(STEPS):
            assignee = applicant if who == "applicant" else (f"{who}-{commune}" if who else None)
            made, closed, due = _DAYS[day + 3 * k] + clock, _DAYS[day + 3 * k + 2] + clock, _DAYS[day + 3 * k + 15]
            scope = "\\N" if role == "commission_member" else commune
            tasks.append(f"{hexi}-0000-4000-8000-{k:012x}\t{iid}\t{bpmn}\t{title}\t{role}\t{role}\t{scope}\t"
                         f"{assignee or chr(92) + 'N'}\t\\N\t{form}\t{due}{clock}\tCOMPLETED\t"
                         f"{made}\t{assignee or role + '-' + commune}\t{closed}\t\\N\t\\N\n")
        for seq, action in enumerate(ACTIONS, start=1):
            task = f"{hexi}-0000-4000-8000-{min(seq // 2, 5):012x}" if action == "task.completed" else "\\N"
            audits.append(f"{i * AUDIT_PER_DOSSIER + seq + AUDIT_BASE}\t{iid}\t{seq}\t{_DAYS[day + 3 * seq]}{clock}\t"
                          f"system\t{action}\t{task}\t\\N\t\\N\t{i:032x}{seq - 1:032x}\t{i:032x}{seq:032x}\n")
        for k, kind in enumerate(KINDS):
            docs.append(f"{i * DOCS + k + ID_BASE}\t{did}\t{kind}\t1\t{kind}.pdf\tapplication/pdf\t"
                        f"{i:032x}{k:032x}\t{40000 + k * 1000}\t{1 + k}\t{applicant}\t{ts}\n")
        for k, status in enumerate(TIMELINE):
            timeline.append(f"{i * STATUSES + k + ID_BASE}\t{did}\t{status}\t{_DAYS[day + 7 * k]}{clock}\t\\N\n")
        decisions.append(f"{did}\t{did}\taccord\t[]\t\\N\tH{i:010d}\t{i:064x}\tt\t{done}\t{done}\n")
    _copy(cur, "process_instance", "id, definition_id, process_key, business_key, scope, status, state, "
          "serializer_version, version, next_timer_at, audit_seq, audit_head, started_by, created_at, updated_at",
          instances)
    _copy(cur, "dossier", "id, number, procedure, commune_code, applicant_id, fields, status, instance_id, outcome, "
          "created_at, submitted_at, closed_at", dossiers)
    _copy(cur, "human_task", "id, instance_id, bpmn_id, title, lane, role, scope, assignee, claimed_by, form, "
          "due_at, state, created_at, completed_by, completed_at, reminded_at, breached_at",
          tasks)
    _copy(cur, "audit_event", "id, instance_id, seq, at, actor, action, task_id, bpmn_id, data_digest, prev_hash, "
          "hash", audits)
    _copy(cur, "document_version", "id, dossier_id, kind, version, filename, content_type, sha256, size, pages, "
          "uploaded_by, uploaded_at", docs)
    _copy(cur, "status_change", "id, dossier_id, status, at, note", timeline)
    _copy(cur, "decision", "id, dossier_id, outcome, conditions, motive, verification_code, pdf_sha256, signed, "
          "decided_at, signed_at", decisions)
    return sum(map(len, (dossiers, instances, tasks, audits, docs, timeline, decisions)))
