"""Donor receipts: for any period, each delivered donation of a grocery or farm with its date,
recipient, category, kg and an estimated fair-market value, as data and as a PDF.

Weights come only from delivery records (food that reached a recipient), never from what was
posted or claimed. The $/kg per category are estimates the backbone may change
(:class:`~coalition.models.receipts.FairMarketValue`); without a row the built-in
:data:`DEFAULT_USD_PER_KG` applies. Periods are local calendar dates, both ends included.
"""
from __future__ import annotations

import datetime as dt
import math
from collections import defaultdict
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from coalition import permissions
from coalition.errors import PermissionDenied, ValidationError
from coalition.models import DeliveryRecord, FoodCategory, Organization, User
from coalition.models.food import KG
from coalition.models.receipts import FairMarketValue
from coalition.services import audit, cold_chain_records, periods, places, units
from coalition.services.periods import local_bounds

# Estimated fair-market value in US dollars per kg of donated food, by category. ESTIMATES for a
# receipt that a donor's accountant reviews, roughly US wholesale-to-retail prices of surplus food
# (2024-2026); not an appraisal. The backbone sets its own on the receipts settings page.
DEFAULT_USD_PER_KG: dict[FoodCategory, float] = {
    FoodCategory.PRODUCE: 3.50,
    FoodCategory.BAKERY: 4.50,
    FoodCategory.DAIRY: 5.00,
    FoodCategory.MEAT_FISH: 11.00,
    FoodCategory.PREPARED: 8.00,
    FoodCategory.DRY_GOODS: 4.00,
    FoodCategory.FROZEN: 6.00,
    FoodCategory.OTHER: 4.00,
}
MAX_USD_PER_KG = 1000.0


@dataclass(frozen=True)
class ReceiptLine:
    delivered_on: dt.date          # local date
    recipient: str
    category: FoodCategory
    kg: float
    usd_per_kg: float

    @property
    def value_usd(self) -> float:
        return round(self.kg * self.usd_per_kg, 2)


@dataclass
class Receipt:
    donor: Organization
    start: dt.date
    end: dt.date
    lines: list[ReceiptLine] = field(default_factory=list)
    values: dict[FoodCategory, float] = field(default_factory=dict)
    cold_chain: cold_chain_records.Summary | None = None    # the donor's cold lines checked in the period

    @property
    def total_kg(self) -> float:
        return round(sum(line.kg for line in self.lines), 3)

    @property
    def total_value_usd(self) -> float:
        return round(sum(line.value_usd for line in self.lines), 2)

    def by_category(self) -> list[tuple[FoodCategory, float, float]]:
        """(category, kg, $) per category present, in the enum's order."""
        kg_: dict[FoodCategory, float] = defaultdict(float)
        usd: dict[FoodCategory, float] = defaultdict(float)
        for line in self.lines:
            kg_[line.category] += line.kg
            usd[line.category] += line.value_usd
        return [(c, round(kg_[c], 3), round(usd[c], 2)) for c in FoodCategory if c in kg_]


# --- fair-market values ---------------------------------------------------------------------------

def fair_market_values(session: Session) -> dict[FoodCategory, float]:
    """$/kg per category: the backbone's setting where there is one, else the built-in estimate."""
    values = dict(DEFAULT_USD_PER_KG)
    for row in session.scalars(select(FairMarketValue)):
        values[row.category] = row.usd_per_kg
    return values


def set_fair_market_values(session: Session, actor: User, values: dict, now: dt.datetime) -> dict[FoodCategory, float]:
    """Save $/kg for the categories given (category value -> number). Raises PermissionDenied
    (not the backbone) or ValidationError naming each bad category (unknown, negative, absurd)."""
    if not permissions.can_view_compliance_reports(actor):
        raise PermissionDenied("Only the backbone sets the fair-market values.")
    errors, parsed = {}, {}
    for key, value in values.items():
        try:
            category = FoodCategory(key)
        except ValueError:
            errors[str(key)] = "Unknown food category."
            continue
        if value is None or isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) \
                or not 0 <= value <= MAX_USD_PER_KG:
            errors[category.value] = f"Give a value from 0 to {MAX_USD_PER_KG:.0f} $ per kg."
            continue
        parsed[category] = round(float(value), 2)
    if errors:
        raise ValidationError("Please correct the highlighted values.", errors)
    existing = {row.category: row for row in session.scalars(select(FairMarketValue))}
    for category, value in parsed.items():
        row = existing.get(category) or FairMarketValue(category=category)
        row.usd_per_kg, row.updated_at, row.updated_by_id = value, now, actor.id
        session.add(row)
    session.flush()
    audit.record(session, actor, "fair_market_values", 1, "updated", now, None,
                 **{c.value: v for c, v in parsed.items()})
    return fair_market_values(session)


# --- periods ----------------------------------------------------------------------------------------

