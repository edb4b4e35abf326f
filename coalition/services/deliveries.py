"""Delivery records: the one source of kg rescued and distributed.

Dispatch calls :func:`record_delivery` when a driver records a delivery;
until then a delivered claim (``claims.record_movement``) records one through
:func:`record_claim_delivery`, and tests and the demo create them directly.
"""
from __future__ import annotations

import datetime as dt
import math

from sqlalchemy import select
from sqlalchemy.orm import Session

from coalition.errors import ValidationError
from coalition.models import Claim, DeliveryRecord, FoodCategory, Organization, StorageClass, User, grams
from coalition.services import audit


def record_delivery(
    session: Session,
    *,
    delivered_at: dt.datetime,
    kg: float,
    category: FoodCategory | str,
    storage: StorageClass | str,
    donor: Organization,
    recipient: Organization,
    picked_up_kg: float | None = None,
    latitude: float | None = None,
    longitude: float | None = None,
    claim: Claim | None = None,
    posted_at: dt.datetime | None = None,
    picked_up_at: dt.datetime | None = None,
    route_id: int | None = None,
    driver: User | None = None,
    volunteer_minutes: int | None = None,
    distance_m: int | None = None,
    actor: User | None = None,
    outcome: str = "delivered",
    loss_reason: str = "",
) -> DeliveryRecord:
    """Record food delivered to a recipient and place it in its neighborhood.

    ``kg`` is the delivered weight (> 0); ``picked_up_kg`` what was collected
    from the donor (defaults to ``kg``, never less). The location defaults to
    the recipient's site. ``outcome`` is "delivered", or food lost to the cold
    chain ("refused", "discarded") with its ``loss_reason``: such a record is
    never counted as distributed. Raises ValidationError naming each bad field.
    """
    errors: dict[str, str] = {}
    quantity_g, picked_up_g, category, storage = _food(errors, kg, picked_up_kg, category, storage)
    if delivered_at is None or delivered_at.tzinfo is None:
        errors["delivered_at"] = "Give the delivery time with its time zone."
    if not donor.kind.is_donor:
        errors["donor_id"] = f"{donor.name} is not a grocery store or farm."
    if not recipient.kind.is_recipient:
        errors["recipient_id"] = f"{recipient.name} is not a food bank or shelter."
    latitude, longitude = _place(errors, recipient, latitude, longitude)
    for name, value in (("volunteer_minutes", volunteer_minutes), ("distance_m", distance_m)):
        if value is not None and (not isinstance(value, int) or value < 0):
            errors[name] = "Give 0 or more."
    if errors:
        raise ValidationError("The delivery record is incomplete.", errors)

    from coalition.services import geo  # geo imports geopandas: load it only when a delivery is recorded

    record = DeliveryRecord(
        delivered_at=delivered_at, quantity_g=quantity_g, picked_up_g=picked_up_g or quantity_g,
        category=category, storage=storage, donor=donor, recipient=recipient,
        claim_id=claim.id if claim is not None else None, latitude=latitude, longitude=longitude,
        neighborhood_id=geo.neighborhood_id_at(session, latitude, longitude) if latitude is not None else None,
        posted_at=posted_at, picked_up_at=picked_up_at, route_id=route_id,
        driver_id=driver.id if driver is not None else None,
        volunteer_minutes=volunteer_minutes, distance_m=distance_m, outcome=outcome, loss_reason=loss_reason[:40],
    )
    session.add(record)
    session.flush()
    audit.record(session, actor, "delivery", record.id, "recorded", delivered_at, recipient.id,
                 kg=quantity_g / 1000, donor_id=donor.id, claim_id=record.claim_id, outcome=outcome)
    return record


