"""marketplace: donations, lines, schedules, needs, claims, audit, notifications, API tokens

Revision ID: 0002_marketplace
Revises: 0001_foundation
Create Date: 2026-11-29 09:49:48.867082

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0002_marketplace"
down_revision = "0001_foundation"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('api_tokens',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('token_digest', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('last_used_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_api_tokens_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_api_tokens')),
    sa.UniqueConstraint('token_digest', name=op.f('uq_api_tokens_token_digest'))
    )
    with op.batch_alter_table('api_tokens', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_api_tokens_user_id'), ['user_id'], unique=False)

    op.create_table('audit_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('organization_id', sa.Integer(), nullable=True),
    sa.Column('entity', sa.String(length=40), nullable=False),
    sa.Column('entity_id', sa.Integer(), nullable=False),
    sa.Column('action', sa.String(length=40), nullable=False),
    sa.Column('changes', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['actor_id'], ['users.id'], name=op.f('fk_audit_events_actor_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['organization_id'], ['organizations.id'], name=op.f('fk_audit_events_organization_id_organizations'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_events'))
    )
    with op.batch_alter_table('audit_events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_audit_events_at'), ['at'], unique=False)
        batch_op.create_index(batch_op.f('ix_audit_events_entity_id'), ['entity_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_audit_events_organization_id'), ['organization_id'], unique=False)

    op.create_table('needs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('recipient_id', sa.Integer(), nullable=False),
    sa.Column('category', sa.Enum('produce', 'bakery', 'dairy', 'meat_fish', 'prepared', 'dry_goods', 'frozen', 'other', name='food_category', native_enum=False, length=20), nullable=False),
    sa.Column('storage', sa.Enum('ambient', 'refrigerated', 'frozen', name='storage_class', native_enum=False, length=20), nullable=False),
    sa.Column('quantity_g', sa.Integer(), nullable=False),
    sa.Column('needed_by', sa.DateTime(timezone=True), nullable=False),
    sa.Column('delivery_windows', sa.JSON(), nullable=False),
    sa.Column('refrigerated_free_g', sa.Integer(), nullable=False),
    sa.Column('frozen_free_g', sa.Integer(), nullable=False),
    sa.Column('people_expected', sa.Integer(), nullable=False),
    sa.Column('notes', sa.String(length=300), nullable=False),
    sa.Column('status', sa.Enum('open', 'fulfilled', 'cancelled', name='need_status', native_enum=False, length=20), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('people_expected >= 0', name=op.f('ck_needs_people_nonnegative')),
    sa.CheckConstraint('quantity_g > 0', name=op.f('ck_needs_quantity_positive')),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_needs_created_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['recipient_id'], ['organizations.id'], name=op.f('fk_needs_recipient_id_organizations'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_needs'))
    )
    with op.batch_alter_table('needs', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_needs_recipient_id'), ['recipient_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_needs_status'), ['status'], unique=False)

    op.create_table('notification_preferences',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('new_surplus', 'claim_on_donation', 'pickup_scheduled', 'use_by_approaching', 'cancelled', 'expired', name='notification_kind', native_enum=False, length=20), nullable=False),
    sa.Column('in_app', sa.Boolean(), nullable=False),
    sa.Column('email', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_notification_preferences_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_notification_preferences')),
    sa.UniqueConstraint('user_id', 'kind', name=op.f('uq_notification_preferences_user_id_kind'))
    )
    with op.batch_alter_table('notification_preferences', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_notification_preferences_user_id'), ['user_id'], unique=False)

    op.create_table('notifications',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('new_surplus', 'claim_on_donation', 'pickup_scheduled', 'use_by_approaching', 'cancelled', 'expired', name='notification_kind', native_enum=False, length=20), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('link', sa.String(length=300), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('read_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('show_in_app', sa.Boolean(), nullable=False),
    sa.Column('send_email', sa.Boolean(), nullable=False),
    sa.Column('emailed_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_notifications_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_notifications'))
    )
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_notifications_created_at'), ['created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_notifications_user_id'), ['user_id'], unique=False)

    op.create_table('priority_partners',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('donor_id', sa.Integer(), nullable=False),
    sa.Column('recipient_id', sa.Integer(), nullable=False),
    sa.Column('rank', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['donor_id'], ['organizations.id'], name=op.f('fk_priority_partners_donor_id_organizations'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['recipient_id'], ['organizations.id'], name=op.f('fk_priority_partners_recipient_id_organizations'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_priority_partners')),
    sa.UniqueConstraint('donor_id', 'recipient_id', name=op.f('uq_priority_partners_donor_id_recipient_id'))
    )
    with op.batch_alter_table('priority_partners', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_priority_partners_donor_id'), ['donor_id'], unique=False)

    op.create_table('recurring_schedules',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('donor_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('surplus', 'produce', name='donation_kind', native_enum=False, length=20), nullable=False),
    sa.Column('weekdays', sa.JSON(), nullable=False),
    sa.Column('pickup_time', sa.String(length=5), nullable=False),
    sa.Column('pickup_minutes', sa.Integer(), nullable=False),
    sa.Column('template', sa.JSON(), nullable=False),
    sa.Column('notes', sa.Text(), nullable=False),
    sa.Column('allow_split', sa.Boolean(), nullable=False),
    sa.Column('starts_on', sa.Date(), nullable=False),
    sa.Column('ends_on', sa.Date(), nullable=True),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('pickup_minutes > 0', name=op.f('ck_recurring_schedules_pickup_minutes_positive')),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_recurring_schedules_created_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['donor_id'], ['organizations.id'], name=op.f('fk_recurring_schedules_donor_id_organizations'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_recurring_schedules'))
    )
    with op.batch_alter_table('recurring_schedules', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_recurring_schedules_donor_id'), ['donor_id'], unique=False)

    op.create_table('donations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('donor_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('surplus', 'produce', name='donation_kind', native_enum=False, length=20), nullable=False),
    sa.Column('status', sa.Enum('open', 'cancelled', 'expired', 'skipped', name='donation_status', native_enum=False, length=20), nullable=False),
    sa.Column('pickup_start', sa.DateTime(timezone=True), nullable=False),
    sa.Column('pickup_end', sa.DateTime(timezone=True), nullable=False),
    sa.Column('available_from', sa.DateTime(timezone=True), nullable=True),
    sa.Column('available_until', sa.DateTime(timezone=True), nullable=True),
    sa.Column('notes', sa.Text(), nullable=False),
    sa.Column('allow_split', sa.Boolean(), nullable=False),
    sa.Column('photo_filename', sa.String(length=100), nullable=True),
    sa.Column('priority_recipient_id', sa.Integer(), nullable=True),
    sa.Column('priority_until', sa.DateTime(timezone=True), nullable=True),
    sa.Column('schedule_id', sa.Integer(), nullable=True),
    sa.Column('occurrence_date', sa.Date(), nullable=True),
    sa.Column('posted_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('cancelled_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('cancel_reason', sa.String(length=300), nullable=False),
    sa.CheckConstraint('pickup_end > pickup_start', name=op.f('ck_donations_pickup_window_ordered')),
    sa.ForeignKeyConstraint(['donor_id'], ['organizations.id'], name=op.f('fk_donations_donor_id_organizations'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['posted_by_id'], ['users.id'], name=op.f('fk_donations_posted_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['priority_recipient_id'], ['organizations.id'], name=op.f('fk_donations_priority_recipient_id_organizations'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['schedule_id'], ['recurring_schedules.id'], name=op.f('fk_donations_schedule_id_recurring_schedules'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_donations')),
    sa.UniqueConstraint('schedule_id', 'occurrence_date', name=op.f('uq_donations_schedule_id_occurrence_date'))
    )
    with op.batch_alter_table('donations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_donations_donor_id'), ['donor_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_donations_pickup_end'), ['pickup_end'], unique=False)
        batch_op.create_index(batch_op.f('ix_donations_status'), ['status'], unique=False)

    op.create_table('donation_declines',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('donation_id', sa.Integer(), nullable=False),
    sa.Column('recipient_id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['donation_id'], ['donations.id'], name=op.f('fk_donation_declines_donation_id_donations'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['recipient_id'], ['organizations.id'], name=op.f('fk_donation_declines_recipient_id_organizations'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_donation_declines')),
    sa.UniqueConstraint('donation_id', 'recipient_id', name=op.f('uq_donation_declines_donation_id_recipient_id'))
    )
    with op.batch_alter_table('donation_declines', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_donation_declines_donation_id'), ['donation_id'], unique=False)

    op.create_table('donation_lines',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('donation_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('category', sa.Enum('produce', 'bakery', 'dairy', 'meat_fish', 'prepared', 'dry_goods', 'frozen', 'other', name='food_category', native_enum=False, length=20), nullable=False),
    sa.Column('description', sa.String(length=200), nullable=False),
    sa.Column('quantity_g', sa.Integer(), nullable=False),
    sa.Column('units', sa.Integer(), nullable=True),
    sa.Column('storage', sa.Enum('ambient', 'refrigerated', 'frozen', name='storage_class', native_enum=False, length=20), nullable=False),
    sa.Column('use_by', sa.DateTime(timezone=True), nullable=False),
    sa.Column('pack_type', sa.String(length=60), nullable=False),
    sa.Column('claim_version', sa.Integer(), nullable=False),
    sa.CheckConstraint('quantity_g > 0', name=op.f('ck_donation_lines_quantity_positive')),
    sa.CheckConstraint('units IS NULL OR units > 0', name=op.f('ck_donation_lines_units_positive')),
    sa.ForeignKeyConstraint(['donation_id'], ['donations.id'], name=op.f('fk_donation_lines_donation_id_donations'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_donation_lines'))
    )
    with op.batch_alter_table('donation_lines', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_donation_lines_donation_id'), ['donation_id'], unique=False)

    op.create_table('claims',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('line_id', sa.Integer(), nullable=False),
    sa.Column('recipient_id', sa.Integer(), nullable=False),
    sa.Column('need_id', sa.Integer(), nullable=True),
    sa.Column('quantity_g', sa.Integer(), nullable=False),
    sa.Column('delivery_start', sa.DateTime(timezone=True), nullable=False),
    sa.Column('delivery_end', sa.DateTime(timezone=True), nullable=False),
    sa.Column('status', sa.Enum('claimed', 'scheduled', 'picked_up', 'delivered', 'cancelled', 'undone', 'expired', name='claim_status', native_enum=False, length=20), nullable=False),
    sa.Column('claimed_by_id', sa.Integer(), nullable=True),
    sa.Column('on_behalf', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('ended_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('end_reason', sa.String(length=300), nullable=False),
    sa.Column('picked_up_g', sa.Integer(), nullable=True),
    sa.Column('delivered_g', sa.Integer(), nullable=True),
    sa.Column('shortfall_reason', sa.String(length=300), nullable=False),
    sa.CheckConstraint('delivered_g IS NULL OR delivered_g >= 0', name=op.f('ck_claims_delivered_nonnegative')),
    sa.CheckConstraint('delivery_end > delivery_start', name=op.f('ck_claims_delivery_window_ordered')),
    sa.CheckConstraint('picked_up_g IS NULL OR picked_up_g >= 0', name=op.f('ck_claims_picked_up_nonnegative')),
    sa.CheckConstraint('quantity_g > 0', name=op.f('ck_claims_quantity_positive')),
    sa.ForeignKeyConstraint(['claimed_by_id'], ['users.id'], name=op.f('fk_claims_claimed_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['line_id'], ['donation_lines.id'], name=op.f('fk_claims_line_id_donation_lines'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['need_id'], ['needs.id'], name=op.f('fk_claims_need_id_needs'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['recipient_id'], ['organizations.id'], name=op.f('fk_claims_recipient_id_organizations'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_claims'))
    )
    with op.batch_alter_table('claims', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_claims_line_id'), ['line_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_claims_recipient_id'), ['recipient_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_claims_status'), ['status'], unique=False)



def downgrade():
    with op.batch_alter_table('claims', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_claims_status'))
        batch_op.drop_index(batch_op.f('ix_claims_recipient_id'))
        batch_op.drop_index(batch_op.f('ix_claims_line_id'))

    op.drop_table('claims')
    with op.batch_alter_table('donation_lines', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_donation_lines_donation_id'))

    op.drop_table('donation_lines')
    with op.batch_alter_table('donation_declines', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_donation_declines_donation_id'))

    op.drop_table('donation_declines')
    with op.batch_alter_table('donations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_donations_status'))
        batch_op.drop_index(batch_op.f('ix_donations_pickup_end'))
        batch_op.drop_index(batch_op.f('ix_donations_donor_id'))

    op.drop_table('donations')
    with op.batch_alter_table('recurring_schedules', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_recurring_schedules_donor_id'))

    op.drop_table('recurring_schedules')
    with op.batch_alter_table('priority_partners', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_priority_partners_donor_id'))

    op.drop_table('priority_partners')
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_notifications_user_id'))
        batch_op.drop_index(batch_op.f('ix_notifications_created_at'))

    op.drop_table('notifications')
    with op.batch_alter_table('notification_preferences', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_notification_preferences_user_id'))

    op.drop_table('notification_preferences')
    with op.batch_alter_table('needs', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_needs_status'))
        batch_op.drop_index(batch_op.f('ix_needs_recipient_id'))

    op.drop_table('needs')
    with op.batch_alter_table('audit_events', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_audit_events_organization_id'))
        batch_op.drop_index(batch_op.f('ix_audit_events_entity_id'))
        batch_op.drop_index(batch_op.f('ix_audit_events_at'))

    op.drop_table('audit_events')
    with op.batch_alter_table('api_tokens', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_api_tokens_user_id'))

    op.drop_table('api_tokens')
