"""administration from the browser: commune details, active accounts, dated and occasional
commission seats, one-time invitation links, the admin audit trail

Revision ID: 0017_admin
Revises: 0014_requests_fees
Create Date: 2026-12-02
"""
import sqlalchemy as sa
from alembic import op

revision = '0017_admin'
down_revision = '0014_requests_fees'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('commune') as batch:
        batch.add_column(sa.Column('region', sa.String(120), nullable=True))
        batch.add_column(sa.Column('province', sa.String(120), nullable=True))
        batch.add_column(sa.Column('timezone', sa.String(60), nullable=False, server_default='Africa/Casablanca'))
        batch.add_column(sa.Column('guichet', sa.String(20), nullable=False, server_default='unique'))
        batch.add_column(sa.Column('logo_sha256', sa.String(64), nullable=True))
    with op.batch_alter_table('app_user') as batch:
        batch.add_column(sa.Column('active', sa.Boolean(), nullable=False, server_default=sa.true()))
    with op.batch_alter_table('commission_member') as batch:
        batch.add_column(sa.Column('project_type', sa.String(80), nullable=True))
        batch.add_column(sa.Column('valid_from', sa.Date(), nullable=True))
        batch.add_column(sa.Column('valid_until', sa.Date(), nullable=True))
    op.create_table(
        'invitation',
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column('token_sha256', sa.String(64), nullable=False, unique=True),
        sa.Column('user_id', sa.String(36), sa.ForeignKey('app_user.id', ondelete='CASCADE'), nullable=False),
        sa.Column('purpose', sa.String(20), nullable=False),
        sa.Column('created_by', sa.String(36), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('used_at', sa.DateTime(timezone=True), nullable=True),
    )
    op.create_index('ix_invitation_user_id', 'invitation', ['user_id'])
    op.create_table(
        'admin_event',
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column('at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('actor_id', sa.String(36), nullable=False),
        sa.Column('action', sa.String(60), nullable=False),
        sa.Column('target', sa.String(200), nullable=False),
        sa.Column('commune_code', sa.String(50), nullable=True),
        sa.Column('before', sa.JSON(), nullable=True),
        sa.Column('after', sa.JSON(), nullable=True),
    )
    op.create_index('ix_admin_event_commune_at', 'admin_event', ['commune_code', 'at'])


def downgrade():
    op.drop_index('ix_admin_event_commune_at', 'admin_event')
    op.drop_table('admin_event')
    op.drop_index('ix_invitation_user_id', 'invitation')
    op.drop_table('invitation')
    with op.batch_alter_table('commission_member') as batch:
        batch.drop_column('valid_until')
        batch.drop_column('valid_from')
        batch.drop_column('project_type')
    with op.batch_alter_table('app_user') as batch:
        batch.drop_column('active')
    with op.batch_alter_table('commune') as batch:
        batch.drop_column('logo_sha256')
        batch.drop_column('guichet')
        batch.drop_column('timezone')
        batch.drop_column('province')
        batch.drop_column('region')
