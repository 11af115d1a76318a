"""The whole dossier over HTTP (issue 21): every request a client makes, app versus floor, in one run.

Per dossier, 22 requests and 8 task completions, as a client of the API makes them: create
the dossier, submit it (starts its procedure), then until nothing is left for the client:
list the inbox, read each READY task with its form, complete it. The procedure
(bench/procedure/dossier_bench.bpmn): user task ``file`` (the applicant) → ``check`` (an
agent) → ``opinion``, a parallel multi-instance over 6 members → an exclusive gateway on all
opinions → end. Each client is its own user (applicant, agent and member of its commune)
in its own commune; 1 client, then 4 clients at once.

Servers, fed in interleaved rounds so the machine's noise falls on all alike:

* **pg**: gunicorn with the README's settings (gunicorn.conf.py, 2 workers × 2 threads)
  serving ``web:create_app()`` on PostgreSQL, jobs in process;
* **sqlite**: ``guichet serve`` on the embedded SQLite default, jobs in process;
* **open** and **rp** (only when asked, ``--only floor,pg,open,rp``): **pg** again, each on
  its own database, served by bench/unsandboxed.py with diagram code evaluated as before
  the sandbox (open) or by RestrictedPython (rp, with ``--restricted-path``), so that the
  sandbox's cost on the whole dossier is printed against both;
* **base** (only with ``--baseline DIR`` and pg): **pg** again, on its own database, served
  from another checkout of the project (the code before a change: ``git worktree add DIR
  REV``), so that a change is measured against the code before it in one run, interleaved;
  **base-sq** likewise beside **sqlite** (that checkout's ``guichet serve``);
* **floor**: bench/floor_app.py under the same gunicorn settings — Flask + SQLite, a bare
  SpiffWorkflow step per request (no auth, validation, audit, notifications, projections);
* **floor-pg** (only when asked, ``--only floor,pg,floor-pg``): the floor's own routes and
  statements on PostgreSQL (psycopg, rows locked ``FOR UPDATE``), so that the part of
  **pg**'s distance to the floor that is the database server's, not the app's, is printed
  (``pg against floor-pg``). The ratios to the floor stay the issue's measure.

Printed per server and client count: completions/s, p50/p95 per request kind, server CPU ms
per completion (all requests counted: user + system time of the server's processes and of
its PostgreSQL backends, read from /proc), and rows and bytes stored per finished dossier;
then the ratio of each app to the floor.

    .venv/bin/python bench/workload.py [--dossiers 20] [--rounds 3] [--clients 1,4]
"""
from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import argparse  # noqa: E402
import http.client  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import secrets  # noqa: E402
import subprocess  # noqa: E402
import tempfile  # noqa: E402
import threading  # noqa: E402
import time  # noqa: E402
from collections import defaultdict  # noqa: E402
from typing import Any  # noqa: E402

from bench.history import drop_database, fresh_database  # noqa: E402
from bench.http_bench import THREADS, free_port, serve  # noqa: E402
from bench.workload_report import report  # noqa: E402
from bench.workload_setup import (  # noqa: E402
    PASSWORD,
    PROCEDURE,
    CpuMeter,
    client_email,
    commune,
    serve_embedded,
    stored,
    tuple_bytes,
)

DATA = {"file": {"note": "plans joints"}, "check": {"complete": True}, "opinion": {"avis": "favorable"}}
API = {"create": "/api/v1/dossiers", "submit": "/api/v1/dossiers/{}/submit", "inbox": "/api/v1/tasks",
       "task": "/api/v1/tasks/{}", "complete": "/api/v1/tasks/{}/complete"}
FLOOR = {"create": "/dossiers", "submit": "/dossiers/{}/submit", "inbox": "/tasks", "task": "/tasks/{}",
         "complete": "/tasks/{}/complete"}


class Target:
    """One server: its paths, each client's headers, and what its runs measured."""

    def __init__(self, name: str, port: int, paths: dict[str, str], proc: subprocess.Popen[bytes],
                 url: str, database: str | None):
        self.name, self.port, self.paths, self.url = name, port, paths, url
        self.headers: dict[int, dict[str, str]] = {}
        self.meter = CpuMeter(proc.pid, database)
        self.stats: dict[int, Stats] = defaultdict(Stats)

    def sign_in(self, clients: int) -> None:
        for k in range(1, clients + 1):
            if self.paths is FLOOR:
                self.headers[k] = {"X-Client": client_email(k)}
                continue
            conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
            conn.request("POST", "/api/v1/tokens", json.dumps({"email": client_email(k), "password": PASSWORD}),
                         {"Content-Type": "application/json"})
            response = conn.getresponse()
            body = json.loads(response.read())
            assert response.status == 201, body
            self.headers[k] = {"Authorization": f"Bearer {body['token']}"}


