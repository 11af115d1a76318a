"""SQL statements per request on the main pages and API calls, counted with an SQLAlchemy
event listener. The bounds are what the pages need today: a change that adds round trips
to a page (an N+1 query, a lazy load in a loop) fails here."""
from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import event

from tests.web.conftest import Site
from tests.web.test_api import CITIZEN, api_file

AGENT = "guichet@casablanca.demo"
BOUNDS = {  # page -> most statements it may run (the counts measured when this was written)
    # the inbox also lists the user's next commission sessions (seats, rooms, sessions: 3);
    # procedure names come from the newest deployed catalog (its id: 1 light query) and task
    # titles from the newest deployed forms (their ids: 1; the forms once per deployment: 1);
    # the list's count only when its page is full
    "GET /inbox": 10,
    # the task's form is read as deployed with its instance's version (1 light query); the
    # dossier's catalog version is cached by id (no query)
    # the dossier's document requests (1) and its payment order (1; its payments only when one exists)
    "GET /tasks/<id>": 15, "GET /dossiers/<id>": 10,
    # the applicant's dossiers name their communes: one query for the names of all of them
    "GET /dossiers/": 6,
    # sign-in 1; the page 1 (its count only when the page is full); a task with its form, the
    # instance's version and the definition's forms (cached by content hash): 1, and when the
    # instance runs called processes (this one: the shared recevabilite), the state to find
    # which version the task's call runs and that version's forms: 2; whether a document request is open comes
    # with the task (its documents and requests only when one is: 2)
    "GET /api/v1/tasks": 2, "GET /api/v1/tasks/<id>": 4, "GET /api/v1/dossiers/<id>": 9,
    # the completeness check convenes the commission: the agent's next scheduled session or a
    # new one, agenda, members, notifications; the call to `commission` looks up the newest
    # deployed version of the process it names when it starts (1) and, on a cold node, loads
    # it once (its spec and forms: 2 — this count is the cold node's when the test runs alone,
    # 2 fewer after other tests warmed the process); whether the task signs (and asks a PIN)
    # comes with the early check's read of the task row, at no statement of its own
    "POST /api/v1/tasks/<id>/complete": 34,
}


@contextmanager
def counting(site: Site) -> Iterator[list[str]]:
    from web.extensions import db
    seen: list[str] = []

    def listener(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        seen.append(statement)
    with site.app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", listener)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", listener)


def test_statements_per_request_stay_bounded(site: Site) -> None:
    citizen_token = site.token(CITIZEN)
    dossier_id = api_file(site, citizen_token)
    agent, citizen, api = site.client(AGENT), site.client(CITIZEN), site.app.test_client()
    agent_token = site.token(AGENT)
    [task] = api.get("/api/v1/tasks", headers=agent_token).json["items"]
    requests: dict[str, Callable[[], Any]] = {
        "GET /inbox": lambda: agent.get("/inbox"),
        "GET /tasks/<id>": lambda: agent.get(f"/tasks/{task['id']}"),
        "GET /dossiers/": lambda: citizen.get("/dossiers/"),
        "GET /dossiers/<id>": lambda: citizen.get(f"/dossiers/{dossier_id}"),
        "GET /api/v1/tasks": lambda: api.get("/api/v1/tasks", headers=agent_token),
        "GET /api/v1/tasks/<id>": lambda: api.get(f"/api/v1/tasks/{task['id']}", headers=agent_token),
        "GET /api/v1/dossiers/<id>": lambda: api.get(f"/api/v1/dossiers/{dossier_id}", headers=citizen_token),
        "POST /api/v1/tasks/<id>/complete": lambda: api.post(f"/api/v1/tasks/{task['id']}/complete",
                                                             json={"data": {"complete": True}},
                                                             headers=agent_token),
    }
    counts = {}
    for name, call in requests.items():
        with counting(site) as seen:
            response = call()
        assert response.status_code == 200, (name, response.status_code)
        counts[name] = len(seen)
    over = {name: (n, BOUNDS[name]) for name, n in counts.items() if n > BOUNDS[name]}
    assert not over, f"statements per request above their bound: {over} (all: {counts})"
