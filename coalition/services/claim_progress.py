"""Telling a claim's donor and recipient how its food moves: picked up, on the way with the estimated
arrival from the published plan, delivered, or a problem (reported at a stop, or a pickup missed). Only the people of those two organizations are told, each as
their preferences for "claim progress" say (in-app, e-mail, push or not at all)."""
from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Session

from coalition.models import Claim, NotificationKind, Stop, StopKind
from coalition.services import notifications, places, units
from coalition.services.notifications import Page


def _delivery_of(pickup: Stop) -> Stop | None:
    """The same claim's drop-off on the same route: its planned arrival is the recipient's estimate."""
    return next((s for s in pickup.route.stops if s.kind is StopKind.DELIVERY and s.claim_id == pickup.claim_id), None)


def tell_picked_up(session: Session, stop: Stop, kg: float, tz: dt.tzinfo, now: dt.datetime) -> None:
    """After a pickup is recorded: the donor hears it was collected, the recipient that it is on the way."""
    claim = stop.claim
    donor, recipient = claim.line.donation.donor, claim.recipient
    what = f"{units.kg_text(kg)} {claim.line.description}"
    notifications.notify_organization(
        session, donor, NotificationKind.CLAIM_PROGRESS, f"Picked up: {what}",
        f"Collected for {places.public_name(recipient)}.",
        Page("donations.detail", {"donation_id": claim.line.donation_id}), now)
    delivery = _delivery_of(stop)
    arrival = delivery.service_start_at if delivery is not None else None
    eta = f", estimated arrival {arrival.astimezone(tz):%H:%M}" if arrival is not None else ""
    notifications.notify_organization(
        session, recipient, NotificationKind.CLAIM_PROGRESS, f"On the way: {what}{eta}",
        f"Picked up at {places.public_name(donor)}.", Page("claims.detail", {"claim_id": claim.id}), now)


def tell_delivered(session: Session, stop: Stop, kg: float, receiver: str, now: dt.datetime) -> None:
    """After a delivery is recorded: the donor and the recipient hear the food arrived."""
    claim = stop.claim
    donor, recipient = claim.line.donation.donor, claim.recipient
    title = f"Delivered: {units.kg_text(kg)} {claim.line.description}"
    notifications.notify_organization(
        session, donor, NotificationKind.CLAIM_PROGRESS, title, f"Received at {places.public_name(recipient)}.",
        Page("donations.detail", {"donation_id": claim.line.donation_id}), now)
    notifications.notify_organization(
        session, recipient, NotificationKind.CLAIM_PROGRESS, title, f"Received by {receiver}.",
        Page("claims.detail", {"claim_id": claim.id}), now)


def tell_problem(session: Session, claim: Claim, what: str, now: dt.datetime) -> None:
    """A problem with the claim's food (``what``: a fixed label such as "Not ready at the pickup", never the
    driver's own words): its donor and its recipient hear it, each with a link to their own page of it.
    The text names places by their public names only."""
    donor, recipient = claim.line.donation.donor, claim.recipient
    title = f"Problem: {units.weight_text(claim.quantity_g)} {claim.line.description}"
    notifications.notify_organization(
        session, donor, NotificationKind.CLAIM_PROGRESS, title, f"{what} (for {places.public_name(recipient)}).",
        Page("donations.detail", {"donation_id": claim.line.donation_id}), now)
    notifications.notify_organization(
        session, recipient, NotificationKind.CLAIM_PROGRESS, title,
        f"{what} (from {places.public_name(donor)}). The coordinators are on it.",
        Page("claims.detail", {"claim_id": claim.id}), now)
