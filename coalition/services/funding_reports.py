"""Funder reports: for any period, the money received, pledged and spent by purpose, what the coalition
delivered in that period, and the cost per meal and per kg of food rescued, as data, CSV and PDF.

Money stays in integer minor units per currency (a report never adds dollars to euros). Delivered food
comes only from delivery records, meals through the coalition's kg-per-meal factor, people served from the
partners' reports, exactly as the shared indicators compute them. Periods are local calendar dates, both
ends included.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy.orm import Session

from coalition import permissions
from coalition.errors import NotFound, PermissionDenied, ValidationError
from coalition.models import CoalitionSettings, FundingPurpose, Grant, GrantStatus
from coalition.models.measurement import DEFAULT_CO2E_PER_KG, DEFAULT_KG_PER_MEAL
from coalition.services import indicators, periods, units
from coalition.services.csv_export import write_csv
from coalition.services.funding import CURRENCY_DIGITS, format_money, plain_amount, to_decimal, visible_grants_query
from coalition.services.periods import local_bounds


@dataclass
class GrantRow:
    """One grant's money in the period, in its currency's minor units."""

    grant: Grant
    received_minor: int      # the grant's amount when it was received in the period
    pledged_minor: int       # the grant's amount while pledged, when its period overlaps the report's
    spent_minor: int         # spending recorded in the period


@dataclass
class CurrencySection:
    """Money of one currency by purpose (minor units), and what it cost per meal and per kg rescued."""

    currency: str
    received: dict[FundingPurpose, int] = field(default_factory=dict)
    pledged: dict[FundingPurpose, int] = field(default_factory=dict)
    spent: dict[FundingPurpose, int] = field(default_factory=dict)
    cost_per_meal: Decimal | None = None
    cost_per_kg_rescued: Decimal | None = None

    def total(self, which: str) -> int:
        return sum(getattr(self, which).values())

    def rows(self) -> list[tuple[FundingPurpose, int, int, int]]:
        return [(p, self.received.get(p, 0), self.pledged.get(p, 0), self.spent.get(p, 0)) for p in FundingPurpose
                if p in self.received or p in self.pledged or p in self.spent]

    def money(self, minor: int) -> str:
        return format_money(minor, self.currency)

    def unit_cost(self, value: Decimal | None) -> str:
        return "n/a" if value is None else f"{self.currency} {value:,}"


@dataclass
class FunderReport:
    start: dt.date
    end: dt.date
    scope: str                       # whose grants: "All grants", a funder's name, or one grant's title
    grants: list[GrantRow]
    currencies: list[CurrencySection]
    deliveries: int
    kg_rescued: float
    kg_distributed: float
    meals: float
    kg_per_meal: float
    people_visits: int
    people_reports: int
    method: str = ""


def parse_period(start_text: str | None, end_text: str | None, today: dt.date) -> tuple[dt.date, dt.date]:
    """A funder report's period (see :func:`coalition.services.periods.parse_period`)."""
    return periods.parse_period(start_text, end_text, today, "A funder report")


def _unit_cost(spent_minor: int, currency: str, quantity: float) -> Decimal | None:
    """Money per unit of ``quantity``, rounded half up to the currency's decimals (at least cents); None
    when nothing was delivered, since a cost per nothing means nothing."""
    if quantity <= 0:
        return None
    places = Decimal(1).scaleb(-max(CURRENCY_DIGITS[currency], 2))
    return (to_decimal(spent_minor, currency) / Decimal(repr(quantity))).quantize(places, rounding=ROUND_HALF_UP)


def _grant_row(grant: Grant, start: dt.date, end: dt.date) -> tuple[GrantRow, dict[FundingPurpose, int]]:
    received = grant.amount_minor if (grant.status is GrantStatus.RECEIVED and grant.received_on is not None
                                      and start <= grant.received_on <= end) else 0
    pledged = grant.amount_minor if (grant.status is GrantStatus.PLEDGED and grant.period_start <= end
                                     and grant.period_end >= start) else 0
    spent: dict[FundingPurpose, int] = {}
    for entry in grant.spending:
        if start <= entry.spent_on <= end:
            spent[entry.purpose] = spent.get(entry.purpose, 0) + entry.amount_minor
    return GrantRow(grant, received, pledged, sum(spent.values())), spent


