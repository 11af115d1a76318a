"""Faults against the real services: the database cut or reset under requests (a TCP proxy
the test controls), a saturated pool, a locked dossier, 40 people completing one task.
Every answer is a clean 200/409/503 — never a 500, never SQL in a body — and no dossier
is ever numbered without its procedure."""
from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from tests.conftest import Site
from tests.integration.faults_support import (
    AGENT,
    CITIZEN,
    SQL_TRACES,
    BoundedServer,
    another_app,
    drafts,
    false_incidents,
    first_task,
    orphans,
)
from tests.tcpproxy import Proxy


@pytest.fixture
def proxied(site: Site, database_url: str, backend: str, tmp_path: Path) -> Iterator[tuple[Proxy, Site]]:
    if backend != "postgresql":
        pytest.skip("the proxy sits in front of PostgreSQL")
    proxy = Proxy(("127.0.0.1", 5432))
    app = another_app(site, proxy.url(database_url), tmp_path)
    yield proxy, Site(app)
    proxy.close()
    with app.app_context():
        from web.extensions import db
        db.engines[None].dispose()


def _clean(response: object) -> None:
    body = response.get_data(as_text=True) if hasattr(response, "get_data") else response.text  # type: ignore[attr-defined]
    status = getattr(response, "status_code", None)
    assert status != 500, body[:300]
    assert not SQL_TRACES.search(body), body[:500]


def test_database_loss_is_a_503_on_every_route(proxied: tuple[Proxy, Site]) -> None:
    proxy, site = proxied
    api = site.app.test_client()
    agent = site.token(AGENT)
    page = site.client(CITIZEN)
    proxy.refuse(True)
    proxy.reset()
    answers = [
        api.get("/api/v1/dossiers", headers=agent),
        api.get("/api/v1/tasks", headers=agent),
        api.post("/api/v1/tokens", json={"email": AGENT, "password": "x"}),
        api.post("/api/v1/dossiers", json={"procedure": "permis_construire", "commune": "casablanca"}, headers=agent),
        api.get("/api/v1/procedures"),
    ]
    for r in answers:
        _clean(r)
        assert r.status_code == 503 and r.is_json and r.headers["Retry-After"], (r.request.path, r.data[:200])
        assert "indisponible" in r.json["message"]
    assert site.app.test_client().get("/auth/login").status_code == 200  # needs no database
    pages = [page.get("/dossiers/"), page.get("/"), page.get("/inbox"),
             site.app.test_client().post("/auth/login", data={"email": CITIZEN, "password": "x"})]
    for r in pages:
        _clean(r)
        assert r.status_code == 503 and r.mimetype == "text/html" and r.headers["Retry-After"]
        assert "indisponible" in r.get_data(as_text=True)
    arabic = api.get("/api/v1/dossiers", headers={**agent, "Accept-Language": "ar"})
    assert arabic.status_code == 503 and "الخدمة" in arabic.json["message"]
    assert "الخدمة" in site.app.test_client().get("/", headers={"Accept-Language": "ar"}).get_data(as_text=True)

    proxy.refuse(False)  # back: the dead pooled connections are replaced
    assert api.get("/api/v1/dossiers", headers=agent).status_code == 200
    assert page.get("/dossiers/").status_code == 200
    proxy.reset()  # every pooled connection dropped behind the app's back: reads do not notice
    assert api.get("/api/v1/dossiers", headers=agent).status_code == 200
    proxy.reset()
    assert page.get("/dossiers/").status_code == 200


def test_resets_during_submissions_leave_no_orphan_and_no_false_incident(proxied: tuple[Proxy, Site],
                                                                         site: Site) -> None:
    proxy, through = proxied
    ids = drafts(site, 24)
    citizen = site.token(CITIZEN)
    server = BoundedServer(through.app, 4)
    stop = threading.Event()

    def chaos() -> None:
        while not stop.wait(0.2):
            proxy.reset()
    statuses: Counter[int] = Counter()
    bodies: list[str] = []
    lock = threading.Lock()

    def submit(dossier_id: int) -> None:
        for _ in range(30):  # retry as a client would, after Retry-After
            r = requests.post(f"{server.url}/api/v1/dossiers/{dossier_id}/submit", headers=citizen, timeout=30)
            with lock:
                statuses[r.status_code] += 1
                bodies.append(r.text)
            if r.status_code != 503:
                return
            time.sleep(0.05)
    threading.Thread(target=chaos, daemon=True).start()
    try:
        workers = [threading.Thread(target=submit, args=(i,)) for i in ids]
        for w in workers:
            w.start()
        for w in workers:
            w.join()
    finally:
        stop.set()
        server.stop()
    print("submit under resets:", dict(statuses))
    assert set(statuses) <= {200, 409, 503} and statuses[200] > 0, statuses
    assert not [b for b in bodies if SQL_TRACES.search(b)]
    assert orphans(site) == []
    assert false_incidents(site) == []


