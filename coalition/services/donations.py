"""Posting, reposting, cancelling and browsing donations (store surplus and farm produce)."""
from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from coalition import permissions
from coalition.errors import Conflict, NotFound, PermissionDenied, ValidationError
from coalition.models import (
    ACTIVE_CLAIM_STATUSES,
    Claim,
    ClaimStatus,
    Donation,
    DonationDecline,
    DonationKind,
    DonationLine,
    DonationStatus,
    FoodCategory,
    Need,
    NeedStatus,
    NotificationKind,
    Organization,
    OrganizationKind,
    PriorityPartner,
    StorageClass,
    User,
    grams,
)
from coalition.services import audit, notifications
from coalition.services import units as weight_units  # a line's item count is also called units here
from coalition.services.notifications import Page
from coalition.services.distance import km_between

MAX_LINE_KG = 10_000          # more than a full truck on one line is a typo
MAX_UNITS = 100_000
MAX_LINES = 30
MAX_SURPLUS_WINDOW = dt.timedelta(days=7)
MAX_PRODUCE_PERIOD = dt.timedelta(days=60)
MAX_LEAD = dt.timedelta(days=120)


@dataclass
class LineInput:
    category: str
    description: str
    storage: str
    use_by: dt.datetime | None
    kg: float | None = None
    units: int | None = None
    pack_type: str = ""


@dataclass
class DonationInput:
    lines: list[LineInput]
    pickup_start: dt.datetime | None
    pickup_end: dt.datetime | None
    notes: str = ""
    allow_split: bool = True
    kind: DonationKind = DonationKind.SURPLUS
    available_from: dt.datetime | None = None
    available_until: dt.datetime | None = None


def _enum(enum_class, value, field_name: str, errors: dict):
    if isinstance(value, enum_class):
        return value
    try:
        return enum_class(value)
    except ValueError:
        allowed = ", ".join(m.value for m in enum_class)
        errors[field_name] = f"Unknown value {value!r}: choose one of {allowed}."
        return None


def validate_window(start: dt.datetime | None, end: dt.datetime | None, now: dt.datetime, prefix: str,
                    errors: dict, longest: dt.timedelta, what: str) -> None:
    """Check a time window: both ends given, time-zone aware, start before end, not over, not absurd."""
    if start is None:
        errors[f"{prefix}_start"] = f"Give the start of the {what}."
    if end is None:
        errors[f"{prefix}_end"] = f"Give the end of the {what}."
    if start is None or end is None:
        return
    if start.tzinfo is None or end.tzinfo is None:
        errors[f"{prefix}_start"] = "Times need a time zone."
        return
    if end <= start:
        errors[f"{prefix}_end"] = f"The {what} must end after it starts."
    elif end <= now:
        errors[f"{prefix}_end"] = f"This {what} is already over."
    elif end - start > longest:
        errors[f"{prefix}_end"] = f"The {what} is too long (at most {longest.days} days)."
    elif start - now > MAX_LEAD:
        errors[f"{prefix}_start"] = f"That is too far ahead (at most {MAX_LEAD.days} days)."


