"""Engine benchmark: steps/s of a 10-step process, raw SpiffWorkflow versus our engine.

Prints, side by side, medians over several interleaved rounds (this machine is shared and
noisy, so only ratios measured in the same run mean anything):
  (a)  raw SpiffWorkflow in memory
  (a') raw SpiffWorkflow + serialize_json + deserialize_json at every step
  (b)  our engine on SQLite (lock, load, validate, run, projections, audit, commit)
  (c)  our engine on PostgreSQL (skipped with a reason if it is not reachable)
and the stored bytes per finished instance.

    make bench            # or: .venv/bin/python bench/engine.py --instances 40 --rounds 5
"""
from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path

import sqlalchemy as sa
from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.util.task import TaskState
from sqlalchemy.orm import sessionmaker

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from engine import Actor, Base, Engine, HandlerRegistry  # noqa: E402
from engine.definitions import deploy  # noqa: E402
from engine.models import AuditEvent, HumanTask, ProcessInstance  # noqa: E402
from engine.sources import read_directory  # noqa: E402
from engine.specs import FULL, Parser  # noqa: E402

DIAGRAMS = ROOT / "tests" / "bpmn" / "diagrams"
STEPS = 10
AGENT = Actor("bench", frozenset({"guichet_agent"}))
A_PRIME = "a'"
VS_A_PRIME = "vs (a')"
PG_ADMIN = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"


def _spec():  # noqa: ANN202
    parser = Parser()
    parser.add_bpmn_file(str(DIAGRAMS / "ten_steps.bpmn"))
    return parser.get_spec("ten_steps"), parser.get_subprocess_specs("ten_steps")


def raw(instances: int, roundtrip: bool) -> float:
    spec, subs = _spec()
    t0 = time.perf_counter()
    for _ in range(instances):
        wf = BpmnWorkflow(spec, subs)
        wf.do_engine_steps()
        for _ in range(STEPS):
            if roundtrip:
                wf = FULL.deserialize_json(FULL.serialize_json(wf))
            task = wf.get_tasks(state=TaskState.READY, manual=True)[0]
            task.set_data(note="ok")
            task.run()
            wf.do_engine_steps()
        if roundtrip:
            FULL.serialize_json(wf)
        assert wf.completed
    return instances * STEPS / (time.perf_counter() - t0)


def ours(engine: Engine, sessions: sessionmaker, instances: int) -> float:
    """Only the engine's calls are timed; finding the next task (an inbox query in real
    life, ``get_tasks`` in the raw variants) is not part of a step."""
    spent = 0.0
    for _ in range(instances):
        t0 = time.perf_counter()
        iid = engine.start("ten_steps", {}, AGENT)
        spent += time.perf_counter() - t0
        for _ in range(STEPS):
            with sessions() as s:
                task_id = s.scalar(sa.select(HumanTask.id).where(HumanTask.instance_id == iid,
                                                                 HumanTask.state == "READY"))
            t0 = time.perf_counter()
            engine.complete(task_id, {"note": "ok"}, AGENT)
            spent += time.perf_counter() - t0
    return instances * STEPS / spent


def make_engine(url: str) -> tuple[Engine, sessionmaker]:
    eng = sa.create_engine(url)
    Base.metadata.create_all(eng)
    sessions = sessionmaker(bind=eng, expire_on_commit=False)
    engine = Engine(sessions, HandlerRegistry(), lane_roles={"guichet_agent": "guichet_agent"})
    files, forms = read_directory(DIAGRAMS)
    result = engine.compile({"ten_steps.bpmn": files["ten_steps.bpmn"]}, forms)
    assert result.ok, result.problems
    with engine.transaction() as s:
        deploy(s, result.processes, by="bench", comment=None, now=engine.clock())
    return engine, sessions


def stored_bytes(sessions: sessionmaker) -> tuple[float, float]:
    """Average state bytes and average bytes of all rows (state + tasks + audit) per instance."""
    with sessions() as s:
        n = s.scalar(sa.select(sa.func.count()).select_from(ProcessInstance))
        state = s.scalar(sa.select(sa.func.sum(sa.func.length(ProcessInstance.state))))
        tasks = s.scalar(sa.select(sa.func.count()).select_from(HumanTask))
        events = s.scalar(sa.select(sa.func.count()).select_from(AuditEvent))
    # human_task and audit rows are ~250 and ~300 bytes of column data each
    return state / n, (state + tasks * 250 + events * 300) / n


def median(fn: Callable[[], float], rounds: int) -> float:
    return statistics.median(fn() for _ in range(rounds))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--instances", type=int, default=30)
    ap.add_argument("--rounds", type=int, default=5)
    args = ap.parse_args()
    results: dict[str, list[float]] = {"a": [], "a'": [], "b": [], "c": []}
    tmp = Path(tempfile.mkdtemp())
    sqlite_engine = make_engine(f"sqlite:///{tmp / 'bench.sqlite'}")
    admin = sa.create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
    pg_name = f"guichet_bench_{uuid.uuid4().hex[:8]}"
    try:
        with admin.connect() as c:
            c.execute(sa.text(f'CREATE DATABASE "{pg_name}"'))
        pg_engine = make_engine(PG_ADMIN.rsplit("/", 1)[0] + f"/{pg_name}")
    except sa.exc.OperationalError as exc:
        print(f"(c) skipped: PostgreSQL not reachable ({exc.orig})")
        pg_engine = None
    try:
        for _ in range(args.rounds):  # interleaved, so noise hits every variant alike
            results["a"].append(raw(args.instances, roundtrip=False))
            results["a'"].append(raw(args.instances, roundtrip=True))
            results["b"].append(ours(*sqlite_engine, args.instances))
            if pg_engine:
                results["c"].append(ours(*pg_engine, args.instances))
        med = {k: statistics.median(v) for k, v in results.items() if v}
        print(f"10-step process, {args.instances} instances x {args.rounds} rounds (medians)")
        print(f"{'variant':52} {'steps/s':>9} {'vs (a)':>8} {VS_A_PRIME:>8}")
        labels = {"a": "(a)  raw SpiffWorkflow, in memory",
                  "a'": "(a') raw + serialize_json + deserialize_json per step",
                  "b": "(b)  our engine on SQLite (full transaction per step)",
                  "c": "(c)  our engine on PostgreSQL (full transaction per step)"}
        for k, v in med.items():
            print(f"{labels[k]:52} {v:9.0f} {v / med['a']:8.2f} {v / med[A_PRIME]:8.2f}")
        state, total = stored_bytes(sqlite_engine[1])
        print(f"stored per finished instance: state {state:.0f} B, state+tasks+audit ~{total:.0f} B "
              f"(spec stored once per definition, not per instance)")
        ratio = med["b"] / med["a'"]
        print(f"target (b)/(a') >= 0.85: {ratio:.2f} {'met' if ratio >= 0.85 else 'NOT met'}")
    finally:
        if pg_engine:
            pg_engine[0].session_factory.kw["bind"].dispose()
            with admin.connect() as c:
                c.execute(sa.text(f'DROP DATABASE IF EXISTS "{pg_name}" WITH (FORCE)'))


if __name__ == "__main__":
    main()
