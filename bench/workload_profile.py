"""Where bench/workload.py's requests spend their CPU, per request kind, in process.

The workload's dossiers run through Flask's test client (no HTTP server, no sockets) with
cProfile switched on around each request of one kind at a time, on PostgreSQL (a fresh
database) or SQLite (``--sqlite``). Prints CPU ms per request kind (a first pass, without
the profiler), its statements and, on PostgreSQL, its round trips to the server (the
statements and the BEGIN / COMMIT / ROLLBACK psycopg sends) and, per kind, the functions with the most CPU time (a second pass, profiled
with a CPU clock: time waiting on the database is not counted).

    .venv/bin/python bench/workload_profile.py [--dossiers 40] [--sqlite] [--top 25] [--kind complete]
"""
from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import argparse  # noqa: E402
import cProfile  # noqa: E402
import io  # noqa: E402
import os  # noqa: E402
import pstats  # noqa: E402
import secrets  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from collections import defaultdict  # noqa: E402
from typing import Any  # noqa: E402

from bench.history import drop_database, fresh_database  # noqa: E402
from bench.workload import API, DATA  # noqa: E402
from bench.workload_report import KINDS  # noqa: E402
from bench.workload_setup import PASSWORD, PROCEDURE, client_email, commune, prepare  # noqa: E402


def package_of(filename: str) -> str:
    """The package a profiled function belongs to: site-packages' top level, our own
    top-level folders, else the standard library (or a builtin)."""
    if "site-packages/" in filename:
        return filename.split("site-packages/", 1)[1].split("/", 1)[0].removesuffix(".py")
    if filename.startswith(str(ROOT)):
        return filename[len(str(ROOT)) + 1:].split("/", 1)[0]
    return "builtins" if filename == "~" else "stdlib"


