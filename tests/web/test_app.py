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
