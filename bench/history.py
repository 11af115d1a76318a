"""Flat cost over years of history (issue 9, P2), on PostgreSQL.

One throw-away database per history size (default 1,000 and 1,000,000 dossiers). Each
gets the schema, the real procedures, the demo accounts and the same *live workload*
filed through the engine (permis waiting for their completeness check: the agents'
inboxes); then history — finished dossiers with their instance (a real finished state),
tasks, audit events, document versions, status changes and decision — bulk-loaded with
COPY (psycopg's ``cursor.copy``), not through the engine. Then, call after call on each
database in turn (so the machine's noise falls on both sizes alike):

* inbox: the READY tasks of the Casablanca guichet agent (first page, with the total);
* status: the dossier page (dossier, timeline, documents, steps, fees, decision) of a
  history dossier drawn among 500 of Casablanca's: at a million, mostly pages never read
  before (what a real look-up into years of history meets);
* status_warm: the same page for 20 of them again and again, their pages cached: what
  grows with the history's size apart from the cache;
* list: the agent's dossier list (first page);
* complete: a real engine completion of a live rc_check task.

It prints p50/p95 per query and size, the ratio p95(largest)/p95(smallest) (target
<= 1.2; inbox and status p95 <= 20 ms), the SQL statements per call, and writes the
EXPLAIN (ANALYZE, BUFFERS) plans at the largest size to ``--plans``.

    .venv/bin/python bench/history.py [--sizes 1000,1000000] [--live 100] [--plans FILE]
"""
from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.orm import sessionmaker

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import historyload  # noqa: E402
from bench.demo_signer import demo_signer  # noqa: E402
from engine import Base, Engine, compile_sources  # noqa: E402
from engine.compiler import Rules  # noqa: E402
from engine.definitions import deploy  # noqa: E402
from engine.models import HumanTask  # noqa: E402
from engine.sources import read_directory  # noqa: E402
from handlers import catalog_store, demo, queries  # noqa: E402
from handlers.accounts import actor_for, find_by_email  # noqa: E402
from handlers.dossier_models import Dossier  # noqa: E402
from handlers.files import FileStore  # noqa: E402
from handlers.ports import Ports  # noqa: E402
from handlers.registry import build_registry  # noqa: E402
from handlers.roles import lane_roles  # noqa: E402
from tests.filing import file_complete  # noqa: E402

ADMIN_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
AGENT = "guichet@casablanca.demo"
SMALL = {"parcelle": "TF 1/C", "usage": "habitation_individuelle", "surface": 150, "niveaux": 2}


