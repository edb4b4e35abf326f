"""cold chain: temperature limits, readings at pickup and delivery, food lost as a delivery outcome

Revision ID: 0012_cold_chain_readings
Revises: 0011_funding_ledger
Create Date: 2026-12-07 11:30:00.000000

Existing delivery records are all food that reached a recipient: they take the
outcome "delivered" from the column's server default.
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0012_cold_chain_readings'
down_revision = '0011_funding_ledger'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('cold_chain_settings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('refrigerated_max_dc', sa.Integer(), nullable=False),
    sa.Column('frozen_max_dc', sa.Integer(), nullable=False),
    sa.Column('delivery_grace_dc', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_cold_chain_settings'))
    )
    op.create_table('temperature_readings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('claim_id', sa.Integer(), nullable=False),
    sa.Column('stop_id', sa.Integer(), nullable=True),
    sa.Column('stage', sa.String(length=10), nullable=False),
    sa.Column('storage', sa.String(length=20), nullable=False),
    sa.Column('temperature_dc', sa.Integer(), nullable=False),
    sa.Column('limit_dc', sa.Integer(), nullable=False),
    sa.Column('outcome', sa.String(length=20), nullable=False),
    sa.Column('reason', sa.String(length=30), nullable=False),
    sa.Column('taken_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('taken_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['claim_id'], ['claims.id'], name=op.f('fk_temperature_readings_claim_id_claims'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['stop_id'], ['stops.id'], name=op.f('fk_temperature_readings_stop_id_stops'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['taken_by_id'], ['users.id'], name=op.f('fk_temperature_readings_taken_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_temperature_readings'))
    )
    with op.batch_alter_table('temperature_readings', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_temperature_readings_claim_id'), ['claim_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_temperature_readings_taken_at'), ['taken_at'], unique=False)
    with op.batch_alter_table('delivery_records', schema=None) as batch_op:
        batch_op.add_column(sa.Column('outcome', sa.String(length=20), server_default='delivered', nullable=False))
        batch_op.add_column(sa.Column('loss_reason', sa.String(length=40), server_default='', nullable=False))
        batch_op.create_index(batch_op.f('ix_delivery_records_outcome'), ['outcome'], unique=False)


def downgrade():
    with op.batch_alter_table('delivery_records', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_delivery_records_outcome'))
        batch_op.drop_column('loss_reason')
        batch_op.drop_column('outcome')
    with op.batch_alter_table('temperature_readings', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_temperature_readings_taken_at'))
        batch_op.drop_index(batch_op.f('ix_temperature_readings_claim_id'))
    op.drop_table('temperature_readings')
    op.drop_table('cold_chain_settings')
