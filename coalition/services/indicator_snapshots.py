"""The computed indicators stored as monthly time series (issue 6: "stored as time series").

Kg, meals, CO2e, volunteer hours, driver km, time to pickup, share rescued and
people served are computed from delivery records, donations and partner reports;
:func:`snapshot_indicators` writes one :class:`IndicatorValue` per indicator per
UTC calendar month (city-wide, plus kg and meals per neighborhood). Recomputing
a month replaces its snapshot rows (delete, then insert, in the caller's
transaction): never duplicates. Entered values (``entered_by_id`` set, e.g.
survey rates) are never touched.
"""
from __future__ import annotations

import dataclasses
import datetime as dt

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from coalition.errors import ValidationError
from coalition.models import IndicatorValue, Neighborhood
from coalition.services import indicators

# The computed indicators a snapshot stores (the food-insecurity rate is entered, not computed).
SNAPSHOT_INDICATORS = ("kg_rescued", "kg_distributed", "meals_distributed", "people_served", "volunteer_hours",
                       "driver_km", "share_rescued", "hours_to_pickup", "co2e_avoided")
NEIGHBORHOOD_INDICATORS = ("kg_distributed", "meals_distributed")
MAX_MONTHS = 120


@dataclasses.dataclass
class SnapshotResult:
    months: list[str]
    rows: int


def _month_start(moment: dt.datetime) -> dt.datetime:
    return moment.astimezone(dt.timezone.utc).replace(day=1, hour=0, minute=0, second=0, microsecond=0)


def _previous_month(start: dt.datetime) -> dt.datetime:
    return (start - dt.timedelta(days=1)).replace(day=1)


def month_starts(now: dt.datetime, months: int) -> list[dt.datetime]:
    """The starts of the last ``months`` UTC calendar months, oldest first, now's (partial) month last."""
    starts = [_month_start(now)]
    for _ in range(months - 1):
        starts.append(_previous_month(starts[-1]))
    return starts[::-1]


def _value(key: str, start: dt.datetime, end: dt.datetime, month_totals: indicators.Totals,
           people: indicators.PeopleServed, share: float | None) -> float | None:
    return {
        "kg_rescued": month_totals.kg_rescued,
        "kg_distributed": month_totals.kg_distributed,
        "meals_distributed": month_totals.meals,
        "co2e_avoided": month_totals.co2e_kg,
        "volunteer_hours": month_totals.volunteer_hours,
        "driver_km": month_totals.driver_km,
        "hours_to_pickup": month_totals.hours_to_pickup,
        "share_rescued": share,
        "people_served": people.visits if people.reports else None,
    }[key]


def snapshot_month(session: Session, start: dt.datetime, now: dt.datetime) -> int:
    """Replace the snapshot rows of the month starting at ``start``; the number of rows written.

    An indicator with no data that month (no routes, nothing posted, no reports) gets no row.
    """
    end = indicators.next_month(start)
    first, last = start.date(), (end - dt.timedelta(days=1)).date()
    session.execute(delete(IndicatorValue).where(
        IndicatorValue.indicator.in_(SNAPSHOT_INDICATORS), IndicatorValue.entered_by_id.is_(None),
        IndicatorValue.period_start == first, IndicatorValue.period_end == last,
    ).execution_options(synchronize_session=False))
    settings = indicators.get_settings(session)
    filters = indicators.Filters(start, end)
    month_totals = indicators.totals(session, filters, settings)
    people = indicators.people_served(session, first, end.date())
    share = indicators.share_rescued(session, filters)
    rows = []
    for key in SNAPSHOT_INDICATORS:
        value = _value(key, start, end, month_totals, people, share)
        if value is None:
            continue
        definition = indicators.INDICATORS[key]
        rows.append(IndicatorValue(indicator=key, period_start=first, period_end=last, value=round(float(value), 4),
                                   unit=definition.unit, source=definition.source, created_at=now))
    if month_totals.deliveries:
        for row in indicators.breakdown(session, filters, "neighborhood", settings):
            if not row.key:   # outside every neighborhood
                continue
            for key, value in (("kg_distributed", row.kg_distributed), ("meals_distributed", row.meals)):
                definition = indicators.INDICATORS[key]
                rows.append(IndicatorValue(indicator=key, period_start=first, period_end=last, value=round(value, 4),
                                           unit=definition.unit, source=definition.source,
                                           neighborhood_id=int(row.key), created_at=now))
    session.add_all(rows)
    session.flush()
    return len(rows)


def snapshot_indicators(session: Session, now: dt.datetime, months: int = 2) -> SnapshotResult:
    """Store the computed indicators for the last ``months`` calendar months (now's month included).

    The caller commits (once): a failure leaves the previous snapshot in place.
    """
    if not 1 <= months <= MAX_MONTHS:
        raise ValidationError(f"Give between 1 and {MAX_MONTHS} months.", {"months": f"Give 1 to {MAX_MONTHS}."})
    written = 0
    starts = month_starts(now, months)
    for start in starts:
        written += snapshot_month(session, start, now)
    return SnapshotResult([s.strftime("%Y-%m") for s in starts], written)


def snapshot_due(session: Session, now: dt.datetime, every: dt.timedelta = dt.timedelta(hours=20)) -> bool:
    """Whether the periodic job should snapshot again: no snapshot of now's month written in the last ``every``."""
    first = _month_start(now).date()
    latest = session.scalar(select(func.max(IndicatorValue.created_at)).where(
        IndicatorValue.indicator == "kg_distributed", IndicatorValue.entered_by_id.is_(None),
        IndicatorValue.period_start == first, IndicatorValue.neighborhood_id.is_(None)))
    if latest is None:
        return True
    if latest.tzinfo is None:
        latest = latest.replace(tzinfo=dt.timezone.utc)
    return now - latest >= every


def periodic_snapshot(session: Session, now: dt.datetime) -> int:
    """The periodic job's step: refresh this month and the last one at most once a day; rows written."""
    if not snapshot_due(session, now):
        return 0
    return snapshot_indicators(session, now, months=2).rows


@dataclasses.dataclass(frozen=True)
class SeriesRow:
    indicator: str
    name: str
    period_start: dt.date
    period_end: dt.date
    neighborhood: str
    value: float
    unit: str
    source: str
    entered: bool


def stored_series(session: Session) -> list[SeriesRow]:
    """Every stored indicator value (snapshots and entered values), by indicator, place and period."""
    query = (select(IndicatorValue, Neighborhood.name).outerjoin(Neighborhood, Neighborhood.id == IndicatorValue.neighborhood_id)
             .order_by(IndicatorValue.indicator, Neighborhood.name.is_not(None), Neighborhood.name,
                       IndicatorValue.period_start, IndicatorValue.period_end))
    result = []
    for value, place in session.execute(query):
        definition = indicators.INDICATORS.get(value.indicator)
        result.append(SeriesRow(value.indicator, definition.name if definition else value.indicator, value.period_start,
                                value.period_end, place or "", value.value, value.unit, value.source,
                                value.entered_by_id is not None))
    return result
