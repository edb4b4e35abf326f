"""Neighborhood briefs: one page per neighborhood for council meetings and funders.

A brief gathers, for a period of months: the neighborhood's food-insecurity rate and its trend
over the entered years, the food delivered there and meals per food-insecure resident (beside
the period just before, of the same length), the distance from its centre to the nearest food
bank or shelter and which one, the partners whose deliveries land there, and its rank among the
neighborhoods (see :mod:`coalition.services.geo` for the underserved score). Figures are
aggregates: they name organizations, never a person.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import io
import re
import zipfile

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from coalition.errors import NotFound
from coalition.models import DeliveryRecord, IndicatorValue, Organization
from coalition.models.measurement import FOOD_INSECURITY
from coalition.services import geo, indicators, pdf, places, units


@dataclasses.dataclass(frozen=True)
class RatePoint:
    year: int
    value_pct: float
    source: str


@dataclasses.dataclass(frozen=True)
class ServingPartner:
    """A food bank or shelter whose deliveries in the period were placed in the neighborhood.

    Named with its kind only: how much each partner received is its own figure, not the brief's.
    A confidential site goes by its public name (its neighbourhood is all a brief says of its place).
    """

    name: str
    kind: str


@dataclasses.dataclass
class Brief:
    stats: geo.NeighborhoodStats
    ranked_among: int          # neighborhoods with a rank (those with food-insecure residents)
    rates: list[RatePoint]     # oldest first
    previous_kg: float         # kg delivered in the period of the same length just before
    partners: list[ServingPartner]
    start: dt.datetime
    end: dt.datetime
    kg_per_meal: float

    @property
    def rate_change_pts(self) -> float | None:
        """Percentage points from the first entered rate to the latest (negative is better)."""
        if len(self.rates) < 2:
            return None
        return round(self.rates[-1].value_pct - self.rates[0].value_pct, 2)

    @property
    def kg_change_pct(self) -> float | None:
        if not self.previous_kg:
            return None
        return round((self.stats.kg - self.previous_kg) / self.previous_kg * 100, 1)

    @property
    def from_month(self) -> str:
        return self.start.strftime("%Y-%m")

    @property
    def to_month(self) -> str:
        return (self.end - dt.timedelta(days=1)).strftime("%Y-%m")


def _months_before(start: dt.datetime, end: dt.datetime) -> dt.datetime:
    """The start of the period as long (in calendar months) as [start, end) that ends at ``start``."""
    months = (end.year - start.year) * 12 + end.month - start.month
    total = start.year * 12 + start.month - 1 - months
    return start.replace(year=total // 12, month=total % 12 + 1)


def _in_place(query, neighborhood_id: int | None):
    """Food delivered (never food lost to the cold chain) in one neighborhood, or in any."""
    query = query.where(DeliveryRecord.outcome == "delivered")
    if neighborhood_id is None:
        return query.where(DeliveryRecord.neighborhood_id.is_not(None))
    return query.where(DeliveryRecord.neighborhood_id == neighborhood_id)


def build_briefs(session: Session, filters: indicators.Filters, neighborhood_id: int | None = None) -> list[Brief]:
    """The briefs for the months [filters.start, filters.end), most underserved first: every
    neighborhood's, or only ``neighborhood_id``'s (its rank still compares it with all of them)."""
    settings = indicators.get_settings(session)
    stats = geo.neighborhood_stats(session, filters.start, filters.end, settings.kg_per_meal)
    ranked = sum(1 for s in stats if s.rank is not None)
    if neighborhood_id is not None:
        stats = [s for s in stats if s.id == neighborhood_id]
    if not stats:
        return []
    before = _months_before(filters.start, filters.end)
    previous = dict(session.execute(_in_place(select(DeliveryRecord.neighborhood_id, func.sum(DeliveryRecord.quantity_g)).where(
        DeliveryRecord.delivered_at >= before, DeliveryRecord.delivered_at < filters.start), neighborhood_id)
        .group_by(DeliveryRecord.neighborhood_id)).all())
    rates: dict[int, list[RatePoint]] = {}
    for value in session.scalars(select(IndicatorValue).where(
            IndicatorValue.indicator == FOOD_INSECURITY, IndicatorValue.neighborhood_id.is_not(None))
            .order_by(IndicatorValue.period_start)):
        rates.setdefault(value.neighborhood_id, []).append(
            RatePoint(value.period_start.year, value.value, value.source))
    partners = _serving_partners(session, filters, neighborhood_id)
    return [Brief(s, ranked, rates.get(s.id, []), int(previous.get(s.id) or 0) / 1000, partners.get(s.id, []),
                  filters.start, filters.end, settings.kg_per_meal) for s in stats]


def get_brief(session: Session, neighborhood_id: int, filters: indicators.Filters) -> Brief:
    """One neighborhood's brief; raises NotFound for an unknown id."""
    geo.get_neighborhood(session, neighborhood_id)
    found = build_briefs(session, filters, neighborhood_id)
    if not found:
        raise NotFound("There is no such neighborhood.")
    return found[0]


