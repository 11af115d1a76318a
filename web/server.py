"""``guichet serve``: the embedded default served by gunicorn.

Worker processes (two by default: one process holds one core, Python's lock being what
it is) each hold the application with a pool of threads: each HTTP request takes one
while it runs, and each open visio room socket one for as long as it stays open. What
the embedded default keeps in process is shared between them: SQLite serializes their
writers (``BEGIN IMMEDIATE`` and the busy timeout), a room's members on different
workers hear each other through local sockets (``web.commission.relay``), one worker at
a time keeps the clock (``web.ticker.clock_lock``), and in-process jobs run in the worker
whose request queued them. Werkzeug's development server, used before, spent a quarter of
its CPU parsing HTTP and starting a thread per connection (``bench/workload.py``, py-spy).

The project's ``gunicorn.conf.py`` (its garbage collector settings), when present beside
the package, applies here as under a production gunicorn.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Flask
from gunicorn.app.base import Application

CONF = Path(__file__).resolve().parent.parent / "gunicorn.conf.py"


class EmbeddedServer(Application):  # type: ignore[misc]
    """gunicorn serving ``app`` (already built): ``workers`` workers of ``threads`` threads."""

    def __init__(self, app: Flask, host: str, port: int, threads: int, on_start: Any = None, workers: int = 2):
        self.application, self.on_start = app, on_start
        self.options = {"bind": f"{host}:{port}", "workers": workers, "worker_class": "gthread", "threads": threads,
                        "keepalive": 30, "loglevel": "info", "proc_name": "guichet",
                        "control_socket_disable": True}  # two nodes on one machine would share its path
        super().__init__()

    def init(self, parser: Any, opts: Any, args: Any) -> None:  # no command line of its own
        return None

    def load_config(self) -> None:
        if CONF.is_file():
            self.load_config_from_file(str(CONF))
        for key, value in self.options.items():
            self.cfg.set(key, value)
        configured = self.cfg.post_worker_init
        on_start = self.on_start

        def post_fork(_server: Any, _worker: Any) -> None:
            """The worker keeps no connection its parent opened (a pooled SQLite or
            PostgreSQL connection is not to be shared across a fork)."""
            from .extensions import db
            with self.application.app_context():
                for engine in db.engines.values():
                    engine.dispose(close=False)

        def post_worker_init(worker: Any) -> None:
            configured(worker)
            if on_start is not None:  # threads do not survive the fork: started in the worker
                on_start()
        self.cfg.set("post_fork", post_fork)
        self.cfg.set("post_worker_init", post_worker_init)

    def load(self) -> Flask:
        return self.application


def serve(app: Flask, host: str, port: int, threads: int, on_start: Any = None, workers: int = 2) -> None:
    """Serve until interrupted (Ctrl-C or SIGTERM stop the workers, then the server)."""
    EmbeddedServer(app, host, port, threads, on_start, workers).run()