def fresh_database(name: str) -> str:
    admin = sa.create_engine(ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        c.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        c.execute(sa.text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"


def drop_database(name: str) -> None:
    admin = sa.create_engine(ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        c.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


class Counter:
    """Counts (and keeps) the SQL statements an engine runs while switched on."""

    def __init__(self, db: sa.Engine):
        self.on = False
        self.statements: list[tuple[str, Any]] = []
        event.listen(db, "before_cursor_execute", self._seen)

    def _seen(self, conn, cursor, statement, parameters, context, executemany) -> None:  # noqa: ANN001
        if self.on:
            self.statements.append((statement, parameters))

    def run(self, fn: Callable[[], Any]) -> list[tuple[str, Any]]:
        self.statements, self.on = [], True
        try:
            fn()
        finally:
            self.on = False
        return self.statements


def p95(xs: list[float]) -> float:
    return sorted(xs)[max(0, round(0.95 * len(xs)) - 1)]


def timed(fn: Callable[[], Any], runs: int) -> list[float]:
    out = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        out.append((time.perf_counter() - t0) * 1000)
    return out


class Site:
    """One throw-away database at one history size, with its engine and live workload."""

    def __init__(self, size: int, live: int, tmp: Path):
        self.size, self.name = size, f"guichet_bench_history_{size}"
        self.db = sa.create_engine(fresh_database(self.name), pool_size=5)
        self.counter = Counter(self.db)
        Base.metadata.create_all(self.db)
        self.sessions = sessionmaker(bind=self.db, expire_on_commit=False)
        self.ports = Ports(files=FileStore(tmp / self.name), signer=demo_signer(tmp / f"{self.name}-pki"))
        self.engine = Engine(self.sessions, build_registry(self.ports), lane_roles=lane_roles())
        result = compile_sources(*read_directory(ROOT / "processes"),
                                 Rules(operators=set(self.engine.registry), lane_roles=lane_roles()))
        with self.engine.transaction() as s:
            deploy(s, result.processes, by="bench", comment=None, now=self.engine.clock())
            catalog_store.deploy_files(s, ROOT / "processes", by="bench", comment=None, now=self.engine.clock())
            demo.seed(s, "bench-password-1", self.engine.clock())
        with self.sessions() as s:
            self.agent = actor_for(find_by_email(s, AGENT))
            citizen = actor_for(find_by_email(s, "citoyen@guichet.demo"))
        self.live = [file_complete(self.engine, self.ports, citizen, "permis_construire", SMALL)
                     for _ in range(live)]
        state = historyload.finished_state(self.engine, self.ports, self.sessions, self.agent)
        t0 = time.perf_counter()
        with self.db.connect() as conn:
            rows = historyload.load(conn, start=0, count=size, state=state)
        with self.db.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(sa.text("VACUUM ANALYZE"))
        print(f"history: {size:,} dossiers ({rows:,} rows by COPY) in {time.perf_counter() - t0:.0f} s, "
              f"beside {live} live dossiers filed through the engine")
        with self.sessions() as s:
            # the status is read of history's dossiers at every size: at 1k, Casablanca's dossiers
            # are two thirds live ones (just filed, a short timeline), at 1M nearly all finished
            # ones, and comparing those measured the dossiers' content, not the history's size
            self.casa = list(s.scalars(sa.select(Dossier.id).where(Dossier.commune_code == "casablanca",
                                                                   Dossier.number.like("%-H%"))
                                       .order_by(sa.func.random()).limit(500)))
            self.ready = list(s.scalars(
                sa.select(HumanTask.id).join(Dossier, Dossier.instance_id == HumanTask.instance_id)
                .where(Dossier.id.in_(self.live), HumanTask.state == "READY", HumanTask.bpmn_id == "rc_check")
                .limit(max(1, live // 2))))

    def calls(self, rng: random.Random) -> dict[str, Callable[[], Any]]:
        def inbox() -> None:
            with self.sessions() as s:
                queries.inbox(s, self.agent)

        def status() -> None:
            with self.sessions() as s:
                queries.dossier_view(s, self.agent, rng.choice(self.casa))

        def status_warm() -> None:  # the same 20 dossiers again and again: their pages cached
            with self.sessions() as s:
                queries.dossier_view(s, self.agent, rng.choice(self.casa[:20]))

        def listing() -> None:
            with self.sessions() as s:
                queries.dossiers(s, self.agent)

        todo = iter(self.ready)

        def complete() -> None:
            self.engine.complete(next(todo), {"complete": True}, self.agent)
        return {"inbox": inbox, "status": status, "status_warm": status_warm, "list": listing, "complete": complete}

    def close(self, keep: bool) -> None:
        self.db.dispose()
        if not keep:
            drop_database(self.name)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", default="1000,1000000", help="history sizes, in dossiers (ascending)")
    ap.add_argument("--live", type=int, default=100, help="open dossiers filed through the engine, per database")
    ap.add_argument("--runs", type=int, default=300, help="timed calls per query and size")
    ap.add_argument("--plans", default=str(ROOT / "test-output" / "bench" / "history-plans.txt"))
    ap.add_argument("--keep", action="store_true", help="keep the databases afterwards")
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp())
    sites: list[Site] = []
    try:
        for size in (int(s) for s in args.sizes.split(",")):
            sites.append(Site(size, args.live, tmp))
        report(measure(sites, args.runs), [s.size for s in sites])
        explain(sites[-1], Path(args.plans))
    finally:
        for site in sites:
            site.close(args.keep)


def measure(sites: list[Site], runs: int) -> dict[int, dict[str, list[float]]]:
    """Every query on every database in turn, call after call: the machine's noise falls
    on all sizes alike (a shared 2-core machine; medians and ratios are what count)."""
    rng = random.Random(9)
    calls = {site.size: site.calls(rng) for site in sites}
    out: dict[int, dict[str, list[float]]] = {site.size: {} for site in sites}
    for name in ("inbox", "status", "status_warm", "list", "complete"):
        n = min(len(s.ready) for s in sites) if name == "complete" else runs
        if name != "complete":
            for site in sites:  # warm the pools and caches
                timed(calls[site.size][name], 20)
        for site in sites:
            out[site.size][name] = []
        for _ in range(n):
            for site in sites:
                out[site.size][name] += timed(calls[site.size][name], 1)
    for site in sites:
        c = site.calls(rng)
        counts = {n: len(site.counter.run(c[n])) for n in ("inbox", "status", "list")}
        print(f"  {site.size:,}: SQL statements per call: " + ", ".join(f"{n} {k}" for n, k in counts.items()))
    return out


def explain(site: Site, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    calls = site.calls(random.Random(1))
    with path.open("w") as out, site.sessions() as s:
        for name in ("inbox", "status", "list"):
            for statement, params in site.counter.run(calls[name]):
                plan = s.connection().exec_driver_sql(f"EXPLAIN (ANALYZE, BUFFERS) {statement}", params)
                out.write(f"-- {name}\n{statement}\n" + "\n".join(r[0] for r in plan) + "\n\n")
    print(f"EXPLAIN (ANALYZE, BUFFERS) plans at {site.size:,} dossiers written to {path}")


def report(results: dict[int, dict[str, list[float]]], sizes: list[int]) -> None:
    small, large = results[sizes[0]], results[sizes[-1]]
    print(f"\n{'query':<10}" + "".join(f"{f'{n:,}: p50 / p95 ms':>28}" for n in sizes) + f"{'p95 ratio':>12}")
    for q in ("inbox", "status", "status_warm", "list", "complete"):
        cells = "".join(f"{statistics.median(results[n][q]):>19.2f} / {p95(results[n][q]):>6.2f}" for n in sizes)
        print(f"{q:<10}{cells}{p95(large[q]) / p95(small[q]):>12.2f}")
    print("targets: p95 ratio <= 1.2; inbox and status p95 <= 20 ms")


if __name__ == "__main__":
    main()
