"""Donations (store surplus), produce offers (farm donations of kind produce) and their lines, as JSON."""
from __future__ import annotations

from flask import current_app, jsonify, request
from flask_login import current_user

from coalition import permissions
from coalition.blueprints.api import bp
from coalition.blueprints.api.common import (
    ID,
    V1,
    Body,
    caller_organizations,
    check_id,
    created,
    json_body,
    pick_organization,
    query_flag,
)
from coalition.blueprints.api.serializers import donation_json, line_json
from coalition.blueprints.transaction import committed
from coalition.errors import NotFound, ValidationError
from coalition.extensions import db
from coalition.models import Donation, DonationKind, DonationLine
from coalition.models.base import utcnow
from coalition.permissions import login_required
from coalition.services import donations, organizations

WINDOW_FIELDS = {
    "pickup_start": "pickup_window.start", "pickup_end": "pickup_window.end",
    "available_start": "available.start", "available_end": "available.end",
}


def render(donation: Donation) -> dict:
    claimed = donations.claimed_g_by_line(db.session, [line.id for line in donation.lines])
    return donation_json(donation, claimed)


def render_many(found: list[Donation]) -> list[dict]:
    claimed = donations.claimed_g_by_line(db.session, [line.id for d in found for line in d.lines])
    return [donation_json(d, claimed) for d in found]


def load_donation(donation_id: int, kind: DonationKind | None = None) -> Donation:
    """The donation if the caller may see it (404 for an unknown id, another kind, or one not visible)."""
    donation = donations.get_donation(db.session, check_id(donation_id, "donation"))
    if kind is not None and donation.kind is not kind:
        raise NotFound(f"There is no such {'offer' if kind is DonationKind.PRODUCE else 'donation'}.")
    if not permissions.can_view_donation(current_user, donation):
        raise NotFound("There is no such donation.")   # as for an unknown id: existence is not told
    return donation


def visible_donations(kind: DonationKind | None) -> list[Donation]:
    """What the caller may list: their own organizations' donations, and open supply if they may claim."""
    include_closed = query_flag("include_closed")
    found: dict[int, Donation] = {}
    for donor in caller_organizations(permissions.can_post_donation):
        for donation in donations.list_donations_of(db.session, donor, include_closed):
            found.setdefault(donation.id, donation)
    now = utcnow()
    if permissions.is_backbone_staff(current_user):
        viewers = [None]
    else:
        viewers = permissions.recipient_organizations(current_user)
    for viewer in viewers:
        for item in donations.list_open_supply(db.session, viewer, now):
            found.setdefault(item.donation.id, item.donation)
    chosen = [d for d in found.values() if kind is None or d.kind is kind]
    return sorted(chosen, key=lambda d: (d.pickup_start, d.id))


def read_lines(body: Body, kind: DonationKind) -> list[donations.LineInput]:
    items = body.items("lines", True, "at least one line of food") or []
    lines = []
    for item in items:
        lines.append(donations.LineInput(
            # A farm's offer is produce unless it says otherwise.
            category=item.string("category", kind is not DonationKind.PRODUCE, "a category", max_length=40)
            or ("produce" if kind is DonationKind.PRODUCE else ""),
            description=item.string("description", True, "a description", max_length=200) or "",
            storage=item.string("storage", True, "a storage class", max_length=40) or "",
            use_by=item.datetime("use_by", True, "the use-by date and time"),
            kg=item.number("kg", True, "the weight in kg"),
            units=item.integer("units"),
            pack_type=item.string("pack_type", max_length=60) or "",
        ))
    return lines


def create(kind: DonationKind):
    """Shared by POST /donations and POST /offers: validate, post for the caller's donor, 201."""
    candidates = caller_organizations(permissions.can_post_donation)
    permissions.authorize(bool(candidates), "Only people acting for a grocery store or farm post donations.")
    body = json_body()
    donor_id = body.integer("donor_id")
    pickup = body.window("pickup_window", True, "the pickup window") or (None, None)
    available = body.window("available") if kind is DonationKind.PRODUCE else None
    allow_split = body.boolean("allow_split")
    data = donations.DonationInput(
        lines=read_lines(body, kind), pickup_start=pickup[0], pickup_end=pickup[1],
        notes=body.string("notes", max_length=2000) or "",
        allow_split=True if allow_split is None else allow_split, kind=kind,
        available_from=available[0] if available else None, available_until=available[1] if available else None,
    )
    body.finish()
    donor = pick_organization(candidates, donor_id, "donor_id", "donor",
                              lambda i: organizations.get_organization(db.session, i), permissions.can_post_donation)
    config = current_app.config
    with committed(WINDOW_FIELDS):
        donation = donations.post_donation(db.session, current_user, donor, data, utcnow(),
                                           config["PRIORITY_CLAIM_MINUTES"], config["NOTIFY_RADIUS_KM"])
    return created(render(donation))


