"""The application factory and its public routes."""
from __future__ import annotations


def test_health_reports_the_database(app) -> None:  # noqa: ANN001
    response = app.test_client().get("/health")
    assert response.status_code == 200
    assert response.json == {"status": "ok", "database": "ok"}


def test_index_offers_the_catalog_procedures(site) -> None:  # noqa: ANN001
    page = site.app.test_client().get("/").get_data(as_text=True)
    assert "Procédures proposées" in page and "Permis de construire" in page and "Ouverture de tranchée" in page


def test_security_headers(site) -> None:  # noqa: ANN001
    response = site.app.test_client().get("/")
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    csp = response.headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in csp and "script-src 'self'" in csp and "unsafe-inline" not in csp


def test_health_says_when_the_database_is_down(tmp_path) -> None:  # noqa: ANN001
    from web import create_app
    app = create_app({"SQLALCHEMY_DATABASE_URI": "postgresql+psycopg://nobody@127.0.0.1:1/none",
                      "TESTING": True})
    response = app.test_client().get("/health")
    assert response.status_code == 503 and response.json["status"] == "error"


def test_sessions_rotate_at_sign_in_and_cookies_are_guarded(site) -> None:  # noqa: ANN001
    client = site.app.test_client()
    client.get("/auth/login")
    with client.session_transaction() as before:
        before["planted"] = "by an attacker"  # a session fixed before sign-in…
    r = client.post("/auth/login", data={"email": "citoyen@guichet.demo", "password": "demo-password-123"})
    assert r.status_code == 302
    with client.session_transaction() as after:
        assert "planted" not in after  # …does not survive it
    cookie = r.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_https_deployments_get_secure_cookies_and_hsts(site) -> None:  # noqa: ANN001
    site.app.config["SESSION_COOKIE_SECURE"] = True
    r = site.app.test_client().post("/auth/login", data={"email": "citoyen@guichet.demo",
                                                         "password": "demo-password-123"})
    assert "Secure" in r.headers["Set-Cookie"]
    assert r.headers["Strict-Transport-Security"].startswith("max-age=")


def test_short_passwords_are_refused_at_sign_up(site) -> None:  # noqa: ANN001
    r = site.app.test_client().post("/auth/signup", data={"full_name": "Ali Test", "email": "ali@example.ma",
                                                          "password": "short", "confirm": "short"})
    assert r.status_code == 400


def test_frames_media_and_caching_headers(site) -> None:  # noqa: ANN001
    from tests.web.test_portal import CITIZEN
    public = site.app.test_client().get("/")
    assert public.headers["X-Frame-Options"] == "DENY"
    assert "camera=()" in public.headers["Permissions-Policy"] and "microphone=()" in public.headers["Permissions-Policy"]
    assert "no-store" not in public.headers.get("Cache-Control", "")  # a public page may be cached
    signed_in = site.client(CITIZEN).get("/dossiers/")
    assert signed_in.status_code == 200 and signed_in.headers["Cache-Control"] == "no-store"
    api = site.app.test_client().get("/api/v1/dossiers", headers=site.token(CITIZEN))
    assert api.status_code == 200 and api.headers["Cache-Control"] == "no-store"
