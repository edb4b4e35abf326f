"""The backbone's monthly food-recovery report in the layout that laws such as California's SB 1383
(14 CCR 18991.4 and 18991.5) ask edible food generators and food recovery organizations to keep:

- per edible food generator (our donors): each food recovery organization (our recipients)
  that received its food, the types of food, and the pounds recovered that month;
- per food recovery organization (our recipients): each generator it received from, with
  address and phone, the types of food, and the pounds received that month.

Pounds are shown beside kilograms (the data stays in kg). Weights come only from delivery
records. A month with no deliveries still gives a complete, clearly labelled document.
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Callable

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from coalition import permissions
from coalition.errors import NotFound, PermissionDenied
from coalition.models import DeliveryRecord, FoodCategory, Organization, User
from coalition.models.food import KG
from coalition.services import cold_chain_records
from coalition.services.csv_export import write_csv
from coalition.services.periods import local_bounds
from coalition.services.places import Place

LB_PER_KG = 2.20462262
EMPTY = "No donations in this period"
TITLE = "Monthly edible food recovery report (SB 1383 record-keeping layout)"


@dataclass
class PairRow:
    """Food one donor's deliveries brought to one recipient in the month."""

    donor: Organization
    recipient: Organization
    grams: int = 0
    deliveries: int = 0
    categories: set[FoodCategory] = field(default_factory=set)

    @property
    def kg(self) -> float:
        return round(self.grams / KG, 1)

    @property
    def pounds(self) -> float:
        return round(self.grams / KG * LB_PER_KG, 1)

    @property
    def food_types(self) -> str:
        return ", ".join(c.label for c in FoodCategory if c in self.categories)


@dataclass
class ComplianceReport:
    month: dt.date                      # the first day of the month
    rows: list[PairRow]
    cold_chain: cold_chain_records.Summary = field(default_factory=cold_chain_records.Summary)

    @property
    def label(self) -> str:
        return self.month.strftime("%B %Y")

    @property
    def by_generator(self) -> list[PairRow]:
        return sorted(self.rows, key=lambda r: (r.donor.name, r.recipient.name))

    @property
    def by_recovery_organization(self) -> list[PairRow]:
        return sorted(self.rows, key=lambda r: (r.recipient.name, r.donor.name))

    @property
    def total_grams(self) -> int:
        return sum(r.grams for r in self.rows)

    @property
    def total_kg(self) -> float:
        return round(self.total_grams / KG, 1)

    @property
    def total_pounds(self) -> float:
        return round(self.total_grams / KG * LB_PER_KG, 1)


def parse_month(text: str) -> dt.date:
    """``YYYY-MM`` -> the month's first day; an unknown month (2026-13, "soon") raises NotFound."""
    match = re.fullmatch(r"(\d{4})-(\d{2})", text or "")
    if not match or not 1 <= int(match.group(2)) <= 12 or int(match.group(1)) < 1900:
        raise NotFound(f"There is no month {text!r}: give it as YYYY-MM.")
    return dt.date(int(match.group(1)), int(match.group(2)), 1)


def next_month(month: dt.date) -> dt.date:
    """The first day of the month after ``month``."""
    return (month.replace(day=28) + dt.timedelta(days=4)).replace(day=1)


def monthly_report(session: Session, actor: User, month: dt.date, tz: dt.tzinfo) -> ComplianceReport:
    """Deliveries of the local calendar month grouped by donor and recipient. Raises PermissionDenied
    unless the actor is the backbone."""
    if not permissions.can_view_compliance_reports(actor):
        raise PermissionDenied("Only the backbone produces the coalition's recovery reports.")
    begin, until = local_bounds(month, next_month(month) - dt.timedelta(days=1), tz)
    records = session.scalars(
        select(DeliveryRecord).where(DeliveryRecord.delivered_at >= begin, DeliveryRecord.delivered_at < until,
                                     DeliveryRecord.outcome == "delivered")
        .options(selectinload(DeliveryRecord.donor), selectinload(DeliveryRecord.recipient)))
    pairs: dict[tuple[int, int], PairRow] = {}
    for record in records:
        row = pairs.get((record.donor_id, record.recipient_id))
        if row is None:
            row = pairs[(record.donor_id, record.recipient_id)] = PairRow(record.donor, record.recipient)
        row.grams += record.quantity_g
        row.deliveries += 1
        row.categories.add(record.category)
    summary, _ = cold_chain_records.summarize(session, begin, until)
    return ComplianceReport(month, list(pairs.values()), summary)


