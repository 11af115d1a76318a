"""sign-in attempts, for throttling password guessing

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-29
"""
import sqlalchemy as sa
from alembic import op

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'login_attempt',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('email', sa.String(length=255), nullable=False),
        sa.Column('ip', sa.String(length=64), nullable=False),
        sa.Column('at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('success', sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_login_attempt')))
    op.create_index('ix_login_attempt_email_at', 'login_attempt', ['email', 'at'])
    op.create_index('ix_login_attempt_ip_at', 'login_attempt', ['ip', 'at'])


def downgrade():
    op.drop_index('ix_login_attempt_ip_at', table_name='login_attempt')
    op.drop_index('ix_login_attempt_email_at', table_name='login_attempt')
    op.drop_table('login_attempt')
