"""no-show escalation: pickups whose driver had not arrived in time, the driver's answer, the coordinators'
alert and a missed pickup's reason

Revision ID: 0017_no_shows
Revises: 0016_rescue_alert_waves
Create Date: 2026-12-07 14:00:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0017_no_shows'
down_revision = '0016_rescue_alert_waves'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'no_shows',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('claim_id', sa.Integer(), nullable=False),
        sa.Column('driver_id', sa.Integer(), nullable=False),
        sa.Column('stop_id', sa.Integer(), nullable=True),
        sa.Column('due_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('flagged_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('answer', sa.Enum('none', 'on_the_way', 'cant_make_it', name='driver_answer', native_enum=False,
                                    length=20), nullable=False),
        sa.Column('answered_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('hold_until', sa.DateTime(timezone=True), nullable=True),
        sa.Column('escalated_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('escalation_reason', sa.String(length=20), nullable=False),
        sa.Column('missed_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('missed_reason', sa.String(length=300), nullable=False),
        sa.Column('missed_by_id', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(['claim_id'], ['claims.id'], name=op.f('fk_no_shows_claim_id_claims'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['driver_id'], ['users.id'], name=op.f('fk_no_shows_driver_id_users'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['stop_id'], ['stops.id'], name=op.f('fk_no_shows_stop_id_stops'), ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['missed_by_id'], ['users.id'], name=op.f('fk_no_shows_missed_by_id_users'),
                                ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_no_shows')),
        sa.UniqueConstraint('claim_id', 'driver_id', name=op.f('uq_no_shows_claim_id_driver_id')),
    )
    with op.batch_alter_table('no_shows', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_no_shows_claim_id'), ['claim_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_no_shows_driver_id'), ['driver_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_no_shows_stop_id'), ['stop_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_no_shows_flagged_at'), ['flagged_at'], unique=False)


def downgrade():
    with op.batch_alter_table('no_shows', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_no_shows_flagged_at'))
        batch_op.drop_index(batch_op.f('ix_no_shows_stop_id'))
        batch_op.drop_index(batch_op.f('ix_no_shows_driver_id'))
        batch_op.drop_index(batch_op.f('ix_no_shows_claim_id'))
    op.drop_table('no_shows')