def _settings(session: Session) -> CoalitionSettings:
    """The meals factor without creating the settings row: a report is a read."""
    return session.get(CoalitionSettings, 1) or CoalitionSettings(kg_per_meal=DEFAULT_KG_PER_MEAL,
                                                                  co2e_per_kg=DEFAULT_CO2E_PER_KG)


def build_funder_report(session: Session, actor, start: dt.date, end: dt.date, tz: dt.tzinfo,
                        grant_id: int | None = None) -> FunderReport:
    """The report over local dates ``start``..``end`` (both included) for every grant ``actor`` may see
    (the backbone: all; a funder: those it funds), or for the one grant ``grant_id``.

    Raises PermissionDenied for people who see no grant, NotFound for a grant they may not see.
    """
    if not permissions.can_view_funder_reports(actor):
        raise PermissionDenied("Funder reports are for the backbone and the funders.")
    query = visible_grants_query(actor).order_by(Grant.period_start, Grant.id)
    if grant_id is not None:
        query = query.where(Grant.id == grant_id)
    grants = list(session.scalars(query))
    if grant_id is not None and not grants:
        raise NotFound("There is no such grant.")
    sections: dict[str, CurrencySection] = {}
    rows = []
    for grant in grants:
        row, spent = _grant_row(grant, start, end)
        section = sections.setdefault(grant.currency, CurrencySection(grant.currency))
        for target, amount in ((section.received, row.received_minor), (section.pledged, row.pledged_minor)):
            if amount:
                target[grant.purpose] = target.get(grant.purpose, 0) + amount
        for purpose, amount in spent.items():
            section.spent[purpose] = section.spent.get(purpose, 0) + amount
        if row.received_minor or row.pledged_minor or row.spent_minor:
            rows.append(row)
    settings = _settings(session)
    begin, until = local_bounds(start, end, tz)
    totals = indicators.totals(session, indicators.Filters(begin, until), settings)
    people = indicators.people_served(session, start, end + dt.timedelta(days=1))
    for section in sections.values():
        section.cost_per_meal = _unit_cost(section.total("spent"), section.currency, totals.meals)
        # Per unit of food in the coalition's unit (per lb or per kg), as the report reads.
        section.cost_per_kg_rescued = _unit_cost(section.total("spent"), section.currency,
                                                 units.from_kg(totals.kg_rescued))
    if grant_id is not None:
        scope = f"{grants[0].title} ({grants[0].funder})"
    elif permissions.is_backbone_staff(actor):
        scope = "All grants of the coalition"
    else:
        scope = ", ".join(o.name for o in permissions.funding_organizations(actor))
    report = FunderReport(start, end, scope, rows, [sections[c] for c in sorted(sections)], totals.deliveries,
                          totals.kg_rescued, totals.kg_distributed, totals.meals, settings.kg_per_meal,
                          people.visits, people.reports)
    report.method = method_text(report)
    return report


def method_text(report: FunderReport) -> str:
    """How every figure of the report was reached, printed on it."""
    unit = units.label()
    return (
        f"Money received: grants whose money arrived between {report.start.isoformat()} and {report.end.isoformat()}; "
        "pledged: grants not yet received whose period overlaps this one; spent: spending recorded against these "
        "grants in the period, by the purpose of each entry. Amounts are exact, per currency, never converted. "
        "Food: the coalition's delivery records in the period (all partners, every delivery, whoever paid for it): "
        f"{unit} rescued is what drivers collected from donors, {unit} distributed what reached food banks and "
        f"shelters, meals are {unit} distributed divided by {units.per_unit(report.kg_per_meal)} {unit} per meal. "
        "People served: visits the food banks and shelters reported for months starting in the period (a "
        f"duplicated count). Cost per meal and per {unit} rescued: money spent in the period divided by the meals "
        f"and the {unit} rescued in the same period, rounded "
        "half up to the cent. It is an average over all the food the coalition moved, not the cost of the food "
        "these grants alone paid for.")


def report_filename(report: FunderReport, extension: str) -> str:
    return f"funder-report-{report.start.isoformat()}-to-{report.end.isoformat()}.{extension}"


