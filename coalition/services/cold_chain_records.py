"""The cold-chain record partners trust: per claim and per donation, and the monthly summary and report.

Read-only: built from the readings drivers took (``TemperatureReading``) and the
delivery records of food delivered or lost (services/cold_chain.py writes both).
"""
from __future__ import annotations

import dataclasses
import datetime as dt
from collections import Counter
from collections.abc import Callable

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from coalition.models import Claim, DeliveryRecord, Donation, DonationLine, Organization, StorageClass
from coalition.models.cold_chain import TemperatureReading
from coalition.services import units
from coalition.services.cold_chain import OUTCOME_LABELS, REASONS
from coalition.services.csv_export import write_csv

COLD = (StorageClass.REFRIGERATED, StorageClass.FROZEN)
LOST = ("refused", "discarded")


@dataclasses.dataclass
class ClaimRecord:
    """One cold line's record: its readings in order, the time out of refrigeration and the outcome."""

    claim: Claim
    readings: list[TemperatureReading]

    @property
    def outcome(self) -> str | None:
        """The last decision taken (within, accepted_in_grace, refused, discarded); None before any reading."""
        return self.readings[-1].outcome if self.readings else None

    @property
    def outcome_label(self) -> str:
        return OUTCOME_LABELS.get(self.outcome, "Not checked yet")

    @property
    def out_of_refrigeration_s(self) -> int | None:
        """Seconds from the pickup reading to the delivery reading (None until both are taken)."""
        stages = {r.stage: r.taken_at for r in self.readings}
        if "pickup" in stages and "delivery" in stages:
            return max(0, int((stages["delivery"] - stages["pickup"]).total_seconds()))
        return None


def _readings_by_claim(session: Session, claim_ids: list[int]) -> dict[int, list[TemperatureReading]]:
    found: dict[int, list[TemperatureReading]] = {i: [] for i in claim_ids}
    if claim_ids:
        query = (select(TemperatureReading).where(TemperatureReading.claim_id.in_(claim_ids))
                 .options(selectinload(TemperatureReading.taken_by))
                 .order_by(TemperatureReading.taken_at, TemperatureReading.id))
        for reading in session.scalars(query):
            found[reading.claim_id].append(reading)
    return found


def claim_records(session: Session, claims: list[Claim]) -> list[ClaimRecord]:
    """The record of each cold claim among ``claims`` (ambient food has none), in the order given."""
    cold = [c for c in claims if StorageClass(c.line.storage) in COLD]
    readings = _readings_by_claim(session, [c.id for c in cold])
    return [ClaimRecord(c, readings[c.id]) for c in cold]


@dataclasses.dataclass
class Summary:
    """Cold lines checked in a period and what became of them; ``reasons`` counts refusals and discards by label."""

    lines_checked: int = 0
    within: int = 0
    refused: int = 0
    discarded: int = 0
    kg_lost: float = 0.0
    reasons: dict[str, int] = dataclasses.field(default_factory=dict)


def _claims_checked(session: Session, begin: dt.datetime, until: dt.datetime, donor_id: int | None,
                    recipient_id: int | None) -> list[Claim]:
    """Claims whose first reading falls in [begin, until), of one donor or recipient when given."""
    first = select(TemperatureReading.claim_id).where(TemperatureReading.stage == "pickup",
                                                      TemperatureReading.taken_at >= begin,
                                                      TemperatureReading.taken_at < until)
    query = select(Claim).where(Claim.id.in_(first)).options(selectinload(Claim.line).selectinload(DonationLine.donation))
    if recipient_id is not None:
        query = query.where(Claim.recipient_id == recipient_id)
    if donor_id is not None:
        query = query.join(DonationLine, DonationLine.id == Claim.line_id).join(
            Donation, Donation.id == DonationLine.donation_id).where(Donation.donor_id == donor_id)
    return list(session.scalars(query.order_by(Claim.id)))


def summarize(session: Session, begin: dt.datetime, until: dt.datetime, *, donor_id: int | None = None,
              recipient_id: int | None = None) -> tuple[Summary, list[ClaimRecord]]:
    """The cold-chain summary of lines first checked in [begin, until) and their records.

    A line counts once, by its last decision: within limits (including accepted
    within the grace margin), refused at pickup or discarded on arrival.
    """
    records = claim_records(session, _claims_checked(session, begin, until, donor_id, recipient_id))
    lost_g = dict(session.execute(select(DeliveryRecord.claim_id, DeliveryRecord.quantity_g).where(
        DeliveryRecord.claim_id.in_([r.claim.id for r in records]), DeliveryRecord.outcome.in_(LOST))).all())
    summary = Summary()
    reasons: Counter[str] = Counter()
    for record in records:
        summary.lines_checked += 1
        outcome = record.outcome
        if outcome in LOST:
            setattr(summary, outcome, getattr(summary, outcome) + 1)
            reasons[REASONS.get(record.readings[-1].reason, "Other")] += 1
            summary.kg_lost += lost_g.get(record.claim.id, 0) / 1000
        elif outcome is not None:
            summary.within += 1
    summary.reasons = dict(reasons.most_common())
    return summary, records


