"""Shared pieces of the fault tests: a live server with a bounded thread pool (like
gunicorn's gthread), an app on another URL (through the proxy), drafts ready to submit."""
from __future__ import annotations

import re
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from flask import Flask
from werkzeug.serving import ThreadedWSGIServer

from tests.conftest import PROCESSES, Site

CITIZEN = "citoyen@guichet.demo"
AGENT = "guichet@casablanca.demo"
SMALL = {"parcelle": "TF 1/C", "usage": "habitation_individuelle", "surface": 120, "niveaux": 2}
SQL_TRACES = re.compile(r"SELECT |INSERT |UPDATE |DELETE FROM|psycopg|sqlalchemy|sqlite3|\[SQL|Traceback", re.I)


class BoundedServer(ThreadedWSGIServer):
    """A WSGI server answering with at most ``workers`` threads; the rest wait in the
    listen queue, as with gunicorn's threads."""

    def __init__(self, app: Flask, workers: int):
        super().__init__("127.0.0.1", 0, app)
        self._pool = ThreadPoolExecutor(workers)
        self.url = f"http://127.0.0.1:{self.server_port}"
        self._thread = threading.Thread(target=self.serve_forever, daemon=True)
        self._thread.start()

    def process_request(self, request: Any, client_address: Any) -> None:
        self._pool.submit(self.process_request_thread, request, client_address)

    def stop(self) -> None:
        self.shutdown()
        self._pool.shutdown(wait=False, cancel_futures=True)
        self.server_close()


def another_app(site: Site, url: str, tmp_path: Path, **config: Any) -> Flask:
    """The site's app again, on ``url`` (the same database through the proxy)."""
    from web import create_app
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "TESTING": True, "WTF_CSRF_ENABLED": False,
                      "GUICHET_PROCESSES_DIR": str(PROCESSES),
                      "GUICHET_STORAGE_DIR": site.app.config["GUICHET_STORAGE_DIR"],
                      "SECRET_KEY": "test", **config})
    app.extensions["guichet.ports"].signer = site.app.extensions["guichet.ports"].signer
    return app


def drafts(site: Site, count: int) -> list[int]:
    """``count`` complete drafts of the citizen (every checklist document), not submitted."""
    from handlers import dossiers
    from handlers.accounts import actor_for, find_by_email
    from tests.pdfs import tiny_pdf
    from web.bootstrap import get_engine
    engine, ports = get_engine(site.app), site.app.extensions["guichet.ports"]
    ids = []
    with site.app.app_context(), engine.transaction() as s:
        applicant = actor_for(find_by_email(s, CITIZEN))
        for _ in range(count):
            d = dossiers.create_draft(s, ports, procedure="permis_construire", commune="casablanca",
                                      applicant=applicant, fields=SMALL, now=engine.clock())
            for item in ports.catalog(s).procedure("permis_construire").checklist:
                dossiers.add_document(s, ports, d, kind=item.kind, filename=f"{item.kind}.pdf",
                                      content=tiny_pdf(item.kind), by=applicant, now=engine.clock())
            ids.append(d.id)
    return ids


def orphans(site: Site) -> list[int]:
    """Numbered dossiers without a procedure (must always be none)."""
    from handlers.repair import unstarted
    from web.bootstrap import get_engine
    with site.app.app_context(), get_engine(site.app).transaction(write=False) as s:
        return unstarted(s)


def false_incidents(site: Site) -> list[str]:
    """Incidents that blame the procedure for what the database did."""
    from sqlalchemy import select

    from engine.models import OutboxMessage
    from web.bootstrap import get_engine
    with site.app.app_context(), get_engine(site.app).transaction(write=False) as s:
        errors = s.scalars(select(OutboxMessage.last_error).where(OutboxMessage.kind == "incident"))
        return [e for e in errors if e and re.search(r"Operational|Interface|psycopg|database|connection", e)]


def first_task(site: Site) -> tuple[str, dict[str, str]]:
    """A dossier filed by the citizen: its first task (the agent's) and the agent's token."""
    from handlers.accounts import actor_for, find_by_email
    from tests.filing import file_complete
    from web.bootstrap import get_engine
    from web.extensions import db
    with site.app.app_context():
        file_complete(get_engine(site.app), site.app.extensions["guichet.ports"],
                      actor_for(find_by_email(db.session(), CITIZEN)), "permis_construire", SMALL)
    agent = site.token(AGENT)
    [task] = site.app.test_client().get("/api/v1/tasks", headers=agent).json["items"]
    return task["id"], agent