def by_package(stats: pstats.Stats) -> list[tuple[str, float]]:
    """Own CPU (tottime, ms) per package, largest first."""
    totals: dict[str, float] = defaultdict(float)
    for (filename, _line, _name), (_cc, _nc, tottime, _ct, _callers) in stats.stats.items():  # type: ignore[attr-defined]
        totals[package_of(filename)] += tottime * 1000
    return sorted(totals.items(), key=lambda kv: -kv[1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--dossiers", type=int, default=40)
    ap.add_argument("--sqlite", action="store_true")
    ap.add_argument("--top", type=int, default=25)
    ap.add_argument("--kind", default=",".join(KINDS), help="kinds whose profile to print")
    ap.add_argument("--sort", default="cumulative")
    ap.add_argument("--statements", action="store_true", help="print the SQL of one request of each kind")
    ap.add_argument("--packages", action="store_true", help="per kind, CPU (own time) by package")
    ap.add_argument("--callers", help="per kind, who calls the functions matching this (a pstats pattern)")
    ap.add_argument("--callees", help="per kind, what the functions matching this call (a pstats pattern)")
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp())
    name = f"guichet_bench_profile_{os.getpid()}"
    url = f"sqlite:///{tmp / 'app.sqlite'}" if args.sqlite else fresh_database(name)
    os.environ.update({"DATABASE_URL": url, "GUICHET_SECRET_KEY": secrets.token_hex(16), "GUICHET_JOBS": "inprocess",
                       "GUICHET_STORAGE_DIR": str(tmp / "files"), "GUICHET_PROCESSES_DIR": str(ROOT / "processes")})
    try:
        prepare(1)
        from web import create_app
        app = create_app()
        client = app.test_client()
        r = client.post("/api/v1/tokens", json={"email": client_email(1), "password": PASSWORD})
        headers = {"Authorization": f"Bearer {r.json['token']}"}
        profiles = {k: cProfile.Profile(time.process_time) for k in KINDS}  # CPU, not waits
        statements: dict[str, list[str]] = defaultdict(list)
        current = [""]
        from sqlalchemy import event

        from web.extensions import db
        with app.app_context():
            event.listen(db.engine, "before_cursor_execute",
                         lambda _c, _cur, statement, *_a: statements[current[0]].append(statement))
        commands: dict[str, int] = defaultdict(int)  # BEGIN, COMMIT, ROLLBACK psycopg sent (PostgreSQL)
        if not args.sqlite:
            from psycopg._connection_base import BaseConnection  # the one place psycopg sends them

            sent = BaseConnection._exec_command  # noqa: SLF001

            def counted(self: Any, command: Any, *a: Any, **k: Any) -> Any:
                commands[current[0]] += 1
                return (yield from sent(self, command, *a, **k))
            BaseConnection._exec_command = counted  # type: ignore[method-assign]  # noqa: SLF001
        cpu: dict[str, list[float]] = defaultdict(list)

        profiling = False

        def call(kind: str, method: str, ident: Any = None, body: Any = None, record: bool = True) -> Any:
            path = API[kind].format(ident)
            current[0] = kind if record and not profiling else ""
            t0 = time.process_time()
            if profiling:
                profiles[kind].enable()
            response = client.open(path, method=method, json=body, headers=headers)
            if profiling:
                profiles[kind].disable()
            elif record:
                cpu[kind].append((time.process_time() - t0) * 1000)
            assert response.status_code < 300, (path, response.status_code, response.json)
            return response.json

        def dossier(record: bool) -> None:
            d = call("create", "POST", body={"procedure": PROCEDURE, "commune": commune(1), "fields": {}}, record=record)
            call("submit", "POST", d["id"], record=record)
            while items := call("inbox", "GET", record=record)["items"]:
                for item in items:
                    t = call("task", "GET", item["id"], record=record)
                    call("complete", "POST", item["id"], {"data": DATA[item["bpmn_id"]],
                                                          "expected_version": t["version"]}, record=record)
        for _ in range(3):
            dossier(record=False)
        for _ in range(args.dossiers):  # CPU time without the profiler's overhead
            dossier(record=True)
        profiling = True
        for _ in range(args.dossiers):
            dossier(record=True)
        completions = len(cpu["complete"])
        total = sum(sum(v) for v in cpu.values())
        print(f"{'sqlite' if args.sqlite else 'postgresql'}: {args.dossiers} dossiers, "
              f"CPU of this process {total / completions:.2f} ms per completion (database server not counted)")
        for kind in KINDS:
            xs = sorted(cpu[kind])
            trips = "" if args.sqlite else f"  {(len(statements[kind]) + commands[kind]) / len(xs):5.1f} round trips"
            print(f"  {kind:<9} {len(xs):>5} requests  mean {sum(xs) / len(xs):6.2f} ms  p50 {xs[len(xs) // 2]:6.2f} ms"
                  f"  {len(statements[kind]) / len(xs):5.1f} statements{trips}")
        if args.statements:
            for kind in args.kind.split(","):
                print(f"\n--- statements of one {kind} (the first)")
                per = len(statements[kind]) // len(cpu[kind])
                print("\n".join(" ".join(x.split())[:160] for x in statements[kind][:per]))
        print("Python function calls per request (the profiled pass; a measure the machine's load leaves alone):")
        for kind in KINDS:
            calls = pstats.Stats(profiles[kind]).total_calls  # type: ignore[attr-defined]
            print(f"  {kind:<9} {calls / len(cpu[kind]):8.0f}")
        if args.packages:
            for kind in args.kind.split(","):
                print(f"\n--- {kind}: ms of own CPU per request, by package (profiled, so inflated alike)")
                shares = by_package(pstats.Stats(profiles[kind]))
                print("  " + "  ".join(f"{name} {ms / len(cpu[kind]):.2f}" for name, ms in shares))
        for kind in args.kind.split(","):
            out = io.StringIO()
            pstats.Stats(profiles[kind], stream=out).sort_stats(args.sort).print_stats(args.top)
            if args.callers:
                pstats.Stats(profiles[kind], stream=out).sort_stats(args.sort).print_callers(args.callers)
            if args.callees:
                pstats.Stats(profiles[kind], stream=out).sort_stats(args.sort).print_callees(args.callees)
            print(f"\n===== {kind} =====")
            print("\n".join(line for line in out.getvalue().splitlines() if line.strip())[:20000])
    finally:
        if not args.sqlite:
            drop_database(name)


if __name__ == "__main__":
    main()
