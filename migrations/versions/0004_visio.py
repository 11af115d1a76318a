"""visio-commission: session time, secretary, minutes; agenda order; attendance,
plan annotations and chat of the room

Revision ID: 0004_visio
Revises: 0003
Create Date: 2026-11-29
"""
import sqlalchemy as sa
from alembic import op

revision = '0004_visio'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('commission_session') as batch:
        batch.add_column(sa.Column('start_time', sa.String(length=5), nullable=True))
        batch.add_column(sa.Column('scheduled_by', sa.String(length=36), nullable=True))
        batch.add_column(sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column('minutes_sha256', sa.String(length=64), nullable=True))
    with op.batch_alter_table('agenda_item') as batch:
        batch.add_column(sa.Column('position', sa.Integer(), nullable=False, server_default='0'))
    with op.batch_alter_table('agenda_item') as batch:
        batch.alter_column('position', server_default=None)
    op.create_table(
        'session_attendance',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('session_id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.String(length=36), nullable=False),
        sa.Column('role', sa.String(length=20), nullable=False),
        sa.Column('sid', sa.String(length=64), nullable=False),
        sa.Column('joined_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('left_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('audio', sa.Boolean(), nullable=False),
        sa.Column('video', sa.Boolean(), nullable=False),
        sa.Column('speaking', sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(['session_id'], ['commission_session.id'],
                                name=op.f('fk_session_attendance_session_id')),
        sa.ForeignKeyConstraint(['user_id'], ['app_user.id'], name=op.f('fk_session_attendance_user_id')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_session_attendance')))
    op.create_index('ix_session_attendance_session', 'session_attendance', ['session_id', 'left_at'])
    op.create_index('ix_session_attendance_sid', 'session_attendance', ['sid'])
    op.create_table(
        'plan_annotation',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('session_id', sa.Integer(), nullable=False),
        sa.Column('version_id', sa.Integer(), nullable=False),
        sa.Column('page', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=20), nullable=False),
        sa.Column('geometry', sa.JSON(), nullable=False),
        sa.Column('style', sa.JSON(), nullable=False),
        sa.Column('author_id', sa.String(length=36), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('deleted_at', sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(['author_id'], ['app_user.id'], name=op.f('fk_plan_annotation_author_id')),
        sa.ForeignKeyConstraint(['session_id'], ['commission_session.id'],
                                name=op.f('fk_plan_annotation_session_id')),
        sa.ForeignKeyConstraint(['version_id'], ['document_version.id'], name=op.f('fk_plan_annotation_version_id')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_plan_annotation')))
    op.create_index('ix_plan_annotation_version', 'plan_annotation', ['version_id', 'deleted_at'])
    op.create_table(
        'session_chat',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('session_id', sa.Integer(), nullable=False),
        sa.Column('author_id', sa.String(length=36), nullable=False),
        sa.Column('text', sa.Text(), nullable=False),
        sa.Column('at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['author_id'], ['app_user.id'], name=op.f('fk_session_chat_author_id')),
        sa.ForeignKeyConstraint(['session_id'], ['commission_session.id'], name=op.f('fk_session_chat_session_id')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_session_chat')))
    op.create_index('ix_session_chat_session', 'session_chat', ['session_id', 'at'])


def downgrade():
    op.drop_index('ix_session_chat_session', table_name='session_chat')
    op.drop_table('session_chat')
    op.drop_index('ix_plan_annotation_version', table_name='plan_annotation')
    op.drop_table('plan_annotation')
    op.drop_index('ix_session_attendance_sid', table_name='session_attendance')
    op.drop_index('ix_session_attendance_session', table_name='session_attendance')
    op.drop_table('session_attendance')
    with op.batch_alter_table('agenda_item') as batch:
        batch.drop_column('position')
    with op.batch_alter_table('commission_session') as batch:
        batch.drop_column('minutes_sha256')
        batch.drop_column('closed_at')
        batch.drop_column('scheduled_by')
        batch.drop_column('start_time')
