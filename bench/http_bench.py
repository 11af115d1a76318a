"""Task completion over HTTP (issue 9, P1): the real app versus a floor, in the same run.

* **app**: gunicorn (2 workers, gthread) serving ``web:create_app()`` on PostgreSQL;
  ``POST /api/v1/tasks/{id}/complete`` with a Bearer token — authentication, visibility,
  form validation, the instance lock, projections, audit and notifications included. Each
  completion is the first step of its own dossier (a ``ten_steps`` process from
  tests/bpmn/diagrams, deployed and started through the engine; a dossier row per instance).
* **floor**: the same gunicorn settings serving bench/floor_app.py — Flask + SQLite, one
  bare SpiffWorkflow step of the same diagram with deserialize/serialize and commit.

A client (threads, one keep-alive ``http.client`` connection each) alternates rounds on
the two servers, so the machine's noise falls on both alike, and prints completions/s,
p50/p95 latency and the ratio app/floor (targets: ratio >= 0.6, >= 150 completions/s).

    .venv/bin/python bench/http_bench.py [--completions 1200] [--concurrency 8]
"""
from __future__ import annotations

import sys
from pathlib import Path

# (Not named http.py: run as a script, a file's folder comes first on sys.path, and a
# bench/http.py would hide the standard library's http package from every bench.)
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import argparse  # noqa: E402
import http.client  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import queue  # noqa: E402
import secrets  # noqa: E402
import socket  # noqa: E402
import statistics  # noqa: E402
import subprocess  # noqa: E402
import tempfile  # noqa: E402
import threading  # noqa: E402
import time  # noqa: E402
from typing import Any  # noqa: E402

from bench.history import drop_database, fresh_database  # noqa: E402

GUNICORN = [str(ROOT / ".venv" / "bin" / "gunicorn"), "-c", str(ROOT / "gunicorn.conf.py"), "-w", "2", "-k", "gthread",
            "--keep-alive", "30", "--log-level", "warning"]
# Threads per worker, the same for both servers. Measured on this 2-core machine (app/floor):
# 1 thread 0.67, 2 threads 0.65-0.72, 3 threads 0.63, 4 threads 0.59-0.61, 8 threads 0.51; the
# app's requests wait on PostgreSQL between short bursts of Python, and more threads per
# worker only fight over the GIL. (Nodes serving the visio rooms need more: a websocket holds
# a thread; see bench/cluster.py.)
THREADS = 2
PASSWORD = "bench-password-1"
AGENT = "guichet@casablanca.demo"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def serve(app: str, port: int, env: dict[str, str], threads: int = THREADS,
          chdir: Path = ROOT) -> subprocess.Popen[bytes]:
    proc = subprocess.Popen([*GUNICORN, "--threads", str(threads), "-b", f"127.0.0.1:{port}", "--chdir", str(chdir), app],
                            env={**os.environ, **env})
    return listening(proc, port, app)


