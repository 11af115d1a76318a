"""who gave an opinion when its seat's task was handed to someone else: the task's first
assignee (its seat) is kept when it is reassigned, and the opinion records its author

Revision ID: 0019_opinion_authors
Revises: 0018_professional_keys
Create Date: 2026-12-04
"""
import sqlalchemy as sa
from alembic import op

revision = '0019_opinion_authors'
down_revision = '0018_professional_keys'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('human_task') as batch:
        batch.add_column(sa.Column('first_assignee', sa.String(100), nullable=True))
    with op.batch_alter_table('opinion') as batch:
        batch.add_column(sa.Column('given_by', sa.String(36), nullable=True))
        batch.create_foreign_key('fk_opinion_given_by', 'app_user', ['given_by'], ['id'])


def downgrade():
    with op.batch_alter_table('opinion') as batch:
        batch.drop_constraint('fk_opinion_given_by', type_='foreignkey')
        batch.drop_column('given_by')
    with op.batch_alter_table('human_task') as batch:
        batch.drop_column('first_assignee')