def _validated_lines(data: DonationInput, errors: dict) -> list[DonationLine]:
    if not data.lines:
        errors["lines"] = "Add at least one line of food."
        return []
    if len(data.lines) > MAX_LINES:
        errors["lines"] = f"At most {MAX_LINES} lines in one donation."
        return []
    lines = []
    for index, item in enumerate(data.lines):
        prefix = f"lines-{index}-"
        category = _enum(FoodCategory, item.category, prefix + "category", errors)
        storage = _enum(StorageClass, item.storage, prefix + "storage", errors)
        description = (item.description or "").strip()
        if not description:
            errors[prefix + "description"] = "Say what the food is."
        elif len(description) > 200:
            errors[prefix + "description"] = "Keep the description under 200 characters."
        kg = item.kg
        if kg is None or isinstance(kg, bool) or not isinstance(kg, (int, float)) or not math.isfinite(kg):
            errors[prefix + "kg"] = f"Give the weight in {weight_units.label()} (an estimate is fine)."
        elif kg <= 0:
            errors[prefix + "kg"] = f"The weight must be more than 0 {weight_units.label()}."
        elif kg > MAX_LINE_KG:
            errors[prefix + "kg"] = f"{weight_units.kg_text(kg)} is more than we accept on one line ({weight_units.kg_text(MAX_LINE_KG)})."
        elif grams(kg) == 0:
            errors[prefix + "kg"] = "The weight must be at least 1 gram."
        units = item.units
        if units is not None and (isinstance(units, bool) or not isinstance(units, int) or not 0 < units <= MAX_UNITS):
            errors[prefix + "units"] = f"Units must be a whole number from 1 to {MAX_UNITS}."
        use_by = item.use_by
        if use_by is None:
            errors[prefix + "use_by"] = "Give the use-by date and time."
        elif use_by.tzinfo is None:
            errors[prefix + "use_by"] = "The use-by time needs a time zone."
        elif data.pickup_start is not None and data.pickup_start.tzinfo is not None and use_by < data.pickup_start:
            errors[prefix + "use_by"] = "The use-by is before the pickup window: nobody could collect it in time."
        if prefix + "kg" not in errors and category and storage and use_by is not None and description:
            lines.append(DonationLine(
                position=index, category=category, description=description[:200], quantity_g=grams(kg),
                units=units, storage=storage, use_by=use_by, pack_type=(item.pack_type or "").strip()[:60],
            ))
    return lines


def build_donation(donor: Organization, data: DonationInput, now: dt.datetime) -> Donation:
    """Validate input and build an unsaved donation; raises ValidationError naming every bad field."""
    errors: dict[str, str] = {}
    kind = _enum(DonationKind, data.kind, "kind", errors)
    validate_window(data.pickup_start, data.pickup_end, now, "pickup", errors,
                    MAX_PRODUCE_PERIOD if kind is DonationKind.PRODUCE else MAX_SURPLUS_WINDOW, "pickup window")
    if kind is DonationKind.PRODUCE and (data.available_from or data.available_until):
        validate_window(data.available_from, data.available_until, now, "available", errors, MAX_PRODUCE_PERIOD,
                        "availability period")
    lines = _validated_lines(data, errors)
    if len(data.notes or "") > 2000:
        errors["notes"] = "Keep the notes under 2000 characters."
    if errors:
        raise ValidationError("Please correct the highlighted fields.", errors)
    return Donation(
        donor=donor, kind=kind, pickup_start=data.pickup_start, pickup_end=data.pickup_end,
        available_from=data.available_from, available_until=data.available_until,
        notes=(data.notes or "").strip(), allow_split=bool(data.allow_split), lines=lines, created_at=now,
    )


def _partners(session: Session, donor_id: int) -> list[PriorityPartner]:
    return list(session.scalars(
        select(PriorityPartner).join(PriorityPartner.recipient)
        .where(PriorityPartner.donor_id == donor_id, Organization.active.is_(True))
        .order_by(PriorityPartner.rank, PriorityPartner.id)))


def _offer_to_next_partner(session: Session, donation: Donation, now: dt.datetime, priority_minutes: int) -> Organization | None:
    """Give the first right to claim to the next partner who has not declined; None opens it to all."""
    declined = set(session.scalars(select(DonationDecline.recipient_id).where(DonationDecline.donation_id == donation.id)))
    for partner in _partners(session, donation.donor_id):
        if partner.recipient_id not in declined:
            donation.priority_recipient = partner.recipient
            donation.priority_recipient_id = partner.recipient_id
            donation.priority_until = now + dt.timedelta(minutes=priority_minutes)
            return partner.recipient
    donation.priority_recipient = None
    donation.priority_recipient_id = None
    donation.priority_until = None
    return None


def post_donation(session: Session, actor: User, donor: Organization, data: DonationInput, now: dt.datetime,
                  priority_minutes: int = 30, notify_radius_km: float = 15) -> Donation:
    """Post a donation for a donor. Its priority partner (if any) hears first; otherwise matching recipients.

    Raises PermissionDenied when the actor cannot post for this donor, ValidationError on bad input.
    """
    if not permissions.can_post_donation(actor, donor):
        raise PermissionDenied(f"You cannot post donations for {donor.name}.")
    donation = build_donation(donor, data, now)
    donation.posted_by = actor
    session.add(donation)
    session.flush()
    _offer_to_next_partner(session, donation, now, priority_minutes)
    audit.record(session, actor, "donation", donation.id, "posted", now, donor.id,
                 lines=len(donation.lines), kg=donation.total_g / 1000)
    announce_donation(session, donation, now, notify_radius_km)
    session.flush()
    return donation