def listening(proc: subprocess.Popen[bytes], port: int, what: str) -> subprocess.Popen[bytes]:
    """``proc`` once it accepts connections on ``port`` (killed if not within a minute)."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return proc
        except OSError:
            time.sleep(0.3)
    proc.kill()
    raise RuntimeError(f"{what} did not start on port {port}")


def prepare_app(env: dict[str, str], count: int) -> list[str]:
    """Migrate, deploy, seed, and start ``count`` ten_steps dossiers; their READY task ids."""
    os.environ.update(env)
    import sqlalchemy as sa
    from flask_migrate import upgrade

    from engine.definitions import deploy
    from engine.models import HumanTask
    from engine.sources import read_paths
    from handlers import demo
    from handlers.accounts import actor_for, find_by_email
    from handlers.dossier_models import Dossier
    from web import create_app
    from web.bootstrap import get_engine

    app = create_app()
    with app.app_context():
        upgrade()
        engine = get_engine(app)
        files, forms, _ = read_paths([ROOT / "tests" / "bpmn" / "diagrams" / "ten_steps.bpmn"])
        compiled = engine.compile(files, forms)
        assert compiled.ok, compiled.problems
        with engine.transaction() as s:
            deploy(s, compiled.processes, by="bench", comment=None, now=engine.clock())
            demo.seed(s, PASSWORD, engine.clock())
        with engine.transaction() as s:
            agent = actor_for(find_by_email(s, AGENT))
            applicant = actor_for(find_by_email(s, "citoyen@guichet.demo"))
        for k in range(count):
            iid = engine.start("ten_steps", {}, agent, business_key=f"BENCH-{k}", scope="casablanca")
            with engine.transaction() as s:
                now = engine.clock()
                s.add(Dossier(number=f"BENCH-{k}", procedure="permis_construire", commune_code="casablanca",
                              applicant_id=applicant.user_id, fields={}, status="verification", instance_id=iid,
                              created_at=now, submitted_at=now))
        with engine.transaction(write=False) as s:
            return list(s.scalars(sa.select(HumanTask.id).where(HumanTask.state == "READY")
                                  .order_by(HumanTask.created_at)))


def token(port: int) -> str:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    conn.request("POST", "/api/v1/tokens", json.dumps({"email": AGENT, "password": PASSWORD}),
                 {"Content-Type": "application/json"})
    response = conn.getresponse()
    body = json.loads(response.read())
    assert response.status == 201, body
    return body["token"]


class Load:
    """Completions of one server: latencies, errors and the time spent in its rounds."""

    def __init__(self, name: str, port: int, paths: list[str], headers: dict[str, str]):
        self.name, self.port, self.paths, self.headers = name, port, paths, headers
        self.latencies: list[float] = []
        self.errors: list[str] = []
        self.elapsed = 0.0
        self.done = 0

    def round(self, count: int, concurrency: int, record: bool = True) -> None:
        todo: queue.Queue[str] = queue.Queue()
        for path in self.paths[self.done:self.done + count]:
            todo.put(path)
        self.done += count
        body = json.dumps({"data": {"note": "ok"}})
        lock = threading.Lock()

        def worker() -> None:
            conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
            while True:
                try:
                    path = todo.get_nowait()
                except queue.Empty:
                    break
                t0 = time.perf_counter()
                conn.request("POST", path, body, {"Content-Type": "application/json", **self.headers})
                response = conn.getresponse()
                payload = response.read()
                ms = (time.perf_counter() - t0) * 1000
                with lock:
                    if record:
                        self.latencies.append(ms)
                    if response.status != 200:
                        self.errors.append(f"{response.status} {payload[:200]!r}")
            conn.close()

        threads = [threading.Thread(target=worker) for _ in range(concurrency)]
        t0 = time.perf_counter()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        if record:
            self.elapsed += time.perf_counter() - t0

    def summary(self) -> dict[str, float]:
        xs = sorted(self.latencies)
        return {"rate": len(xs) / self.elapsed, "p50": statistics.median(xs),
                "p95": xs[max(0, round(0.95 * len(xs)) - 1)], "n": len(xs)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--completions", type=int, default=1200, help="timed completions per server")
    ap.add_argument("--concurrency", type=int, default=8)
    ap.add_argument("--round", type=int, default=100, help="completions per round before switching server")
    args = ap.parse_args()
    warm = 2 * args.concurrency
    total = args.completions + warm
    tmp = Path(tempfile.mkdtemp())
    name = "guichet_bench_http"
    env = {"DATABASE_URL": fresh_database(name), "GUICHET_SECRET_KEY": secrets.token_hex(16),
           "GUICHET_STORAGE_DIR": str(tmp / "files"), "GUICHET_JOBS": "inprocess",
           "GUICHET_PROCESSES_DIR": str(ROOT / "processes")}
    servers: list[subprocess.Popen[bytes]] = []
    try:
        t0 = time.perf_counter()
        tasks = prepare_app(env, total)
        floor_db = str(tmp / "floor.sqlite")
        subprocess.run([sys.executable, "-m", "bench.floor_app", "prepare", floor_db, str(total)],
                       check=True, cwd=ROOT)
        print(f"prepared {len(tasks)} ready tasks (app) and {total} instances (floor) "
              f"in {time.perf_counter() - t0:.0f} s")
        app_port, floor_port = free_port(), free_port()
        servers.append(serve("web:create_app()", app_port, env))
        servers.append(serve("bench.floor_app:app", floor_port, {"FLOOR_DB": floor_db}))
        app = Load("app", app_port, [f"/api/v1/tasks/{t}/complete" for t in tasks],
                   {"Authorization": f"Bearer {token(app_port)}"})
        floor = Load("floor", floor_port, [f"/complete/{k}" for k in range(1, total + 1)], {})
        for load in (floor, app):  # warm-up: specs parsed, pools filled, not timed
            load.round(warm, args.concurrency, record=False)
        while app.done < total:
            step = min(args.round, total - app.done)
            floor.round(step, args.concurrency)
            app.round(step, args.concurrency)
        report(app, floor, args)
    finally:
        for proc in servers:
            proc.terminate()
        for proc in servers:
            proc.wait(timeout=30)
        drop_database(name)


def report(app: Load, floor: Load, args: Any) -> None:
    a, f = app.summary(), floor.summary()
    print(f"\n{args.completions} completions per server, concurrency {args.concurrency}, gunicorn -w 2 gthread, {THREADS} threads")
    for label, s in (("floor (Flask+SQLite, bare Spiff)", f), ("app (PostgreSQL, full API)", a)):
        print(f"{label:<34} {s['rate']:>7.1f} completions/s   p50 {s['p50']:6.1f} ms   p95 {s['p95']:6.1f} ms")
    print(f"ratio app/floor: {a['rate'] / f['rate']:.2f} (target >= 0.6); app {a['rate']:.0f}/s (target >= 150/s)")
    for load in (app, floor):
        if load.errors:
            print(f"{load.name}: {len(load.errors)} errors, first: {load.errors[0]}")


if __name__ == "__main__":
    main()
