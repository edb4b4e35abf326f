"""Test databases: SQLite files by default, PostgreSQL when TEST_DATABASE_URL is set.

Kept free of Flask imports so tests/routing stays independent of the web app.
With PostgreSQL every test run creates its own databases, named after the
configured one plus a purpose and the process id, and drops them when it
ends, so two runs on one server never clobber each other.
"""
from __future__ import annotations

import atexit
import os
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import make_url

_created: list[str] = []


def base_url() -> str | None:
    return os.environ.get("TEST_DATABASE_URL") or None


def _admin_engine(url: str) -> sa.Engine:
    return sa.create_engine(make_url(url).set(database="postgres"), isolation_level="AUTOCOMMIT")


def scratch_database_url(name: str, tmp_dir: Path) -> str:
    """A fresh, empty database for one purpose (the main suite, migrations, browser tests ...)."""
    url = base_url()
    if url is None:
        return f"sqlite:///{tmp_dir / (name + '.sqlite3')}"
    parsed = make_url(url)
    database = f"{parsed.database}_{name}_{os.getpid()}"
    admin = _admin_engine(url)
    with admin.connect() as connection:
        connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
        connection.exec_driver_sql(f'CREATE DATABASE "{database}"')
    admin.dispose()
    if not _created:
        atexit.register(_drop_created, url)
    _created.append(database)
    return parsed.set(database=database).render_as_string(hide_password=False)


def _drop_created(url: str) -> None:
    admin = _admin_engine(url)
    with admin.connect() as connection:
        for database in _created:
            connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
    admin.dispose()