def announce_donation(session: Session, donation: Donation, now: dt.datetime, radius_km: float) -> list[Organization]:
    """Tell the recipients who should hear about this donation now: its priority partner, or else every
    active recipient within ``radius_km`` whose open needs match a line's category and storage."""
    lines = ", ".join(f"{weight_units.weight_text(line.quantity_g)} {line.description}" for line in donation.lines)
    title = f"{donation.donor.name}: {lines}"[:200]
    link = Page("donations.detail", {"donation_id": donation.id})
    if donation.priority_recipient_id is not None:
        targets = [donation.priority_recipient]
        body = (f"You have the first right to claim this until "
                f"{donation.priority_until:%H:%M} UTC, as a partner of {donation.donor.name}.")
    else:
        targets = matching_recipients(session, donation, radius_km)
        body = "New surplus near you that matches your needs."
    for recipient in targets:
        notifications.notify_organization(session, recipient, NotificationKind.NEW_SURPLUS, title, body, link, now)
    return targets


def matching_recipients(session: Session, donation: Donation, radius_km: float) -> list[Organization]:
    wanted = {(line.category, line.storage) for line in donation.lines}
    needs = session.scalars(select(Need).where(Need.status == NeedStatus.OPEN).options(selectinload(Need.recipient)))
    found: dict[int, Organization] = {}
    for need in needs:
        recipient = need.recipient
        if (need.category, need.storage) not in wanted or not recipient.active:
            continue
        distance = km_between(donation.donor, recipient)
        if distance is None or distance <= radius_km:
            found[recipient.id] = recipient
    return list(found.values())


def decline_priority(session: Session, actor: User, donation: Donation, recipient: Organization, now: dt.datetime,
                     priority_minutes: int = 30, notify_radius_km: float = 15) -> Organization | None:
    """The priority recipient passes; the offer moves to the next partner in line (returned), or opens to all."""
    if donation.priority_recipient_id != recipient.id:
        raise Conflict("This donation is not reserved for you.")
    if not permissions.can_claim_for(actor, recipient):
        raise PermissionDenied(f"You cannot decline for {recipient.name}.")
    session.add(DonationDecline(donation_id=donation.id, recipient_id=recipient.id, at=now))
    session.flush()
    following = _offer_to_next_partner(session, donation, now, priority_minutes)
    audit.record(session, actor, "donation", donation.id, "declined", now, recipient.id,
                 next_recipient=following.name if following else None)
    announce_donation(session, donation, now, notify_radius_km)
    session.flush()
    return following


def reserved_for_other(donation: Donation, recipient_id: int, now: dt.datetime) -> bool:
    """True while a partner other than this recipient holds the first right to claim."""
    return (donation.priority_recipient_id is not None and donation.priority_until is not None
            and now < donation.priority_until and donation.priority_recipient_id != recipient_id)


def get_donation(session: Session, donation_id: int) -> Donation:
    donation = session.get(Donation, donation_id)
    if donation is None:
        raise NotFound("There is no such donation.")
    return donation


def claimed_g_by_line(session: Session, line_ids: list[int]) -> dict[int, int]:
    """Grams held by active claims, per line id (a line with none is absent)."""
    if not line_ids:
        return {}
    rows = session.execute(
        select(Claim.line_id, func.sum(Claim.quantity_g))
        .where(Claim.line_id.in_(line_ids), Claim.status.in_(ACTIVE_CLAIM_STATUSES))
        .group_by(Claim.line_id))
    return {line_id: int(total) for line_id, total in rows}


def remaining_g(session: Session, line: DonationLine) -> int:
    return line.quantity_g - claimed_g_by_line(session, [line.id]).get(line.id, 0)


