"""role grants bounded in time, and delegations (an interim president for given dates)

Revision ID: 0013_grant_dates
Revises: 0012_notification_attempt
Create Date: 2026-12-02
"""
import sqlalchemy as sa
from alembic import op

revision = '0013_grant_dates'
down_revision = '0012_notification_attempt'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('role_grant') as batch:
        batch.add_column(sa.Column('valid_from', sa.Date(), nullable=True))
        batch.add_column(sa.Column('valid_until', sa.Date(), nullable=True))
        batch.add_column(sa.Column('delegated_by', sa.String(36), nullable=True))
        batch.create_foreign_key('fk_role_grant_delegated_by', 'app_user', ['delegated_by'], ['id'])


def downgrade():
    with op.batch_alter_table('role_grant') as batch:
        batch.drop_constraint('fk_role_grant_delegated_by', type_='foreignkey')
        batch.drop_column('delegated_by')
        batch.drop_column('valid_until')
        batch.drop_column('valid_from')
