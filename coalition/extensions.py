"""Flask extensions, created once here and bound to the app in create_app()."""
from __future__ import annotations

import threading

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


BUSY_TIMEOUT_MS = 5000   # how long a transaction waits for SQLite's write lock


def configure_engine(engine: Engine) -> None:
    """Make SQLite behave like PostgreSQL where it matters to us.

    Foreign keys are enforced (so ON DELETE CASCADE works), and the driver's
    own transaction handling is replaced by an explicit BEGIN so that
    SAVEPOINTs and transactional DDL work (SQLAlchemy's documented pysqlite
    recipe). The BEGIN is IMMEDIATE: each transaction takes SQLite's write
    lock up front, so two claims on the same kilograms queue one behind the
    other instead of both reading the same remainder (PostgreSQL gets the
    same guarantee from a row lock, see services/claims.py).

    The threads of one process queue for that lock on a Python lock first:
    each is woken the moment the transaction before it ends. Waiting in
    SQLite's busy handler instead means sleeping in steps of up to 100 ms
    and missing the lock again and again while others take it (seconds of
    wait for an unlucky request under load). Other processes still meet at
    SQLite's own lock, as before.
    """
    if engine.dialect.name != "sqlite":
        return
    writer = threading.Lock()

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection):
        # Waits no longer than SQLite would; on time-out SQLite's busy handler decides, as without the queue.
        queued = writer.acquire(timeout=BUSY_TIMEOUT_MS / 1000)
        try:
            connection.exec_driver_sql("BEGIN IMMEDIATE")
        except BaseException:
            if queued:
                writer.release()
            raise
        if queued:
            connection.info["sqlite_writer"] = writer

    @event.listens_for(engine, "commit")
    @event.listens_for(engine, "rollback")
    def _on_end(connection):
        _release(connection.info)

    @event.listens_for(engine, "checkin")
    def _on_checkin(_dbapi_connection, record):
        # A connection dropped without ending its transaction is rolled back by the pool, without the
        # events above: its place in the queue must not outlive it.
        if record is not None:
            _release(record.info)

    def _release(info: dict) -> None:
        held = info.pop("sqlite_writer", None)
        if held is not None:
            held.release()
