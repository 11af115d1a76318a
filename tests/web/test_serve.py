"""``guichet serve``: the embedded default served by gunicorn, two workers, the ticker in
one of them at a time."""
from __future__ import annotations

import fcntl
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from web.local import shared_dir

ROOT = Path(__file__).resolve().parents[2]
CLI = [sys.executable, "-c", "import sys; from web import main; sys.argv[0] = 'guichet'; main()"]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _children(pid: int) -> list[int]:
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(entry))
    return found


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[subprocess.Popen[bytes], int, Path]]:
    where = tmp_path_factory.mktemp("serve")
    database = where / "guichet.sqlite"
    env = {**os.environ, "PYTHONPATH": str(ROOT), "DATABASE_URL": f"sqlite:///{database}",
           "GUICHET_SECRET_KEY": "serve-test", "GUICHET_PROCESSES_DIR": str(ROOT / "processes"),
           "GUICHET_STORAGE_DIR": str(where / "files"), "GUICHET_JOBS": "inprocess", "GUICHET_TIMER_INTERVAL": "0.3"}
    for step in (["db", "upgrade"], ["processes", "deploy"], ["demo", "seed"]):
        subprocess.run([*CLI, *step], cwd=where, env=env, check=True, capture_output=True, timeout=300)
    port = _free_port()
    proc = subprocess.Popen([*CLI, "serve", "--port", str(port), "--threads", "8"], cwd=where, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 60
    while True:
        try:
            if requests.get(f"http://127.0.0.1:{port}/health", timeout=1).status_code == 200:
                break
        except requests.ConnectionError:
            pass
        if proc.poll() is not None or time.monotonic() > deadline:
            raise AssertionError(f"guichet serve did not come up: {proc.stderr.read() if proc.stderr else ''!r}")
        time.sleep(0.2)
    try:
        yield proc, port, database
    finally:
        if proc.poll() is None:
            proc.terminate()
            proc.wait(timeout=20)


def test_two_worker_processes_answer_on_kept_connections(served: tuple[subprocess.Popen[bytes], int, Path]) -> None:
    proc, port, _ = served
    assert len(_children(proc.pid)) == 2  # the master and its two workers
    with requests.Session() as http:  # keep-alive: several requests on one connection
        answers = [http.get(f"http://127.0.0.1:{port}/api/v1/procedures", timeout=5) for _ in range(3)]
    assert [a.status_code for a in answers] == [200, 200, 200]
    assert answers[0].json() and {"key", "name_fr", "name_ar"} <= set(answers[0].json()[0])
    assert answers[0].headers["Content-Type"].startswith("application/json")


def test_the_ticker_runs_in_one_worker(served: tuple[subprocess.Popen[bytes], int, Path]) -> None:
    """The demo's audit chains moved when it was seeded; the ticker's first rounds (every
    0.3 s here) seal them in a signed checkpoint. Threads do not survive a fork: a ticker
    started in the server's first process would never run. One worker keeps the clock: the
    lock of the database's clock is held, by one of the two workers."""
    proc, _, database = served
    deadline = time.monotonic() + 20
    count = 0
    while time.monotonic() < deadline:
        with sqlite3.connect(database, timeout=5) as conn:
            count = conn.execute("SELECT count(*) FROM audit_checkpoint").fetchone()[0]
        if count:
            break
        time.sleep(0.3)
    assert count >= 1
    assert _clock_holders(database) == [_clock_holders(database)[0]]
    assert _clock_holders(database)[0] in _children(proc.pid)
    with open(_clock(database), "a") as probe, pytest.raises(BlockingIOError):
        fcntl.flock(probe, fcntl.LOCK_EX | fcntl.LOCK_NB)


def test_a_killed_worker_gives_the_clock_to_a_live_one(served: tuple[subprocess.Popen[bytes], int, Path]) -> None:
    """A worker killed outright (no exit handler runs) is replaced by the master, and the
    clock it kept passes to a live worker at its next round; the server answers meanwhile."""
    proc, port, database = served
    holder = _clock_holders(database)[0]
    os.kill(holder, signal.SIGKILL)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        held, workers = _clock_holders(database), _children(proc.pid)
        if held and held[0] != holder and held[0] in workers and len(workers) == 2:
            break
        time.sleep(0.2)
    assert len(held) == 1 and held[0] != holder and held[0] in workers and len(workers) == 2
    assert requests.get(f"http://127.0.0.1:{port}/api/v1/procedures", timeout=5).status_code == 200


def _clock(database: Path) -> Path:
    return shared_dir(f"sqlite:///{database}") / "ticker.lock"


def _clock_holders(database: Path) -> list[int]:
    """The processes holding the clock's lock, read from the kernel (/proc/locks)."""
    inode = _clock(database).stat().st_ino
    return [int(f[4]) for f in (line.split() for line in Path("/proc/locks").read_text().splitlines())
            if f[1] == "FLOCK" and f[5].endswith(f":{inode}")]


def test_it_stops_on_sigterm_with_its_workers(served: tuple[subprocess.Popen[bytes], int, Path]) -> None:
    proc, _, database = served
    workers = _children(proc.pid)
    proc.terminate()
    assert proc.wait(timeout=20) == 0
    assert not [pid for pid in workers if Path(f"/proc/{pid}").exists()]
    with open(_clock(database), "a") as probe:
        fcntl.flock(probe, fcntl.LOCK_EX | fcntl.LOCK_NB)  # the clock is free again
