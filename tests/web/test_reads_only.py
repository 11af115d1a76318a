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
        # the view's own reads (the caller and the task — is it a signing task? — then the new
        # status) in autocommit; the engine's step between them in one transaction of its own
        assert seen[:2] == [("SELECT", True)] * 2 and seen[-1] == ("SELECT", True), seen
        assert not any(auto for _, auto in seen[2:-1]), seen
    finally:
        event.remove(engine, "before_cursor_execute", listener)
    with site.app.app_context(), db.engine.connect() as conn:  # pooled connections come back in
        raw = conn.connection.dbapi_connection                 # our own transaction handling
        assert (raw.isolation_level is None) if db.engine.dialect.name == "sqlite" else (raw.autocommit is False)
        assert conn.get_isolation_level() != "AUTOCOMMIT"
