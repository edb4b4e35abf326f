"""funding ledger: grants and pledges, and spending against them (money in integer minor units)

Revision ID: 0011_funding_ledger
Revises: 0010_geo_address_geocode_cache
Create Date: 2026-12-07 11:20:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0011_funding_ledger'
down_revision = '0010_geo_address_geocode_cache'
branch_labels = None
depends_on = None

PURPOSE = sa.Enum('fuel', 'cold_chain', 'staff_time', 'food_purchase', 'other', name='funding_purpose',
                  native_enum=False, length=20)


def upgrade():
    op.create_table('grants',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('funder_organization_id', sa.Integer(), nullable=True),
    sa.Column('funder_name', sa.String(length=200), nullable=True),
    sa.Column('amount_minor', sa.BigInteger(), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('period_start', sa.Date(), nullable=False),
    sa.Column('period_end', sa.Date(), nullable=False),
    sa.Column('purpose', PURPOSE, nullable=False),
    sa.Column('status', sa.Enum('pledged', 'received', name='grant_status', native_enum=False, length=20), nullable=False),
    sa.Column('received_on', sa.Date(), nullable=True),
    sa.Column('supports', sa.String(length=40), nullable=False),
    sa.Column('activity', sa.String(length=300), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('amount_minor > 0', name=op.f('ck_grants_amount_positive')),
    sa.CheckConstraint('period_end >= period_start', name=op.f('ck_grants_period_ordered')),
    sa.CheckConstraint('funder_organization_id IS NOT NULL OR funder_name IS NOT NULL', name=op.f('ck_grants_has_funder')),
    sa.CheckConstraint("status <> 'received' OR received_on IS NOT NULL", name=op.f('ck_grants_received_has_date')),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_grants_created_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['funder_organization_id'], ['organizations.id'], name=op.f('fk_grants_funder_organization_id_organizations'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_grants'))
    )
    with op.batch_alter_table('grants', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_grants_funder_organization_id'), ['funder_organization_id'], unique=False)

    op.create_table('grant_spending',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('grant_id', sa.Integer(), nullable=False),
    sa.Column('spent_on', sa.Date(), nullable=False),
    sa.Column('amount_minor', sa.BigInteger(), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('purpose', PURPOSE, nullable=False),
    sa.Column('note', sa.String(length=500), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.CheckConstraint('amount_minor > 0', name=op.f('ck_grant_spending_amount_positive')),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_grant_spending_created_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['grant_id'], ['grants.id'], name=op.f('fk_grant_spending_grant_id_grants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_grant_spending'))
    )
    with op.batch_alter_table('grant_spending', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_grant_spending_grant_id'), ['grant_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_grant_spending_spent_on'), ['spent_on'], unique=False)


def downgrade():
    with op.batch_alter_table('grant_spending', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_grant_spending_spent_on'))
        batch_op.drop_index(batch_op.f('ix_grant_spending_grant_id'))
    op.drop_table('grant_spending')
    with op.batch_alter_table('grants', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_grants_funder_organization_id'))
    op.drop_table('grants')
