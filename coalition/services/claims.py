"""Claiming donated food: exactly the available kilograms, never twice; undo, release, reassign."""
from __future__ import annotations

import datetime as dt
import math

from sqlalchemy import select, update
from sqlalchemy.orm import Session, selectinload

from coalition import permissions
from coalition.errors import Conflict, NotFound, PermissionDenied, ValidationError
from coalition.models import (
    Claim,
    ClaimStatus,
    Donation,
    DonationLine,
    DonationStatus,
    Need,
    NotificationKind,
    Organization,
    User,
    grams,
)
from coalition.services import audit, deliveries, notifications, places, units
from coalition.services.notifications import Page
from coalition.services.donations import MAX_LINE_KG, remaining_g, reserved_for_other, validate_window

MAX_DELIVERY_WINDOW = dt.timedelta(days=7)


def _lock_line(session: Session, line_id: int) -> DonationLine:
    """Take the line's row lock before reading what is left of it.

    The UPDATE makes PostgreSQL hold a row lock until commit, so concurrent
    claimers of the same line queue here and each reads the claims committed
    before it; on SQLite every transaction already holds the database write
    lock (BEGIN IMMEDIATE, see extensions.configure_engine).
    """
    result = session.execute(
        update(DonationLine).where(DonationLine.id == line_id)
        .values(claim_version=DonationLine.claim_version + 1)
        .execution_options(synchronize_session=False))
    if result.rowcount == 0:
        raise NotFound("There is no such donation line.")
    return session.get(DonationLine, line_id, populate_existing=True)


def claim_line(
    session: Session,
    actor: User,
    line_id: int,
    recipient: Organization,
    kg: float | None,
    delivery_start: dt.datetime | None,
    delivery_end: dt.datetime | None,
    now: dt.datetime,
    need: Need | None = None,
) -> Claim:
    """Claim ``kg`` of a donation line for ``recipient`` (the whole remainder when ``kg`` is None).

    Raises PermissionDenied when the actor cannot claim for the recipient,
    ValidationError for a bad amount or window, and Conflict ("already
    claimed") when the kilograms are no longer available, the donation is
    closed, or a priority partner still holds the first right to claim.
    """
    if not permissions.can_claim_for(actor, recipient):
        raise PermissionDenied(f"You cannot claim for {recipient.name}.")
    errors: dict[str, str] = {}
    if kg is not None and (isinstance(kg, bool) or not isinstance(kg, (int, float)) or not math.isfinite(kg) or kg <= 0):
        errors["kg"] = f"Claim more than 0 {units.label()}."
    elif kg is not None and kg > MAX_LINE_KG:
        errors["kg"] = f"No line holds more than {units.kg_text(MAX_LINE_KG)}."
    elif kg is not None and grams(kg) == 0:
        errors["kg"] = "Claim at least 1 gram."
    validate_window(delivery_start, delivery_end, now, "delivery", errors, MAX_DELIVERY_WINDOW, "delivery window")
    if need is not None and need.recipient_id != recipient.id:
        errors["need_id"] = "That need belongs to another organization."
    if errors:
        raise ValidationError("Please correct the highlighted fields.", errors)

    line = _lock_line(session, line_id)
    donation = line.donation
    if donation.status is not DonationStatus.OPEN:
        raise Conflict(f"This donation is {donation.status.value}; it can no longer be claimed.")
    if line.use_by <= now or donation.pickup_end <= now:
        raise Conflict("This food is past its use-by or its pickup window; it can no longer be claimed.")
    if reserved_for_other(donation, recipient.id, now) and not permissions.is_backbone_staff(actor):
        raise Conflict(f"Reserved for a partner of {donation.donor.name} until {donation.priority_until:%H:%M} UTC.")
    left = remaining_g(session, line)
    if left <= 0:
        raise Conflict("Already claimed: nothing is left of this line.", {"kg": "0 kg left."})
    wanted = left if kg is None else grams(kg)
    if wanted > left:
        raise Conflict(f"Already claimed: only {units.weight_text(left)} of this line is left.", {"kg": f"At most {units.weight_text(left)}."})
    if not donation.allow_split and wanted != line.quantity_g:
        raise Conflict("The donor asks for this line to be taken whole.", {"kg": f"Claim all {units.weight_text(line.quantity_g)}."})

    claim = Claim(
        line=line, recipient=recipient, need=need, quantity_g=wanted,
        delivery_start=delivery_start, delivery_end=delivery_end, claimed_by=actor,
        on_behalf=not permissions.can_act_for(actor, recipient), created_at=now,
    )
    session.add(claim)
    session.flush()
    audit.record(session, actor, "claim", claim.id, "claimed", now, recipient.id,
                 line_id=line.id, kg=wanted / 1000, on_behalf=claim.on_behalf)
    notifications.notify_organization(
        session, donation.donor, NotificationKind.CLAIM_ON_DONATION,
        f"{places.public_name(recipient)} claimed {units.weight_text(wanted)} of {line.description}",
        f"Delivery window {delivery_start:%a %H:%M}-{delivery_end:%H:%M} UTC.",
        Page("donations.detail", {"donation_id": donation.id}), now)
    return claim


