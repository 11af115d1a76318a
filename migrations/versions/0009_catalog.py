"""the catalog is deployed data: immutable versions, analysts' drafts, a dossier's version

Revision ID: 0009_catalog
Revises: 0008_role_holders
Create Date: 2026-12-02
"""
import sqlalchemy as sa
from alembic import op

revision = '0009_catalog'
down_revision = '0008_role_holders'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'catalog_version',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.Column('content_hash', sa.String(length=64), nullable=False),
        sa.Column('content', sa.JSON(), nullable=False),
        sa.Column('forms', sa.JSON(), nullable=False),
        sa.Column('deployed_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('deployed_by', sa.String(length=100), nullable=True),
        sa.Column('comment', sa.Text(), nullable=True),
        sa.Column('changes', sa.JSON(), nullable=True),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_catalog_version')),
        sa.UniqueConstraint('version', name=op.f('uq_catalog_version_version')))
    op.create_index('ix_catalog_version_content_hash', 'catalog_version', ['content_hash'], unique=False)
    op.create_table(
        'catalog_draft',
        sa.Column('author', sa.String(length=100), nullable=False),
        sa.Column('base_version', sa.Integer(), nullable=True),
        sa.Column('content', sa.JSON(), nullable=False),
        sa.Column('forms', sa.JSON(), nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('author', name=op.f('pk_catalog_draft')))
    with op.batch_alter_table('dossier') as batch:
        batch.add_column(sa.Column('catalog_id', sa.Integer(), nullable=True))
        batch.create_foreign_key(op.f('fk_dossier_catalog_id'), 'catalog_version', ['catalog_id'], ['id'])


def downgrade():
    with op.batch_alter_table('dossier') as batch:
        batch.drop_constraint(op.f('fk_dossier_catalog_id'), type_='foreignkey')
        batch.drop_column('catalog_id')
    op.drop_table('catalog_draft')
    op.drop_index('ix_catalog_version_content_hash', table_name='catalog_version')
    op.drop_table('catalog_version')
