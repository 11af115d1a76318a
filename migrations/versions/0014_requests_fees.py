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
    with op.batch_alter_table('fee') as batch:
        batch.add_column(sa.Column('base_field', sa.String(60), nullable=True))
        batch.add_column(sa.Column('legal_basis', sa.String(300), nullable=True))
    op.create_table(
        'payment_order',
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column('dossier_id', sa.Integer(), sa.ForeignKey('dossier.id'), nullable=False, unique=True),
        sa.Column('reference', sa.String(60), nullable=False, unique=True),
        sa.Column('check_code', sa.String(40), nullable=False, unique=True),
        sa.Column('amount', sa.Numeric(14, 2), nullable=False),
        sa.Column('issued_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('paid_at', sa.DateTime(timezone=True), nullable=True),
    )
    op.create_table(
        'payment',
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column('order_id', sa.Integer(), sa.ForeignKey('payment_order.id'), nullable=False),
        sa.Column('method', sa.String(40), nullable=False),
        sa.Column('state', sa.String(20), nullable=False),
        sa.Column('amount', sa.Numeric(14, 2), nullable=False),
        sa.Column('provider_reference', sa.String(100), nullable=True),
        sa.Column('instructions_fr', sa.Text(), nullable=True),
        sa.Column('instructions_ar', sa.Text(), nullable=True),
        sa.Column('document_sha256', sa.String(64), nullable=True),
        sa.Column('document_type', sa.String(100), nullable=True),
        sa.Column('declared_by', sa.String(36), nullable=False),
        sa.Column('declared_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('reviewed_by', sa.String(36), nullable=True),
        sa.Column('reviewed_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('reject_reason', sa.Text(), nullable=True),
    )
    op.create_index('ix_payment_order', 'payment', ['order_id', 'declared_at'])


def downgrade():
    op.drop_index('ix_payment_order', table_name='payment')
    op.drop_table('payment')
    op.drop_table('payment_order')
    with op.batch_alter_table('fee') as batch:
        batch.drop_column('legal_basis')
        batch.drop_column('base_field')
    op.drop_index('ix_document_request_dossier', table_name='document_request')
    op.drop_table('document_request')
