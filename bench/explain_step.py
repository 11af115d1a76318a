"""EXPLAIN (ANALYZE, BUFFERS) of a step's write and of its notification look-up, on a
history database.

Run after ``bench/history.py --keep``: takes a READY task of a live dossier, writes what
completing it writes (the task closed, a new task, an audit link, the instance's new
version) with ``engine.store``'s one statement under EXPLAIN ANALYZE, and rolls it all
back; then explains ``handlers.notify``'s look-up of the new task's holders.

    .venv/bin/python bench/explain_step.py [DATABASE_NAME] >> bench/results/history-plans-1m.txt
"""
from __future__ import annotations

import sys
import uuid
from datetime import UTC, datetime
from pathlib import Path

import sqlalchemy as sa

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from engine import store  # noqa: E402
from handlers import notify  # noqa: E402


def main() -> None:
    name = sys.argv[1] if len(sys.argv) > 1 else "guichet_bench_history_1000000"
    db = sa.create_engine(f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}")
    now = datetime.now(UTC)
    with db.connect() as conn:
        task = conn.execute(sa.text("SELECT * FROM human_task WHERE state = 'READY' LIMIT 1")).mappings().one()
        inst = conn.execute(sa.text("SELECT * FROM process_instance WHERE id = :i"),
                            {"i": task["instance_id"]}).mappings().one()
        new_task = {**task, "id": str(uuid.uuid4()), "created_at": now}
        link = {"instance_id": inst["id"], "seq": inst["audit_seq"] + 1, "at": now, "actor": "bench",
                "action": "task.completed", "task_id": task["id"], "bpmn_id": task["bpmn_id"],
                "data_digest": None, "prev_hash": inst["audit_head"], "hash": "0" * 64}
        params = {"iid": inst["id"], "expected": inst["version"], "status": inst["status"], "state": inst["state"],
                  "new_version": inst["version"] + 1, "seq": inst["audit_seq"] + 1, "head": "0" * 64,
                  "timer": inst["next_timer_at"], "now": now,
                  "close_ids": [task["id"]],
                  "closes": store._json([{"tid": task["id"], "new_state": "COMPLETED", "by": "bench", "at": now}]),
                  "audit": store._json([link]), "tasks": store._json([dict(new_task)])}
        counts = {t: conn.execute(sa.text(f"SELECT reltuples::bigint FROM pg_class WHERE relname = '{t}'")).scalar()
                  for t in ("human_task", "audit_event", "process_instance")}
        plan = conn.execute(sa.text("EXPLAIN (ANALYZE, BUFFERS) " + store._SAVE_ALL.text), params).scalars().all()
        conn.rollback()  # nothing of it stays
        holders = notify._PEOPLE[True, False].params(iid=inst["id"], roles=[task["role"]])  # type: ignore[attr-defined]
        sql = holders.compile(dialect=db.dialect, compile_kwargs={"literal_binds": True})
        people = conn.execute(sa.text(f"EXPLAIN (ANALYZE, BUFFERS) {sql}")).scalars().all()
    print(f"\n-- step write (engine/store.py _SAVE_ALL), rows: {counts}")
    print("\n".join(plan))
    print("\n-- the new task's holders (handlers/notify.py)")
    print("\n".join(people))


if __name__ == "__main__":
    main()
