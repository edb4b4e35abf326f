"""route plans record where their travel times came from: OSRM roads or straight-line estimates

Revision ID: 0009_osrm_travel
Revises: 0008_confidential_locations
Create Date: 2026-12-07 11:20:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0009_osrm_travel'
down_revision = '0008_confidential_locations'
branch_labels = None
depends_on = None


def upgrade():
    # Plans made before roads were possible were all planned on straight lines.
    with op.batch_alter_table('route_plans', schema=None) as batch_op:
        batch_op.add_column(sa.Column('travel', sa.String(length=30), server_default='straight_line', nullable=False))


def downgrade():
    with op.batch_alter_table('route_plans', schema=None) as batch_op:
        batch_op.drop_column('travel')
