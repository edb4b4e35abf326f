"""Dashboards: everything the measurement pages and their exports show for a period of months, the
coalition's figures and a partner's own beside them (figures from :mod:`coalition.services.indicators`,
neighborhoods from :mod:`coalition.services.geo`)."""
from __future__ import annotations

import dataclasses
import datetime as dt

from sqlalchemy.orm import Session

from coalition.errors import ValidationError
from coalition.models import CoalitionSettings, Organization
from coalition.services import indicators


def month_start(text: str, field: str) -> dt.datetime:
    """The first of the month ``text`` (YYYY-MM) in UTC; raises ValidationError beside ``field``."""
    try:
        day = dt.datetime.strptime(text.strip(), "%Y-%m")
    except ValueError:
        raise ValidationError("Give months as YYYY-MM.", {field: "Give the month as YYYY-MM."}) from None
    if not 1900 <= day.year <= 2999:
        raise ValidationError("Give a month between 1900 and 2999.", {field: "Give a month between 1900 and 2999."})
    return day.replace(tzinfo=dt.timezone.utc)


def period_filters(from_month: str | None, to_month: str | None, now: dt.datetime,
                   organization_id: int | None = None) -> indicators.Filters:
    """The months [from_month, to_month] inclusive (default: the last 12 months up to now's month)."""
    this_month = now.astimezone(dt.timezone.utc).replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    end = indicators.next_month(month_start(to_month, "to")) if to_month else indicators.next_month(this_month)
    if from_month:
        start = month_start(from_month, "from")
    else:
        start = end
        for _ in range(12):
            start = (start - dt.timedelta(days=1)).replace(day=1)
    if start >= end:
        raise ValidationError("The first month comes before the last.", {"from": "Start before the end."})
    return indicators.Filters(start, end, organization_id)


class PeriodMonths:
    """The first and last month (``YYYY-MM``) of a page's period, for its period form and links;
    mixed into the page's dataclass, which has the period's ``filters``."""

    filters: indicators.Filters

    @property
    def from_month(self) -> str:
        return self.filters.start.strftime("%Y-%m")

    @property
    def to_month(self) -> str:
        return (self.filters.end - dt.timedelta(days=1)).strftime("%Y-%m")


@dataclasses.dataclass
class Dashboard(PeriodMonths):
    """What a dashboard shows for a period: the coalition's figures, and a partner's when one is chosen."""

    filters: indicators.Filters
    settings: CoalitionSettings
    totals: indicators.Totals
    share_rescued: float | None
    people: indicators.PeopleServed
    progress: indicators.GoalProgress
    city_rates: list[tuple[int, float, str]]
    months: list[indicators.Row]
    by: dict[str, list[indicators.Row]]
    neighborhoods: list
    partner: Organization | None = None
    partner_totals: indicators.Totals | None = None
    partner_months: list[indicators.Row] | None = None
    partner_people: indicators.PeopleServed | None = None


def build_dashboard(session: Session, filters: indicators.Filters, partner: Organization | None = None,
                    public: bool = False) -> Dashboard:
    """Everything a dashboard shows for a period: coalition figures, and a partner's own beside them.

    ``public`` leaves out the breakdowns that name partners (aggregates only).
    """
    from coalition.services import geo

    settings = indicators.get_settings(session)
    coalition = indicators.Filters(filters.start, filters.end)
    start_day, end_day = filters.start.date(), filters.end.date()
    groupings = ("category", "storage", "donor_kind") if public else ("category", "storage", "donor_kind", "partner", "donor")
    by, coalition_totals = indicators.scan(session, coalition, groupings, settings)
    dashboard = Dashboard(
        filters=coalition, settings=settings, totals=coalition_totals,
        share_rescued=indicators.share_rescued(session, coalition),
        people=indicators.people_served(session, start_day, end_day),
        progress=indicators.goal_progress(session),
        city_rates=[(v.period_start.year, v.value, v.source) for v in indicators.city_series(session)],
        months=fill_months(indicators.breakdown(session, coalition, "month", settings), coalition, settings),
        by=by,
        neighborhoods=geo.neighborhood_stats(session, filters.start, filters.end, settings.kg_per_meal),
    )
    if partner is not None:
        own = indicators.Filters(filters.start, filters.end, partner.id)
        dashboard.partner = partner
        dashboard.by, dashboard.partner_totals = indicators.scan(session, own, ("category", "storage"), settings)
        dashboard.partner_months = fill_months(indicators.breakdown(session, own, "month", settings), own, settings)
        dashboard.partner_people = indicators.people_served(session, start_day, end_day, partner.id)
    return dashboard


def fill_months(rows: list[indicators.Row], filters: indicators.Filters,
                 settings: CoalitionSettings) -> list[indicators.Row]:
    """Every month of the period, with zero rows where nothing was delivered (charts need the gaps)."""
    by_key = {r.key: r for r in rows}
    filled, month = [], filters.start
    while month < filters.end:
        key = month.strftime("%Y-%m")
        filled.append(by_key.get(key) or indicators.Row(key, key, 0, 0.0, 0.0, 0.0))
        month = indicators.next_month(month)
    return filled
