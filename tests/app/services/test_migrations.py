"""Models and migrations agree, and the migration chain runs up, down and up again."""
from __future__ import annotations

import datetime as dt

import flask_migrate
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory

from coalition.extensions import db
from tests.fixtures.web import make_test_app
from tests.dbutil import scratch_database_url


def _schema_differences(connection) -> list:
    context = MigrationContext.configure(connection, opts={"compare_type": True})
    return compare_metadata(context, db.metadata)


def _tables(connection) -> set[str]:
    return set(sa.inspect(connection).get_table_names())


def test_one_head_and_models_match_migrations_up_down_up(tmp_path):
    """A single head; after upgrade autogenerate finds nothing; downgrade to base empties the schema."""
    application = make_test_app(scratch_database_url("migrations", tmp_path), tmp_path)
    with application.app_context():
        config = application.extensions["migrate"].migrate.get_config(application.extensions["migrate"].directory)
        assert len(ScriptDirectory.from_config(config).get_heads()) == 1

        flask_migrate.upgrade()
        with db.engine.connect() as connection:
            assert _schema_differences(connection) == []
            assert {"organizations", "users", "memberships", "invitations"} <= _tables(connection)

        flask_migrate.downgrade(revision="base")
        with db.engine.connect() as connection:
            assert _tables(connection) <= {"alembic_version"}

        flask_migrate.upgrade()
        with db.engine.connect() as connection:
            assert _schema_differences(connection) == []
        db.engine.dispose()


def test_stored_notification_paths_become_endpoints_and_come_back_on_downgrade(tmp_path):
    """Each path the services stored turns into (endpoint, args); an unknown path loses its link; downgrading
    writes the paths back."""
    stored = {
        "/donations/12": ("donations.detail", {"donation_id": 12}),
        "/claims/": ("claims.index", {}),
        "/claims/7": ("claims.detail", {"claim_id": 7}),
        "/communication/announcements/3": ("communication.announcement", {"announcement_id": 3}),
        "/communication/inbox/4": ("communication.organization_inbox", {"organization_id": 4}),
        "/projects/5": ("projects.detail", {"project_id": 5}),
        "/directory/6": ("directory.detail", {"organization_id": 6}),
        "/driver": ("driver.index", {}),
        "/driver/shifts": ("driver.shifts", {}),
        "/driver/board": ("driver.board", {}),
        "http://127.0.0.1:5000/measurement/reports": ("measurement.reports", {}),
        "/no/such/page": ("", {}),
        "": ("", {}),
    }
    now = dt.datetime(2026, 12, 1, tzinfo=dt.timezone.utc)
    users = sa.table("users", sa.column("id"), sa.column("email"), sa.column("display_name"), sa.column("phone"),
                     sa.column("active"), sa.column("created_at"))
    columns = ("id", "user_id", "kind", "title", "body", "created_at", "show_in_app", "send_email")
    old = sa.table("notifications", *(sa.column(c) for c in columns), sa.column("link"))
    new = sa.table("notifications", sa.column("id"), sa.column("link_endpoint"), sa.column("link_args", sa.JSON))
    application = make_test_app(scratch_database_url("notification_links", tmp_path), tmp_path)
    with application.app_context():
        flask_migrate.upgrade(revision="0006_communication")
        with db.engine.begin() as connection:
            connection.execute(users.insert().values(id=1, email="a@example.org", display_name="A", phone="",
                                                     active=True, created_at=now))
            connection.execute(old.insert(), [
                {"id": i, "user_id": 1, "kind": "cancelled", "title": "t", "body": "", "created_at": now,
                 "show_in_app": True, "send_email": False, "link": link} for i, link in enumerate(stored, 1)])

        flask_migrate.upgrade(revision="0007_notification_endpoints")
        with db.engine.connect() as connection:
            converted = {row.id: (row.link_endpoint, row.link_args) for row in connection.execute(sa.select(new))}
        assert converted == {i: target for i, target in enumerate(stored.values(), 1)}

        flask_migrate.downgrade(revision="0006_communication")
        with db.engine.connect() as connection:
            restored = dict(connection.execute(sa.select(old.c.id, old.c.link)).all())
        # The planner's "/driver" and the absolute report address come back in the routes' own spelling.
        expected = {**{i: link for i, link in enumerate(stored, 1)}, 8: "/driver/", 11: "/measurement/reports",
                    12: ""}
        assert restored == expected
        db.engine.dispose()