class Stats:
    def __init__(self) -> None:
        self.latencies: dict[str, list[float]] = defaultdict(list)
        self.errors: list[str] = []
        self.elapsed = self.server_ms = self.db_ms = 0.0
        self.completions = self.requests = self.dossiers = 0


class Client:
    """One client's keep-alive connection and the 22 requests of each of its dossiers."""

    def __init__(self, target: Target, k: int, stats: Stats, lock: threading.Lock, record: bool):
        self.t, self.k, self.stats, self.lock, self.record = target, k, stats, lock, record
        self.conn = http.client.HTTPConnection("127.0.0.1", target.port, timeout=60)
        self.headers = {"Content-Type": "application/json", **target.headers[k]}

    def call(self, kind: str, method: str, ident: Any = None, body: Any = None) -> Any:
        path = self.t.paths[kind].format(ident)
        t0 = time.perf_counter()
        self.conn.request(method, path, None if body is None else json.dumps(body), self.headers)
        response = self.conn.getresponse()
        payload = response.read()
        ms = (time.perf_counter() - t0) * 1000
        with self.lock:
            if self.record:
                self.stats.latencies[kind].append(ms)
                self.stats.requests += 1
                self.stats.completions += kind == "complete"
        if response.status >= 300:
            raise RuntimeError(f"{self.t.name} {method} {path}: {response.status} {payload[:300]!r}")
        return json.loads(payload)

    def dossier(self) -> None:
        created = self.call("create", "POST", body={"procedure": PROCEDURE, "commune": commune(self.k), "fields": {}})
        self.call("submit", "POST", created["id"])
        while True:
            items = self.call("inbox", "GET")["items"]
            if not items:
                break
            for item in items:
                task = self.call("task", "GET", item["id"])
                body: dict[str, Any] = {"data": DATA[item["bpmn_id"]]}
                if "version" in task:
                    body["expected_version"] = task["version"]
                self.call("complete", "POST", item["id"], body)
        with self.lock:
            self.stats.dossiers += self.record

    def run(self, dossiers: int) -> None:
        try:
            for _ in range(dossiers):
                self.dossier()
        except Exception as exc:  # noqa: BLE001 - counted and shown, the run goes on
            with self.lock:
                self.stats.errors.append(str(exc))
        finally:
            self.conn.close()


