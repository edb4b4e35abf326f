"""notifications link to an endpoint and its arguments instead of a stored path

Revision ID: 0007_notification_endpoints
Revises: 0006_communication
Create Date: 2026-12-07 10:45:00.000000

A stored path breaks silently when a route moves; an endpoint with its arguments is built
into an address by the app's own routes at the moment it is shown or mailed.

The paths the app has stored are translated with the routes they were made from (listed
below, as they stood when this migration was written, so the migration does not depend on
today's app). A path no route matches loses its link: the notification stays, with nothing
to open.
"""
from urllib.parse import urlsplit

import sqlalchemy as sa
from alembic import op
from werkzeug.exceptions import HTTPException
from werkzeug.routing import BuildError, Map, Rule

# revision identifiers, used by Alembic.
revision = '0007_notification_endpoints'
down_revision = '0006_communication'
branch_labels = None
depends_on = None

# Every path a notification was given before this revision, by the service that wrote it.
# strict_slashes=False: the route planner stored "/driver" for the driver app at "/driver/".
STORED_ROUTES = Map([
    Rule('/donations/<int:donation_id>', endpoint='donations.detail'),
    Rule('/claims/', endpoint='claims.index'),
    Rule('/claims/<int:claim_id>', endpoint='claims.detail'),
    Rule('/communication/announcements/<int:announcement_id>', endpoint='communication.announcement'),
    Rule('/communication/inbox/<int:organization_id>', endpoint='communication.organization_inbox'),
    Rule('/projects/<int:project_id>', endpoint='projects.detail'),
    Rule('/directory/<int:organization_id>', endpoint='directory.detail'),
    Rule('/driver/', endpoint='driver.index'),
    Rule('/driver/shifts', endpoint='driver.shifts'),
    Rule('/driver/board', endpoint='driver.board'),
    Rule('/measurement/reports', endpoint='measurement.reports'),
], strict_slashes=False)

notifications = sa.table(
    'notifications',
    sa.column('id', sa.Integer),
    sa.column('link', sa.String(300)),
    sa.column('link_endpoint', sa.String(80)),
    sa.column('link_args', sa.JSON),
)


def endpoint_of(link):
    """(endpoint, args) of a stored path, or ('', {}) when no route matches it.

    Reminders of partner reports stored an absolute address: only its path counts.
    """
    path = urlsplit(link or '').path
    if not path:
        return '', {}
    try:
        endpoint, args = STORED_ROUTES.bind('localhost').match(path, method='GET')
    except HTTPException:
        return '', {}
    return endpoint, dict(args)


def path_of(endpoint, args):
    """The stored path of (endpoint, args), or '' for no link (or an endpoint unknown here)."""
    if not endpoint:
        return ''
    try:
        return STORED_ROUTES.bind('localhost').build(endpoint, args or {})
    except BuildError:
        return ''


def upgrade():
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.add_column(sa.Column('link_endpoint', sa.String(length=80), nullable=True))
        batch_op.add_column(sa.Column('link_args', sa.JSON(), nullable=True))

    connection = op.get_bind()
    # Many people get the same link: translate each distinct path once.
    for (link,) in connection.execute(sa.select(notifications.c.link).distinct()).all():
        endpoint, args = endpoint_of(link)
        connection.execute(notifications.update().where(notifications.c.link == link)
                           .values(link_endpoint=endpoint, link_args=args))

    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.alter_column('link_endpoint', existing_type=sa.String(length=80), nullable=False)
        batch_op.alter_column('link_args', existing_type=sa.JSON(), nullable=False)
        batch_op.drop_column('link')


def downgrade():
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.add_column(sa.Column('link', sa.String(length=300), nullable=True))

    connection = op.get_bind()
    # JSON has no equality operator on PostgreSQL, so rows are translated one by one.
    rows = connection.execute(sa.select(notifications.c.id, notifications.c.link_endpoint,
                                        notifications.c.link_args)).all()
    for row_id, endpoint, args in rows:
        connection.execute(notifications.update().where(notifications.c.id == row_id)
                           .values(link=path_of(endpoint, args)))

    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.alter_column('link', existing_type=sa.String(length=300), nullable=False)
        batch_op.drop_column('link_args')
        batch_op.drop_column('link_endpoint')
