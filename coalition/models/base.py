"""Column helpers shared by the models."""
from __future__ import annotations

import datetime as dt

import enum

from sqlalchemy import DateTime, Enum, TypeDecorator


def utcnow() -> dt.datetime:
    """The current time in UTC, time-zone aware."""
    return dt.datetime.now(dt.timezone.utc)


class UTCDateTime(TypeDecorator):
    """A timestamp stored in UTC and always returned time-zone aware.

    SQLite drops the offset of a stored datetime; this type puts it back so
    comparisons with ``utcnow()`` work the same on SQLite and PostgreSQL.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given where UTC is required")
        return value.astimezone(dt.timezone.utc)

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=dt.timezone.utc)
        return value.astimezone(dt.timezone.utc)


def enum_column(enum_class: type[enum.Enum], name: str) -> Enum:
    """A portable enum column: stored as its value in a VARCHAR, the same on SQLite and PostgreSQL."""
    return Enum(enum_class, name=name, native_enum=False, length=20,
                values_callable=lambda members: [m.value for m in members])
