"""a notification's delivery attempt is on record before the channel is called

Revision ID: 0012_notification_attempt
Revises: 0011_security
Create Date: 2026-12-02
"""
import sqlalchemy as sa
from alembic import op

revision = '0012_notification_attempt'
down_revision = '0011_security'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('notification') as batch:
        batch.add_column(sa.Column('attempted_at', sa.DateTime(timezone=True), nullable=True))


def downgrade():
    with op.batch_alter_table('notification') as batch:
        batch.drop_column('attempted_at')
