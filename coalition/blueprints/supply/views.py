from __future__ import annotations

import datetime as dt

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from wtforms.fields.choices import SelectChoice

from coalition import permissions
from coalition.blueprints import transaction
from coalition.blueprints.forms import show_domain_error
from coalition.blueprints.supply import bp
from coalition.blueprints.local_time import to_local, to_utc
from coalition.blueprints.supply.common import (
    chosen_recipient,
    human_duration,
    recipient_choices,
)
from coalition.blueprints.supply.forms import ClaimForm, SupplyFilterForm
from coalition.errors import Conflict, NotFound, PermissionDenied
from coalition.extensions import db
from coalition.models import DonationLine, FoodCategory, StorageClass
from coalition.models.base import utcnow
from coalition.permissions import authorize, requires
from coalition.services import claims, donations, needs


@bp.app_template_filter("duration_text")
def _duration_text(value: dt.timedelta) -> str:
    return human_duration(value)


@bp.app_template_filter("from_iso")
def _from_iso(value: str) -> dt.datetime:
    return dt.datetime.fromisoformat(value)


@bp.route("/")
@requires(permissions.can_browse_supply)
def index():
    backbone = permissions.is_backbone_staff(current_user)
    filters = SupplyFilterForm(request.args)
    filters.org.choices = recipient_choices(blank="Every recipient (coalition view)" if backbone else None)
    status = 200
    if request.args and not filters.validate():
        status = 422
    viewer = chosen_recipient(request.args.get("org") if not filters.org.errors else None)
    filters.org.data = str(viewer.id) if viewer else ""
    category = FoodCategory(filters.category.data) if filters.category.data and not filters.category.errors else None
    storage = StorageClass(filters.storage.data) if filters.storage.data and not filters.storage.errors else None
    items = donations.list_open_supply(db.session, viewer, utcnow(), category, storage)
    return render_template("supply/index.html", items=items, filters=filters, viewer=viewer,
                           choose_org=len(filters.org.choices) > 1), status


def _load_line(line_id: int) -> DonationLine:
    line = db.session.get(DonationLine, line_id)
    if line is None or not permissions.can_view_donation(current_user, line.donation):
        raise NotFound("There is no such donation line.")
    return line


def _claim_page(form: ClaimForm, line: DonationLine, status: int = 200):
    return render_template(
        "supply/claim.html", form=form, line=line, donation=line.donation,
        remaining_g=donations.remaining_g(db.session, line),
        choose_recipient=len(form.recipient_id.choices) > 1,
    ), status


@bp.route("/lines/<int:line_id>/claim", methods=["GET", "POST"])
@requires(permissions.can_browse_supply)
def claim(line_id: int):
    line = _load_line(line_id)
    now = utcnow()
    form = ClaimForm()
    form.recipient_id.choices = recipient_choices()
    recipient = chosen_recipient(form.recipient_id.data if form.is_submitted() else request.args.get("org"), required=True)
    if recipient is None:
        raise PermissionDenied("There is no food bank or shelter you can claim for.")
    form.need_id.choices = _need_choices(recipient)
    if not form.is_submitted():
        form.recipient_id.data = str(recipient.id)
        form.kg.data = donations.remaining_g(db.session, line) / 1000
        form.delivery_start.data, form.delivery_end.data = needs.suggest_delivery_window(
            recipient, max(line.donation.pickup_start, now), current_app.config["COALITION_TIMEZONE"])
        return _claim_page(form, line)
    if not form.validate_on_submit():
        return _claim_page(form, line, 422)
    need = needs.get_need(db.session, int(form.need_id.data)) if form.need_id.data else None
    with transaction.write() as outcome:
        made = claims.claim_line(db.session, current_user, line.id, recipient, form.kg.data,
                                 to_utc(form.delivery_start.data), to_utc(form.delivery_end.data), now, need)
    if outcome.failed:
        if isinstance(outcome.error, Conflict):
            # "Already claimed: only 3 kg left" belongs beside the amount the person typed.
            form.kg.errors = [outcome.error.message]
        else:
            show_domain_error(form, outcome.error)
        return _claim_page(form, line, outcome.status)
    grace_min = current_app.config["CLAIM_UNDO_GRACE_S"] // 60
    flash(f"Claimed {made.quantity_g / 1000:g} kg of {line.description} for {recipient.name}. "
          f"Made a mistake? Undo within {grace_min} minutes.", "success")
    return redirect(url_for("claims.index", org=recipient.id))


def _need_choices(recipient) -> list[SelectChoice]:
    return [SelectChoice("", "No particular need"), *(
        SelectChoice(str(n.id), f"{n.quantity_g / 1000:g} kg {n.category.label.lower()} by {to_local(n.needed_by):%a %d %b}")
        for n in needs.list_open_needs(db.session, recipient))]


@bp.route("/donations/<int:donation_id>/decline", methods=["POST"])
@requires(permissions.can_browse_supply)
def decline(donation_id: int):
    donation = donations.get_donation(db.session, donation_id)
    authorize(permissions.can_view_donation(current_user, donation))
    raw = request.form.get("org")
    recipient = chosen_recipient(raw) if raw else (
        permissions.recipient_organizations(current_user) or [donation.priority_recipient])[0]
    back = url_for("supply.index", org=raw or None)
    if recipient is None:
        flash("This donation is not reserved for anyone.", "error")
        return redirect(back)
    with transaction.write(flash_error=True) as outcome:
        following = donations.decline_priority(
            db.session, current_user, donation, recipient, utcnow(),
            current_app.config["PRIORITY_CLAIM_MINUTES"], current_app.config["NOTIFY_RADIUS_KM"])
    if outcome.failed:
        return redirect(back)
    flash(f"Declined. {'Offered to the next partner.' if following else 'It is now open to every recipient.'}", "success")
    return redirect(back)
