"""The workload floor's routes (see bench/floor_app.py): bench/workload.py's requests with a
bare SpiffWorkflow step on SQLite — the procedure bench/procedure/dossier_bench.bpmn, parsed
once; each step deserializes the instance (spec included), runs it and writes it back with
the names of its READY tasks, which is all the inbox reads.

The same routes run on PostgreSQL when ``FLOOR_DB`` is a ``postgresql://`` URL (the
``floor-pg`` server of bench/workload.py): the same statements through psycopg, in
autocommit with explicit transactions, the rows a step changes locked ``FOR UPDATE`` as
SQLite's ``BEGIN IMMEDIATE`` locks the database. It is not the issue's floor: it says how
much of the app's distance to the floor is the database server's, not the app's."""
from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from flask import Flask, jsonify, request
from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.serializer import BpmnWorkflowSerializer
from SpiffWorkflow.spiff.parser import SpiffBpmnParser
from SpiffWorkflow.util.task import TaskState

PROCEDURE = Path(__file__).resolve().parent / "procedure"
FORMS = {p.name: json.loads(p.read_text()) for p in (PROCEDURE / "forms").glob("*.schema.json")}


def _spec() -> Any:
    parser = SpiffBpmnParser()
    parser.add_bpmn_file(str(PROCEDURE / "dossier_bench.bpmn"))
    return parser.get_spec("dossier_bench")


SPEC = _spec()


_TABLES = """
    CREATE TABLE IF NOT EXISTS dossier (id {key}, client TEXT NOT NULL, procedure TEXT NOT NULL,
        commune TEXT NOT NULL, fields TEXT NOT NULL, status TEXT NOT NULL, number TEXT);
    CREATE TABLE IF NOT EXISTS flow (id {key}, dossier_id INTEGER NOT NULL, client TEXT NOT NULL,
        state TEXT NOT NULL, ready TEXT NOT NULL);
    CREATE INDEX IF NOT EXISTS flow_client ON flow (client, ready);
"""


def schema(conn: Any) -> None:
    """The workload's empty tables, on SQLite or on PostgreSQL (a :class:`PgConnection`)."""
    pg = isinstance(conn, PgConnection)
    conn.executescript(_TABLES.format(key="SERIAL PRIMARY KEY" if pg else "INTEGER PRIMARY KEY"))


class PgConnection:
    """psycopg behind the few calls of sqlite3's the routes make: ``?`` placeholders,
    ``BEGIN IMMEDIATE`` (a plain ``BEGIN``: the routes lock their rows), ``in_transaction``."""

    def __init__(self, url: str):
        import psycopg
        self.conn = psycopg.connect(url, autocommit=True)

    def execute(self, sql: str, params: tuple[Any, ...] = ()) -> Any:
        return self.conn.execute(sql.replace("?", "%s").replace("BEGIN IMMEDIATE", "BEGIN"), params)

    def executescript(self, sql: str) -> None:
        self.conn.execute(sql)  # several statements: allowed without parameters

    @property
    def in_transaction(self) -> bool:
        from psycopg.pq import TransactionStatus
        return self.conn.info.transaction_status != TransactionStatus.IDLE

    def close(self) -> None:
        self.conn.close()


def _ready(wf: BpmnWorkflow) -> str:
    return json.dumps([{"id": str(t.id), "bpmn_id": t.task_spec.bpmn_id, "title": t.task_spec.bpmn_name,
                        "form": t.task_spec.extensions.get("properties", {}).get("formJsonSchemaFilename")}
                       for t in wf.get_tasks(state=TaskState.READY, manual=True)])