def record_cold_chain_loss(session: Session, actor: User | None, claim: Claim, kg: float, outcome: str,
                           reason: str, now: dt.datetime, *, route_id: int | None = None,
                           driver: User | None = None) -> DeliveryRecord:
    """Record ``kg`` of the claim's food lost to the cold chain: "refused" at pickup or "discarded" on arrival.

    It is the claim's one delivery record (replacing any), placed at the
    recipient, with the ``reason`` (cold_chain.REASONS key). Never counted as
    food distributed; counted as food lost to the cold chain.
    """
    if outcome not in ("refused", "discarded"):
        raise ValueError(f"Not a cold-chain loss: {outcome!r}")
    existing = session.scalar(select(DeliveryRecord).where(DeliveryRecord.claim_id == claim.id))
    if existing is not None:
        session.delete(existing)
        session.flush()
    line = claim.line
    return record_delivery(
        session, delivered_at=now, kg=kg, picked_up_kg=kg, category=line.category, storage=line.storage,
        donor=line.donation.donor, recipient=claim.recipient, claim=claim, posted_at=line.donation.created_at,
        picked_up_at=now, route_id=route_id, driver=driver, actor=actor, outcome=outcome, loss_reason=reason)


def _grams(errors: dict[str, str], name: str, value) -> int | None:
    """``value`` kg in grams; None when not given, or when not more than 0 (said in ``errors[name]``)."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) or grams(value) <= 0:
        errors[name] = "Give more than 0 kg."
        return None
    return grams(value)


def _food(errors: dict[str, str], kg, picked_up_kg, category, storage
          ) -> tuple[int | None, int | None, FoodCategory | str, StorageClass | str]:
    """The delivered and picked-up grams, the category and the storage class; what is wrong goes into ``errors``."""
    quantity_g = _grams(errors, "kg", kg)
    picked_up_g = _grams(errors, "picked_up_kg", picked_up_kg)
    if quantity_g is not None and picked_up_g is not None and picked_up_g < quantity_g:
        errors["picked_up_kg"] = "More was delivered than picked up."
    try:
        category = FoodCategory(category)
    except ValueError:
        errors["category"] = "Unknown food category."
    try:
        storage = StorageClass(storage)
    except ValueError:
        errors["storage"] = "Unknown storage class."
    return quantity_g, picked_up_g, category, storage


def _place(errors: dict[str, str], recipient: Organization, latitude: float | None,
           longitude: float | None) -> tuple[float | None, float | None]:
    """Where the food was delivered (WGS84 degrees): as given, else the recipient's site; a half or
    out-of-range position goes into ``errors``."""
    if latitude is None and longitude is None:
        latitude, longitude = recipient.latitude, recipient.longitude
    if (latitude is None) != (longitude is None) or (latitude is not None and not (-90 <= latitude <= 90 and -180 <= longitude <= 180)):
        errors["latitude"] = "Give a latitude and longitude in WGS84 degrees."
    return latitude, longitude


def record_claim_delivery(session: Session, actor: User | None, claim: Claim, now: dt.datetime, *,
                          route_id: int | None = None, driver: User | None = None) -> DeliveryRecord | None:
    """Record (or correct) the delivery of a claim from its ``delivered_g``; a zero removes the record.

    A claim has at most one delivery record; recording it again replaces the
    figures. The posting time is the donation's, the pickup time the claim's
    "picked_up" audit event (or now when picked up and delivered together).
    Dispatch passes the route and driver that carried it.
    """
    existing = session.scalar(select(DeliveryRecord).where(DeliveryRecord.claim_id == claim.id))
    if existing is not None:
        session.delete(existing)
        session.flush()
    if not claim.delivered_g:
        return None
    line = claim.line
    picked_up_at = None
    for event in audit.list_events(session, "claim", claim.id):
        if event.action == "picked_up":
            picked_up_at = event.at
    return record_delivery(
        session, delivered_at=now, kg=claim.delivered_g / 1000,
        picked_up_kg=max(claim.picked_up_g or 0, claim.delivered_g) / 1000,
        category=line.category, storage=line.storage, donor=line.donation.donor, recipient=claim.recipient,
        claim=claim, posted_at=line.donation.created_at, picked_up_at=picked_up_at or now, actor=actor,
        route_id=route_id, driver=driver,
    )
