"""role holders by role and commune: every step that opens a task looks them up

Revision ID: 0008_role_holders
Revises: 0007_perf
Create Date: 2026-11-29
"""
from alembic import op

revision = '0008_role_holders'
down_revision = '0007_perf'
branch_labels = None
depends_on = None


def upgrade():
    op.create_index('ix_role_grant_role_commune', 'role_grant', ['role', 'commune_code'], unique=False)


def downgrade():
    op.drop_index('ix_role_grant_role_commune', table_name='role_grant')
