"""Flask extensions, created once here and bound to the app in create_app()."""
from __future__ import annotations

from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect
from sqlalchemy import Engine, MetaData, event
from sqlalchemy.orm import DeclarativeBase

# Stable constraint names, identical on SQLite and PostgreSQL, so migrations
# can drop and alter constraints by name on both.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


db = SQLAlchemy(model_class=Base)
migrate = Migrate()
login_manager = LoginManager()
csrf = CSRFProtect()


def configure_engine(engine: Engine) -> None:
    """Make SQLite behave like PostgreSQL where it matters to us.

    Foreign keys are enforced (so ON DELETE CASCADE works), and the driver's
    own transaction handling is replaced by an explicit BEGIN so that
    SAVEPOINTs and transactional DDL work (SQLAlchemy's documented pysqlite
    recipe). The BEGIN is IMMEDIATE: each transaction takes SQLite's write
    lock up front, so two claims on the same kilograms queue one behind the
    other instead of both reading the same remainder (PostgreSQL gets the
    same guarantee from a row lock, see services/claims.py).
    """
    if engine.dialect.name != "sqlite":
        return

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=5000")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection):
        connection.exec_driver_sql("BEGIN IMMEDIATE")
