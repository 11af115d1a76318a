"""The floors for bench/http_bench.py and bench/workload.py: the least the same requests can cost.

A minimal Flask app on SQLite. ``POST /complete/<id>`` (http_bench) loads one stored
workflow, deserializes it (SpiffWorkflow's own serializer, spec included), completes its
READY user task, runs the engine, serializes it back and commits. The workload's requests
(bench/workload.py) are the API's, bare: ``POST /dossiers``, ``POST /dossiers/<id>/submit``
(starts bench/procedure/dossier_bench.bpmn), ``GET /tasks``, ``GET /tasks/<instance>/<task>``
(with its form), ``POST /tasks/<instance>/<task>/complete``; the client names itself in an
``X-Client`` header. No authentication, no form validation, no audit, no notifications, no
locking beyond SQLite's own; the inbox reads the READY tasks' names that each step writes
beside the state, in the same UPDATE (the least an inbox can read without deserializing).

    FLOOR_DB=/tmp/floor.sqlite gunicorn -w 2 'bench.floor_app:app'
    python -m bench.floor_app prepare FLOOR_DB COUNT   # COUNT fresh instances of ten_steps
    python -m bench.floor_app schema FLOOR_DB          # the workload's empty tables
"""
from __future__ import annotations

import os
import sqlite3
import sys
from pathlib import Path
from typing import Any

from flask import Flask, jsonify, request
from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.serializer import BpmnWorkflowSerializer
from SpiffWorkflow.spiff.parser import SpiffBpmnParser
from SpiffWorkflow.spiff.serializer.config import SPIFF_CONFIG
from SpiffWorkflow.util.task import TaskState

from bench import floor_workload

DIAGRAM = Path(__file__).resolve().parent.parent / "tests" / "bpmn" / "diagrams" / "ten_steps.bpmn"
SERIALIZER = BpmnWorkflowSerializer(BpmnWorkflowSerializer.configure(SPIFF_CONFIG))
app = Flask(__name__)


def connect(path: str) -> Any:
    if path.startswith("postgresql"):
        return floor_workload.PgConnection(path)
    conn = sqlite3.connect(path, timeout=30, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")
    return conn


@app.post("/complete/<int:instance_id>")
def complete(instance_id: int):  # noqa: ANN201
    conn = connect(os.environ["FLOOR_DB"])
    try:
        conn.execute("BEGIN IMMEDIATE")
        (state,) = conn.execute("SELECT state FROM instance WHERE id = ?", (instance_id,)).fetchone()
        wf = SERIALIZER.deserialize_json(state)
        [task] = wf.get_tasks(state=TaskState.READY, manual=True)
        task.set_data(**(request.get_json() or {}).get("data", {}))
        task.run()
        wf.do_engine_steps()
        conn.execute("UPDATE instance SET state = ? WHERE id = ?", (SERIALIZER.serialize_json(wf), instance_id))
        conn.execute("COMMIT")
    finally:
        conn.close()
    return jsonify(id=instance_id, task=task.task_spec.name)


def prepare(path: str, count: int) -> None:
    parser = SpiffBpmnParser()
    parser.add_bpmn_file(str(DIAGRAM))
    [process_id] = parser.get_process_ids()
    spec = parser.get_spec(process_id)
    conn = connect(path)
    conn.execute("CREATE TABLE IF NOT EXISTS instance (id INTEGER PRIMARY KEY, state TEXT NOT NULL)")
    conn.execute("BEGIN")
    for _ in range(count):
        wf = BpmnWorkflow(spec)
        wf.do_engine_steps()
        conn.execute("INSERT INTO instance (state) VALUES (?)", (SERIALIZER.serialize_json(wf),))
    conn.execute("COMMIT")
    conn.close()


if __name__ == "__main__" and sys.argv[1:2] == ["prepare"]:
    prepare(sys.argv[2], int(sys.argv[3]))
if __name__ == "__main__" and sys.argv[1:2] == ["schema"]:
    floor_workload.schema(connect(sys.argv[2]))

floor_workload.register(app, connect, SERIALIZER)
