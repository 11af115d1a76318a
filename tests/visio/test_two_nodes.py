"""Two real web nodes (``guichet serve`` on two ports, one worker each) sharing a Redis
message queue, and again with no queue (the processes of one machine serving one database
relay through local sockets, as ``guichet serve``'s workers do): a member connected to
node A sees, within a second, the rectangle a member draws on node B, over real websockets
(python-socketio's client, signed in over HTTP)."""
from __future__ import annotations

import contextlib
import os
import re
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from tests.conftest import DEMO_PASSWORD, PROCESSES, service_missing

from .conftest import MEMBER, MEMBER2, World

ROOT = Path(__file__).resolve().parents[2]
REDIS = os.environ.get("GUICHET_TEST_REDIS", "redis://127.0.0.1:6379/7")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait(port: int, proc: subprocess.Popen[bytes], seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"node on port {port} exited: {proc.stderr.read().decode()[-2000:]}")  # type: ignore[union-attr]
        try:
            if requests.get(f"http://127.0.0.1:{port}/health", timeout=1).status_code == 200:
                return
        except (requests.ConnectionError, requests.Timeout):  # not listening yet, or its worker still loading
            time.sleep(0.2)
    raise AssertionError(f"node on port {port} did not come up")


@pytest.fixture(params=["redis", "relay"])
def queue(request: pytest.FixtureRequest) -> dict[str, str]:
    """The nodes' environment for their rooms: a Redis queue, or none (the local relay)."""
    if request.param == "relay":
        return {}
    import redis
    try:
        redis.Redis.from_url(REDIS, socket_connect_timeout=2).ping()
    except redis.ConnectionError as exc:
        service_missing(f"Redis is not reachable at {REDIS}: {exc}")
    return {"SOCKETIO_MESSAGE_QUEUE": REDIS}


@pytest.fixture
def nodes(world: World, queue: dict[str, str], database_url: str, tmp_path: Path) -> Iterator[list[int]]:
    env = {**{k: v for k, v in os.environ.items() if k != "SOCKETIO_MESSAGE_QUEUE"}, **queue, "PYTHONPATH": str(ROOT), "DATABASE_URL": database_url, "GUICHET_SECRET_KEY": "two-nodes",
           "GUICHET_PROCESSES_DIR": str(PROCESSES), "GUICHET_STORAGE_DIR": str(tmp_path / "files"),
           "GUICHET_JOBS": "inprocess"}
    procs, ports = [], []
    for _ in range(2):
        port = _free_port()
        procs.append(subprocess.Popen(
            [sys.executable, "-c", "import sys; from web import main; sys.argv[0] = 'guichet'; main()",
             "serve", "--port", str(port), "--workers", "1"], cwd=tmp_path, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE))
        ports.append(port)
    try:
        for port, proc in zip(ports, procs, strict=True):
            _wait(port, proc)
        yield ports
    finally:
        for proc in procs:
            proc.terminate()
            proc.wait(timeout=10)


def _signed_in(port: int, email: str) -> str:
    """The session cookie of ``email`` on the node at ``port`` (a real form login, CSRF included)."""
    http = requests.Session()
    page = http.get(f"http://127.0.0.1:{port}/auth/login", timeout=5).text
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page)
    assert token, page[:500]
    r = http.post(f"http://127.0.0.1:{port}/auth/login", timeout=5, allow_redirects=False,
                  data={"email": email, "password": DEMO_PASSWORD, "csrf_token": token.group(1)})
    assert r.status_code == 302, r.text[:500]
    return "; ".join(f"{c.name}={c.value}" for c in http.cookies)


def _client(port: int, email: str, session_id: int) -> tuple[Any, list[tuple[str, Any, float]]]:
    import socketio
    seen: list[tuple[str, Any, float]] = []
    client = socketio.Client(reconnection=False)
    for event in ("annotation", "presence", "chat"):
        client.on(event, (lambda name: lambda data: seen.append((name, data, time.monotonic())))(event),
                  namespace="/commission")
    client.connect(f"http://127.0.0.1:{port}", headers={"Cookie": _signed_in(port, email)},
                   namespaces=["/commission"], transports=["websocket"], wait_timeout=10)
    ack = client.call("join", {"session_id": session_id}, namespace="/commission", timeout=10)
    assert ack["ok"], ack
    return client, seen


