"""reaching people in time: quiet hours per person, urgent notifications, shift reminders made

Revision ID: 0015_push_quiet_reminders
Revises: 0014_sec_server_sessions
Create Date: 2026-12-07 12:15:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0015_push_quiet_reminders'
down_revision = '0014_sec_server_sessions'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('quiet_start', sa.String(length=5), nullable=True))
        batch_op.add_column(sa.Column('quiet_end', sa.String(length=5), nullable=True))
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.add_column(sa.Column('urgent', sa.Boolean(), server_default=sa.false(), nullable=False))
    with op.batch_alter_table('driver_shifts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('reminded_at', sa.DateTime(timezone=True), nullable=True))


def downgrade():
    with op.batch_alter_table('driver_shifts', schema=None) as batch_op:
        batch_op.drop_column('reminded_at')
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.drop_column('urgent')
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('quiet_end')
        batch_op.drop_column('quiet_start')