def _serving_partners(session: Session, filters: indicators.Filters,
                      neighborhood_id: int | None) -> dict[int, list[ServingPartner]]:
    """Per neighborhood (or only ``neighborhood_id``): the recipients of the period's deliveries placed there, by name."""
    rows = session.execute(_in_place(select(DeliveryRecord.neighborhood_id, DeliveryRecord.recipient_id).where(
        DeliveryRecord.delivered_at >= filters.start, DeliveryRecord.delivered_at < filters.end), neighborhood_id)
        .group_by(DeliveryRecord.neighborhood_id, DeliveryRecord.recipient_id))
    organizations = {o.id: o for o in session.scalars(select(Organization))}
    result: dict[int, list[ServingPartner]] = {}
    for neighborhood_id, recipient_id in rows:
        organization = organizations[recipient_id]
        result.setdefault(neighborhood_id, []).append(ServingPartner(places.public_name(organization), organization.kind.label))
    for partners in result.values():
        partners.sort(key=lambda p: p.name)
    return result


# --- the printable brief ----------------------------------------------------------------

def _num(value: float | None, digits: int = 0, suffix: str = "") -> str:
    return "n/a" if value is None else f"{value:,.{digits}f}{suffix}"


def _write_brief(doc: pdf.Document, brief: Brief) -> None:
    s = brief.stats
    doc.heading(f"Neighborhood brief: {s.name}")
    doc.text(f"Deliveries from {brief.from_month} to {brief.to_month} (UTC months). Population {s.population:,}.")
    if s.is_demo:
        doc.note("Demo data: the boundaries and figures of this neighborhood are invented.")
    doc.subheading("Food insecurity")
    doc.text(f"Rate: {s.food_insecurity_pct:g}% of residents, about {s.food_insecure:,.0f} people.")
    if brief.rates:
        trend = " -> ".join(f"{r.year}: {r.value_pct:g}%" for r in brief.rates)
        change = brief.rate_change_pts
        doc.text(f"Trend: {trend}" + ("" if change is None else f" ({change:+.2f} percentage points)."))
        doc.note(f"Source: {brief.rates[-1].source}")
    doc.subheading("Food delivered")
    change = brief.kg_change_pct
    doc.table(["Figure", "Value"], [
        ["Food delivered", f"{_num(units.from_kg(s.kg), 1)} {units.label()}"],
        ["Same length of time just before", f"{_num(units.from_kg(brief.previous_kg), 1)} {units.label()}"
         + ("" if change is None else f" ({change:+.1f}%)")],
        ["Meals", _num(s.meals)],
        ["Meals per food-insecure resident", _num(s.meals_per_food_insecure, 2)],
    ], (3, 2), numeric=(1,))
    doc.note(f"Meals are {units.label()} delivered divided by {units.per_unit(brief.kg_per_meal)} {units.label()} per meal.")
    doc.subheading("Access")
    if s.distance_km is None:
        doc.text("No food bank or shelter with a known location yet.")
    else:
        doc.text(f"{s.distance_km:.1f} km from the neighborhood's centre to the nearest food bank or shelter "
                 f"({s.nearest_site}).")
    doc.subheading("Partners serving it")
    if brief.partners:
        doc.table(["Partner", "Kind"], [[p.name, p.kind] for p in brief.partners[:12]], (3, 2))
        if len(brief.partners) > 12:
            doc.note(f"And {len(brief.partners) - 12} more partners.")
    else:
        doc.text("No deliveries were placed in this neighborhood in the period.")
    doc.subheading("How it ranks")
    if s.rank is None:
        doc.text("Not ranked: no food-insecure residents on record.")
    else:
        doc.text(f"Rank {s.rank} of {brief.ranked_among} (1 is the most underserved); underserved score "
                 f"{s.underserved_score:.1f} of 100.")
    doc.note("The score is the mean of three percentile ranks among neighborhoods: food-insecure residents, "
             "meals per food-insecure resident (fewer is worse) and distance to the nearest food bank or shelter.")


def render_brief_pdf(brief: Brief, coalition_name: str, generated_at: dt.datetime) -> bytes:
    """The brief as a PDF (one Letter page for up to a dozen partners)."""
    doc = pdf.Document(f"Neighborhood brief: {brief.stats.name}", coalition_name, generated_at)
    _write_brief(doc, brief)
    return doc.output()


def brief_filename(brief: Brief) -> str:
    """A file name from the neighborhood's name: letters, digits and dashes only."""
    slug = re.sub(r"[^a-z0-9]+", "-", brief.stats.name.lower()).strip("-") or "neighborhood"
    return f"brief-{brief.stats.id}-{slug}-{brief.to_month}.pdf"


def render_briefs_zip(briefs: list[Brief], coalition_name: str, generated_at: dt.datetime) -> bytes:
    """A zip holding one PDF per brief, in rank order."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for brief in briefs:
            archive.writestr(brief_filename(brief), render_brief_pdf(brief, coalition_name, generated_at))
    return buffer.getvalue()