def _shown_address(site: Place) -> str:
    return site.address if site.exact else site.area


def report_csv(report: ComplianceReport, place: Callable[[Organization], Place]) -> str:
    """One table: a row per (generator, recovery organization) for the month, with both parties'
    addresses as ``place`` (the downloading person's ``places.Places``) shows them; a month with
    nothing delivered has one row saying so."""
    header = ["month", "edible_food_generator", "generator_address", "generator_phone",
              "food_recovery_organization", "recovery_organization_address", "recovery_organization_phone",
              "types_of_food", "pounds_recovered", "kg_recovered", "deliveries"]
    month = report.month.strftime("%Y-%m")
    rows = []
    for r in report.by_generator:
        donor, recipient = place(r.donor), place(r.recipient)
        rows.append([month, donor.name, _shown_address(donor), r.donor.phone, recipient.name,
                     _shown_address(recipient), r.recipient.phone, r.food_types, f"{r.pounds:.1f}", f"{r.kg:.1f}",
                     r.deliveries])
    if not report.rows:
        rows.append([month, EMPTY, "", "", "", "", "", "", "0.0", "0.0", 0])
    return write_csv(header, rows)


def report_pdf(report: ComplianceReport, coalition_name: str, generated_at: dt.datetime,
               place: Callable[[Organization], Place]) -> bytes:
    """The report as a landscape PDF: totals, then the generator section and the recovery-organization section,
    each site as ``place`` (the downloading person's ``places.Places``) shows it."""
    from coalition.services import pdf

    doc = pdf.Document(f"{TITLE}: {report.label}", coalition_name, generated_at, landscape=True)
    doc.heading(f"Edible food recovery: {report.label}")
    doc.text(f"{coalition_name}. Record-keeping layout of California SB 1383 (14 CCR 18991.4, 18991.5): "
             "per edible food generator and per food recovery organization, types of food and pounds recovered per month.")
    doc.note("Weights are food delivered to recovery organizations, from the coalition's delivery records; "
             f"pounds = kg x {LB_PER_KG:.5f}.")
    if not report.rows:
        doc.empty(f"{EMPTY} ({report.label}).")
    doc.subheading(f"Total recovered: {report.total_pounds:,.1f} lb ({report.total_kg:,.1f} kg)")
    if report.rows:
        doc.subheading("By edible food generator")
        doc.table(["Edible food generator", "Food recovery organization", "Types of food", "Pounds", "kg", "Deliveries"],
                  [[place(r.donor).name, f"{place(r.recipient).name}\n{_shown_address(place(r.recipient))}", r.food_types,
                    f"{r.pounds:,.1f}",
                    f"{r.kg:,.1f}", str(r.deliveries)] for r in report.by_generator],
                  widths=(24, 30, 22, 9, 9, 8), numeric=(3, 4, 5))
        doc.subheading("By food recovery organization")
        doc.table(["Food recovery organization", "Edible food generator (address, phone)", "Types of food", "Pounds", "kg"],
                  [[place(r.recipient).name,
                    f"{place(r.donor).name}\n{_shown_address(place(r.donor))} {r.donor.phone}".strip(), r.food_types,
                    f"{r.pounds:,.1f}", f"{r.kg:,.1f}"] for r in report.by_recovery_organization],
                  widths=(24, 36, 22, 9, 9), numeric=(3, 4))
    doc.subheading("Cold chain")
    for line in cold_chain_records.summary_lines(report.cold_chain):
        doc.text(line)
    return doc.output()

