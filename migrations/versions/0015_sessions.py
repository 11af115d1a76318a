"""commission sessions as the commission works: where a session sits (a place, or the visio
room), when the members were convened, and a message's attachment (the .ics invitation)

Revision ID: 0015_sessions
Revises: 0016_signers
Create Date: 2026-12-02
"""
import sqlalchemy as sa
from alembic import op

revision = '0015_sessions'
down_revision = '0016_signers'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('commission_session') as batch:
        batch.add_column(sa.Column('place', sa.String(200), nullable=True))
        batch.add_column(sa.Column('visio', sa.Boolean(), nullable=False, server_default=sa.true()))
        batch.add_column(sa.Column('convened_at', sa.DateTime(timezone=True), nullable=True))
    with op.batch_alter_table('notification') as batch:
        batch.add_column(sa.Column('attachment_name', sa.String(120), nullable=True))
        batch.add_column(sa.Column('attachment_type', sa.String(80), nullable=True))
        batch.add_column(sa.Column('attachment_sha256', sa.String(64), nullable=True))


def downgrade():
    with op.batch_alter_table('notification') as batch:
        batch.drop_column('attachment_sha256')
        batch.drop_column('attachment_type')
        batch.drop_column('attachment_name')
    with op.batch_alter_table('commission_session') as batch:
        batch.drop_column('convened_at')
        batch.drop_column('visio')
        batch.drop_column('place')
