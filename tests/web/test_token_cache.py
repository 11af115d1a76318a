"""A Bearer token's signature is verified once per process; its age, the account's session
version and its grants are still checked on every call."""
from __future__ import annotations

import time

import pytest

from tests.web.conftest import Site
from tests.web.test_api import CITIZEN


def test_a_verified_token_still_expires(site: Site, monkeypatch: pytest.MonkeyPatch) -> None:
    from web import security
    client = site.app.test_client()
    auth = site.token(CITIZEN)
    assert client.get("/api/v1/dossiers", headers=auth).status_code == 200  # verified: remembered
    later = time.time() + security.TOKEN_MAX_AGE + 60
    monkeypatch.setattr(security.time, "time", lambda: later)
    assert client.get("/api/v1/dossiers", headers=auth).status_code == 401


def test_a_verified_token_is_refused_once_revoked(site: Site) -> None:
    client = site.app.test_client()
    auth = site.token(CITIZEN)
    assert client.get("/api/v1/dossiers", headers=auth).status_code == 200
    assert client.delete("/api/v1/tokens", headers=auth).status_code == 204
    assert client.get("/api/v1/dossiers", headers=auth).status_code == 401


def test_a_forged_token_is_never_remembered(site: Site) -> None:
    client = site.app.test_client()
    token = site.token(CITIZEN)["Authorization"].removeprefix("Bearer ")
    forged = {"Authorization": f"Bearer {token[:-2]}{'AA' if not token.endswith('AA') else 'BB'}"}
    for _ in range(2):
        assert client.get("/api/v1/dossiers", headers=forged).status_code == 401
