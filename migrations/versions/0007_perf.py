"""indexes for flat cost over years of history (issue 9, P2)

Revision ID: 0007_perf
Revises: 0005_studio
Create Date: 2026-11-29
"""
import sqlalchemy as sa
from alembic import op

DRAFTS_OUT = sa.text('instance_id IS NOT NULL')  # agents never see drafts

revision = '0007_perf'
down_revision = '0005_studio'
branch_labels = None
depends_on = None

INDEXES = [
    ('ix_dossier_instance', 'dossier', ['instance_id']),
    ('ix_agenda_item_dossier', 'agenda_item', ['dossier_id']),
    ('ix_fee_dossier', 'fee', ['dossier_id']),
    ('ix_dossier_created', 'dossier', ['created_at', 'id']),
    ('ix_dossier_commune_created', 'dossier', ['commune_code', 'created_at', 'id']),
]


def upgrade():
    for name, table, columns in INDEXES[:-1]:
        op.create_index(name, table, columns, unique=False)
    op.create_index('ix_dossier_commune_created', 'dossier', ['commune_code', 'created_at', 'id'], unique=False,
                    postgresql_where=DRAFTS_OUT, sqlite_where=DRAFTS_OUT)


def downgrade():
    for name, table, _ in reversed(INDEXES):
        op.drop_index(name, table_name=table)
