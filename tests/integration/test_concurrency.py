"""Twenty people complete the same READY task at the same instant: exactly one wins."""
from __future__ import annotations

import threading

from engine import Conflict
from tests.bpmn.helpers import actions, ready_tasks
from tests.conftest import AGENT, APPLICANT


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