def test_forty_concurrent_completions_one_winner_and_fast_409s(site: Site) -> None:
    task_id, agent = first_task(site)
    server = BoundedServer(site.app, 8)  # gunicorn -w 2 --threads 4 in one process
    barrier = threading.Barrier(40)
    results: list[tuple[int, float, str]] = []
    lock = threading.Lock()

    def attempt() -> None:
        session = requests.Session()
        barrier.wait()
        start = time.perf_counter()
        r = session.post(f"{server.url}/api/v1/tasks/{task_id}/complete", json={"data": {"complete": True}},
                         headers=agent, timeout=30)
        with lock:
            results.append((r.status_code, time.perf_counter() - start, r.text))
    threads = [threading.Thread(target=attempt) for _ in range(40)]
    try:
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    finally:
        server.stop()
    counts = Counter(status for status, _, _ in results)
    refusals = sorted(elapsed for status, elapsed, _ in results if status != 200)
    [won] = [elapsed for status, elapsed, _ in results if status == 200]
    p90 = refusals[int(0.9 * len(refusals))]
    print(f"40 concurrent completions: {dict(counts)}, 409s p90 {p90 * 1000:.0f} ms, slowest "
          f"{refusals[-1] * 1000:.0f} ms; the completion {won * 1000:.0f} ms")
    assert counts[200] == 1 and counts[409] == 39, counts
    # well under a second on a quiet machine (~0.5 s at worst); the bound leaves room for a
    # CI machine shared with other jobs (2 cores with 3 busy loops beside: p90 ~1.15 s) while
    # still failing a refusal that queued behind the winner's step or a lock timeout
    assert p90 < 1.5 and refusals[-1] < 3.0
    assert not [b for _, _, b in results if SQL_TRACES.search(b)]


def test_saturated_pool_is_a_quick_503_with_retry_after(site: Site, database_url: str, tmp_path: Path) -> None:
    app = another_app(site, database_url, tmp_path, GUICHET_DB_POOL_SIZE=1, GUICHET_DB_MAX_OVERFLOW=0,
                      GUICHET_DB_POOL_TIMEOUT=0.3)
    client = app.test_client()
    agent = Site(app).token(AGENT)
    with app.app_context():
        from web.extensions import db
        held = db.engine.connect()  # the pool's only connection, busy elsewhere
        try:
            start = time.perf_counter()
            r = client.get("/api/v1/dossiers", headers=agent)
            elapsed = time.perf_counter() - start
            page = client.get("/")
        finally:
            held.close()
        db.engines[None].dispose()
    assert r.status_code == 503 and r.headers["Retry-After"] and "sollicité" in r.json["message"]
    assert elapsed < 1.0
    assert page.status_code == 503 and page.headers["Retry-After"]
    _clean(r)


def test_a_dossier_held_by_another_step_is_a_quick_refusal(site: Site, backend: str, database_url: str,
                                                           tmp_path: Path) -> None:
    import sqlalchemy as sa
    task_id, agent = first_task(site)
    app = another_app(site, database_url, tmp_path, GUICHET_DB_BUSY_TIMEOUT=0.3)
    client = app.test_client()
    # the node is warm (its first request loads the catalog and the compiled procedures):
    # what is timed is the refusal, not the node's start
    assert client.get(f"/api/v1/tasks/{task_id}", headers=agent).status_code == 200
    holder = sa.create_engine(database_url, isolation_level="AUTOCOMMIT")
    with holder.connect() as conn:  # another step holds the dossier (SQLite: the write lock)
        if backend == "postgresql":
            conn.exec_driver_sql("BEGIN")
            conn.execute(sa.text("SELECT p.id FROM process_instance p JOIN human_task h ON h.instance_id = p.id "
                                 "WHERE h.id = :t FOR UPDATE OF p"), {"t": task_id})
        else:
            import sqlite3
            raw = sqlite3.connect(database_url.removeprefix("sqlite:///"), isolation_level=None)
            raw.execute("BEGIN IMMEDIATE")
        start = time.perf_counter()
        r = client.post(f"/api/v1/tasks/{task_id}/complete", json={"data": {"complete": True}}, headers=agent)
        elapsed = time.perf_counter() - start
        print(f"refused in {elapsed * 1000:.0f} ms")
        (conn.exec_driver_sql if backend == "postgresql" else raw.execute)("ROLLBACK")
    holder.dispose()
    with app.app_context():
        from web.extensions import db
        db.engines[None].dispose()
    # PostgreSQL: lock_timeout (0.5 s), then 409; SQLite: the busy timeout, then 503 — both say when to retry
    assert r.status_code == (409 if backend == "postgresql" else 503) and r.headers["Retry-After"], r.json
    # the wait is bounded by the lock or busy timeout (0.5 s / 0.3 s); the rest of the second
    # is room for a CI machine shared with other jobs
    assert elapsed < 1.5
    _clean(r)
