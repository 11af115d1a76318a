"""Views marked ``@reads_only`` run their own statements in autocommit, and give their
connection back as they found it."""
from __future__ import annotations

from typing import Any

from sqlalchemy import event

from tests.conftest import Site
from tests.web.test_api import CITIZEN, api_file

AGENT = "guichet@casablanca.demo"


def test_reads_only_views_hold_no_transaction_and_return_their_connection_as_found(site: Site) -> None:
    from web.extensions import db
    api = site.app.test_client()
    citizen, agent = site.token(CITIZEN), site.token(AGENT)
    dossier_id = api_file(site, citizen)
    with site.app.app_context():
        engine = db.engine
    seen: list[tuple[str, bool]] = []  # (statement, run in autocommit)

    def listener(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        auto = conn.get_execution_options().get("isolation_level") == "AUTOCOMMIT"
        if engine.dialect.name == "postgresql":
            assert bool(conn.connection.dbapi_connection.autocommit) == auto
        seen.append((statement.split()[0].upper(), auto))
    event.listen(engine, "before_cursor_execute", listener)
    try:
        [task] = api.get("/api/v1/tasks", headers=agent).json["items"]
        assert seen and all(auto for _, auto in seen), seen  # the inbox: all autocommit, no BEGIN
        seen.clear()
        done = api.post(f"/api/v1/tasks/{task['id']}/complete", json={"data": {"complete": True}}, headers=agent)
        assert done.status_code == 200 and done.json == {"dossier_id": dossier_id, "status": "commission"}
        # the view's own reads (the caller, the task's projection — which also says whether it
        # signs) in autocommit; then the engine's step in one transaction of its own, the new
        # status read last in it, as the step left it (no statement after the step)
        assert seen[:2] == [("SELECT", True)] * 2, seen
        assert not any(auto for _, auto in seen[2:]) and seen[-1] == ("SELECT", False), seen
        seen.clear()
        again = api.post(f"/api/v1/tasks/{task['id']}/complete", json={"data": {"complete": True}}, headers=agent)
        # refused from the projection: the caller, the task's projection, the name of who did
        # it — three reads on the request's connection, no transaction, no lock waited for
        assert again.status_code == 409 and "Rachid Bennani" in again.json["message"], again.json
        assert seen == [("SELECT", True)] * 3, seen
        seen.clear()
        third = api.post(f"/api/v1/tasks/{task['id']}/complete", json={"data": {"complete": True}}, headers=agent)
        assert third.json == again.json and seen == [("SELECT", True)] * 2, seen  # the name is remembered
    finally:
        event.remove(engine, "before_cursor_execute", listener)
    with site.app.app_context(), db.engine.connect() as conn:  # pooled connections come back in
        raw = conn.connection.dbapi_connection                 # our own transaction handling
        assert (raw.isolation_level is None) if db.engine.dialect.name == "sqlite" else (raw.autocommit is False)
        assert conn.get_isolation_level() != "AUTOCOMMIT"


def test_a_name_is_remembered_a_minute_then_read_again(site: Site, monkeypatch: Any) -> None:
    from handlers import accounts
    from handlers.accounts import display_name, find_by_email
    from web.extensions import db
    with site.app.app_context():
        agent = find_by_email(db.session(), AGENT)
        assert agent is not None
        seen: list[str] = []

        def listener(_conn: Any, _cursor: Any, statement: str, *args: Any) -> None:
            seen.append(statement)
        event.listen(db.engine, "before_cursor_execute", listener)
        try:
            assert display_name(db.session(), agent.id) == agent.full_name and len(seen) == 1
            assert display_name(db.session(), agent.id) == agent.full_name and len(seen) == 1
            assert display_name(db.session(), "no-such-user") is None and len(seen) == 2
            assert display_name(db.session(), "no-such-user") is None and len(seen) == 3  # nobody: not remembered
            a_minute_later = {k: (v, 0.0) for k, (v, _) in accounts._NAMES.items()}
            monkeypatch.setattr(accounts, "_NAMES", a_minute_later)
            assert display_name(db.session(), agent.id) == agent.full_name and len(seen) == 4
        finally:
            event.remove(db.engine, "before_cursor_execute", listener)
