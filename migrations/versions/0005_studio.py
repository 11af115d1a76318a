"""studio: per-analyst drafts, a diff summary on each deployed version, and a content hash
that may repeat (going back to an earlier content makes a new version)

Revision ID: 0005_studio
Revises: 0004_visio
Create Date: 2026-11-29
"""
import sqlalchemy as sa
from alembic import op

revision = '0005_studio'
down_revision = '0004_visio'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('process_definition') as batch:
        batch.add_column(sa.Column('diff_summary', sa.JSON(), nullable=True))
        batch.drop_constraint('uq_process_definition_content_hash', type_='unique')
        batch.create_index('ix_process_definition_content_hash', ['content_hash'])
    op.create_table(
        'process_draft',
        sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
        sa.Column('process_key', sa.String(length=100), nullable=False),
        sa.Column('author', sa.String(length=100), nullable=False),
        sa.Column('base_version', sa.Integer(), nullable=True),
        sa.Column('files', sa.JSON(), nullable=False),
        sa.Column('forms', sa.JSON(), nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_process_draft')),
        sa.UniqueConstraint('process_key', 'author', name=op.f('uq_process_draft_process_key_author')))


def downgrade():
    op.drop_table('process_draft')
    with op.batch_alter_table('process_definition') as batch:
        batch.drop_index('ix_process_definition_content_hash')
        batch.create_unique_constraint('uq_process_definition_content_hash', ['content_hash'])
        batch.drop_column('diff_summary')
