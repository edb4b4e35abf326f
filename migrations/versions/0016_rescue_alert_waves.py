"""same-day rescues told to nearby drivers in waves: who was told of which rescue

Revision ID: 0016_rescue_alert_waves
Revises: 0015_push_quiet_reminders
Create Date: 2026-12-07 12:30:00

"""
from alembic import op
import sqlalchemy as sa



revision = '0016_rescue_alert_waves'
down_revision = '0015_push_quiet_reminders'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'rescue_alerts',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('plan_id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('wave', sa.Integer(), nullable=False),
        sa.Column('local_date', sa.Date(), nullable=False),
        sa.Column('distance_km', sa.Double(), nullable=False),
        sa.Column('sent_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['plan_id'], ['route_plans.id'], name=op.f('fk_rescue_alerts_plan_id_route_plans'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_rescue_alerts_user_id_users'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_rescue_alerts')),
        sa.UniqueConstraint('plan_id', 'user_id', name=op.f('uq_rescue_alerts_plan_id_user_id')),
    )
    with op.batch_alter_table('rescue_alerts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_rescue_alerts_plan_id'), ['plan_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_rescue_alerts_user_id'), ['user_id'], unique=False)


def downgrade():
    with op.batch_alter_table('rescue_alerts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_rescue_alerts_user_id'))
        batch_op.drop_index(batch_op.f('ix_rescue_alerts_plan_id'))
    op.drop_table('rescue_alerts')
