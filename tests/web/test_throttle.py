"""Sign-in throttling: atomic per account and per address, the proxy's client address,
429 with Retry-After, and no attacker can lock other people out."""
from __future__ import annotations

import threading
from collections import Counter

import sqlalchemy as sa
from flask import Flask

from handlers.models import LoginAttempt
from handlers.throttle import MAX_FAILURES_PER_ACCOUNT, MAX_FAILURES_PER_ADDRESS
from tests.conftest import DEMO_PASSWORD, Site
from tests.web.test_portal import AGENT, CITIZEN


def _behind_proxy(site: Site) -> Flask:
    """The same site as deployed behind one load balancer (GUICHET_TRUSTED_PROXIES=1)."""
    from web import create_app
    config = {k: site.app.config[k] for k in ("SQLALCHEMY_DATABASE_URI", "GUICHET_PROCESSES_DIR",
                                              "GUICHET_STORAGE_DIR", "SECRET_KEY")}
    return create_app({**config, "TESTING": True, "WTF_CSRF_ENABLED": False, "GUICHET_TRUSTED_PROXIES": 1})


def _login(app: Flask, email: str, password: str, address: str) -> int:
    return app.test_client().post("/auth/login", data={"email": email, "password": password},
                                  headers={"X-Forwarded-For": address}).status_code


def _checked(site: Site, email: str) -> int:
    with site.app.app_context():
        from web.extensions import db
        n = db.session.scalar(sa.select(sa.func.count()).where(LoginAttempt.email == email))
        db.session.remove()
        return int(n or 0)


def test_thirty_parallel_wrong_passwords_check_at_most_the_limit(site: Site) -> None:
    statuses: Counter[int] = Counter()
    retry_after: list[str | None] = []
    start = threading.Barrier(30)

    def guess(i: int) -> None:
        start.wait()
        client = site.app.test_client()
        if i % 2:
            r = client.post("/api/v1/tokens", json={"email": AGENT, "password": f"wrong-{i}"})
        else:
            r = client.post("/auth/login", data={"email": AGENT, "password": f"wrong-{i}"})
        statuses[r.status_code] += 1
        if r.status_code in (429, 503):  # 503: no pooled connection free within its bounded wait
            retry_after.append(r.headers.get("Retry-After"))
    threads = [threading.Thread(target=guess, args=(i,)) for i in range(30)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    # every answer a clean refusal: a check (401), the limit (429), or the pool's bounded wait
    # (503, part of the faults work: 30 requests at once exceed a node's connections)
    assert sum(statuses.values()) == 30 and set(statuses) <= {401, 429, 503}, statuses
    assert statuses[401] == _checked(site, AGENT) <= MAX_FAILURES_PER_ACCOUNT, statuses
    assert statuses[429] + statuses[503] >= 30 - MAX_FAILURES_PER_ACCOUNT
    assert all(v is not None and 0 < int(v) <= 15 * 60 + 1 for v in retry_after)


def test_one_address_guessing_locks_only_itself(site: Site) -> None:
    app = _behind_proxy(site)
    attacker = "203.0.113.9"
    codes = [_login(app, f"nobody{i}@example.ma", "guess-guess", attacker)
             for i in range(MAX_FAILURES_PER_ADDRESS + 3)]
    assert codes.count(401) == MAX_FAILURES_PER_ADDRESS and codes[-1] == 429
    assert _login(app, CITIZEN, DEMO_PASSWORD, attacker) == 429  # that address waits…
    assert _login(app, CITIZEN, DEMO_PASSWORD, "198.51.100.7") == 302  # …everyone else signs in
    assert _login(app, AGENT, DEMO_PASSWORD, "198.51.100.8") == 302


def test_guessing_a_victims_password_never_locks_the_victim_out(site: Site) -> None:
    app = _behind_proxy(site)
    victim, attacker = "198.51.100.20", "203.0.113.50"
    assert _login(app, CITIZEN, DEMO_PASSWORD, victim) == 302  # the victim's usual address
    codes = [_login(app, CITIZEN, "guess-guess", attacker) for _ in range(MAX_FAILURES_PER_ACCOUNT + 3)]
    assert codes.count(401) == MAX_FAILURES_PER_ACCOUNT and codes[-1] == 429
    assert _login(app, CITIZEN, DEMO_PASSWORD, attacker) == 429  # right password, unknown address: wait
    assert _login(app, CITIZEN, DEMO_PASSWORD, "192.0.2.77") == 429
    assert _login(app, CITIZEN, DEMO_PASSWORD, victim) == 302  # the victim is not locked out
    r = app.test_client().post("/api/v1/tokens", json={"email": CITIZEN, "password": DEMO_PASSWORD},
                               headers={"X-Forwarded-For": attacker})
    assert r.status_code == 429 and r.headers["Retry-After"].isdigit() and r.is_json


def test_without_a_trusted_proxy_forwarded_addresses_are_ignored(site: Site) -> None:
    for i in range(MAX_FAILURES_PER_ADDRESS):
        assert _login(site.app, f"n{i}@example.ma", "guess-guess", f"203.0.113.{i}") == 401
    assert _login(site.app, CITIZEN, DEMO_PASSWORD, "198.51.100.7") == 429  # spoofed headers change nothing
