"""geocode cache and shift addresses: the places a geocoder found for an address (each asked once), and the
street address of a driver's home start and end

Revision ID: 0010_geo_address_geocode_cache
Revises: 0009_osrm_travel
Create Date: 2026-12-07 11:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0010_geo_address_geocode_cache'
down_revision = '0009_osrm_travel'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('geocode_results',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('provider', sa.String(length=20), nullable=False),
    sa.Column('query', sa.String(length=300), nullable=False),
    sa.Column('matches', sa.JSON(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_geocode_results')),
    sa.UniqueConstraint('provider', 'query', name=op.f('uq_geocode_results_provider_query'))
    )
    for table in ('driver_shifts', 'shift_patterns'):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column('start_address', sa.String(length=300), server_default='', nullable=False))
            batch_op.add_column(sa.Column('end_address', sa.String(length=300), server_default='', nullable=False))


def downgrade():
    for table in ('shift_patterns', 'driver_shifts'):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column('end_address')
            batch_op.drop_column('start_address')
    op.drop_table('geocode_results')