def parse_period(start_text: str | None, end_text: str | None, today: dt.date) -> tuple[dt.date, dt.date]:
    """A receipt's period (see :func:`coalition.services.periods.parse_period`)."""
    return periods.parse_period(start_text, end_text, today, "A receipt")


# --- the receipt --------------------------------------------------------------------------------------

def build_receipt(session: Session, actor: User, donor: Organization, start: dt.date, end: dt.date,
                  tz: dt.tzinfo) -> Receipt:
    """Every delivery record of ``donor`` delivered between the local dates ``start`` and ``end``
    (both included), oldest first, valued at the current $/kg per category.

    Raises PermissionDenied unless the actor acts for the donor or is the backbone;
    ValidationError when the period is reversed or the organization is not a donor.
    """
    if not donor.kind.is_donor:
        raise ValidationError(f"{donor.name} is not a grocery store or farm: it has no donation receipts.")
    if not permissions.can_view_receipts(actor, donor):
        raise PermissionDenied("You may only download your own organization's receipts.")
    if end < start:
        raise ValidationError("The end of the period must be on or after its start.", {"end": "End on or after the start."})
    begin, until = local_bounds(start, end, tz)
    values = fair_market_values(session)
    records = session.scalars(
        select(DeliveryRecord).where(DeliveryRecord.donor_id == donor.id, DeliveryRecord.outcome == "delivered",
                                     DeliveryRecord.delivered_at >= begin,
                                     DeliveryRecord.delivered_at < until)
        .options(selectinload(DeliveryRecord.recipient)).order_by(DeliveryRecord.delivered_at, DeliveryRecord.id))
    # A receipt leaves the platform (to the donor's accountant, a tax office), so a confidential
    # recipient is named by its public name whoever downloads it.
    lines = [ReceiptLine(r.delivered_at.astimezone(tz).date(), places.public_place(session, r.recipient).name,
                         r.category, r.quantity_g / KG,
                         values[r.category]) for r in records]
    summary, _ = cold_chain_records.summarize(session, begin, until, donor_id=donor.id)
    return Receipt(donor, start, end, lines, values, summary)


def receipt_filename(receipt: Receipt) -> str:
    slug = "".join(ch if ch.isalnum() else "-" for ch in receipt.donor.name.lower()).strip("-")
    while "--" in slug:
        slug = slug.replace("--", "-")
    return f"donation-receipt-{slug}-{receipt.start.isoformat()}-to-{receipt.end.isoformat()}.pdf"


def render_receipt_pdf(receipt: Receipt, coalition_name: str, generated_at: dt.datetime) -> bytes:
    """The receipt as a one-or-more-page PDF (Letter): header, one row per delivery, totals, the basis of
    the values, and "No donations in this period" when there are none."""
    from coalition.services import pdf

    doc = pdf.Document(f"Donation receipt: {receipt.donor.name}", coalition_name, generated_at)
    unit = units.label()
    doc.heading("Donation receipt")
    doc.text(f"Donor: {receipt.donor.name}")
    if receipt.donor.address:
        doc.text(f"Address: {receipt.donor.address}")
    doc.text(f"Period: {receipt.start.isoformat()} to {receipt.end.isoformat()} (both included)")
    doc.text(f"Issued by {coalition_name} on {generated_at.date().isoformat()}.")
    doc.note("Weights are food delivered to the recipients, from the coalition's delivery records "
             "(not what was posted or claimed).")
    if not receipt.lines:
        doc.empty("No donations in this period.")
    else:
        # Weights to the gram in the coalition's unit, so a receipt reads as the donor typed the donation.
        doc.table(["Date", "Recipient", "Category", unit, f"$/{unit} (est.)", "Value $ (est.)"],
                  [[line.delivered_on.isoformat(), line.recipient, line.category.label, units.kg_number(line.kg),
                    f"{units.price_per(line.usd_per_kg):,.2f}", f"{line.value_usd:,.2f}"] for line in receipt.lines],
                  widths=(20, 38, 18, 10, 12, 14), numeric=(3, 4, 5))
        doc.subheading("By category")
        doc.table(["Category", unit, "Value $ (est.)"],
                  [[c.label, units.kg_number(kg_), f"{usd:,.2f}"] for c, kg_, usd in receipt.by_category()],
                  widths=(50, 25, 25), numeric=(1, 2))
    doc.subheading(f"Total: {units.kg_text(receipt.total_kg)}, estimated value ${receipt.total_value_usd:,.2f}")
    if receipt.cold_chain is not None and receipt.cold_chain.lines_checked:
        doc.subheading("Cold chain")
        for text in cold_chain_records.summary_lines(receipt.cold_chain):
            doc.text(text)
    doc.note(f"{len(receipt.lines)} deliveries. Estimated fair-market values use the coalition's $/{unit} per category "
             "(estimates, not an appraisal): "
             + ", ".join(f"{c.label} ${units.price_per(v):,.2f}" for c, v in receipt.values.items()) + ". "
             "No goods or services were provided in exchange for this donation.")
    return doc.output()
