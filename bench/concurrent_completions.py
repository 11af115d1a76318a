"""200 people complete the same task at once, on 2 gunicorn nodes (issue 16).

Two nodes (``gunicorn -w 2 --threads 2`` each, the README's production setting) serve
``web:create_app()`` on one PostgreSQL database. A task is made READY (a ``ten_steps``
dossier); ``--clients`` threads, released together by a barrier, each POST its completion
to one of the nodes (alternately), on its own connection. Every request must be answered:
exactly one 200, the rest 409 (already completed, or the dossier held by the winner:
``Retry-After``) or 503 (a saturated node: ``Retry-After``), never a 500 or a timeout.
Prints the counts and the latency percentiles (target: p99 < 1 s).

    .venv/bin/python bench/concurrent_completions.py [--clients 200] [--rounds 3]
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
from collections import Counter  # noqa: E402

from bench.history import drop_database, fresh_database  # noqa: E402
from bench.http_bench import free_port, prepare_app, serve, token  # noqa: E402


def storm(ports: list[int], bearer: str, task_id: str, clients: int) -> list[tuple[int, float, str]]:
    """``clients`` simultaneous completions of ``task_id``: (status, seconds, reason) each."""
    barrier = threading.Barrier(clients)
    body = json.dumps({"data": {"note": "ok"}})
    out: list[tuple[int, float, str]] = []
    lock = threading.Lock()

    def client(k: int) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", ports[k % len(ports)], timeout=60)
        barrier.wait()
        t0 = time.perf_counter()
        try:
            conn.request("POST", f"/api/v1/tasks/{task_id}/complete", body,
                         {"Content-Type": "application/json", "Authorization": f"Bearer {bearer}"})
            response = conn.getresponse()
            payload = response.read()
            status, reason = response.status, ""
            if status != 200:
                try:
                    reason = str(json.loads(payload)["detail"]["reason"])
                except (ValueError, KeyError, TypeError):
                    reason = repr(payload[:200])
        except OSError:
            status, reason = 0, "not answered"
        with lock:
            out.append((status, time.perf_counter() - t0, reason))
        conn.close()

    threads = [threading.Thread(target=client, args=(k,)) for k in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return out


def deploy_catalog() -> None:
    """The catalog (message templates…) is deployed data: deploy the shipped one."""
    from handlers import catalog_store
    from web import create_app
    from web.bootstrap import get_engine
    app = create_app()
    with app.app_context():
        engine = get_engine(app)
        with engine.transaction() as s:
            catalog_store.deploy_files(s, ROOT / "processes", by="bench", comment=None, now=engine.clock())


def ready(port: int, within: float = 180) -> None:
    """Wait until the node's workers answer (the port opens before they have loaded the app)."""
    deadline = time.monotonic() + within
    while True:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
            conn.request("GET", "/api/v1/procedures")
            if conn.getresponse().status == 200:
                return
        except OSError:
            if time.monotonic() > deadline:
                raise
        time.sleep(0.5)


def percentile(xs: list[float], p: float) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, max(0, round(p * len(xs)) - 1))]


def cpu_seconds(pids: list[int]) -> float:
    """User + system CPU time of these processes so far (Linux /proc; 0 elsewhere)."""
    total = 0.0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return total


def workers(servers: list[subprocess.Popen[bytes]]) -> list[int]:
    """The gunicorn workers (the masters' children)."""
    pids = []
    for server in servers:
        try:
            pids += [int(p) for p in Path(f"/proc/{server.pid}/task/{server.pid}/children").read_text().split()]
        except OSError:
            pass
    return pids


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--clients", type=int, default=200)
    ap.add_argument("--rounds", type=int, default=3, help="storms, each on a fresh task")
    args = ap.parse_args()
    name = "guichet_bench_storm"
    tmp = Path(tempfile.mkdtemp())
    env = {"DATABASE_URL": fresh_database(name), "GUICHET_SECRET_KEY": secrets.token_hex(16),
           "GUICHET_STORAGE_DIR": str(tmp / "files"), "GUICHET_JOBS": "inprocess",
           "GUICHET_PROCESSES_DIR": str(ROOT / "processes")}
    servers: list[subprocess.Popen[bytes]] = []
    try:
        tasks = prepare_app(env, args.rounds + 1)
        deploy_catalog()
        ports = [free_port(), free_port()]
        servers = [serve("web:create_app()", port, env) for port in ports]
        for port in ports:
            ready(port)
        bearer = token(ports[0])
        storm(ports, bearer, tasks[-1], 8)  # warm-up: specs parsed, pools filled
        results: list[tuple[int, float, str]] = []
        pids = workers(servers)
        for k in range(args.rounds):
            spent = cpu_seconds(pids)
            round_ = storm(ports, bearer, tasks[k], args.clients)
            counts = Counter(status for status, _, _ in round_)
            print(f"round {k + 1}: {dict(sorted(counts.items()))}, "
                  f"p50 {percentile([s for _, s, _ in round_], 0.5) * 1000:.0f} ms, "
                  f"p99 {percentile([s for _, s, _ in round_], 0.99) * 1000:.0f} ms, "
                  f"CPU of the {len(pids)} workers {cpu_seconds(pids) - spent:.2f} s; "
                  f"load average {os.getloadavg()[0]:.1f}")
            assert counts[200] == 1, counts
            results += round_
        counts = Counter(status for status, _, _ in results)
        seconds = [s for _, s, _ in results]
        print(f"\n{args.rounds} × {args.clients} concurrent completions of one task, 2 nodes "
              f"(gunicorn -w 2 --threads 2 each): {dict(sorted(counts.items()))}")
        reasons: dict[tuple[int, str], list[float]] = {}
        for status, s, reason in results:
            reasons.setdefault((status, reason), []).append(s)
        for (status, reason), xs in sorted(reasons.items()):
            if status != 200:
                print(f"  {status} {reason}: {len(xs)}, max {max(xs) * 1000:.0f} ms")
        print(f"all answered: {counts[0] == 0}; 500s: {counts[500]}; "
              f"p50 {percentile(seconds, 0.5) * 1000:.0f} ms, p99 {percentile(seconds, 0.99) * 1000:.0f} ms, "
              f"max {max(seconds) * 1000:.0f} ms")
    finally:
        for proc in servers:
            proc.terminate()
        for proc in servers:
            proc.wait(timeout=30)
        drop_database(name)


if __name__ == "__main__":
    main()
