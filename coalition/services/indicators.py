"""The coalition's shared indicators: definitions, the goal, settings, and the figures computed from
delivery records (the one source of kg), partner reports and entered survey values.

Periods are half-open UTC intervals ``[start, end)``; monthly series bucket by
UTC calendar month.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import math

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from coalition.errors import ValidationError
from coalition.models import (
    CoalitionSettings,
    DeliveryRecord,
    Donation,
    DonationLine,
    Goal,
    IndicatorValue,
    Neighborhood,
    Organization,
    PartnerReport,
    Trajectory,
    User,
)
from coalition.models.measurement import DEFAULT_CO2E_PER_KG, DEFAULT_KG_PER_MEAL, FOOD_INSECURITY
from coalition.services import audit, units


@dataclasses.dataclass(frozen=True)
class Indicator:
    key: str
    name: str
    definition: str
    unit: str
    source: str
    frequency: str
    owner: str


INDICATORS: dict[str, Indicator] = {i.key: i for i in (
    Indicator("kg_rescued", "Food rescued", "Kilograms collected from donors on delivered rescues.", "kg",
              "Delivery records", "continuous", "Backbone (dispatch)"),
    Indicator("kg_distributed", "Food distributed", "Kilograms delivered to food banks and shelters.", "kg",
              "Delivery records", "continuous", "Backbone (dispatch)"),
    Indicator("meals_distributed", "Meals distributed", "Kilograms distributed divided by the kg-per-meal factor "
              "(default 0.544 kg, Feeding America's 1.2 lb per meal).", "meals", "Delivery records", "continuous", "Backbone"),
    Indicator("people_served", "People served", "Visits reported by food banks and shelters (a duplicated count); "
              "unduplicated individuals and households where the partner has them. Aggregates only.", "visits",
              "Partner reports", "monthly", "Each food bank and shelter"),
    Indicator(FOOD_INSECURITY, "Food-insecurity rate", "Share of residents who are food insecure, city-wide and per "
              "neighborhood, from surveys or published estimates.", "%", "Surveys / published estimates (entered with "
              "source and year)", "yearly", "Backbone with the city"),
    Indicator("volunteer_hours", "Volunteer hours", "Minutes volunteers spent on completed routes, in hours.", "h",
              "Delivery records (routes)", "continuous", "Backbone (dispatch)"),
    Indicator("driver_km", "Driver km", "Kilometres driven for deliveries (empty until dispatch records routes).", "km",
              "Delivery records (routes)", "continuous", "Backbone (dispatch)"),
    Indicator("share_rescued", "Share of posted surplus rescued", "Kilograms delivered from donations posted in the "
              "period divided by the kilograms posted in it.", "%", "Donations and delivery records", "monthly", "Backbone"),
    Indicator("hours_to_pickup", "Time from posting to pickup", "Average hours from a donation being posted to its "
              "pickup, over delivered rescues.", "h", "Delivery records", "monthly", "Backbone"),
    Indicator("co2e_avoided", "CO2e avoided", "Kilograms distributed times the CO2e factor per kg (configurable).",
              "kg CO2e", "Delivery records", "continuous", "Backbone"),
)}

GROUPINGS = ("month", "year", "category", "storage", "donor_kind", "partner", "donor", "neighborhood")


# --- settings -------------------------------------------------------------------

def get_settings(session: Session) -> CoalitionSettings:
    """The single settings row, created with the defaults on first use."""
    settings = session.get(CoalitionSettings, 1)
    if settings is None:
        settings = CoalitionSettings(id=1, kg_per_meal=DEFAULT_KG_PER_MEAL, co2e_per_kg=DEFAULT_CO2E_PER_KG,
                                     public_dashboard=False)
        session.add(settings)
        session.flush()
    return settings


def update_settings(session: Session, actor: User, now: dt.datetime, kg_per_meal: float | None,
                    co2e_per_kg: float | None, public_dashboard: bool) -> CoalitionSettings:
    """Change the conversion factors and the public page switch (backbone only; the view checks)."""
    errors = {}
    if kg_per_meal is None or not math.isfinite(kg_per_meal) or not 0.05 <= kg_per_meal <= 5:
        errors["kg_per_meal"] = f"Give between {units.kg_text(0.05)} and {units.kg_text(5)} per meal."
    if co2e_per_kg is None or not math.isfinite(co2e_per_kg) or not 0 <= co2e_per_kg <= 50:
        errors["co2e_per_kg"] = "Give between 0 and 50 kg CO2e per kg."
    if errors:
        raise ValidationError("Please correct the highlighted fields.", errors)
    settings = get_settings(session)
    before = {"kg_per_meal": settings.kg_per_meal, "co2e_per_kg": settings.co2e_per_kg,
              "public_dashboard": settings.public_dashboard}
    settings.kg_per_meal, settings.co2e_per_kg, settings.public_dashboard = kg_per_meal, co2e_per_kg, public_dashboard
    settings.updated_at = now
    audit.record(session, actor, "coalition_settings", 1, "updated", now, before=before,
                 after={"kg_per_meal": kg_per_meal, "co2e_per_kg": co2e_per_kg, "public_dashboard": public_dashboard})
    session.flush()
    return settings


# --- the goal ---------------------------------------------------------------------

def get_goal(session: Session, indicator: str = FOOD_INSECURITY) -> Goal | None:
    return session.scalar(select(Goal).where(Goal.indicator == indicator))


def set_goal(session: Session, actor: User, now: dt.datetime, baseline_value: float | None, baseline_year: int | None,
             target_reduction_pct: float | None = 30.0, target_year: int | None = None,
             trajectory: str = "straight", milestones: dict | None = None,
             indicator: str = FOOD_INSECURITY) -> Goal:
    """Set the common agenda's goal. The target year defaults to baseline + 5.

    ``milestones`` (custom trajectory) maps years to expected values; each year
    must lie strictly between baseline and target year.
    """
    errors: dict[str, str] = {}
    if baseline_value is None or not math.isfinite(baseline_value) or baseline_value < 0 or (
            indicator == FOOD_INSECURITY and baseline_value > 100):
        errors["baseline_value"] = "Give the baseline rate in percent (0-100)."
    if baseline_year is None or not 1990 <= baseline_year <= 2100:
        errors["baseline_year"] = "Give a year such as 2025."
    if target_reduction_pct is None or not math.isfinite(target_reduction_pct) or not 0 < target_reduction_pct <= 100:
        errors["target_reduction_pct"] = "Give a reduction between 0 and 100%."
    if target_year is None and baseline_year is not None:
        target_year = baseline_year + 5
    if baseline_year is not None and target_year is not None and target_year <= baseline_year:
        errors["target_year"] = "The target year comes after the baseline year."
    try:
        trajectory = Trajectory(trajectory)
    except ValueError:
        errors["trajectory"] = "Choose straight or custom."
    clean: dict[str, float] = {}
    if trajectory == Trajectory.CUSTOM and not errors:
        if not milestones:
            errors["milestones"] = "Give at least one yearly milestone, e.g. 2027=12.5."
        for year, value in (milestones or {}).items():
            try:
                year_i, value_f = int(year), float(value)
            except (TypeError, ValueError):
                errors["milestones"] = f"{year}: give a year and a number."
                break
            if not baseline_year < year_i < target_year or not math.isfinite(value_f) or value_f < 0:
                errors["milestones"] = f"{year}: milestones lie between {baseline_year} and {target_year}, with a value of 0 or more."
                break
            clean[str(year_i)] = value_f
    if errors:
        raise ValidationError("Please correct the goal.", errors)
    goal = get_goal(session, indicator)
    if goal is None:
        goal = Goal(indicator=indicator)
        session.add(goal)
    goal.baseline_value, goal.baseline_year = baseline_value, baseline_year
    goal.target_reduction_pct, goal.target_year = target_reduction_pct, target_year
    goal.trajectory, goal.milestones, goal.updated_at = trajectory, clean, now
    session.flush()
    audit.record(session, actor, "goal", goal.id, "set", now, baseline_value=baseline_value,
                 baseline_year=baseline_year, target_reduction_pct=target_reduction_pct, target_year=target_year,
                 trajectory=trajectory.value, milestones=clean)
    return goal


def parse_milestones(text: str) -> dict[str, float]:
    """Parse "2027=12.5, 2028=11.9" (commas or new lines) into {year: value}; ValidationError otherwise."""
    result: dict[str, float] = {}
    for part in (text or "").replace("\n", ",").split(","):
        part = part.strip()
        if not part:
            continue
        year, sep, value = part.partition("=")
        try:
            if not sep:
                raise ValueError
            result[str(int(year.strip()))] = float(value.strip())
        except ValueError:
            raise ValidationError("Write milestones as year=value.", {"milestones": f"{part!r}: write year=value."}) from None
    return result


# --- entered indicator values (food-insecurity surveys) ------------------------------

def record_value(session: Session, actor: User, now: dt.datetime, indicator: str, year: int | None, value: float | None,
                 source: str, neighborhood: Neighborhood | None = None) -> IndicatorValue:
    """Enter a yearly value (e.g. the city's food-insecurity rate from a survey); replaces the same year's value."""
    errors = {}
    if indicator not in INDICATORS:
        errors["indicator"] = "Unknown indicator."
    if year is None or not 1990 <= year <= 2100:
        errors["year"] = "Give a year such as 2026."
    if value is None or not math.isfinite(value) or value < 0 or (indicator == FOOD_INSECURITY and value > 100):
        errors["value"] = "Give a rate in percent (0-100)." if indicator == FOOD_INSECURITY else "Give 0 or more."
    if not (source or "").strip():
        errors["source"] = "Name the survey or publication."
    if errors:
        raise ValidationError("Please correct the highlighted fields.", errors)
    start = dt.date(year, 1, 1)
    where_place = (IndicatorValue.neighborhood_id == neighborhood.id) if neighborhood is not None \
        else IndicatorValue.neighborhood_id.is_(None)
    row = session.scalar(select(IndicatorValue).where(
        IndicatorValue.indicator == indicator, IndicatorValue.period_start == start, where_place))
    if row is None:
        row = IndicatorValue(indicator=indicator, period_start=start, period_end=dt.date(year, 12, 31),
                             neighborhood=neighborhood)
        session.add(row)
    row.value, row.unit, row.source, row.entered_by_id = value, INDICATORS[indicator].unit, source.strip()[:300], actor.id
    if neighborhood is not None and indicator == FOOD_INSECURITY:
        neighborhood.food_insecurity_pct, neighborhood.year, neighborhood.source = value, year, source.strip()[:300]
    session.flush()
    audit.record(session, actor, "indicator_value", row.id, "entered", now, indicator=indicator, year=year,
                 value=value, source=row.source, neighborhood_id=neighborhood.id if neighborhood else None)
    return row


def city_series(session: Session, indicator: str = FOOD_INSECURITY) -> list[IndicatorValue]:
    return list(session.scalars(select(IndicatorValue).where(
        IndicatorValue.indicator == indicator, IndicatorValue.neighborhood_id.is_(None)).order_by(IndicatorValue.period_start)))


@dataclasses.dataclass
class GoalProgress:
    goal: Goal | None
    latest_value: float | None
    latest_year: int | None
    latest_source: str | None
    progress_pct: float | None       # 0 at baseline, 100 at the target (can exceed 100 or go negative)
    milestone: float | None          # expected value in the latest year
    on_track: bool | None
    trajectory: list[tuple[int, float]]


def goal_progress(session: Session) -> GoalProgress:
    """Progress toward the goal: (baseline - latest) / (baseline - target) in percent."""
    goal = get_goal(session)
    series = city_series(session)
    latest = series[-1] if series else None
    value = latest.value if latest else None
    year = latest.period_start.year if latest else None
    if goal is None:
        return GoalProgress(None, value, year, latest.source if latest else None, None, None, None, [])
    trajectory = [(y, round(goal.milestone_for(y), 3)) for y in range(goal.baseline_year, goal.target_year + 1)]
    progress = milestone = on_track = None
    if value is not None and goal.baseline_value > goal.target_value:
        progress = round((goal.baseline_value - value) / (goal.baseline_value - goal.target_value) * 100, 1)
        milestone = goal.milestone_for(year)
        on_track = None if milestone is None else value <= milestone + 1e-9
    return GoalProgress(goal, value, year, latest.source, progress, milestone, on_track, trajectory)


# --- figures from delivery records ---------------------------------------------------

@dataclasses.dataclass
class Filters:
    """What to count: a period [start, end) and optionally one partner's deliveries (recipient or donor)."""

    start: dt.datetime | None = None
    end: dt.datetime | None = None
    organization_id: int | None = None


LOST_OUTCOMES = ("refused", "discarded")


def _where(query, filters: Filters, lost: bool = False):
    """``filters`` on delivery records: food delivered, or (``lost``) food lost to the cold chain, never both."""
    query = query.where(DeliveryRecord.outcome.in_(LOST_OUTCOMES) if lost else DeliveryRecord.outcome == "delivered")
    if filters.start is not None:
        query = query.where(DeliveryRecord.delivered_at >= filters.start)
    if filters.end is not None:
        query = query.where(DeliveryRecord.delivered_at < filters.end)
    if filters.organization_id is not None:
        query = query.where((DeliveryRecord.recipient_id == filters.organization_id)
                            | (DeliveryRecord.donor_id == filters.organization_id))
    return query


@dataclasses.dataclass
class Totals:
    deliveries: int
    kg_rescued: float
    kg_distributed: float
    meals: float
    co2e_kg: float
    volunteer_hours: float | None
    driver_km: float | None
    hours_to_pickup: float | None
    kg_lost_cold_chain: float = 0.0     # refused at pickup or discarded on arrival: never in kg distributed


def _seconds_between(later, earlier, dialect: str):
    if dialect == "sqlite":
        return (func.julianday(later) - func.julianday(earlier)) * 86400.0
    return func.extract("epoch", later - earlier)


def totals(session: Session, filters: Filters, settings: CoalitionSettings | None = None) -> Totals:
    """Kg rescued and distributed, meals, CO2e, volunteer hours, driver km and average hours to pickup."""
    settings = settings or get_settings(session)
    dialect = session.get_bind().dialect.name
    wait = _seconds_between(DeliveryRecord.picked_up_at, DeliveryRecord.posted_at, dialect)
    row = session.execute(_where(select(
        func.count(DeliveryRecord.id), func.coalesce(func.sum(DeliveryRecord.picked_up_g), 0),
        func.coalesce(func.sum(DeliveryRecord.quantity_g), 0), func.sum(DeliveryRecord.volunteer_minutes),
        func.sum(DeliveryRecord.distance_m),
        func.avg(case((DeliveryRecord.posted_at.is_not(None) & DeliveryRecord.picked_up_at.is_not(None), wait))),
    ), filters)).one()
    count, rescued_g, distributed_g, minutes, metres, wait_s = row
    kg_distributed = int(distributed_g) / 1000
    lost_g = session.scalar(_where(select(func.coalesce(func.sum(DeliveryRecord.quantity_g), 0)), filters, lost=True))
    return Totals(
        deliveries=int(count), kg_rescued=int(rescued_g) / 1000, kg_distributed=kg_distributed,
        meals=kg_distributed / settings.kg_per_meal, co2e_kg=kg_distributed * settings.co2e_per_kg,
        volunteer_hours=int(minutes) / 60 if minutes is not None else None,
        driver_km=int(metres) / 1000 if metres is not None else None,
        hours_to_pickup=float(wait_s) / 3600 if wait_s is not None else None,
        kg_lost_cold_chain=int(lost_g or 0) / 1000,
    )


def month_key(dialect: str):
    if dialect == "sqlite":
        return func.strftime("%Y-%m", DeliveryRecord.delivered_at)
    # date_trunc is cheaper than to_char over a million rows; the key is formatted in Python.
    return func.date_trunc("month", func.timezone("UTC", DeliveryRecord.delivered_at))


def month_label(value) -> str:
    """YYYY-MM of a :func:`month_key` value (a string on SQLite, a datetime from PostgreSQL's date_trunc)."""
    return value.strftime("%Y-%m") if isinstance(value, dt.datetime) else str(value)


def _year_key(dialect: str):
    if dialect == "sqlite":
        return func.strftime("%Y", DeliveryRecord.delivered_at)
    return func.date_trunc("year", func.timezone("UTC", DeliveryRecord.delivered_at))


@dataclasses.dataclass
class Row:
    key: str
    label: str
    deliveries: int
    kg_rescued: float
    kg_distributed: float
    meals: float


def breakdown(session: Session, filters: Filters, by: str, settings: CoalitionSettings | None = None) -> list[Row]:
    """Kg rescued, kg distributed and meals grouped ``by`` one of GROUPINGS; periods in order, others largest first."""
    if by not in GROUPINGS:
        raise ValidationError(f"Group by one of {', '.join(GROUPINGS)}.", {"group_by": "Unknown grouping."})
    settings = settings or get_settings(session)
    dialect = session.get_bind().dialect.name
    measures = (func.count(DeliveryRecord.id), func.sum(DeliveryRecord.picked_up_g), func.sum(DeliveryRecord.quantity_g))
    labels: dict = {}
    if by == "month":
        key = month_key(dialect)
        query = select(key, *measures)
    elif by == "year":
        key = _year_key(dialect)
        query = select(key, *measures)
    elif by in ("category", "storage"):
        key = getattr(DeliveryRecord, by)
        query = select(key, *measures)
    elif by == "donor_kind":
        key = Organization.kind
        query = select(key, *measures).join(Organization, Organization.id == DeliveryRecord.donor_id)
    elif by in ("partner", "donor"):
        key = DeliveryRecord.recipient_id if by == "partner" else DeliveryRecord.donor_id
        query = select(key, *measures)
        labels = dict(session.execute(select(Organization.id, Organization.name)).all())
    else:
        key = DeliveryRecord.neighborhood_id
        query = select(key, *measures)
        labels = dict(session.execute(select(Neighborhood.id, Neighborhood.name)).all())
    rows = []
    for value, count, rescued, distributed in session.execute(_where(query, filters).group_by(key)):
        if isinstance(value, dt.datetime):  # PostgreSQL's date_trunc
            name = label = value.strftime("%Y-%m" if by == "month" else "%Y")
        elif hasattr(value, "value"):
            name, label = value.value, getattr(value, "label", value.value)
        elif by in ("partner", "donor", "neighborhood"):
            name = "" if value is None else str(value)
            label = labels.get(value, "Outside every neighborhood" if by == "neighborhood" else "?")
        else:
            name = label = str(value)
        kg_d = int(distributed or 0) / 1000
        rows.append(Row(name, label, int(count), int(rescued or 0) / 1000, kg_d, kg_d / settings.kg_per_meal))
    if by in ("month", "year"):
        rows.sort(key=lambda r: r.key)
    else:
        rows.sort(key=lambda r: (-r.kg_distributed, r.label))
    return rows


COMBINABLE = ("category", "storage", "donor_kind", "partner", "donor")


def breakdowns(session: Session, filters: Filters, groupings: tuple[str, ...],
               settings: CoalitionSettings | None = None) -> dict[str, list[Row]]:
    """Several breakdowns from one scan (see :func:`scan`); same rows, labels and order as :func:`breakdown`."""
    if any(g not in COMBINABLE for g in groupings):
        return {g: breakdown(session, filters, g, settings) for g in groupings}
    return scan(session, filters, groupings, settings)[0]


def scan(session: Session, filters: Filters, groupings: tuple[str, ...],
         settings: CoalitionSettings | None = None) -> tuple[dict[str, list[Row]], Totals]:
    """The dashboard's breakdowns and totals from one pass over the period's delivery records.

    Groups once by category, storage, donor and recipient (a few thousand
    groups at most, whatever the number of records), then adds up in Python.
    On SQLite it runs the single queries instead (faster there).
    """
    settings = settings or get_settings(session)
    dialect = session.get_bind().dialect.name
    if dialect == "sqlite":
        # SQLite sorts to group by several columns: at 1M records that one scan is slower than
        # six one-column scans (benchmarks/measurement_bench.py); PostgreSQL hashes and gains.
        return ({g: breakdown(session, filters, g, settings) for g in groupings},
                totals(session, filters, settings))
    timed = DeliveryRecord.posted_at.is_not(None) & DeliveryRecord.picked_up_at.is_not(None)
    wait = _seconds_between(DeliveryRecord.picked_up_at, DeliveryRecord.posted_at, dialect)
    keys = (DeliveryRecord.category, DeliveryRecord.storage, DeliveryRecord.donor_id, DeliveryRecord.recipient_id)
    query = select(*keys, func.count(DeliveryRecord.id), func.sum(DeliveryRecord.picked_up_g),
                   func.sum(DeliveryRecord.quantity_g), func.sum(DeliveryRecord.volunteer_minutes),
                   func.sum(DeliveryRecord.distance_m), func.sum(case((timed, wait))), func.count(case((timed, 1)))
                   ).group_by(*keys)
    groups = session.execute(_where(query, filters)).all()
    organizations = {o.id: o for o in session.scalars(select(Organization))}
    result = {}
    for grouping in groupings:
        sums: dict = {}
        for category, storage, donor_id, recipient_id, count, rescued, distributed, *_rest in groups:
            if grouping == "category":
                key, label = category.value, category.label
            elif grouping == "storage":
                key, label = storage.value, storage.label
            elif grouping == "donor_kind":
                kind = organizations[donor_id].kind
                key, label = kind.value, kind.label
            else:
                org_id = recipient_id if grouping == "partner" else donor_id
                key, label = str(org_id), organizations[org_id].name
            entry = sums.setdefault(key, [label, 0, 0, 0])
            entry[1] += int(count)
            entry[2] += int(rescued or 0)
            entry[3] += int(distributed or 0)
        rows = [Row(key, label, count, rescued / 1000, distributed / 1000, distributed / 1000 / settings.kg_per_meal)
                for key, (label, count, rescued, distributed) in sums.items()]
        rows.sort(key=lambda r: (-r.kg_distributed, r.label))
        result[grouping] = rows

    def total(index: int):
        values = [g[index] for g in groups if g[index] is not None]
        return sum(int(v) if index != 9 else float(v) for v in values) if values else None

    distributed_g = total(6) or 0
    timed_count = total(10) or 0
    kg_distributed = distributed_g / 1000
    totals_ = Totals(
        deliveries=total(4) or 0, kg_rescued=(total(5) or 0) / 1000, kg_distributed=kg_distributed,
        meals=kg_distributed / settings.kg_per_meal, co2e_kg=kg_distributed * settings.co2e_per_kg,
        volunteer_hours=None if total(7) is None else total(7) / 60,
        driver_km=None if total(8) is None else total(8) / 1000,
        hours_to_pickup=(total(9) / timed_count / 3600) if timed_count else None,
        kg_lost_cold_chain=int(session.scalar(_where(select(func.coalesce(func.sum(DeliveryRecord.quantity_g), 0)),
                                                     filters, lost=True)) or 0) / 1000)
    return result, totals_


def share_rescued(session: Session, filters: Filters) -> float | None:
    """Delivered kg from donations posted in the period / kg posted in the period, in percent.

    Deliveries are matched to their donation through their claim, so only
    rescues recorded against a claim count (dispatch records carry one too).
    """
    from coalition.models import Claim

    posted = select(func.coalesce(func.sum(DonationLine.quantity_g), 0)).join(Donation, Donation.id == DonationLine.donation_id)
    delivered = (select(func.coalesce(func.sum(DeliveryRecord.quantity_g), 0))
                 .join(Claim, Claim.id == DeliveryRecord.claim_id)
                 .join(DonationLine, DonationLine.id == Claim.line_id)
                 .join(Donation, Donation.id == DonationLine.donation_id)
                 .where(DeliveryRecord.outcome == "delivered"))
    for query_name in ("posted", "delivered"):
        query = posted if query_name == "posted" else delivered
        if filters.start is not None:
            query = query.where(Donation.created_at >= filters.start)
        if filters.end is not None:
            query = query.where(Donation.created_at < filters.end)
        if filters.organization_id is not None:
            query = query.where(Donation.donor_id == filters.organization_id) if query_name == "posted" else query.where(
                (Donation.donor_id == filters.organization_id) | (DeliveryRecord.recipient_id == filters.organization_id))
        if query_name == "posted":
            posted = query
        else:
            delivered = query
    posted_g = int(session.scalar(posted) or 0)
    if posted_g == 0:
        return None
    return round(int(session.scalar(delivered) or 0) / posted_g * 100, 1)


# --- people served (partner reports) --------------------------------------------------

@dataclasses.dataclass
class PeopleServed:
    visits: int
    individuals: int | None
    households: int | None
    meals_on_site: int | None
    reports: int


def people_served(session: Session, start: dt.date | None = None, end: dt.date | None = None,
                  organization_id: int | None = None) -> PeopleServed:
    """Sums of the partner reports whose period starts in [start, end). Optional counts stay None when nobody gave them."""
    query = select(func.count(PartnerReport.id), func.coalesce(func.sum(PartnerReport.visits), 0),
                   func.sum(PartnerReport.individuals), func.sum(PartnerReport.households),
                   func.sum(PartnerReport.meals_on_site))
    if start is not None:
        query = query.where(PartnerReport.period_start >= start)
    if end is not None:
        query = query.where(PartnerReport.period_start < end)
    if organization_id is not None:
        query = query.where(PartnerReport.organization_id == organization_id)
    count, visits, individuals, households, meals = session.execute(query).one()

    def _int(v):
        return int(v) if v is not None else None

    return PeopleServed(int(visits), _int(individuals), _int(households), _int(meals), int(count))


def next_month(moment: dt.datetime) -> dt.datetime:
    """The first of the month after ``moment``'s (same time of day)."""
    return moment.replace(year=moment.year + (moment.month == 12), month=moment.month % 12 + 1, day=1)