def repost_donation(session: Session, actor: User, original: Donation, pickup_start: dt.datetime,
                    pickup_end: dt.datetime, now: dt.datetime, priority_minutes: int = 30) -> Donation:
    """"Post again": the same lines with a new pickup window; each use-by moves by the same shift."""
    if not permissions.can_manage_donation(actor, original):
        raise PermissionDenied("You cannot repost this donation.")
    shift = (pickup_start - original.pickup_start) if pickup_start is not None else dt.timedelta(0)
    data = DonationInput(
        lines=[LineInput(l.category, l.description, l.storage, l.use_by + shift, l.quantity_g / 1000, l.units, l.pack_type)
               for l in original.lines],
        pickup_start=pickup_start, pickup_end=pickup_end, notes=original.notes, allow_split=original.allow_split,
        kind=original.kind, available_from=original.available_from and original.available_from + shift,
        available_until=original.available_until and original.available_until + shift,
    )
    return post_donation(session, actor, original.donor, data, now, priority_minutes)


def cancel_donation(session: Session, actor: User, donation: Donation, reason: str, now: dt.datetime) -> list[Claim]:
    """The donor withdraws a donation; claims not yet picked up are cancelled and claimants told."""
    if not permissions.can_manage_donation(actor, donation):
        raise PermissionDenied("You cannot cancel this donation.")
    if donation.status is not DonationStatus.OPEN:
        raise Conflict(f"This donation is already {donation.status.value}.")
    donation.status = DonationStatus.CANCELLED
    donation.cancelled_at = now
    donation.cancel_reason = (reason or "").strip()[:300]
    ended = end_claims(session, donation, ClaimStatus.CANCELLED, f"Donation cancelled by {donation.donor.name}",
                       now, NotificationKind.CANCELLED)
    audit.record(session, actor, "donation", donation.id, "cancelled", now, donation.donor_id,
                 reason=donation.cancel_reason, claims_cancelled=len(ended))
    session.flush()
    return ended


def end_claims(session: Session, donation: Donation, status: ClaimStatus, reason: str, now: dt.datetime,
               kind: NotificationKind) -> list[Claim]:
    """End every claim on the donation that has not been picked up, and tell each recipient."""
    ended = []
    for line in donation.lines:
        for claim in line.claims:
            if claim.status in (ClaimStatus.CLAIMED, ClaimStatus.SCHEDULED):
                claim.status, claim.ended_at, claim.end_reason = status, now, reason
                ended.append(claim)
                notifications.notify_organization(
                    session, claim.recipient, kind,
                    f"{reason}: {weight_units.weight_text(claim.quantity_g)} {line.description}",
                    f"Your claim on {line.description} from {donation.donor.name} no longer stands: {reason.lower()}.",
                    Page("donations.detail", {"donation_id": donation.id}), now)
    return ended


@dataclass
class SupplyItem:
    """One claimable line as a recipient sees it."""

    line: DonationLine
    donation: Donation
    remaining_g: int
    distance_km: float | None
    time_left: dt.timedelta
    reserved_for_you: bool = False
    tags: list[str] = field(default_factory=list)


def list_open_supply(session: Session, viewer: Organization | None, now: dt.datetime,
                     category: FoodCategory | None = None, storage: StorageClass | None = None) -> list[SupplyItem]:
    """Open, unexpired lines with kilograms left, nearest to the viewer's site first.

    Lines reserved for another priority partner are hidden from ordinary recipients
    (``viewer`` None means the backbone, who sees everything).
    """
    query = (select(DonationLine).join(DonationLine.donation)
             .where(Donation.status == DonationStatus.OPEN, Donation.pickup_end > now, DonationLine.use_by > now)
             .options(selectinload(DonationLine.donation).selectinload(Donation.donor)))
    if category is not None:
        query = query.where(DonationLine.category == category)
    if storage is not None:
        query = query.where(DonationLine.storage == storage)
    lines = list(session.scalars(query))
    claimed = claimed_g_by_line(session, [line.id for line in lines])
    items = []
    for line in lines:
        donation = line.donation
        left = line.quantity_g - claimed.get(line.id, 0)
        if left <= 0:
            continue
        if viewer is not None and reserved_for_other(donation, viewer.id, now):
            continue
        items.append(SupplyItem(
            line=line, donation=donation, remaining_g=left,
            distance_km=km_between(viewer, donation.donor) if viewer is not None else None,
            time_left=min(line.use_by, donation.pickup_end) - now,
            reserved_for_you=viewer is not None and donation.priority_recipient_id == viewer.id
            and donation.priority_until is not None and now < donation.priority_until,
        ))
    items.sort(key=lambda i: (not i.reserved_for_you, i.distance_km if i.distance_km is not None else math.inf, i.time_left))
    return items