def update(donation: Donation):
    body = json_body()
    pickup = body.window("pickup_window")
    notes = body.string("notes", max_length=2000)
    body.finish()
    with committed(WINDOW_FIELDS):
        donations.update_donation(db.session, current_user, donation, pickup[0] if pickup else None,
                                  pickup[1] if pickup else None, notes, utcnow())
    return jsonify(render(donation))


def cancel(donation: Donation):
    permissions.authorize(permissions.can_manage_donation(current_user, donation), "You cannot cancel this donation.")
    body = json_body()
    reason = body.string("reason", max_length=300) or ""
    body.finish()
    with committed():
        donations.cancel_donation(db.session, current_user, donation, reason, utcnow())
    return jsonify(render(donation))


# --- donations (store surplus and every other kind) -------------------------


@bp.route(f"{V1}/donations")
@login_required
def list_donations():
    """Donations visible to the caller: their own organizations', and open supply for recipients and the backbone."""
    kind = request.args.get("kind")
    if kind is not None and kind not in {k.value for k in DonationKind}:
        raise ValidationError("Unknown kind.", {"kind": "Use surplus or produce."})
    return jsonify({"donations": render_many(visible_donations(DonationKind(kind) if kind else None))})


@bp.route(f"{V1}/donations", methods=["POST"])
@login_required
def create_donation():
    return create(DonationKind.SURPLUS)


@bp.route(f"{V1}/donations/<{ID}:donation_id>")
@login_required
def get_donation(donation_id: int):
    return jsonify(render(load_donation(donation_id)))


@bp.route(f"{V1}/donations/<{ID}:donation_id>", methods=["PATCH"])
@login_required
def update_donation(donation_id: int):
    donation = load_donation(donation_id)
    permissions.authorize(permissions.can_manage_donation(current_user, donation), "You cannot change this donation.")
    return update(donation)


@bp.route(f"{V1}/donations/<{ID}:donation_id>/cancel", methods=["POST"])
@login_required
def cancel_donation(donation_id: int):
    return cancel(load_donation(donation_id))


@bp.route(f"{V1}/donations/<{ID}:donation_id>/lines")
@login_required
def list_lines(donation_id: int):
    donation = load_donation(donation_id)
    return jsonify({"lines": render(donation)["lines"]})


@bp.route(f"{V1}/lines/<{ID}:line_id>")
@login_required
def get_line(line_id: int):
    line = db.session.get(DonationLine, check_id(line_id, "donation line"))
    if line is None:
        raise NotFound("There is no such donation line.")
    load_donation(line.donation_id)
    claimed = donations.claimed_g_by_line(db.session, [line.id]).get(line.id, 0)
    return jsonify(line_json(line, claimed))


# --- produce offers: donations of kind produce -------------------------------


@bp.route(f"{V1}/offers")
@login_required
def list_offers():
    return jsonify({"offers": render_many(visible_donations(DonationKind.PRODUCE))})


@bp.route(f"{V1}/offers", methods=["POST"])
@login_required
def create_offer():
    return create(DonationKind.PRODUCE)


@bp.route(f"{V1}/offers/<{ID}:offer_id>")
@login_required
def get_offer(offer_id: int):
    return jsonify(render(load_donation(offer_id, DonationKind.PRODUCE)))


@bp.route(f"{V1}/offers/<{ID}:offer_id>", methods=["PATCH"])
@login_required
def update_offer(offer_id: int):
    offer = load_donation(offer_id, DonationKind.PRODUCE)
    permissions.authorize(permissions.can_manage_donation(current_user, offer), "You cannot change this offer.")
    return update(offer)


@bp.route(f"{V1}/offers/<{ID}:offer_id>/cancel", methods=["POST"])
@login_required
def cancel_offer(offer_id: int):
    return cancel(load_donation(offer_id, DonationKind.PRODUCE))
