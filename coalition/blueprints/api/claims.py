"""Claims as JSON: claim kilograms of a donation line, list, read, reschedule, undo, release, reassign."""
from __future__ import annotations

import datetime as dt

from flask import current_app, jsonify
from flask_login import current_user

from coalition import permissions
from coalition.blueprints.api import bp
from coalition.blueprints.api.common import (
    ID,
    V1,
    check_id,
    created,
    json_body,
    pick_organization,
    query_flag,
    query_id,
)
from coalition.blueprints.api.donations import load_donation
from coalition.blueprints.api.serializers import claim_json
from coalition.blueprints.transaction import committed
from coalition.errors import NotFound, ValidationError
from coalition.extensions import db
from coalition.models import Claim
from coalition.models.base import utcnow
from coalition.permissions import login_required
from coalition.services import claims, donations, needs, organizations

WINDOW_FIELDS = {"delivery_start": "delivery_window.start", "delivery_end": "delivery_window.end"}
# Without a delivery window, the food is expected within this long after the pickup window closes.
DEFAULT_DELIVERY = dt.timedelta(hours=2)
# No line holds more (services.donations.MAX_LINE_KG); larger claims are typos, refused before any arithmetic.
MAX_CLAIM_KG = donations.MAX_LINE_KG


def load_claim(claim_id: int) -> Claim:
    claim = claims.get_claim(db.session, check_id(claim_id, "claim"))
    if not permissions.can_view_claim(current_user, claim):
        raise NotFound("There is no such claim.")   # as for an unknown id: existence is not told
    return claim


def load_managed_claim(claim_id: int) -> Claim:
    claim = load_claim(claim_id)
    permissions.authorize(permissions.can_manage_claim(current_user, claim), "Only the claimant can change this claim.")
    return claim


def default_delivery_window(pickup_end: dt.datetime, now: dt.datetime) -> tuple[dt.datetime, dt.datetime]:
    """From the end of the pickup window (or now, if that has passed) for DEFAULT_DELIVERY."""
    start = max(pickup_end, now)
    return start, start + DEFAULT_DELIVERY


@bp.route(f"{V1}/claims")
@login_required
def list_claims():
    """The claims of the caller's recipient organizations (or of ``recipient_id``); active ones unless include_ended."""
    recipient_id = query_id("recipient_id")
    include_ended = query_flag("include_ended")
    candidates = permissions.recipient_organizations(current_user)
    permissions.authorize(bool(candidates) or permissions.is_backbone_staff(current_user),
                          "Only food banks, shelters and the backbone have claims.")
    if recipient_id is not None:
        recipient = organizations.get_organization(db.session, check_id(recipient_id, "organization"))
        permissions.authorize(permissions.can_claim_for(current_user, recipient), "Not your organization's claims.")
        chosen = [recipient]
    elif candidates:
        chosen = candidates
    else:
        raise ValidationError("Say whose claims to list.", {"recipient_id": "Give a food bank's or shelter's id."})
    found = [c for r in chosen for c in claims.list_claims_of(db.session, r, active_only=not include_ended)]
    return jsonify({"claims": [claim_json(c) for c in found]})


@bp.route(f"{V1}/donations/<{ID}:donation_id>/claims", methods=["POST"])
@login_required
def claim_donation(donation_id: int):
    """Claim kg of one line of a donation for a recipient; 409 when the kilograms are no longer available."""
    candidates = permissions.recipient_organizations(current_user)
    permissions.authorize(bool(candidates) or permissions.is_backbone_staff(current_user),
                          "Only food banks, shelters and the backbone's coordinators claim food.")
    donation = load_donation(donation_id)
    body = json_body()
    kg = body.number("kg")
    line_id = body.integer("line_id")
    recipient_id = body.integer("recipient_id")
    need_id = body.integer("need_id")
    window = body.window("delivery_window")
    body.finish()
    if kg is not None and (kg <= 0 or kg > MAX_CLAIM_KG):
        raise ValidationError("Please correct the highlighted fields.",
                              {"kg": f"Claim more than 0 and at most {MAX_CLAIM_KG} kg."})
    if line_id is None:
        if len(donation.lines) != 1:
            ids = ", ".join(str(line.id) for line in donation.lines)
            raise ValidationError("This donation has several lines: say which with line_id.",
                                  {"line_id": f"One of: {ids}."})
        line = donation.lines[0]
    else:
        line = next((line for line in donation.lines if line.id == line_id), None)
        if line is None:
            raise ValidationError("That line is not part of this donation.", {"line_id": "Not a line of this donation."})
    recipient = pick_organization(candidates, recipient_id, "recipient_id", "recipient",
                                  lambda i: organizations.get_organization(db.session, i), permissions.can_claim_for)
    need = None
    if need_id is not None:
        try:
            need = needs.get_need(db.session, check_id(need_id, "need"))
        except NotFound:
            raise ValidationError("There is no such need.", {"need_id": "Unknown need."}) from None
    now = utcnow()
    start, end = window if window else default_delivery_window(donation.pickup_end, now)
    with committed(WINDOW_FIELDS):
        claim = claims.claim_line(db.session, current_user, line.id, recipient, kg, start, end, now, need)
    return created(claim_json(claim))


@bp.route(f"{V1}/claims/<{ID}:claim_id>")
@login_required
def get_claim(claim_id: int):
    return jsonify(claim_json(load_claim(claim_id)))


@bp.route(f"{V1}/claims/<{ID}:claim_id>", methods=["PATCH"])
@login_required
def reschedule_claim(claim_id: int):
    """Set or move the delivery window; the claim becomes scheduled."""
    claim = load_managed_claim(claim_id)
    body = json_body()
    window = body.window("delivery_window", True, "the delivery window")
    body.finish()
    with committed(WINDOW_FIELDS):
        claims.schedule_claim(db.session, current_user, claim, window[0], window[1], utcnow())
    return jsonify(claim_json(claim))


@bp.route(f"{V1}/claims/<{ID}:claim_id>/undo", methods=["POST"])
@login_required
def undo_claim(claim_id: int):
    """Withdraw a mistaken claim within the grace period (CLAIM_UNDO_GRACE_S)."""
    claim = load_managed_claim(claim_id)
    json_body().finish()
    with committed(WINDOW_FIELDS):
        claims.undo_claim(db.session, current_user, claim, utcnow(), current_app.config["CLAIM_UNDO_GRACE_S"])
    return jsonify(claim_json(claim))


@bp.route(f"{V1}/claims/<{ID}:claim_id>/release", methods=["POST"])
@login_required
def release_claim(claim_id: int):
    """Give a claim back before pickup, with a reason for the donor."""
    claim = load_managed_claim(claim_id)
    body = json_body()
    reason = body.string("reason", True, "a reason", max_length=300)
    body.finish()
    with committed(WINDOW_FIELDS):
        claims.release_claim(db.session, current_user, claim, reason, utcnow())
    return jsonify(claim_json(claim))


@bp.route(f"{V1}/claims/<{ID}:claim_id>/reassign", methods=["POST"])
@login_required
def reassign_claim(claim_id: int):
    """A backbone coordinator moves a claim to another recipient."""
    claim = load_claim(claim_id)
    permissions.authorize(permissions.can_reassign_claims(current_user), "Only the backbone's coordinators reassign claims.")
    body = json_body()
    recipient_id = body.integer("recipient_id", True, "the new recipient's id")
    body.finish()
    recipient = organizations.get_organization(db.session, check_id(recipient_id, "organization"))
    with committed(WINDOW_FIELDS):
        claims.reassign_claim(db.session, current_user, claim, recipient, utcnow())
    return jsonify(claim_json(claim))
