"""Test databases: SQLite files by default, PostgreSQL when TEST_DATABASE_URL is set.

Kept free of Flask imports so tests/routing stays independent of the web app.
"""
from __future__ import annotations

import os
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import make_url


def base_url() -> str | None:
    return os.environ.get("TEST_DATABASE_URL") or None


def scratch_database_url(name: str, tmp_dir: Path) -> str:
    """A fresh, empty database for one purpose (migrations, browser tests, the main suite).

    With PostgreSQL this drops and re-creates a database named after the
    configured one plus ``_name``; with SQLite it is a new file in tmp_dir.
    """
    url = base_url()
    if url is None:
        return f"sqlite:///{tmp_dir / (name + '.sqlite3')}"
    parsed = make_url(url)
    database = f"{parsed.database}_{name}" if name != "main" else parsed.database
    if database == parsed.database:
        drop_all_tables(url)
        return url
    admin = sa.create_engine(parsed.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
        connection.exec_driver_sql(f'CREATE DATABASE "{database}"')
    admin.dispose()
    return parsed.set(database=database).render_as_string(hide_password=False)


def drop_all_tables(url: str) -> None:
    """Remove every table (whatever version of the schema left them) so migrations start from base."""
    engine = sa.create_engine(url)
    metadata = sa.MetaData()
    metadata.reflect(engine)
    metadata.drop_all(engine)
    engine.dispose()
