"""Periods of local calendar dates, both ends included, as the reports that cover one read them
(donor receipts, funder reports, the monthly recovery report): parsed from a form's texts, and
turned into the UTC instants that delivery records are stored in.
"""
from __future__ import annotations

import datetime as dt

from coalition.errors import ValidationError

MAX_PERIOD_DAYS = 366 * 5 + 1


def parse_period(start_text: str | None, end_text: str | None, today: dt.date, document: str) -> tuple[dt.date, dt.date]:
    """Local dates from ``YYYY-MM-DD`` texts; no start = 1 January of this year, no end = today.

    ``document`` names what the period is for in the too-long message ("A receipt").
    Raises ValidationError (fields ``start``/``end``) for an unreadable date, an end before the start,
    or a period longer than five years.
    """
    errors, dates = {}, {}
    for name, text, default in (("start", start_text, today.replace(month=1, day=1)), ("end", end_text, today)):
        text = (text or "").strip()
        try:
            dates[name] = dt.date.fromisoformat(text) if text else default
        except ValueError:
            errors[name] = "Give a date as YYYY-MM-DD."
    if not errors and dates["end"] < dates["start"]:
        errors["end"] = "The end of the period must be on or after its start."
    if not errors and (dates["end"] - dates["start"]).days > MAX_PERIOD_DAYS:
        errors["start"] = f"{document} covers at most five years."
    if errors:
        raise ValidationError("Please correct the period.", errors)
    return dates["start"], dates["end"]


def local_bounds(start: dt.date, end: dt.date, tz: dt.tzinfo) -> tuple[dt.datetime, dt.datetime]:
    """Local dates [start, end] as UTC [from, until)."""
    begin = dt.datetime.combine(start, dt.time(0), tz).astimezone(dt.timezone.utc)
    until = dt.datetime.combine(end + dt.timedelta(days=1), dt.time(0), tz).astimezone(dt.timezone.utc)
    return begin, until