def run_round(target: Target, clients: int, dossiers: int, record: bool = True) -> None:
    stats = target.stats[clients]
    lock = threading.Lock()
    workers = [threading.Thread(target=Client(target, k, stats, lock, record).run, args=(dossiers,))
               for k in range(1, clients + 1)]
    target.meter.server_ms = target.meter.db_ms = 0.0
    target.meter.start()
    t0 = time.perf_counter()
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    elapsed = time.perf_counter() - t0
    target.meter.stop()
    if record:
        stats.elapsed += elapsed
        stats.server_ms += target.meter.server_ms
        stats.db_ms += target.meter.db_ms


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--dossiers", type=int, default=20, help="dossiers per client per round")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--clients", default="1,4")
    ap.add_argument("--only", default="floor,pg,sqlite", help="servers to run (the floor always)")
    ap.add_argument("--tables", action="store_true", help="print the PostgreSQL rows and bytes per table")
    ap.add_argument("--restricted-path", help="a directory holding RestrictedPython, for the rp server")
    ap.add_argument("--baseline", type=Path, help="another checkout of the project, served as 'base' beside pg")
    args = ap.parse_args()
    if "rp" in args.only.split(",") and not args.restricted_path:
        ap.error("the rp server needs --restricted-path (pip install --target DIR RestrictedPython)")
    clients_list = [int(c) for c in args.clients.split(",")]
    most = max(clients_list)
    tmp = Path(tempfile.mkdtemp())
    name = f"guichet_bench_workload_{os.getpid()}"
    common = {"GUICHET_SECRET_KEY": secrets.token_hex(16), "GUICHET_JOBS": "inprocess",
              "GUICHET_PROCESSES_DIR": str(ROOT / "processes")}
    only = set(args.only.split(",")) | {"floor"}
    procs: list[subprocess.Popen[bytes]] = []
    targets: list[Target] = []
    try:
        floor_db = str(tmp / "floor.sqlite")
        subprocess.run([sys.executable, "-m", "bench.floor_app", "schema", floor_db], check=True, cwd=ROOT)
        port = free_port()
        procs.append(serve("bench.floor_app:app", port, {"FLOOR_DB": floor_db}))
        targets.append(Target("floor", port, FLOOR, procs[-1], f"sqlite:///{floor_db}", None))
        if "pg" in only:
            env = {**common, "DATABASE_URL": fresh_database(name), "GUICHET_STORAGE_DIR": str(tmp / "pg-files")}
            subprocess.run([sys.executable, "-m", "bench.workload_setup", "prepare", str(most)], check=True,
                           cwd=ROOT, env={**os.environ, **env})
            port = free_port()
            procs.append(serve("web:create_app()", port, env))
            targets.append(Target("pg", port, API, procs[-1], env["DATABASE_URL"], name))
        if args.baseline and "pg" in only:
            env = {**common, "DATABASE_URL": fresh_database(f"{name}_base"), "GUICHET_STORAGE_DIR": str(tmp / "base-files"),
                   "GUICHET_PROCESSES_DIR": str(args.baseline / "processes")}
            subprocess.run([sys.executable, "-m", "bench.workload_setup", "prepare", str(most)], check=True,
                           cwd=args.baseline, env={**os.environ, **env})
            port = free_port()
            procs.append(serve("web:create_app()", port, env, chdir=args.baseline.resolve()))
            targets.append(Target("base", port, API, procs[-1], env["DATABASE_URL"], f"{name}_base"))
        for variant, environment in (("open", "unrestricted"), ("rp", "restricted")):
            if variant not in only:
                continue
            env = {**common, "DATABASE_URL": fresh_database(f"{name}_{variant}"),
                   "GUICHET_STORAGE_DIR": str(tmp / f"{variant}-files"), "BENCH_ENVIRONMENT": environment,
                   "BENCH_RESTRICTED_PATH": args.restricted_path or ""}
            subprocess.run([sys.executable, "-m", "bench.workload_setup", "prepare", str(most)], check=True,
                           cwd=ROOT, env={**os.environ, **env})
            port = free_port()
            procs.append(serve("bench.unsandboxed:app", port, env))
            targets.append(Target(variant, port, API, procs[-1], env["DATABASE_URL"], f"{name}_{variant}"))
        if "sqlite" in only:
            url = f"sqlite:///{tmp / 'app.sqlite'}"
            env = {**common, "DATABASE_URL": url, "GUICHET_STORAGE_DIR": str(tmp / "sqlite-files")}
            subprocess.run([sys.executable, "-m", "bench.workload_setup", "prepare", str(most)], check=True,
                           cwd=ROOT, env={**os.environ, **env})
            port = free_port()
            procs.append(serve_embedded(port, env))
            targets.append(Target("sqlite", port, API, procs[-1], url, None))
            if args.baseline:  # the other checkout's embedded server on its own SQLite file
                url = f"sqlite:///{tmp / 'base.sqlite'}"
                env = {**common, "DATABASE_URL": url, "GUICHET_STORAGE_DIR": str(tmp / "base-sqlite-files"),
                       "GUICHET_PROCESSES_DIR": str(args.baseline / "processes")}
                subprocess.run([sys.executable, "-m", "bench.workload_setup", "prepare", str(most)], check=True,
                               cwd=args.baseline, env={**os.environ, **env})
                port = free_port()
                procs.append(serve_embedded(port, env, root=args.baseline.resolve()))
                targets.append(Target("base-sq", port, API, procs[-1], url, None))
        if "floor-pg" in only:  # the floor's routes on PostgreSQL (its own database)
            url = fresh_database(f"{name}_floor-pg")
            plain = url.replace("postgresql+psycopg://", "postgresql://")
            subprocess.run([sys.executable, "-m", "bench.floor_app", "schema", plain], check=True, cwd=ROOT)
            port = free_port()
            procs.append(serve("bench.floor_app:app", port, {"FLOOR_DB": plain}))
            targets.append(Target("floor-pg", port, FLOOR, procs[-1], url, f"{name}_floor-pg"))
        for t in targets:
            t.sign_in(most)
            run_round(t, most, 2, record=False)  # warm-up: specs parsed, pools filled, not timed
        before = {t.name: stored(t.url) for t in targets}
        for clients in clients_list:
            for _ in range(args.rounds):
                for t in targets:
                    run_round(t, clients, args.dossiers)
        stored_per = {}
        for t in targets:
            rows, size = stored(t.url)
            done = sum(s.dossiers for s in t.stats.values())
            stored_per[t.name] = ((rows - before[t.name][0]) / max(done, 1), (size - before[t.name][1]) / max(done, 1))
        print(f"{args.rounds} rounds of {args.dossiers} dossiers per client; gunicorn -w 2 gthread {THREADS} threads "
              f"(pg, floor), guichet serve (sqlite); load average {os.getloadavg()[0]:.1f}")
        report(targets, clients_list, stored_per)
        if args.tables and "pg" in only:
            for table, (n, size) in tuple_bytes(next(t.url for t in targets if t.name == "pg")).items():
                print(f"  {table:<28} {n:>8} rows {size / 1024:>9.1f} KB of tuples")
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            proc.wait(timeout=30)
        for key in ("pg", "open", "rp", "base", "floor-pg"):
            if key in only or (key == "base" and args.baseline):
                drop_database(name if key == "pg" else f"{name}_{key}")


if __name__ == "__main__":
    main()
