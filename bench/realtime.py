"""The realtime layer across web nodes, for the scale-out run (bench/cluster.py).

Two commission members join the same session's room, one through each web node, over real
websockets (python-socketio's client, signed in with a real form login). The member on
node B sends ``--messages`` chat messages; the probe counts how many reach the member on
node A through the shared message queue (``SOCKETIO_MESSAGE_QUEUE``) and how fast.
"""
from __future__ import annotations

import re
import statistics
import threading
import time
from typing import Any

import sqlalchemy as sa

MEMBERS = ("agence-urbaine@casablanca.demo", "urbanisme@casablanca.demo")


def shared_session(db: sa.Engine) -> int | None:
    """An open session of a commission both members sit on (one the run convened)."""
    with db.connect() as c:
        return c.execute(sa.text(
            "SELECT s.id FROM commission_session s "
            "JOIN commission_member a ON a.commission_id = s.commission_id "
            "JOIN app_user ua ON ua.id = a.user_id AND ua.email = :a "
            "JOIN commission_member b ON b.commission_id = s.commission_id "
            "JOIN app_user ub ON ub.id = b.user_id AND ub.email = :b "
            "WHERE s.status <> 'closed' ORDER BY s.id LIMIT 1"), {"a": MEMBERS[0], "b": MEMBERS[1]}).scalar()


def _cookie(port: int, email: str, password: str) -> str:
    import requests
    http = requests.Session()
    page = http.get(f"http://127.0.0.1:{port}/auth/login", timeout=10).text
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page)
    if token is None:
        raise RuntimeError(f"no login form on :{port}")
    r = http.post(f"http://127.0.0.1:{port}/auth/login", timeout=10, allow_redirects=False,
                  data={"email": email, "password": password, "csrf_token": token.group(1)})
    if r.status_code != 302:
        raise RuntimeError(f"login of {email} on :{port} gave {r.status_code}")
    return "; ".join(f"{c.name}={c.value}" for c in http.cookies)


def _member(port: int, email: str, password: str, session_id: int, inbox: dict[str, float]) -> Any:
    import socketio
    client = socketio.Client(reconnection=False)
    client.on("chat", lambda data: inbox.setdefault(data["text"], time.perf_counter()), namespace="/commission")
    client.connect(f"http://127.0.0.1:{port}", headers={"Cookie": _cookie(port, email, password)},
                   namespaces=["/commission"], transports=["websocket"], wait_timeout=15)
    ack = client.call("join", {"session_id": session_id}, namespace="/commission", timeout=15)
    if not ack.get("ok"):
        raise RuntimeError(f"{email} refused in session {session_id}: {ack}")
    return client


def probe(ports: list[int], db: sa.Engine, password: str, messages: int = 100) -> dict[str, Any]:
    """Chat from node B to node A: delivered count and latency percentiles (ms)."""
    session_id = shared_session(db)
    if session_id is None:
        return {"error": "no open commission session with both members"}
    received: dict[str, float] = {}
    watcher = _member(ports[0], MEMBERS[0], password, session_id, received)
    speaker = _member(ports[1], MEMBERS[1], password, session_id, {})
    sent: dict[str, float] = {}
    failures = 0
    done = threading.Event()
    try:
        for n in range(messages):
            text = f"cluster probe {n}"
            sent[text] = time.perf_counter()
            if not speaker.call("chat", {"text": text}, namespace="/commission", timeout=30).get("ok"):
                failures += 1
        deadline = time.perf_counter() + 5
        while time.perf_counter() < deadline and len(received) < messages:
            done.wait(0.05)
    finally:
        watcher.disconnect()
        speaker.disconnect()
    latencies = sorted(1000 * (received[t] - sent[t]) for t in sent if t in received)
    p95 = statistics.quantiles(latencies, n=20)[-1] if len(latencies) >= 2 else float("nan")
    return {"session": session_id, "sent": messages, "refused": failures, "delivered": len(latencies),
            "p50_ms": statistics.median(latencies) if latencies else float("nan"), "p95_ms": p95}
