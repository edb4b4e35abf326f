"""The shared progress page every partner sees: the coalition's aggregates against the common goal, and
one organization's own part of them.

The coalition side is aggregates only (totals, months, people served, the goal, the neighborhood
ranking): no breakdown names a partner and nothing names a person. The organization's part counts
what it gave, received and carried itself:

* donated: kg collected from it as a donor (``picked_up_g``), of all kg rescued;
* received: kg delivered to it as a food bank or shelter (``quantity_g``), of all kg distributed;
* delivered: kg carried by its own drivers (deliveries whose driver holds an active driver
  membership of it), of all kg distributed;
* people served: visits it reported, of all visits reported.
"""
from __future__ import annotations

import dataclasses

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from coalition.models import CoalitionSettings, DeliveryRecord, Membership, Organization, PartnerReport, Role
from coalition.services import indicators
from coalition.services.dashboards import PeriodMonths

PARTS = ("donated", "received", "delivered", "people_served")
PART_LABELS = {"donated": "kg donated", "received": "kg received", "delivered": "kg delivered by your drivers",
               "people_served": "people served (visits)"}


@dataclasses.dataclass(frozen=True)
class Share:
    """One indicator of an organization's part: its own figure, the coalition's, and its share in percent."""

    key: str
    label: str
    own: float
    coalition: float

    @property
    def share_pct(self) -> float | None:
        return None if not self.coalition else round(self.own / self.coalition * 100, 1)


@dataclasses.dataclass(frozen=True)
class PartMonth:
    """One month of an organization's part (kg and visits)."""

    key: str
    donated_kg: float
    received_kg: float
    delivered_kg: float
    visits: int


@dataclasses.dataclass
class YourPart:
    organization: Organization
    shares: list[Share]
    months: list[PartMonth]


@dataclasses.dataclass
class Progress(PeriodMonths):
    """What the shared progress page shows for a period."""

    filters: indicators.Filters
    settings: CoalitionSettings
    totals: indicators.Totals
    people: indicators.PeopleServed
    progress: indicators.GoalProgress
    city_rates: list[tuple[int, float, str]]
    months: list[indicators.Row]
    neighborhoods: list
    part: YourPart | None


def build_progress(session: Session, filters: indicators.Filters, organization: Organization | None) -> Progress:
    """The coalition's aggregates for the period of ``filters`` and, when given, ``organization``'s part.

    Runs a handful of scans over the period's delivery records (totals, months, neighborhoods,
    the organization's months); the partner breakdowns of the backbone's dashboard are left out.
    """
    from coalition.services import dashboards, geo

    settings = indicators.get_settings(session)
    coalition = indicators.Filters(filters.start, filters.end)
    people = indicators.people_served(session, filters.start.date(), filters.end.date())
    months = dashboards.fill_months(indicators.breakdown(session, coalition, "month", settings), coalition, settings)
    totals = _totals_of(months, settings)
    result = Progress(
        filters=coalition, settings=settings, totals=totals, people=people,
        progress=indicators.goal_progress(session),
        city_rates=[(v.period_start.year, v.value, v.source) for v in indicators.city_series(session)],
        months=months,
        neighborhoods=geo.neighborhood_stats(session, filters.start, filters.end, settings.kg_per_meal),
        part=None)
    if organization is not None:
        result.part = organization_part(session, coalition, organization, totals, people)
    return result


def _totals_of(months: list[indicators.Row], settings: CoalitionSettings) -> indicators.Totals:
    """The period's kg, meals and CO2e added up from its months: one scan of the records fewer than
    :func:`indicators.totals`. The page shows no route figures, so those stay unknown (None)."""
    kg_distributed = sum(r.kg_distributed for r in months)
    return indicators.Totals(
        deliveries=sum(r.deliveries for r in months), kg_rescued=sum(r.kg_rescued for r in months),
        kg_distributed=kg_distributed, meals=kg_distributed / settings.kg_per_meal,
        co2e_kg=kg_distributed * settings.co2e_per_kg, volunteer_hours=None, driver_km=None, hours_to_pickup=None)


def _driver_ids(session: Session, organization: Organization) -> list[int]:
    return list(session.scalars(select(Membership.user_id).where(
        Membership.organization_id == organization.id, Membership.role == Role.DRIVER, Membership.active.is_(True))))


def organization_part(session: Session, filters: indicators.Filters, organization: Organization,
                      totals: indicators.Totals, people: indicators.PeopleServed) -> YourPart:
    """``organization``'s donated, received and delivered kg and reported visits in the period, each beside
    the coalition's total (``totals`` and ``people`` for the same period), and month by month."""
    dialect = session.get_bind().dialect.name
    drivers = _driver_ids(session, organization)
    record = DeliveryRecord
    is_donor, is_recipient = record.donor_id == organization.id, record.recipient_id == organization.id
    by_driver = record.driver_id.in_(drivers) if drivers else None
    mine = is_donor | is_recipient if by_driver is None else is_donor | is_recipient | by_driver
    month = indicators.month_key(dialect)
    query = select(month, func.sum(case((is_donor, record.picked_up_g), else_=0)),
                   func.sum(case((is_recipient, record.quantity_g), else_=0)),
                   func.sum(case((by_driver, record.quantity_g), else_=0)) if by_driver is not None
                   else func.sum(0)).where(mine, record.outcome == "delivered", record.delivered_at >= filters.start,
                                           record.delivered_at < filters.end).group_by(month)
    grams: dict[str, tuple[int, int, int]] = {}
    for key, donated, received, delivered in session.execute(query):
        grams[indicators.month_label(key)] = (int(donated or 0), int(received or 0), int(delivered or 0))
    visits = dict(session.execute(select(PartnerReport.period_start, PartnerReport.visits).where(
        PartnerReport.organization_id == organization.id, PartnerReport.period_start >= filters.start.date(),
        PartnerReport.period_start < filters.end.date())).all())
    visits_by_month = {day.strftime("%Y-%m"): int(count) for day, count in visits.items()}
    months = []
    for key in month_keys(filters):
        donated, received, delivered = grams.get(key, (0, 0, 0))
        months.append(PartMonth(key, donated / 1000, received / 1000, delivered / 1000, visits_by_month.get(key, 0)))
    own = {"donated": sum(m.donated_kg for m in months), "received": sum(m.received_kg for m in months),
           "delivered": sum(m.delivered_kg for m in months), "people_served": sum(m.visits for m in months)}
    whole = {"donated": totals.kg_rescued, "received": totals.kg_distributed, "delivered": totals.kg_distributed,
             "people_served": people.visits}
    return YourPart(organization, [Share(k, PART_LABELS[k], own[k], whole[k]) for k in PARTS], months)


def month_keys(filters: indicators.Filters) -> list[str]:
    """Every month of the period as YYYY-MM, in order."""
    keys, month = [], filters.start
    while month < filters.end:
        keys.append(month.strftime("%Y-%m"))
        month = indicators.next_month(month)
    return keys