def get_claim(session: Session, claim_id: int) -> Claim:
    claim = session.get(Claim, claim_id)
    if claim is None:
        raise NotFound("There is no such claim.")
    return claim


def undo_claim(session: Session, actor: User, claim: Claim, now: dt.datetime, grace_s: int) -> Claim:
    """Withdraw a mistaken claim within the grace period; its kilograms return to the line."""
    if not permissions.can_manage_claim(actor, claim):
        raise PermissionDenied("You cannot undo this claim.")
    if claim.status is not ClaimStatus.CLAIMED:
        raise Conflict(f"This claim is {claim.status.value}; it can no longer be undone.")
    if now - claim.created_at > dt.timedelta(seconds=grace_s):
        raise Conflict(f"Undo is possible for {grace_s // 60} minutes after claiming. Release the claim instead.")
    claim.status, claim.ended_at, claim.end_reason = ClaimStatus.UNDONE, now, "Undone as a mistake"
    audit.record(session, actor, "claim", claim.id, "undone", now, claim.recipient_id)
    session.flush()
    return claim


def release_claim(session: Session, actor: User, claim: Claim, reason: str, now: dt.datetime) -> Claim:
    """Give a claim back before pickup (after the undo grace period); the donor is told."""
    if not permissions.can_manage_claim(actor, claim):
        raise PermissionDenied("You cannot release this claim.")
    if claim.status not in (ClaimStatus.CLAIMED, ClaimStatus.SCHEDULED):
        raise Conflict(f"This claim is {claim.status.value}; it can no longer be released.")
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError("Say why you release it.", {"reason": "A short reason helps the donor."})
    claim.status, claim.ended_at, claim.end_reason = ClaimStatus.CANCELLED, now, reason[:300]
    audit.record(session, actor, "claim", claim.id, "released", now, claim.recipient_id, reason=reason[:300])
    donation = claim.line.donation
    notifications.notify_organization(
        session, donation.donor, NotificationKind.CANCELLED,
        f"{places.public_name(claim.recipient)} released {units.weight_text(claim.quantity_g)} of {claim.line.description}",
        reason, Page("donations.detail", {"donation_id": donation.id}), now)
    session.flush()
    return claim


def reassign_claim(session: Session, actor: User, claim: Claim, recipient: Organization, now: dt.datetime) -> Claim:
    """A backbone coordinator moves a claim to another recipient (same kilograms, same window)."""
    if not permissions.can_reassign_claims(actor):
        raise PermissionDenied("Only the backbone's coordinators reassign claims.")
    if not recipient.kind.is_recipient or not recipient.active:
        raise ValidationError("Choose an active food bank or shelter.", {"recipient_id": "Not a recipient."})
    if claim.status not in (ClaimStatus.CLAIMED, ClaimStatus.SCHEDULED):
        raise Conflict(f"This claim is {claim.status.value}; it can no longer be reassigned.")
    previous = claim.recipient
    if previous.id == recipient.id:
        raise Conflict(f"This claim is already {recipient.name}'s.")
    claim.recipient, claim.need, claim.on_behalf = recipient, None, True
    audit.record(session, actor, "claim", claim.id, "reassigned", now, recipient.id,
                 from_recipient=previous.name, to_recipient=recipient.name)
    for organization in (previous, recipient):
        notifications.notify_organization(
            session, organization, NotificationKind.PICKUP_SCHEDULED,
            f"Claim on {claim.line.description} moved from {places.public_name(previous)} to {places.public_name(recipient)}",
            "The coalition's coordinators reassigned this claim.",
            Page("donations.detail", {"donation_id": claim.line.donation_id}), now)
    session.flush()
    return claim


