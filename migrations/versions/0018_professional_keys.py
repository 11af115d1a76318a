"""professionals' own signing keys: a key of purpose "architect" belongs to a person, not to
a commune (signer_key.commune_code becomes optional)

Revision ID: 0018_professional_keys
Revises: 0015_sessions
Create Date: 2026-12-02
"""
import sqlalchemy as sa
from alembic import op

revision = '0018_professional_keys'
down_revision = '0015_sessions'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('signer_key') as batch:
        batch.alter_column('commune_code', existing_type=sa.String(50), nullable=True)


def downgrade():
    op.execute("DELETE FROM signer_key WHERE commune_code IS NULL")
    with op.batch_alter_table('signer_key') as batch:
        batch.alter_column('commune_code', existing_type=sa.String(50), nullable=False)
