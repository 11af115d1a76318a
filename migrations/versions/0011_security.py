"""tamper evidence and sign-in: signed audit checkpoints, atomic sign-in counters, session versions

Revision ID: 0011_security
Revises: 0010_status_single_source
Create Date: 2026-12-02
"""
import sqlalchemy as sa
from alembic import op

revision = '0011_security'
down_revision = '0010_status_single_source'
branch_labels = None
depends_on = None

Id = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')


def upgrade():
    op.create_table(
        'audit_checkpoint',
        sa.Column('id', Id, nullable=False),
        sa.Column('at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('reason', sa.String(length=30), nullable=False),
        sa.Column('upto_event_id', Id, nullable=True),
        sa.Column('payload', sa.Text(), nullable=False),
        sa.Column('key_id', sa.String(length=16), nullable=False),
        sa.Column('signature', sa.String(length=64), nullable=False),
        sa.Column('tsa_token', sa.LargeBinary(), nullable=True),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_checkpoint')))
    op.create_table(
        'login_throttle',
        sa.Column('key', sa.String(length=300), nullable=False),
        sa.Column('attempts', sa.Integer(), nullable=False),
        sa.Column('window_start', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('key', name=op.f('pk_login_throttle')))
    with op.batch_alter_table('app_user') as batch:
        batch.add_column(sa.Column('session_version', sa.Integer(), nullable=False, server_default='0'))


def downgrade():
    with op.batch_alter_table('app_user') as batch:
        batch.drop_column('session_version')
    op.drop_table('login_throttle')
    op.drop_table('audit_checkpoint')
