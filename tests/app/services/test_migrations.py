"""Models and migrations agree, and the migration chain runs up, down and up again."""
from __future__ import annotations

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