def report_csv(report: FunderReport) -> str:
    """One table of (section, item, currency, value): money by purpose, each grant, the food delivered,
    the unit costs and the method. Amounts are plain decimals in major units (1250.50)."""
    header = ["section", "item", "currency", "value"]
    rows: list[list] = []
    rows.append(["period", "start", "", report.start.isoformat()])
    rows.append(["period", "end", "", report.end.isoformat()])
    rows.append(["scope", report.scope, "", ""])
    for section in report.currencies:
        for purpose, received, pledged, spent in section.rows():
            for kind, amount in (("received", received), ("pledged", pledged), ("spent", spent)):
                rows.append([kind, purpose.label, section.currency, plain_amount(amount, section.currency)])
        for kind in ("received", "pledged", "spent"):
            rows.append([f"{kind}_total", "All purposes", section.currency,
                             plain_amount(section.total(kind), section.currency)])
        for item, cost in (("cost_per_meal", section.cost_per_meal), (f"cost_per_{units.label()}_rescued", section.cost_per_kg_rescued)):
            rows.append([item, "", section.currency, "n/a" if cost is None else cost])
    for row in report.grants:
        currency = row.grant.currency
        rows.append(["grant", f"{row.grant.title} ({row.grant.funder})", currency,
                         f"received {plain_amount(row.received_minor, currency)}; pledged "
                         f"{plain_amount(row.pledged_minor, currency)}; spent {plain_amount(row.spent_minor, currency)}"])
    unit = units.label()
    for item, value in (("deliveries", report.deliveries),
                        (f"{unit}_rescued", units.kg_number(report.kg_rescued, grouped=False)),
                        (f"{unit}_distributed", units.kg_number(report.kg_distributed, grouped=False)),
                        ("meals", f"{report.meals:.0f}"), (f"{unit}_per_meal", units.per_unit(report.kg_per_meal)),
                        ("people_served_visits", report.people_visits)):
        rows.append(["delivered", item, "", value])
    rows.append(["method", "", "", report.method])
    return write_csv(header, rows)   # grant titles and funders are free text: the writer neutralizes formulas


def render_report_pdf(report: FunderReport, coalition_name: str, generated_at: dt.datetime) -> bytes:
    """The report as a PDF (Letter): period and scope, money by purpose per currency, food delivered,
    unit costs, the grants, and the method."""
    from coalition.services import pdf

    doc = pdf.Document("Funder report", coalition_name, generated_at)
    doc.heading("Funder report")
    doc.text(f"Period: {report.start.isoformat()} to {report.end.isoformat()} (both included)")
    doc.text(f"Grants: {report.scope}")
    if not report.currencies:
        doc.empty("No grants in this report.")
    for section in report.currencies:
        doc.subheading(f"Money in {section.currency}")
        doc.table(["Purpose", "Received", "Pledged", "Spent"],
                  [[p.label, section.money(r), section.money(pl), section.money(s)] for p, r, pl, s in section.rows()]
                  + [["Total", section.money(section.total("received")), section.money(section.total("pledged")),
                      section.money(section.total("spent"))]],
                  widths=(34, 22, 22, 22), numeric=(1, 2, 3))
        doc.text(f"Cost per meal: {section.unit_cost(section.cost_per_meal)}. "
                 f"Cost per {units.label()} of food rescued: {section.unit_cost(section.cost_per_kg_rescued)}.")
    doc.subheading("Food delivered in the period")
    doc.table(["Deliveries", f"{units.label()} rescued", f"{units.label()} distributed", "Meals",
               "People served (visits)"],
              [[f"{report.deliveries:,}", f"{units.from_kg(report.kg_rescued):,.1f}",
                f"{units.from_kg(report.kg_distributed):,.1f}",
                f"{report.meals:,.0f}", f"{report.people_visits:,}"]],
              widths=(18, 20, 20, 18, 24), numeric=(0, 1, 2, 3, 4))
    if report.grants:
        doc.subheading("Grants")
        doc.table(["Grant", "Funder", "Received", "Pledged", "Spent"],
                  [[r.grant.title, r.grant.funder, format_money(r.received_minor, r.grant.currency),
                    format_money(r.pledged_minor, r.grant.currency), format_money(r.spent_minor, r.grant.currency)]
                   for r in report.grants], widths=(30, 28, 18, 18, 18), numeric=(2, 3, 4))
    doc.subheading("Method")
    doc.note(report.method)
    return doc.output()
