"""confidential organizations: a flag and an optional public alias

Revision ID: 0008_confidential_locations
Revises: 0007_notification_endpoints
Create Date: 2026-12-07 10:55:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0008_confidential_locations'
down_revision = '0007_notification_endpoints'
branch_labels = None
depends_on = None


def upgrade():
    # server_default fills the rows that exist: every partner stays findable until it says otherwise.
    with op.batch_alter_table('organizations', schema=None) as batch_op:
        batch_op.add_column(sa.Column('confidential', sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.add_column(sa.Column('public_alias', sa.String(length=200), nullable=False, server_default=''))


def downgrade():
    with op.batch_alter_table('organizations', schema=None) as batch_op:
        batch_op.drop_column('public_alias')
        batch_op.drop_column('confidential')