def list_donations_of(session: Session, donor: Organization, include_closed: bool = False) -> list[Donation]:
    query = select(Donation).where(Donation.donor_id == donor.id).order_by(Donation.pickup_start.desc())
    if not include_closed:
        query = query.where(Donation.status == DonationStatus.OPEN)
    return list(session.scalars(query.options(selectinload(Donation.lines))))


def set_priority_partners(session: Session, actor: User, donor: Organization, recipients: list[Organization]) -> None:
    """Replace a donor's ranked list of partner recipients."""
    if not permissions.can_post_donation(actor, donor):
        raise PermissionDenied("You cannot change this donor's partners.")
    for recipient in recipients:
        if recipient.kind not in (OrganizationKind.FOOD_BANK, OrganizationKind.SHELTER):
            raise ValidationError("Partners must be food banks or shelters.", {"recipients": f"{recipient.name} is not a recipient."})
    for partner in _partners(session, donor.id):
        session.delete(partner)
    session.flush()
    for rank, recipient in enumerate(recipients):
        session.add(PriorityPartner(donor_id=donor.id, recipient_id=recipient.id, rank=rank))
    session.flush()


def list_priority_partners(session: Session, donor: Organization) -> list[Organization]:
    """A donor's active partner recipients, in rank order (first right to claim goes to the first)."""
    return [partner.recipient for partner in _partners(session, donor.id)]


def update_donation(session: Session, actor: User, donation: Donation, pickup_start: dt.datetime | None,
                    pickup_end: dt.datetime | None, notes: str | None, now: dt.datetime) -> Donation:
    """Move the pickup window and/or change the driver's notes while nothing of the donation is claimed.

    ``None`` leaves a value as it is (a window is given whole or not at all). Raises PermissionDenied,
    Conflict when the donation is closed or partly claimed, ValidationError for a bad window or notes.
    """
    from sqlalchemy import update

    if not permissions.can_manage_donation(actor, donation):
        raise PermissionDenied("You cannot change this donation.")
    if donation.status is not DonationStatus.OPEN:
        raise Conflict(f"This donation is {donation.status.value}; it can no longer be changed.")
    # Take the lines' row locks (as claim_line does) so no claim slips in between the check and the change.
    line_ids = [line.id for line in donation.lines]
    session.execute(update(DonationLine).where(DonationLine.id.in_(line_ids))
                    .values(claim_version=DonationLine.claim_version + 1).execution_options(synchronize_session=False))
    if claimed_g_by_line(session, line_ids):
        raise Conflict("Part of this donation is already claimed: its claimants plan around it. "
                       "Cancel it and post again instead.")
    errors: dict[str, str] = {}
    moving = pickup_start is not None or pickup_end is not None
    if moving:
        longest = MAX_PRODUCE_PERIOD if donation.kind is DonationKind.PRODUCE else MAX_SURPLUS_WINDOW
        validate_window(pickup_start, pickup_end, now, "pickup", errors, longest, "pickup window")
        if not errors:
            for index, line in enumerate(donation.lines):
                if line.use_by < pickup_start:
                    errors[f"lines-{index}-use_by"] = f"{line.description}'s use-by is before the new pickup window."
    if notes is not None and len(notes) > 2000:
        errors["notes"] = "Keep the notes under 2000 characters."
    if errors:
        raise ValidationError("Please correct the highlighted fields.", errors)
    changes = {}
    if moving:
        donation.pickup_start, donation.pickup_end = pickup_start, pickup_end
        changes.update(pickup_start=pickup_start.isoformat(), pickup_end=pickup_end.isoformat())
    if notes is not None:
        donation.notes = notes.strip()
        changes["notes"] = donation.notes
    audit.record(session, actor, "donation", donation.id, "updated", now, donation.donor_id, **changes)
    session.flush()
    return donation
