"""per-signer keys, signed documents (who signed under which delegation), signing authorizations,
the signature an uploaded PDF carries

Revision ID: 0016_signers
Revises: 0017_admin
Create Date: 2026-12-02
"""
import sqlalchemy as sa
from alembic import op

revision = '0016_signers'
down_revision = '0017_admin'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'signer_key',
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column('commune_code', sa.String(50), sa.ForeignKey('commune.code'), nullable=False),
        sa.Column('purpose', sa.String(20), nullable=False),
        sa.Column('user_id', sa.String(36), sa.ForeignKey('app_user.id'), nullable=True),
        sa.Column('backend', sa.String(10), nullable=False),
        sa.Column('token_label', sa.String(32), nullable=True),
        sa.Column('key_label', sa.String(64), nullable=True),
        sa.Column('pkcs12_path', sa.String(500), nullable=True),
        sa.Column('csr_pem', sa.Text(), nullable=True),
        sa.Column('certificate_pem', sa.Text(), nullable=True),
        sa.Column('serial', sa.String(64), nullable=True),
        sa.Column('subject', sa.String(500), nullable=True),
        sa.Column('not_after', sa.DateTime(timezone=True), nullable=True),
        sa.Column('status', sa.String(20), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
    )
    op.create_index('ix_signer_key_owner', 'signer_key', ['commune_code', 'purpose', 'user_id'])
    op.create_table(
        'signed_document',
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column('dossier_id', sa.Integer(), sa.ForeignKey('dossier.id'), nullable=False),
        sa.Column('kind', sa.String(20), nullable=False),
        sa.Column('verification_code', sa.String(64), nullable=False, unique=True),
        sa.Column('pdf_sha256', sa.String(64), nullable=False),
        sa.Column('signer_key_id', sa.Integer(), sa.ForeignKey('signer_key.id'), nullable=True),
        sa.Column('user_id', sa.String(36), sa.ForeignKey('app_user.id'), nullable=True),
        sa.Column('grant_id', sa.Integer(), sa.ForeignKey('role_grant.id', ondelete='SET NULL'), nullable=True),
        sa.Column('delegated_by', sa.String(36), sa.ForeignKey('app_user.id'), nullable=True),
        sa.Column('level', sa.String(10), nullable=False),
        sa.Column('signed_at', sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index('ix_signed_document_dossier', 'signed_document', ['dossier_id', 'kind'])
    op.create_table(
        'sign_authorization',
        sa.Column('id', sa.String(32), primary_key=True),
        sa.Column('dossier_id', sa.Integer(), sa.ForeignKey('dossier.id'), nullable=False),
        sa.Column('document_sha256', sa.String(64), nullable=False),
        sa.Column('signer_key_id', sa.Integer(), sa.ForeignKey('signer_key.id'), nullable=False),
        sa.Column('user_id', sa.String(36), sa.ForeignKey('app_user.id'), nullable=False),
        sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('sealed', sa.LargeBinary(), nullable=False),
        sa.Column('used_at', sa.DateTime(timezone=True), nullable=True),
    )
    op.create_index('ix_sign_authorization_dossier', 'sign_authorization', ['dossier_id', 'document_sha256'])
    with op.batch_alter_table('document_version') as batch:
        batch.add_column(sa.Column('signature', sa.JSON(), nullable=True))


def downgrade():
    with op.batch_alter_table('document_version') as batch:
        batch.drop_column('signature')
    op.drop_index('ix_sign_authorization_dossier', 'sign_authorization')
    op.drop_table('sign_authorization')
    op.drop_index('ix_signed_document_dossier', 'signed_document')
    op.drop_table('signed_document')
    op.drop_index('ix_signer_key_owner', 'signer_key')
    op.drop_table('signer_key')
