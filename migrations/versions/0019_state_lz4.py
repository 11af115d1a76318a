"""a workflow's stored state is compressed with lz4 on PostgreSQL: every step rewrites it
(~10 KB of JSON), and lz4 compresses it in a fraction of the default pglz's time for the
same size (bench/workload.py: the database's CPU per completion)

Revision ID: 0019_state_lz4
Revises: 0018_professional_keys
Create Date: 2026-12-03
"""
from alembic import op

revision = '0019_state_lz4'
down_revision = '0018_professional_keys'
branch_labels = None
depends_on = None


def _compression(method: str) -> None:
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return  # SQLite stores the text as it is
    # PostgreSQL built without lz4 refuses the method: the state keeps the default then
    if method == "lz4" and not bind.exec_driver_sql("SELECT 1 FROM pg_settings WHERE name = 'default_toast_compression' "
                                                   "AND 'lz4' = ANY(enumvals)").scalar():
        return
    op.execute(f"ALTER TABLE process_instance ALTER COLUMN state SET COMPRESSION {method}")


def upgrade():
    _compression("lz4")


def downgrade():
    _compression("pglz")