def test_an_annotation_drawn_on_node_b_reaches_a_member_on_node_a(world: World, nodes: list[int]) -> None:
    a, b = nodes
    watcher, seen = _client(a, MEMBER2, world.session_id)
    drawer, _ = _client(b, MEMBER, world.session_id)
    try:
        assert drawer.transport() == "websocket"
        sent = time.monotonic()
        ack = drawer.call("annotate", {"version_id": world.plan_id, "page": 1, "kind": "rect",
                                       "geometry": {"x": 10, "y": 20, "w": 30, "h": 40}},
                          namespace="/commission", timeout=10)
        assert ack["ok"], ack
        deadline = time.monotonic() + 1.0
        while time.monotonic() < deadline and not any(name == "annotation" for name, _, _ in seen):
            time.sleep(0.01)
        shown = [(data, at) for name, data, at in seen if name == "annotation"]
        assert shown, "node A's member did not receive node B's annotation within 1 s"
        assert shown[0][0]["id"] == ack["annotation"]["id"]
        print(f"annotation B→A in {1000 * (shown[0][1] - sent):.0f} ms")
        # presence is shared too: node A's member saw node B's member arrive
        present = [data["present"] for name, data, _ in seen if name == "presence"][-1]
        assert len(present) == 2
        # concurrent writes from both nodes (speaking indicators, chat): none is lost
        acks: list[Any] = []

        def chatter(client: Any, who: str) -> None:
            for n in range(15):
                acks.append(client.call("media", {"audio": True, "speaking": n % 2 == 0}, namespace="/commission",
                                        timeout=30))
                acks.append(client.call("chat", {"text": f"{who} {n}"}, namespace="/commission", timeout=30))
        threads = [threading.Thread(target=chatter, args=(c, w)) for c, w in ((watcher, "A"), (drawer, "B"))]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
        assert len(acks) == 60 and all(a["ok"] for a in acks), [a for a in acks if not a["ok"]][:3]
        log = watcher.call("join", {"session_id": world.session_id}, namespace="/commission", timeout=10)["chat"]
        assert len(log) == 30
    finally:
        drawer.disconnect()
        watcher.disconnect()


def _worker_of(client: Any, port: int, workers: list[int]) -> int | None:
    """The worker process holding ``client``'s websocket (its TCP connection's inode, read
    from /proc)."""
    mine = client.eio.ws.sock.getsockname()[1]
    inodes = [f[9] for f in (line.split() for line in Path("/proc/net/tcp").read_text().splitlines()[1:])
              if int(f[1].split(":")[1], 16) == port and int(f[2].split(":")[1], 16) == mine]
    for pid in workers:
        for fd in Path(f"/proc/{pid}/fd").iterdir():
            with contextlib.suppress(OSError):
                if inodes and os.readlink(fd) == f"socket:[{inodes[0]}]":
                    return pid
    return None


SERVERS = {
    # the embedded default's server
    "serve": [sys.executable, "-c", "import sys; from web import main; sys.argv[0] = 'guichet'; main()",
              "serve", "--port", "{port}", "--workers", "2"],
    # the README's production command, with the project's gunicorn settings
    "gunicorn": [sys.executable, "-m", "gunicorn", "-w", "2", "--threads", "8", "-b", "127.0.0.1:{port}",
                 "-c", str(ROOT / "gunicorn.conf.py"), "web:create_app()"],
}


@pytest.mark.parametrize("server", sorted(SERVERS))
def test_one_server_with_two_workers_shares_a_room_across_them(world: World, database_url: str,
                                                               tmp_path: Path, server: str) -> None:
    """``guichet serve``, and gunicorn as the README runs it in production (two workers each,
    no queue): members connected to different workers see each other's strokes — the relay
    between the workers of one server."""
    env = {**{k: v for k, v in os.environ.items() if k != "SOCKETIO_MESSAGE_QUEUE"}, "PYTHONPATH": str(ROOT),
           "DATABASE_URL": database_url, "GUICHET_SECRET_KEY": "two-workers", "GUICHET_PROCESSES_DIR": str(PROCESSES),
           "GUICHET_STORAGE_DIR": str(tmp_path / "files"), "GUICHET_JOBS": "inprocess"}
    port = _free_port()
    proc = subprocess.Popen([part.format(port=port) for part in SERVERS[server]], cwd=tmp_path, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    clients: list[tuple[Any, list[tuple[str, Any, float]], int | None]] = []
    try:
        _wait(port, proc)
        workers = [int(p) for p in Path(f"/proc/{proc.pid}/task/{proc.pid}/children").read_text().split()]
        assert len(workers) == 2
        while len({w for _, _, w in clients}) < 2 and len(clients) < 16:  # until both workers hold a member
            client, seen = _client(port, (MEMBER, MEMBER2)[len(clients) % 2], world.session_id)
            clients.append((client, seen, _worker_of(client, port, workers)))
        assert {w for _, _, w in clients} == set(workers), [w for _, _, w in clients]
        drawer = clients[0][0]
        ack = drawer.call("annotate", {"version_id": world.plan_id, "page": 1, "kind": "rect",
                                       "geometry": {"x": 1, "y": 2, "w": 3, "h": 4}}, namespace="/commission", timeout=10)
        assert ack["ok"], ack
        deadline = time.monotonic() + 2.0
        missing = clients[1:]
        while missing and time.monotonic() < deadline:
            time.sleep(0.02)
            missing = [c for c in missing if not any(n == "annotation" and d["id"] == ack["annotation"]["id"]
                                                     for n, d, _ in c[1])]
        assert not missing, f"{len(missing)} member(s) on worker(s) {[w for _, _, w in missing]} saw nothing"
    finally:
        for client, _, _ in clients:
            client.disconnect()
        proc.terminate()
        proc.wait(timeout=20)
