"""Date and time inputs in the coalition's local time zone; the data is stored in UTC."""
from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from flask import current_app
from wtforms.fields import DateTimeLocalField
from wtforms.validators import Optional

from coalition.models.base import utcnow

LOCAL_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M"]


def local_zone() -> ZoneInfo:
    return ZoneInfo(current_app.config["COALITION_TIMEZONE"])


def local_today() -> dt.date:
    """Today's date in the coalition's time zone."""
    return utcnow().astimezone(local_zone()).date()


def local_datetime(label: str, **kwargs) -> DateTimeLocalField:
    """A datetime-local input read (and shown) in the coalition's time zone; the value is time-zone aware."""
    kwargs.setdefault("validators", [Optional()])
    kwargs.setdefault("invalid_value_message", "Give a date and time.")
    return DateTimeLocalField(label, format=LOCAL_FORMATS, tz=local_zone, **kwargs)


def to_utc(value: dt.datetime | None) -> dt.datetime | None:
    return value.astimezone(dt.timezone.utc) if value is not None else None


def to_local(value: dt.datetime) -> dt.datetime:
    return value.astimezone(local_zone())
