"""Alembic migrations build exactly the schema the models describe, on both backends."""
from __future__ import annotations

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade

from engine.models import Base
from tests.conftest import new_database
from web import create_app


def test_upgrade_matches_models_and_downgrades(backend, tmp_path) -> None:  # noqa: ANN001
    with new_database(backend, tmp_path) as url:
        app = create_app({"SQLALCHEMY_DATABASE_URI": url, "TESTING": True})
        with app.app_context():
            upgrade()
            eng = sa.create_engine(url)
            with eng.connect() as conn:
                diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
            assert diff == []
            downgrade(revision="base")
            assert set(sa.inspect(eng).get_table_names()) <= {"alembic_version"}
            eng.dispose()
            from web.extensions import db
            db.engines[None].dispose()