def register(app: Flask, connect: Callable[[str], Any], serializer: BpmnWorkflowSerializer) -> None:
    import os
    import threading

    local = threading.local()

    class Kept:
        """A thread's connection, kept open as the app's pool keeps its own (closing the last
        connection to a WAL database checkpoints it: a fsync per request)."""

        def __init__(self) -> None:
            self.conn = connect(os.environ["FLOOR_DB"])
            # a step's rows are locked on PostgreSQL as SQLite's BEGIN IMMEDIATE locks the database
            self.lock = " FOR UPDATE" if isinstance(self.conn, PgConnection) else ""

        def execute(self, *args: Any) -> Any:
            return self.conn.execute(*args)

        def close(self) -> None:
            if self.conn.in_transaction:
                self.conn.execute("ROLLBACK")

    def db() -> Any:
        if not hasattr(local, "kept"):
            local.kept = Kept()
        return local.kept

    @app.post("/dossiers")
    def wl_create():  # noqa: ANN202
        body = request.get_json()
        conn = db()
        try:
            (new_id,) = conn.execute(
                "INSERT INTO dossier (client, procedure, commune, fields, status) VALUES (?, ?, ?, ?, 'draft') RETURNING id",
                (request.headers["X-Client"], body["procedure"], body["commune"], json.dumps(body.get("fields", {})))
            ).fetchone()
            return jsonify(id=new_id, procedure=body["procedure"], status="draft"), 201
        finally:
            conn.close()

    @app.post("/dossiers/<int:dossier_id>/submit")
    def wl_submit(dossier_id: int):  # noqa: ANN202
        conn = db()
        try:
            conn.execute("BEGIN IMMEDIATE")
            client, commune = conn.execute("SELECT client, commune FROM dossier WHERE id = ?" + conn.lock, (dossier_id,)).fetchone()
            number = f"PB-{commune}-{dossier_id}"
            wf = BpmnWorkflow(SPEC)
            for task in wf.get_tasks(state=TaskState.READY):
                task.data.update({"dossier_id": dossier_id, "applicant_id": client, "commune": commune})
            wf.do_engine_steps()
            conn.execute("INSERT INTO flow (dossier_id, client, state, ready) VALUES (?, ?, ?, ?)",
                         (dossier_id, client, serializer.serialize_json(wf), _ready(wf)))
            conn.execute("UPDATE dossier SET number = ?, status = 'deposited' WHERE id = ?", (number, dossier_id))
            conn.execute("COMMIT")
            return jsonify(number=number, status="deposited")
        finally:
            conn.close()

    @app.get("/tasks")
    def wl_inbox():  # noqa: ANN202
        conn = db()
        try:
            rows = conn.execute("SELECT id, dossier_id, ready FROM flow WHERE client = ? AND ready != '[]'",
                                (request.headers["X-Client"],)).fetchall()
        finally:
            conn.close()
        items = [{**t, "id": f"{fid}/{t['id']}", "dossier_id": did} for fid, did, ready in rows for t in json.loads(ready)]
        return jsonify(items=items, total=len(items))

    @app.get("/tasks/<int:flow_id>/<task_id>")
    def wl_task(flow_id: int, task_id: str):  # noqa: ANN202
        conn = db()
        try:
            (ready,) = conn.execute("SELECT ready FROM flow WHERE id = ?", (flow_id,)).fetchone()
        finally:
            conn.close()
        found = next(t for t in json.loads(ready) if t["id"] == task_id)
        return jsonify({**found, "form": FORMS.get(found["form"] or "", {})})

    @app.post("/tasks/<int:flow_id>/<task_id>/complete")
    def wl_complete(flow_id: int, task_id: str):  # noqa: ANN202
        from uuid import UUID
        conn = db()
        try:
            conn.execute("BEGIN IMMEDIATE")
            (state,) = conn.execute("SELECT state FROM flow WHERE id = ?" + conn.lock, (flow_id,)).fetchone()
            wf = serializer.deserialize_json(state)
            task = wf.get_task_from_id(UUID(task_id))
            task.set_data(**request.get_json()["data"])
            task.run()
            wf.do_engine_steps()
            conn.execute("UPDATE flow SET state = ?, ready = ? WHERE id = ?",
                         (serializer.serialize_json(wf), _ready(wf), flow_id))
            conn.execute("COMMIT")
            return jsonify(id=task_id, status="deposited")
        finally:
            conn.close()

