"""Twenty people complete the same READY task at the same instant: exactly one wins. Those
who come after it are refused from the task's projection, without waiting for the lock."""
from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import pytest
import requests
import sqlalchemy as sa

from engine import Conflict, Forbidden, NotFound
from engine.db import WRITE
from engine.models import ProcessInstance
from tests.bpmn.helpers import actions, instance, ready_tasks
from tests.conftest import AGENT, APPLICANT, OTHER_AGENT, Site
from tests.integration.faults_support import SQL_TRACES, BoundedServer, first_task


def test_twenty_concurrent_completions_one_winner(engine, sessions) -> None:
    iid = engine.start("approval", {"applicant_id": APPLICANT.user_id}, APPLICANT, scope="casa")
    [review] = ready_tasks(sessions, iid)
    barrier = threading.Barrier(20)
    outcomes: list[str] = []
    lock = threading.Lock()

    def attempt() -> None:
        barrier.wait()
        try:
            engine.complete(review.id, {"complete": False}, AGENT)
            result = "ok"
        except Conflict:
            result = "conflict"
        except Exception as exc:  # noqa: BLE001 - any other outcome fails the test below
            result = f"{type(exc).__name__}: {exc}"
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=attempt) for _ in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["conflict"] * 19 + ["ok"]
    assert actions(sessions, iid).count("task.completed") == 1
    [fix] = ready_tasks(sessions, iid)  # the workflow advanced exactly once
    assert fix.bpmn_id == "fix"


@contextmanager
def held(db_engine: sa.Engine, instance_id: int) -> Iterator[None]:
    """Another step holds the dossier: its row lock (PostgreSQL), the write lock (SQLite)."""
    with db_engine.connect() as conn:
        conn = conn.execution_options(**{WRITE: True})  # SQLite: BEGIN IMMEDIATE
        with conn.begin() as tx:
            conn.execute(sa.select(ProcessInstance.id).where(ProcessInstance.id == instance_id).with_for_update())
            yield
            tx.rollback()


def outcome_within(call: Callable[[], object], seconds: float) -> BaseException | None:
    """What ``call`` raised (None if it returned), provided it answered within ``seconds``."""
    box: list[BaseException | None] = []

    def run() -> None:
        try:
            call()
            box.append(None)
        except BaseException as exc:  # noqa: BLE001 - the test looks at it
            box.append(exc)
    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(seconds)
    assert box, "it waited for the dossier another step holds"
    return box[0]


def test_a_task_already_done_is_refused_without_waiting_for_the_dossier(engine, sessions, db_engine) -> None:
    iid = engine.start("approval", {"applicant_id": APPLICANT.user_id}, APPLICANT, scope="casa")
    [review] = ready_tasks(sessions, iid)
    version = instance(sessions, iid).version
    engine.complete(review.id, {"complete": False, "missing": ["plan"]}, AGENT)
    [fix] = ready_tasks(sessions, iid)
    with held(db_engine, iid):  # the test's engine has no lock timeout: a wait would last
        start = time.perf_counter()
        done = outcome_within(lambda: engine.complete(review.id, {"complete": True}, AGENT), 5)
        assert isinstance(done, Conflict) and "already completed" in str(done) and done.by == AGENT.user_id
        # an agent of another commune learns nothing of the task's state, there either
        assert isinstance(outcome_within(lambda: engine.complete(review.id, {"complete": True}, OTHER_AGENT), 5),
                          Forbidden)
        stale = outcome_within(lambda: engine.complete(fix.id, {}, APPLICANT, expected_version=version), 5)
        assert isinstance(stale, Conflict) and "changed since you opened" in str(stale)
        assert isinstance(outcome_within(lambda: engine.complete("no-such-task", {}, AGENT), 5), NotFound)
        assert time.perf_counter() - start < 5
    # the READY task goes on to the lock, where the same rule is checked again
    engine.complete(fix.id, {"comment": "voici le plan"}, APPLICANT, expected_version=version + 1)
    assert actions(sessions, iid).count("task.completed") == 2


def test_fifty_concurrent_completions_over_http_on_postgresql(site: Site, backend: str) -> None:
    """Fifty people post the same task's completion at once to a server of 8 threads (as
    many as two nodes of ``gunicorn -w 2 --threads 2``): one 200, every other answer a 409
    (or a 503 saying when to retry), never a 500, and the step done once."""
    if backend != "postgresql":
        pytest.skip("the production database; SQLite serializes writers itself")
    task_id, agent = first_task(site)
    server = BoundedServer(site.app, 8)
    barrier = threading.Barrier(50)
    results: list[tuple[int, float, str, str | None]] = []
    lock = threading.Lock()

    def attempt() -> None:
        session = requests.Session()
        barrier.wait()
        start = time.perf_counter()
        r = session.post(f"{server.url}/api/v1/tasks/{task_id}/complete", json={"data": {"complete": True}},
                         headers=agent, timeout=30)
        with lock:
            results.append((r.status_code, time.perf_counter() - start, r.text, r.headers.get("Retry-After")))
    threads = [threading.Thread(target=attempt) for _ in range(50)]
    try:
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    finally:
        server.stop()
    counts = Counter(status for status, _, _, _ in results)
    assert counts[200] == 1 and counts[409] + counts[503] == 49, counts
    assert all(after for status, _, _, after in results if status == 503)
    assert not [text for _, _, text, _ in results if SQL_TRACES.search(text)]
    assert max(elapsed for _, elapsed, _, _ in results) < 5  # a bound for a shared CI machine
    with site.app.app_context():
        from engine.models import AuditEvent
        from web.extensions import db
        assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent).where(
            AuditEvent.action == "task.completed", AuditEvent.task_id == task_id)) == 1


def test_one_who_waited_for_the_winner_is_refused_without_loading_the_workflow(
        engine, sessions, db_engine, backend: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Let through before the winner committed, a completion waits for the lock; once it has
    it, the task is read as the winner left it: "already completed", no workflow loaded."""
    if backend != "postgresql":
        pytest.skip("SQLite's writers start their snapshot once they hold the write lock")
    iid = engine.start("approval", {"applicant_id": APPLICANT.user_id}, APPLICANT, scope="casa")
    [review] = ready_tasks(sessions, iid)
    inside, release = threading.Event(), threading.Event()

    def pause(*_args: object) -> None:  # the winner's step, before its commit
        inside.set()
        assert release.wait(10)
    engine.task_listener = pause
    loads: list[int] = []
    real_load = engine._load
    monkeypatch.setattr(engine, "_load", lambda *a: loads.append(1) or real_load(*a))
    winner = threading.Thread(target=engine.complete, args=(review.id, {"complete": False}, AGENT))
    winner.start()
    assert inside.wait(10)
    engine.task_listener = None
    late: list[BaseException | None] = []
    second = threading.Thread(target=lambda: late.append(outcome_within(
        lambda: engine.complete(review.id, {"complete": True}, AGENT), 10)))
    second.start()
    with db_engine.connect() as conn:  # until it waits for the dossier's lock
        deadline = time.monotonic() + 10
        while not conn.execute(sa.text("SELECT count(*) FROM pg_locks WHERE NOT granted")).scalar():
            assert time.monotonic() < deadline
            time.sleep(0.02)
    release.set()
    winner.join(10)
    second.join(15)
    [refusal] = late
    assert isinstance(refusal, Conflict) and "already completed" in str(refusal) and refusal.by == AGENT.user_id
    assert len(loads) == 1  # the winner's
    assert actions(sessions, iid).count("task.completed") == 1
