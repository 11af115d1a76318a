"""a public status has one source: the catalog's labels, set by the diagram's status tasks
(user tasks' own status_fr / status_ar labels were stored and shown nowhere)

Revision ID: 0010_status_single_source
Revises: 0009_catalog
Create Date: 2026-12-02
"""
import sqlalchemy as sa
from alembic import op

revision = '0010_status_single_source'
down_revision = '0009_catalog'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('human_task') as batch:
        batch.drop_column('status_fr')
        batch.drop_column('status_ar')


def downgrade():
    with op.batch_alter_table('human_task') as batch:
        batch.add_column(sa.Column('status_ar', sa.String(length=255), nullable=True))
        batch.add_column(sa.Column('status_fr', sa.String(length=255), nullable=True))
