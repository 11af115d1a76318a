"""The application factory and its public routes."""
from __future__ import annotations


def test_health_reports_the_database(app) -> None:  # noqa: ANN001
    response = app.test_client().get("/health")
    assert response.status_code == 200
    assert response.json == {"status": "ok", "database": "ok"}


def test_index_lists_deployed_procedures(app, engine) -> None:  # noqa: ANN001
    page = app.test_client().get("/").get_data(as_text=True)
    assert "Procédures déployées" in page and "<code>approval</code>" in page


def test_health_says_when_the_database_is_down(tmp_path) -> None:  # noqa: ANN001
    from web import create_app
    app = create_app({"SQLALCHEMY_DATABASE_URI": "postgresql+psycopg://nobody@127.0.0.1:1/none",
                      "TESTING": True})
    response = app.test_client().get("/health")
    assert response.status_code == 503 and response.json["status"] == "error"
