"""What bench/workload.py needs around its clients: the deployed bench procedure, one user and
one commune per client, the servers' CPU time from /proc, and the rows and bytes stored.

    python -m bench.workload_setup prepare CLIENTS   # with DATABASE_URL… in the environment
"""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import sqlalchemy as sa

ROOT = Path(__file__).resolve().parent.parent
PROCEDURE_DIR = ROOT / "bench" / "procedure"
PROCEDURE = "permis_bench"
PROCESS = "dossier_bench"
PASSWORD = "bench-password-1"
TICK_MS = 1000 / os.sysconf("SC_CLK_TCK")


def client_email(k: int) -> str:
    return f"client{k}@bench.demo"


def commune(k: int) -> str:
    return f"benchville{k}"


def prepare(clients: int) -> None:
    """Migrate, deploy the bench procedure (its diagram, and the catalog with one procedure
    more than processes/ offers: no checklist, no filing form) and create the clients."""
    from flask_migrate import upgrade

    from engine.definitions import deploy
    from engine.sources import read_directory
    from handlers import catalog, catalog_store, demo
    from handlers.accounts import create_user, find_by_email
    from handlers.models import Commune
    from web import create_app
    from web.bootstrap import get_engine

    app = create_app()
    with app.app_context():
        upgrade()
        engine = get_engine(app)
        files, forms = read_directory(PROCEDURE_DIR)
        compiled = engine.compile(files, forms)
        assert compiled.ok, compiled.problems
        shipped = catalog_store.read_files(ROOT / "processes")
        raw = shipped.to_dict()
        raw["procedures"][PROCEDURE] = {"code": "PB", "domain": "guu", "process": PROCESS,
                                        "fr": "Permis (banc d'essai)", "ar": "رخصة (اختبار الأداء)",
                                        "checklist": []}
        with engine.transaction() as s:
            now = engine.clock()
            deploy(s, compiled.processes, by="bench", comment=None, now=now)
            demo.seed(s, PASSWORD, now)  # the organisms members sit for
            catalog_store.deploy(s, catalog.from_dict(raw, shipped.forms), by="bench", comment=None, now=now)
            for k in range(1, clients + 1):
                if s.get(Commune, commune(k)) is None:
                    s.add(Commune(code=commune(k), name_fr=f"Commune d'essai {k}", name_ar=f"جماعة الاختبار {k}"))
                s.flush()
                if find_by_email(s, client_email(k)) is None:
                    create_user(s, email=client_email(k), full_name=f"Client d'essai {k}", password=PASSWORD,
                                now=now, grants=[("applicant", None, None), ("guichet_agent", commune(k), None),
                                                 ("commission_member", commune(k), "urbanisme")])


# --- CPU time of the servers, from /proc ------------------------------------------------

def _stat(pid: int) -> tuple[int, str, float] | None:
    """(parent pid, command name, user+system CPU ms) of a live process, threads included."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    name = text[text.index("(") + 1:text.rindex(")")]
    fields = text[text.rindex(")") + 2:].split()
    return int(fields[1]), name, (int(fields[11]) + int(fields[12])) * TICK_MS


def _cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return ""


class CpuMeter:
    """CPU ms of a server's process tree (a gunicorn master and its workers, or ``guichet
    serve``) and of the PostgreSQL backends connected to ``database``, sampled around a
    timed run; a backend that appears during the run counts from zero."""

    def __init__(self, root_pid: int, database: str | None):
        self.root_pid, self.database = root_pid, database
        self.server_ms = 0.0
        self.db_ms = 0.0
        self._start: dict[int, tuple[str, float]] = {}

    def _sample(self) -> dict[int, tuple[str, float]]:
        stats = {}
        for entry in os.listdir("/proc"):
            if entry.isdigit():
                found = _stat(int(entry))
                if found is not None:
                    stats[int(entry)] = found
        tree = {self.root_pid}
        grew = True
        while grew:
            more = {pid for pid, (ppid, _, _) in stats.items() if ppid in tree} - tree
            tree |= more
            grew = bool(more)
        out = {pid: ("server", stats[pid][2]) for pid in tree if pid in stats}
        if self.database:
            for pid, (_, name, ms) in stats.items():
                if name.startswith("postgres") and f" {self.database} " in _cmdline(pid):
                    out[pid] = ("db", ms)
        return out

    def start(self) -> None:
        self._start = self._sample()

    def stop(self) -> None:
        for pid, (kind, ms) in self._sample().items():
            spent = ms - self._start.get(pid, (kind, 0.0))[1]
            if kind == "server":
                self.server_ms += spent
            else:
                self.db_ms += spent


# --- what a finished dossier leaves in the database ---------------------------------------

def stored(url: str) -> tuple[int, int]:
    """(rows in every table, bytes on disk: tables, indexes and TOAST) of a database."""
    db = sa.create_engine(url)
    try:
        if db.dialect.name == "sqlite":  # the pages still in the WAL into the file first
            with db.connect() as c:
                c.exec_driver_sql("PRAGMA wal_checkpoint(PASSIVE)").all()
        with db.connect() as c:
            tables = sa.inspect(c).get_table_names()
            rows = sum(int(c.execute(sa.text(f'SELECT count(*) FROM "{t}"')).scalar_one()) for t in tables)
            if db.dialect.name == "postgresql":
                size = c.execute(sa.text("SELECT sum(pg_total_relation_size(c.oid)) FROM pg_class c "
                                         "JOIN pg_namespace n ON n.oid = c.relnamespace "
                                         "WHERE n.nspname = 'public' AND c.relkind = 'r'")).scalar_one()
            else:
                size = (c.execute(sa.text("PRAGMA page_count")).scalar_one()
                        * c.execute(sa.text("PRAGMA page_size")).scalar_one())
            return rows, int(size)
    finally:
        db.dispose()


def tuple_bytes(url: str) -> dict[str, Any]:
    """Per table: rows and the bytes of their tuples (PostgreSQL), the heaviest first."""
    db = sa.create_engine(url)
    try:
        with db.connect() as c:
            out = {}
            for t in sa.inspect(c).get_table_names():
                n, size = c.execute(sa.text(f'SELECT count(*), coalesce(sum(pg_column_size(x.*)), 0) FROM "{t}" x')).one()
                if n:
                    out[t] = (int(n), int(size))
            return dict(sorted(out.items(), key=lambda kv: -kv[1][1]))
    finally:
        db.dispose()


if __name__ == "__main__" and sys.argv[1:2] == ["prepare"]:
    sys.path.insert(0, str(ROOT))
    prepare(int(sys.argv[2]))


def serve_embedded(port: int, env: dict[str, str], root: Path = ROOT) -> subprocess.Popen[bytes]:
    """``guichet serve``: the embedded default's server, from the checkout at ``root`` (its
    code first on the path, this project's environment)."""
    from bench.http_bench import listening
    start = f"import sys; sys.path.insert(0, {str(root)!r}); sys.argv[0] = 'guichet'; from web import main; main()"
    proc = subprocess.Popen([str(ROOT / ".venv" / "bin" / "python"), "-c", start, "serve", "--port", str(port)],
                            env={**os.environ, **env}, cwd=root, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return listening(proc, port, "guichet serve")
