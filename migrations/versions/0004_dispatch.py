"""dispatch: shifts, route plans, routes, stops, drops, stop actions, food-safety rules

Revision ID: 0004_dispatch
Revises: 0003_measurement
Create Date: 2026-11-29 10:38:20.126526

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0004_dispatch"
down_revision = "0003_measurement"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('food_safety_rules',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('storage', sa.String(length=20), nullable=False),
    sa.Column('cold_chain', sa.String(length=20), nullable=False),
    sa.Column('max_minutes', sa.Integer(), nullable=False),
    sa.CheckConstraint('max_minutes > 0', name=op.f('ck_food_safety_rules_max_minutes_positive')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_food_safety_rules')),
    sa.UniqueConstraint('storage', 'cold_chain', name=op.f('uq_food_safety_rules_storage_cold_chain'))
    )
    op.create_table('route_plans',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('local_date', sa.Date(), nullable=False),
    sa.Column('zone', sa.String(length=60), nullable=False),
    sa.Column('status', sa.Enum('draft', 'solving', 'ready', 'failed', 'published', 'superseded', name='plan_status', native_enum=False, length=20), nullable=False),
    sa.Column('window_start', sa.DateTime(timezone=True), nullable=True),
    sa.Column('window_end', sa.DateTime(timezone=True), nullable=True),
    sa.Column('job_id', sa.String(length=100), nullable=False),
    sa.Column('progress_pct', sa.Integer(), nullable=False),
    sa.Column('message', sa.Text(), nullable=False),
    sa.Column('params', sa.JSON(), nullable=False),
    sa.Column('figures', sa.JSON(), nullable=False),
    sa.Column('solution', sa.JSON(), nullable=True),
    sa.Column('based_on_id', sa.Integer(), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('solved_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('published_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['based_on_id'], ['route_plans.id'], name=op.f('fk_route_plans_based_on_id_route_plans'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_route_plans_created_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_route_plans'))
    )
    with op.batch_alter_table('route_plans', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_route_plans_local_date'), ['local_date'], unique=False)
        batch_op.create_index(batch_op.f('ix_route_plans_status'), ['status'], unique=False)

    op.create_table('shift_patterns',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('driver_id', sa.Integer(), nullable=False),
    sa.Column('organization_id', sa.Integer(), nullable=False),
    sa.Column('weekdays', sa.JSON(), nullable=False),
    sa.Column('start_time', sa.String(length=5), nullable=False),
    sa.Column('end_time', sa.String(length=5), nullable=False),
    sa.Column('starts_on', sa.Date(), nullable=False),
    sa.Column('ends_on', sa.Date(), nullable=True),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('start_kind', sa.Enum('home', 'depot', 'anywhere', name='place_kind', native_enum=False, length=20), nullable=False),
    sa.Column('start_latitude', sa.Double(), nullable=True),
    sa.Column('start_longitude', sa.Double(), nullable=True),
    sa.Column('start_organization_id', sa.Integer(), nullable=True),
    sa.Column('end_kind', sa.Enum('home', 'depot', 'anywhere', name='place_kind', native_enum=False, length=20), nullable=False),
    sa.Column('end_latitude', sa.Double(), nullable=True),
    sa.Column('end_longitude', sa.Double(), nullable=True),
    sa.Column('end_organization_id', sa.Integer(), nullable=True),
    sa.Column('capacity_g', sa.Integer(), nullable=False),
    sa.Column('cold_chain', sa.Enum('none', 'insulated', 'refrigerated', name='cold_chain', native_enum=False, length=20), nullable=False),
    sa.Column('max_stops', sa.Integer(), nullable=True),
    sa.CheckConstraint('capacity_g > 0', name=op.f('ck_shift_patterns_capacity_positive')),
    sa.ForeignKeyConstraint(['driver_id'], ['users.id'], name=op.f('fk_shift_patterns_driver_id_users'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['end_organization_id'], ['organizations.id'], name=op.f('fk_shift_patterns_end_organization_id_organizations'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['organization_id'], ['organizations.id'], name=op.f('fk_shift_patterns_organization_id_organizations'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['start_organization_id'], ['organizations.id'], name=op.f('fk_shift_patterns_start_organization_id_organizations'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_shift_patterns'))
    )
    with op.batch_alter_table('shift_patterns', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_shift_patterns_driver_id'), ['driver_id'], unique=False)

    op.create_table('driver_shifts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('driver_id', sa.Integer(), nullable=False),
    sa.Column('organization_id', sa.Integer(), nullable=False),
    sa.Column('local_date', sa.Date(), nullable=False),
    sa.Column('start_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('end_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('status', sa.Enum('available', 'cover_requested', 'cancelled', name='shift_status', native_enum=False, length=20), nullable=False),
    sa.Column('pattern_id', sa.Integer(), nullable=True),
    sa.Column('covered_by_id', sa.Integer(), nullable=True),
    sa.Column('notes', sa.String(length=300), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('start_kind', sa.Enum('home', 'depot', 'anywhere', name='place_kind', native_enum=False, length=20), nullable=False),
    sa.Column('start_latitude', sa.Double(), nullable=True),
    sa.Column('start_longitude', sa.Double(), nullable=True),
    sa.Column('start_organization_id', sa.Integer(), nullable=True),
    sa.Column('end_kind', sa.Enum('home', 'depot', 'anywhere', name='place_kind', native_enum=False, length=20), nullable=False),
    sa.Column('end_latitude', sa.Double(), nullable=True),
    sa.Column('end_longitude', sa.Double(), nullable=True),
    sa.Column('end_organization_id', sa.Integer(), nullable=True),
    sa.Column('capacity_g', sa.Integer(), nullable=False),
    sa.Column('cold_chain', sa.Enum('none', 'insulated', 'refrigerated', name='cold_chain', native_enum=False, length=20), nullable=False),
    sa.Column('max_stops', sa.Integer(), nullable=True),
    sa.CheckConstraint('capacity_g > 0', name=op.f('ck_driver_shifts_capacity_positive')),
    sa.CheckConstraint('end_at > start_at', name=op.f('ck_driver_shifts_shift_ordered')),
    sa.CheckConstraint('max_stops IS NULL OR max_stops > 0', name=op.f('ck_driver_shifts_max_stops_positive')),
    sa.ForeignKeyConstraint(['covered_by_id'], ['users.id'], name=op.f('fk_driver_shifts_covered_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['driver_id'], ['users.id'], name=op.f('fk_driver_shifts_driver_id_users'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['end_organization_id'], ['organizations.id'], name=op.f('fk_driver_shifts_end_organization_id_organizations'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['organization_id'], ['organizations.id'], name=op.f('fk_driver_shifts_organization_id_organizations'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['pattern_id'], ['shift_patterns.id'], name=op.f('fk_driver_shifts_pattern_id_shift_patterns'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['start_organization_id'], ['organizations.id'], name=op.f('fk_driver_shifts_start_organization_id_organizations'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_driver_shifts'))
    )
    with op.batch_alter_table('driver_shifts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_driver_shifts_driver_id'), ['driver_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_driver_shifts_local_date'), ['local_date'], unique=False)
        batch_op.create_index(batch_op.f('ix_driver_shifts_organization_id'), ['organization_id'], unique=False)

    op.create_table('routes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('plan_id', sa.Integer(), nullable=False),
    sa.Column('shift_id', sa.Integer(), nullable=False),
    sa.Column('driver_id', sa.Integer(), nullable=False),
    sa.Column('start_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('end_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('distance_m', sa.Integer(), nullable=False),
    sa.Column('duration_s', sa.Integer(), nullable=False),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['driver_id'], ['users.id'], name=op.f('fk_routes_driver_id_users'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['plan_id'], ['route_plans.id'], name=op.f('fk_routes_plan_id_route_plans'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['shift_id'], ['driver_shifts.id'], name=op.f('fk_routes_shift_id_driver_shifts'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_routes'))
    )
    with op.batch_alter_table('routes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_routes_driver_id'), ['driver_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_routes_plan_id'), ['plan_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_routes_shift_id'), ['shift_id'], unique=False)

    op.create_table('plan_drops',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('plan_id', sa.Integer(), nullable=False),
    sa.Column('claim_id', sa.Integer(), nullable=False),
    sa.Column('reason', sa.String(length=40), nullable=False),
    sa.Column('message', sa.String(length=500), nullable=False),
    sa.ForeignKeyConstraint(['claim_id'], ['claims.id'], name=op.f('fk_plan_drops_claim_id_claims'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['plan_id'], ['route_plans.id'], name=op.f('fk_plan_drops_plan_id_route_plans'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_plan_drops'))
    )
    with op.batch_alter_table('plan_drops', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_plan_drops_plan_id'), ['plan_id'], unique=False)

    op.create_table('stops',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('route_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('pickup', 'delivery', name='stop_kind', native_enum=False, length=20), nullable=False),
    sa.Column('claim_id', sa.Integer(), nullable=False),
    sa.Column('organization_id', sa.Integer(), nullable=False),
    sa.Column('latitude', sa.Double(), nullable=False),
    sa.Column('longitude', sa.Double(), nullable=False),
    sa.Column('arrival_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('service_start_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('departure_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('load_after_g', sa.Integer(), nullable=False),
    sa.Column('safe_until', sa.DateTime(timezone=True), nullable=True),
    sa.Column('locked', sa.Boolean(), nullable=False),
    sa.Column('status', sa.Enum('pending', 'arrived', 'done', 'problem', 'skipped', name='stop_status', native_enum=False, length=20), nullable=False),
    sa.Column('arrived_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('completed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('actual_g', sa.Integer(), nullable=True),
    sa.Column('temperature_c', sa.Double(), nullable=True),
    sa.Column('receiver_name', sa.String(length=120), nullable=False),
    sa.Column('problem_kind', sa.Enum('not_ready', 'nothing_to_collect', 'refused', 'no_access', name='problem_kind', native_enum=False, length=20), nullable=True),
    sa.Column('note', sa.String(length=500), nullable=False),
    sa.Column('photo_filename', sa.String(length=100), nullable=True),
    sa.CheckConstraint('actual_g IS NULL OR actual_g >= 0', name=op.f('ck_stops_actual_nonnegative')),
    sa.ForeignKeyConstraint(['claim_id'], ['claims.id'], name=op.f('fk_stops_claim_id_claims'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['organization_id'], ['organizations.id'], name=op.f('fk_stops_organization_id_organizations'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['route_id'], ['routes.id'], name=op.f('fk_stops_route_id_routes'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_stops')),
    sa.UniqueConstraint('route_id', 'position', name=op.f('uq_stops_route_id_position'))
    )
    with op.batch_alter_table('stops', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_stops_claim_id'), ['claim_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_stops_route_id'), ['route_id'], unique=False)

    op.create_table('stop_actions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('client_action_id', sa.String(length=64), nullable=False),
    sa.Column('stop_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('action', sa.String(length=20), nullable=False),
    sa.Column('payload', sa.JSON(), nullable=False),
    sa.Column('performed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('received_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['stop_id'], ['stops.id'], name=op.f('fk_stop_actions_stop_id_stops'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_stop_actions_user_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_stop_actions')),
    sa.UniqueConstraint('client_action_id', name=op.f('uq_stop_actions_client_action_id'))
    )
    with op.batch_alter_table('stop_actions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_stop_actions_stop_id'), ['stop_id'], unique=False)



def downgrade():
    with op.batch_alter_table('stop_actions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_stop_actions_stop_id'))

    op.drop_table('stop_actions')
    with op.batch_alter_table('stops', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_stops_route_id'))
        batch_op.drop_index(batch_op.f('ix_stops_claim_id'))

    op.drop_table('stops')
    with op.batch_alter_table('plan_drops', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_plan_drops_plan_id'))

    op.drop_table('plan_drops')
    with op.batch_alter_table('routes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_routes_shift_id'))
        batch_op.drop_index(batch_op.f('ix_routes_plan_id'))
        batch_op.drop_index(batch_op.f('ix_routes_driver_id'))

    op.drop_table('routes')
    with op.batch_alter_table('driver_shifts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_driver_shifts_organization_id'))
        batch_op.drop_index(batch_op.f('ix_driver_shifts_local_date'))
        batch_op.drop_index(batch_op.f('ix_driver_shifts_driver_id'))

    op.drop_table('driver_shifts')
    with op.batch_alter_table('shift_patterns', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_shift_patterns_driver_id'))

    op.drop_table('shift_patterns')
    with op.batch_alter_table('route_plans', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_route_plans_status'))
        batch_op.drop_index(batch_op.f('ix_route_plans_local_date'))

    op.drop_table('route_plans')
    op.drop_table('food_safety_rules')
