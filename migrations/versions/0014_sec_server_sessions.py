"""sessions end when they should: users.session_generation; password-reset requests kept for throttling

Revision ID: 0014_sec_server_sessions
Revises: 0013_web_push_subscriptions
Create Date: 2026-12-07 11:00:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0014_sec_server_sessions'
down_revision = '0013_web_push_subscriptions'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('session_generation', sa.Integer(), server_default='0', nullable=False))

    op.create_table('password_reset_requests',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('address', sa.String(length=64), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_password_reset_requests'))
    )
    with op.batch_alter_table('password_reset_requests', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_password_reset_requests_address'), ['address'], unique=False)
        batch_op.create_index(batch_op.f('ix_password_reset_requests_at'), ['at'], unique=False)
        batch_op.create_index(batch_op.f('ix_password_reset_requests_email'), ['email'], unique=False)


def downgrade():
    with op.batch_alter_table('password_reset_requests', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_password_reset_requests_email'))
        batch_op.drop_index(batch_op.f('ix_password_reset_requests_at'))
        batch_op.drop_index(batch_op.f('ix_password_reset_requests_address'))

    op.drop_table('password_reset_requests')
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('session_generation')