def summary_lines(summary: Summary) -> list[str]:
    """The summary in sentences, for receipts and reports (PDF and pages)."""
    lines = [f"{summary.lines_checked} cold lines checked: {summary.within} within limits, "
             f"{summary.refused} refused at pickup, {summary.discarded} discarded on arrival."]
    if summary.reasons:
        lines.append("Reasons: " + ", ".join(f"{label.lower()} ({count})" for label, count in summary.reasons.items())
                     + f"; {units.kg_text(summary.kg_lost)} lost to the cold chain.")
    return lines


def monthly_csv(records: list[ClaimRecord], month: dt.date, organization_name: str, unit: str, tz: dt.tzinfo,
                name_of: Callable[[Organization], str]) -> str:
    """The month's cold-chain report of one donor or recipient: one row per reading.

    ``name_of`` names a partner as the downloading person may see it (a confidential
    recipient's public name to a donor).

    Written through the one CSV writer (services/csv_export): a partner's text that starts like a
    formula is prefixed with an apostrophe so a spreadsheet shows it as text.
    """
    from coalition.services.cold_chain import format_dc

    rows: list[list] = []
    header = ["month", "organization", "claim_id", "food", "storage", "donor", "recipient", "stage",
              "taken_at_local", "taken_by", f"reading_{unit}", f"limit_{unit}", "outcome", "reason",
              "minutes_out_of_refrigeration"]
    for record in records:
        claim = record.claim
        base = [month.strftime("%Y-%m"), organization_name, claim.id, claim.line.description,
                StorageClass(claim.line.storage).value, name_of(claim.line.donation.donor), name_of(claim.recipient)]
        minutes = "" if record.out_of_refrigeration_s is None else record.out_of_refrigeration_s // 60
        for reading in record.readings:
            rows.append(base + [
                reading.stage, reading.taken_at.astimezone(tz).strftime("%d %b %H:%M"),
                reading.taken_by.display_name if reading.taken_by else "",
                format_dc(reading.temperature_dc, unit).split(" ")[0], format_dc(reading.limit_dc, unit).split(" ")[0],
                reading.outcome, REASONS.get(reading.reason, ""), minutes])
    return write_csv(header, rows)


def monthly_pdf(summary: Summary, records: list[ClaimRecord], month: dt.date, organization_name: str, unit: str,
                tz: dt.tzinfo, name_of: Callable[[Organization], str], coalition_name: str,
                generated_at: dt.datetime, for_donor: bool) -> bytes:
    """The same monthly report as :func:`monthly_csv`, printable: the summary, then one table row per reading.

    The table names the other side only (a donor's report its recipients, a recipient's its donors): the
    report's own organization is in its title, and a page has no room for both names."""
    from coalition.services import pdf
    from coalition.services.cold_chain import format_dc

    label = month.strftime("%B %Y")
    doc = pdf.Document(f"Cold-chain report: {organization_name}, {label}", coalition_name, generated_at, landscape=True)
    doc.heading(f"Cold-chain report: {organization_name}, {label}")
    doc.note("Every temperature reading of the month's refrigerated and frozen lines, who took it, the limit "
             "that applied, the decision and the time out of refrigeration (pickup to delivery).")
    for line in summary_lines(summary):
        doc.text(line)
    if not records:
        doc.empty(f"No cold lines were checked in {label}.")
        return doc.output()
    rows = []
    for record in records:
        claim = record.claim
        minutes = "" if record.out_of_refrigeration_s is None else str(record.out_of_refrigeration_s // 60)
        for reading in record.readings:
            partner = claim.recipient if for_donor else claim.line.donation.donor
            rows.append([str(claim.id), claim.line.description, name_of(partner), reading.stage, reading.taken_at.astimezone(tz).strftime("%d %b %H:%M"),
                         reading.taken_by.display_name if reading.taken_by else "",
                         format_dc(reading.temperature_dc, unit), format_dc(reading.limit_dc, unit),
                         OUTCOME_LABELS.get(reading.outcome, reading.outcome), REASONS.get(reading.reason, ""), minutes])
    doc.table(["Claim", "Food", "Recipient" if for_donor else "Donor", "Stage", "Taken", "Taken by", "Reading",
               "Limit", "Outcome", "Reason", "Min"], rows, widths=(7, 18, 26, 9, 13, 14, 10, 7, 31, 13, 5),
              numeric=(0, 6, 7, 10))
    doc.note("Min: minutes out of refrigeration, from the pickup reading to the delivery reading.")
    return doc.output()
