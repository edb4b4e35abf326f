"""Models as the API's JSON. Weights are kilograms (grams / 1000); times ISO-8601 in UTC."""
from __future__ import annotations

from coalition.blueprints.api.common import iso, window_json
from coalition.blueprints.viewer_places import viewer_places
from coalition.models import Claim, Donation, DonationLine, Need, Organization


def kg(grams: int | None) -> float | None:
    return grams / 1000 if grams is not None else None


def organization_ref(organization: Organization | None) -> dict | None:
    """An organization named as the caller may see it (a confidential site's alias for outsiders)."""
    return {"id": organization.id, "name": viewer_places()(organization).name} if organization is not None else None


def line_json(line: DonationLine, claimed_g: int) -> dict:
    return {
        "id": line.id,
        "donation_id": line.donation_id,
        "position": line.position,
        "category": line.category.value,
        "description": line.description,
        "kg": kg(line.quantity_g),
        "claimed_kg": kg(claimed_g),
        "remaining_kg": kg(max(0, line.quantity_g - claimed_g)),
        "units": line.units,
        "storage": line.storage.value,
        "use_by": iso(line.use_by),
        "pack_type": line.pack_type,
    }


def donation_json(donation: Donation, claimed_by_line: dict[int, int]) -> dict:
    """A donation with its lines; ``claimed_by_line`` holds the grams held by active claims per line id."""
    return {
        "id": donation.id,
        "kind": donation.kind.value,
        "status": donation.status.value,
        "donor": organization_ref(donation.donor),
        "pickup_window": window_json(donation.pickup_start, donation.pickup_end),
        "available_from": iso(donation.available_from),
        "available_until": iso(donation.available_until),
        "notes": donation.notes,
        "allow_split": donation.allow_split,
        "priority_recipient": organization_ref(donation.priority_recipient),
        "priority_until": iso(donation.priority_until),
        "created_at": iso(donation.created_at),
        "cancelled_at": iso(donation.cancelled_at),
        "cancel_reason": donation.cancel_reason,
        "total_kg": kg(donation.total_g),
        "lines": [line_json(line, claimed_by_line.get(line.id, 0)) for line in donation.lines],
    }


def claim_json(claim: Claim) -> dict:
    line = claim.line
    return {
        "id": claim.id,
        "donation_id": line.donation_id,
        "line_id": claim.line_id,
        "description": line.description,
        "donor": organization_ref(line.donation.donor),
        "recipient": organization_ref(claim.recipient),
        "need_id": claim.need_id,
        "kg": kg(claim.quantity_g),
        "delivery_window": window_json(claim.delivery_start, claim.delivery_end),
        "pickup_window": window_json(line.donation.pickup_start, line.donation.pickup_end),
        "status": claim.status.value,
        "on_behalf": claim.on_behalf,
        "created_at": iso(claim.created_at),
        "ended_at": iso(claim.ended_at),
        "end_reason": claim.end_reason,
        "picked_up_kg": kg(claim.picked_up_g),
        "delivered_kg": kg(claim.delivered_g),
    }


def need_json(need: Need) -> dict:
    return {
        "id": need.id,
        "recipient": organization_ref(need.recipient),
        "category": need.category.value,
        "storage": need.storage.value,
        "kg": kg(need.quantity_g),
        "needed_by": iso(need.needed_by),
        "delivery_windows": list(need.delivery_windows or []),
        "refrigerated_free_kg": kg(need.refrigerated_free_g),
        "frozen_free_kg": kg(need.frozen_free_g),
        "people_expected": need.people_expected,
        "notes": need.notes,
        "status": need.status.value,
        "created_at": iso(need.created_at),
    }
