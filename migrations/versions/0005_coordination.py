"""coordination: driver readiness profiles, delivery ratings, pickup problems, fair-market values per category

Revision ID: 0005_coordination
Revises: 0004_dispatch
Create Date: 2026-11-29 10:43:49.188948

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0005_coordination'
down_revision = '0004_dispatch'
branch_labels = None
depends_on = None


def upgrade():

    op.create_table('driver_profiles',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('training_completed_on', sa.Date(), nullable=True),
    sa.Column('training_expires_on', sa.Date(), nullable=True),
    sa.Column('training_provider', sa.String(length=120), nullable=False),
    sa.Column('licence_attested_on', sa.Date(), nullable=True),
    sa.Column('licence_expires_on', sa.Date(), nullable=True),
    sa.Column('insurance_attested_on', sa.Date(), nullable=True),
    sa.Column('insurance_expires_on', sa.Date(), nullable=True),
    sa.Column('vehicle', sa.String(length=120), nullable=False),
    sa.Column('vehicle_plate', sa.String(length=20), nullable=False),
    sa.Column('mentor_id', sa.Integer(), nullable=True),
    sa.Column('mentoring_until', sa.Date(), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.CheckConstraint('insurance_expires_on IS NULL OR insurance_attested_on IS NULL OR insurance_expires_on >= insurance_attested_on', name=op.f('ck_driver_profiles_insurance_ordered')),
    sa.CheckConstraint('licence_expires_on IS NULL OR licence_attested_on IS NULL OR licence_expires_on >= licence_attested_on', name=op.f('ck_driver_profiles_licence_ordered')),
    sa.CheckConstraint('mentor_id IS NULL OR mentor_id <> user_id', name=op.f('ck_driver_profiles_not_own_mentor')),
    sa.CheckConstraint('training_expires_on IS NULL OR training_completed_on IS NULL OR training_expires_on >= training_completed_on', name=op.f('ck_driver_profiles_training_ordered')),
    sa.ForeignKeyConstraint(['mentor_id'], ['users.id'], name=op.f('fk_driver_profiles_mentor_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['updated_by_id'], ['users.id'], name=op.f('fk_driver_profiles_updated_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_driver_profiles_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_driver_profiles')),
    sa.UniqueConstraint('user_id', name=op.f('uq_driver_profiles_user_id'))
    )
    with op.batch_alter_table('driver_profiles', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_driver_profiles_mentor_id'), ['mentor_id'], unique=False)

    op.create_table('fair_market_values',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('category', sa.Enum('produce', 'bakery', 'dairy', 'meat_fish', 'prepared', 'dry_goods', 'frozen', 'other', name='food_category', native_enum=False, length=20), nullable=False),
    sa.Column('usd_per_kg', sa.Float(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.CheckConstraint('usd_per_kg >= 0 AND usd_per_kg <= 1000', name=op.f('ck_fair_market_values_usd_per_kg_range')),
    sa.ForeignKeyConstraint(['updated_by_id'], ['users.id'], name=op.f('fk_fair_market_values_updated_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_fair_market_values')),
    sa.UniqueConstraint('category', name=op.f('uq_fair_market_values_category'))
    )
    op.create_table('delivery_ratings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('delivery_id', sa.Integer(), nullable=False),
    sa.Column('donor_id', sa.Integer(), nullable=False),
    sa.Column('recipient_id', sa.Integer(), nullable=False),
    sa.Column('rating', sa.Integer(), nullable=False),
    sa.Column('note', sa.String(length=500), nullable=False),
    sa.Column('rated_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('rating >= 1 AND rating <= 5', name=op.f('ck_delivery_ratings_rating_range')),
    sa.ForeignKeyConstraint(['delivery_id'], ['delivery_records.id'], name=op.f('fk_delivery_ratings_delivery_id_delivery_records'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['donor_id'], ['organizations.id'], name=op.f('fk_delivery_ratings_donor_id_organizations'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['rated_by_id'], ['users.id'], name=op.f('fk_delivery_ratings_rated_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['recipient_id'], ['organizations.id'], name=op.f('fk_delivery_ratings_recipient_id_organizations'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_delivery_ratings')),
    sa.UniqueConstraint('delivery_id', name=op.f('uq_delivery_ratings_delivery_id'))
    )
    with op.batch_alter_table('delivery_ratings', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_delivery_ratings_created_at'), ['created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_delivery_ratings_donor_id'), ['donor_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_delivery_ratings_recipient_id'), ['recipient_id'], unique=False)

    op.create_table('pickup_problems',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('donor_id', sa.Integer(), nullable=False),
    sa.Column('claim_id', sa.Integer(), nullable=False),
    sa.Column('stop_id', sa.Integer(), nullable=True),
    sa.Column('issue', sa.Enum('not_ready', 'nothing_to_collect', 'unsafe_temperature', 'spoiled', 'poor_packaging', 'no_access', 'rude_or_unsafe', 'other', name='pickup_issue', native_enum=False, length=20), nullable=False),
    sa.Column('note', sa.String(length=500), nullable=False),
    sa.Column('reported_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['claim_id'], ['claims.id'], name=op.f('fk_pickup_problems_claim_id_claims'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['donor_id'], ['organizations.id'], name=op.f('fk_pickup_problems_donor_id_organizations'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['reported_by_id'], ['users.id'], name=op.f('fk_pickup_problems_reported_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['stop_id'], ['stops.id'], name=op.f('fk_pickup_problems_stop_id_stops'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_pickup_problems'))
    )
    with op.batch_alter_table('pickup_problems', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_pickup_problems_claim_id'), ['claim_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_pickup_problems_created_at'), ['created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_pickup_problems_donor_id'), ['donor_id'], unique=False)




def downgrade():

    with op.batch_alter_table('pickup_problems', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_pickup_problems_donor_id'))
        batch_op.drop_index(batch_op.f('ix_pickup_problems_created_at'))
        batch_op.drop_index(batch_op.f('ix_pickup_problems_claim_id'))

    op.drop_table('pickup_problems')
    with op.batch_alter_table('delivery_ratings', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_delivery_ratings_recipient_id'))
        batch_op.drop_index(batch_op.f('ix_delivery_ratings_donor_id'))
        batch_op.drop_index(batch_op.f('ix_delivery_ratings_created_at'))

    op.drop_table('delivery_ratings')
    op.drop_table('fair_market_values')
    with op.batch_alter_table('driver_profiles', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_driver_profiles_mentor_id'))

    op.drop_table('driver_profiles')