def schedule_claim(session: Session, actor: User, claim: Claim, delivery_start: dt.datetime,
                   delivery_end: dt.datetime, now: dt.datetime) -> Claim:
    """Fix (or move) the delivery window; the claim becomes scheduled and both sides are told."""
    if not permissions.can_manage_claim(actor, claim):
        raise PermissionDenied("You cannot schedule this claim.")
    if claim.status not in (ClaimStatus.CLAIMED, ClaimStatus.SCHEDULED):
        raise Conflict(f"This claim is {claim.status.value}; it can no longer be scheduled.")
    errors: dict[str, str] = {}
    validate_window(delivery_start, delivery_end, now, "delivery", errors, MAX_DELIVERY_WINDOW, "delivery window")
    if errors:
        raise ValidationError("Please correct the delivery window.", errors)
    claim.delivery_start, claim.delivery_end, claim.status = delivery_start, delivery_end, ClaimStatus.SCHEDULED
    audit.record(session, actor, "claim", claim.id, "scheduled", now, claim.recipient_id,
                 delivery_start=delivery_start.isoformat(), delivery_end=delivery_end.isoformat())
    donation = claim.line.donation
    for organization in (donation.donor, claim.recipient):
        notifications.notify_organization(
            session, organization, NotificationKind.PICKUP_SCHEDULED,
            f"Scheduled: {units.weight_text(claim.quantity_g)} {claim.line.description} to {places.public_name(claim.recipient)}",
            f"Pickup {donation.pickup_start:%a %H:%M}-{donation.pickup_end:%H:%M} UTC; "
            f"delivery {delivery_start:%a %H:%M}-{delivery_end:%H:%M} UTC.",
            Page("donations.detail", {"donation_id": donation.id}), now)
    session.flush()
    return claim


def record_movement(session: Session, actor: User | None, claim: Claim, picked_up_kg: float | None,
                    delivered_kg: float | None, reason: str, now: dt.datetime, *,
                    route_id: int | None = None, driver: User | None = None) -> Claim:
    """Record what actually moved. It may differ from the claim; a zero needs a reason.

    A delivery also records (or replaces) the claim's one delivery record, with
    the route and driver that carried it when dispatch passes them.
    """
    errors: dict[str, str] = {}
    for name, value in (("picked_up_kg", picked_up_kg), ("delivered_kg", delivered_kg)):
        if value is not None and (not isinstance(value, (int, float)) or not math.isfinite(value) or value < 0):
            errors[name] = f"Give 0 or more {units.label()}."
        elif value is not None and value > MAX_LINE_KG:
            errors[name] = f"No line holds more than {units.kg_text(MAX_LINE_KG)}."
    if not errors and 0 in (picked_up_kg, delivered_kg) and not (reason or "").strip():
        errors["reason"] = "Nothing moved: say why (not ready, nothing to collect, refused...)."
    if errors:
        raise ValidationError("Please correct the amounts.", errors)
    if picked_up_kg is not None:
        claim.picked_up_g = grams(picked_up_kg)
        claim.status = ClaimStatus.PICKED_UP
    if delivered_kg is not None:
        claim.delivered_g = grams(delivered_kg)
        claim.status = ClaimStatus.DELIVERED
    claim.shortfall_reason = (reason or "").strip()[:300]
    audit.record(session, actor, "claim", claim.id, claim.status.value, now, claim.recipient_id,
                 picked_up_kg=picked_up_kg, delivered_kg=delivered_kg, reason=claim.shortfall_reason)
    if delivered_kg is not None:  # kg distributed come only from delivery records
        deliveries.record_claim_delivery(session, actor, claim, now, route_id=route_id, driver=driver)
    session.flush()
    return claim


def list_claims_of(session: Session, recipient: Organization | None, active_only: bool = True) -> list[Claim]:
    """A recipient's claims by delivery time (every recipient's when ``recipient`` is None: the backbone's view)."""
    # The list shows each claim's line, donor and recipient: load them in three queries, not three per claim.
    query = select(Claim).order_by(Claim.delivery_start, Claim.id).options(
        selectinload(Claim.line).selectinload(DonationLine.donation).selectinload(Donation.donor),
        selectinload(Claim.recipient),
    )
    if recipient is not None:
        query = query.where(Claim.recipient_id == recipient.id)
    if active_only:
        query = query.where(Claim.status.in_((ClaimStatus.CLAIMED, ClaimStatus.SCHEDULED)))
    return list(session.scalars(query))
