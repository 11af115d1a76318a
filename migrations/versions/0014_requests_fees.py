"""document requests (structured, with their answers), fee breakdown and legal basis,
payment orders and payments

Revision ID: 0014_requests_fees
Revises: 0013_grant_dates
Create Date: 2026-12-02
"""
import sqlalchemy as sa
from alembic import op

revision = '0014_requests_fees'
down_revision = '0013_grant_dates'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'document_request',
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column('dossier_id', sa.Integer(), sa.ForeignKey('dossier.id'), nullable=False),
        sa.Column('kind', sa.String(20), nullable=False),
        sa.Column('comment', sa.Text(), nullable=True),
        sa.Column('items', sa.JSON(), nullable=False),
        sa.Column('requested_by', sa.String(36), nullable=True),
        sa.Column('requested_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('answered_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('answered_by', sa.String(36), nullable=True),
        sa.Column('answer_comment', sa.Text(), nullable=True),
    )
    op.create_index('ix_document_request_dossier', 'document_request', ['dossier_id', 'requested_at'])


def downgrade():
    op.drop_index('ix_document_request_dossier', table_name='document_request')
    op.drop_table('document_request')
