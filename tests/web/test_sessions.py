"""Server-side revocation: sign-out, a password change and an administrator's revocation end
every copy of a session and every Bearer token of the account."""
from __future__ import annotations

from tests.conftest import DEMO_PASSWORD, Site
from tests.web.test_portal import AGENT, CITIZEN


def _copy(site: Site, client):  # noqa: ANN001, ANN202
    """Another browser holding a copy of ``client``'s session cookie."""
    thief = site.app.test_client()
    cookie = client.get_cookie("session")
    thief.set_cookie("session", cookie.value)
    return thief


def test_a_cookie_copied_before_logout_is_refused_after_it(site: Site) -> None:
    client = site.client(CITIZEN)
    thief = _copy(site, client)
    assert thief.get("/dossiers/").status_code == 200
    token = site.token(CITIZEN)
    assert site.app.test_client().get("/api/v1/dossiers", headers=token).status_code == 200
    other_device = site.client(CITIZEN)
    assert client.post("/auth/logout").status_code == 302
    refused = thief.get("/dossiers/")
    assert refused.status_code == 302 and "/auth/login" in refused.headers["Location"]
    assert other_device.get("/dossiers/").status_code == 302  # sign-out is everywhere…
    assert site.app.test_client().get("/api/v1/dossiers", headers=token).status_code == 401  # …tokens too
    assert site.client(CITIZEN).get("/dossiers/").status_code == 200  # signing in again works


def test_a_password_change_ends_every_other_session_and_token(site: Site) -> None:
    client = site.client(CITIZEN)
    thief = _copy(site, client)
    token = site.token(CITIZEN)
    bad = client.post("/auth/password", data={"current": "not-it-at-all", "password": "new-password-456",
                                              "confirm": "new-password-456"})
    assert bad.status_code == 400
    assert thief.get("/dossiers/").status_code == 200
    r = client.post("/auth/password", data={"current": DEMO_PASSWORD, "password": "new-password-456",
                                            "confirm": "new-password-456"})
    assert r.status_code == 302
    assert client.get("/dossiers/").status_code == 200  # the session that changed it goes on
    assert thief.get("/dossiers/").status_code == 302
    assert site.app.test_client().get("/api/v1/dossiers", headers=token).status_code == 401
    assert site.client(CITIZEN, password="new-password-456").get("/dossiers/").status_code == 200


def test_an_administrator_revokes_an_account_and_the_api_signs_out_everywhere(site: Site) -> None:
    client = site.client(AGENT)
    token = site.token(AGENT)
    out = site.app.test_cli_runner().invoke(args=["users", "revoke", AGENT])
    assert out.exit_code == 0, out.output
    assert client.get("/inbox").status_code == 302
    assert site.app.test_client().get("/api/v1/tasks", headers=token).status_code == 401
    token = site.token(AGENT)
    api = site.app.test_client()
    assert api.get("/api/v1/tasks", headers=token).status_code == 200
    assert api.delete("/api/v1/tokens", headers=token).status_code == 204
    assert api.get("/api/v1/tasks", headers=token).status_code == 401
