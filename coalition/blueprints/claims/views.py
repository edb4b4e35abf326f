from __future__ import annotations

import datetime as dt

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user

from coalition import permissions
from coalition.blueprints import transaction
from coalition.blueprints.claims import bp
from coalition.blueprints.claims.forms import ReassignForm, ReleaseForm, ScheduleForm
from coalition.blueprints.local_time import local_zone, to_utc
from coalition.blueprints.supply.common import chosen_recipient, recipient_choices
from coalition.errors import NotFound
from coalition.blueprints.cold_chain_context import cold_chain_context
from coalition.extensions import db
from coalition.models import Claim, ClaimStatus
from coalition.models.base import utcnow
from coalition.permissions import authorize, login_required, requires
from coalition.services import audit, claims, cold_chain_records

# Claims still on their way (shown first); the others are history.
IN_PROGRESS = (ClaimStatus.CLAIMED, ClaimStatus.SCHEDULED, ClaimStatus.PICKED_UP)
PAST_SHOWN = 50


def _undo_until(claim: Claim) -> dt.datetime | None:
    """When the undo grace period of a fresh claim ends (None when undo no longer applies)."""
    if claim.status is not ClaimStatus.CLAIMED:
        return None
    until = claim.created_at + dt.timedelta(seconds=current_app.config["CLAIM_UNDO_GRACE_S"])
    return until if until > utcnow() else None


@bp.route("/")
@requires(permissions.can_browse_supply)
def index():
    viewer = chosen_recipient(request.args.get("org"))
    everything = claims.list_claims_of(db.session, viewer, active_only=False)
    active = [c for c in everything if c.status in IN_PROGRESS]
    past = sorted((c for c in everything if c.status not in IN_PROGRESS),
                  key=lambda c: c.ended_at or c.delivery_end, reverse=True)[:PAST_SHOWN]
    return render_template(
        "claims/index.html", viewer=viewer, active=active, past=past,
        undo_until={c.id: _undo_until(c) for c in active}, org_choices=recipient_choices(
            blank="Every recipient" if permissions.is_backbone_staff(current_user) else None),
    )


def _load(claim_id: int) -> Claim:
    claim = claims.get_claim(db.session, claim_id)
    if not permissions.can_view_claim(current_user, claim):
        raise NotFound("There is no such claim.")
    return claim


def _detail_page(claim: Claim, release: ReleaseForm | None = None, schedule: ScheduleForm | None = None,
                 reassign: ReassignForm | None = None, undo_error: str | None = None, status: int = 200):
    if schedule is None:
        schedule = ScheduleForm(formdata=None)
        schedule.delivery_start.data, schedule.delivery_end.data = claim.delivery_start, claim.delivery_end
    reassign = reassign or ReassignForm(formdata=None)
    reassign.recipient_id.choices = [c for c in recipient_choices(blank="Choose…") if c.value != str(claim.recipient_id)]
    cold_records = cold_chain_records.claim_records(db.session, [claim])
    return render_template(
        "claims/detail.html", claim=claim, line=claim.line, donation=claim.line.donation,
        events=audit.list_events(db.session, "claim", claim.id), undo_until=_undo_until(claim),
        can_manage=permissions.can_manage_claim(current_user, claim),
        can_reassign=permissions.can_reassign_claims(current_user),
        open_claim=claim.status in (ClaimStatus.CLAIMED, ClaimStatus.SCHEDULED),
        release=release or ReleaseForm(formdata=None), schedule=schedule, reassign=reassign, undo_error=undo_error,
        cold_records=cold_records, cc=cold_chain_context(), cold_report_links=_cold_report_links(claim, cold_records),
    ), status


def _cold_report_links(claim: Claim, records) -> list[tuple[str, str, str]]:
    """The monthly cold-chain reports of the claim's donor and recipient (the month of its first reading)."""
    if not records or not records[0].readings:
        return []
    month = records[0].readings[0].taken_at.astimezone(local_zone()).strftime("%Y-%m")
    return [(o.name, url_for("reports.cold_chain_csv", organization_id=o.id, month=month),
             url_for("reports.cold_chain_pdf", organization_id=o.id, month=month))
            for o in (claim.line.donation.donor, claim.recipient) if permissions.can_view_cold_chain_report(current_user, o)]


@bp.route("/<int:claim_id>")
@login_required
def detail(claim_id: int):
    return _detail_page(_load(claim_id))


@bp.route("/<int:claim_id>/undo", methods=["POST"])
@login_required
def undo(claim_id: int):
    claim = _load(claim_id)
    authorize(permissions.can_manage_claim(current_user, claim))
    with transaction.write() as outcome:
        claims.undo_claim(db.session, current_user, claim, utcnow(), current_app.config["CLAIM_UNDO_GRACE_S"])
    if outcome.failed:
        return _detail_page(claim, undo_error=outcome.error.message, status=outcome.status)
    flash(f"Undone: {claim.quantity_g / 1000:g} kg of {claim.line.description} is free again.", "success")
    return redirect(url_for("claims.index", org=claim.recipient_id))


@bp.route("/<int:claim_id>/release", methods=["POST"])
@login_required
def release(claim_id: int):
    claim = _load(claim_id)
    authorize(permissions.can_manage_claim(current_user, claim))
    form = ReleaseForm()
    if not form.validate_on_submit():
        return _detail_page(claim, release=form, status=422)
    with transaction.write(form) as outcome:
        claims.release_claim(db.session, current_user, claim, form.reason.data or "", utcnow())
    if outcome.failed:
        return _detail_page(claim, release=form, status=outcome.status)
    flash("Released. The donor has been told.", "success")
    return redirect(url_for("claims.detail", claim_id=claim.id))


@bp.route("/<int:claim_id>/schedule", methods=["POST"])
@login_required
def schedule(claim_id: int):
    claim = _load(claim_id)
    authorize(permissions.can_manage_claim(current_user, claim))
    form = ScheduleForm()
    if not form.validate_on_submit():
        return _detail_page(claim, schedule=form, status=422)
    with transaction.write(form) as outcome:
        claims.schedule_claim(db.session, current_user, claim, to_utc(form.delivery_start.data),
                              to_utc(form.delivery_end.data), utcnow())
    if outcome.failed:
        return _detail_page(claim, schedule=form, status=outcome.status)
    flash("Delivery window saved. The donor and your team have been told.", "success")
    return redirect(url_for("claims.detail", claim_id=claim.id))


@bp.route("/<int:claim_id>/reassign", methods=["POST"])
@login_required
def reassign(claim_id: int):
    claim = _load(claim_id)
    authorize(permissions.can_reassign_claims(current_user))
    form = ReassignForm()
    form.recipient_id.choices = recipient_choices(blank="Choose…")
    if not form.validate_on_submit():
        return _detail_page(claim, reassign=form, status=422)
    recipient = chosen_recipient(form.recipient_id.data)
    with transaction.write(form) as outcome:
        claims.reassign_claim(db.session, current_user, claim, recipient, utcnow())
    if outcome.failed:
        return _detail_page(claim, reassign=form, status=outcome.status)
    flash(f"Reassigned to {recipient.name}; both have been told.", "success")
    return redirect(url_for("claims.detail", claim_id=claim.id))
