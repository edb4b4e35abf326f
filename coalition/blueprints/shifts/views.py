"""Shift pages: thin views over services/shifts.py."""
from __future__ import annotations

from flask import current_app, flash, redirect, render_template, url_for
from flask_login import current_user
from sqlalchemy import select
from wtforms.fields.choices import SelectChoice

from coalition import permissions
from coalition.blueprints import transaction
from coalition.blueprints.local_time import local_zone
from coalition.blueprints.shifts import bp
from coalition.blueprints.shifts.forms import ButtonForm, PatternForm, ShiftForm
from coalition.errors import RuleError, ValidationError
from coalition.extensions import db
from coalition.ids import parse_id
from coalition.models import Organization, User
from coalition.models.base import utcnow
from coalition.permissions import requires
from coalition.services import geocoding, shifts


def _choices(form: ShiftForm) -> list:
    pairs = shifts.drivers_for(db.session, current_user)
    form.driver.choices = [SelectChoice(f"{u.id}-{o.id}", f"{u.display_name} ({o.name})") for u, o in pairs]
    if form.driver.data is None and pairs:
        mine = next((f"{u.id}-{o.id}" for u, o in pairs if u.id == current_user.id), None)
        form.driver.data = mine or f"{pairs[0][0].id}-{pairs[0][1].id}"
    depots = [SelectChoice("", "Choose a depot")] + [
        SelectChoice(str(o.id), o.name) for o in db.session.scalars(
            select(Organization).where(Organization.active.is_(True), Organization.latitude.is_not(None),
                                       Organization.confidential.is_(False))
            .order_by(Organization.name))]
    form.start_organization_id.choices = form.end_organization_id.choices = depots
    return pairs


def _page(shift_form: ShiftForm | None = None, pattern_form: PatternForm | None = None, status: int = 200):
    shift_form = shift_form or ShiftForm(prefix="shift")
    pattern_form = pattern_form or PatternForm(prefix="weekly")
    _choices(shift_form)
    _choices(pattern_form)
    now = utcnow()
    return render_template("shifts/index.html", shift_form=shift_form, pattern_form=pattern_form,
                           shifts=shifts.list_shifts(db.session, current_user, now),
                           patterns=shifts.list_patterns(db.session, current_user), button=ButtonForm(),
                           center=geocoding.network_center(db.session)), status


def _input(form: ShiftForm) -> tuple[User, Organization, shifts.ShiftInput]:
    """The posted driver and values; raises ValidationError for a driver the form did not offer."""
    text = form.driver.data or ""
    user_id, _, org_id = text.partition("-")
    driver = db.session.get(User, parse_id(user_id)) if parse_id(user_id) else None
    organization = db.session.get(Organization, parse_id(org_id)) if parse_id(org_id) else None
    if driver is None or organization is None:
        raise ValidationError("Choose the driver.", {"driver": "Choose the driver."})

    def place(prefix: str) -> shifts.Place:
        org_text = form[f"{prefix}_organization_id"].data or ""
        kind, address = form[f"{prefix}_kind"].data or "anywhere", (form[f"{prefix}_address"].data or "").strip()
        latitude, longitude = form[f"{prefix}_latitude"].data, form[f"{prefix}_longitude"].data
        if kind == "home":
            latitude, longitude = _home_point(prefix, address, latitude, longitude)
        return shifts.Place(kind, latitude, longitude, parse_id(org_text), address)

    data = shifts.ShiftInput(
        local_date=form.local_date.data, start_time=form.start_time.data, end_time=form.end_time.data,
        start=place("start"), end=place("end"), capacity_kg=form.capacity_kg.data, cold_chain=form.cold_chain.data or "",
        max_stops=form.max_stops.data, notes=form.notes.data or "",
        weekdays=list(getattr(form, "weekdays", None).data or []) if hasattr(form, "weekdays") else [],
        until=form.until.data if hasattr(form, "until") else None)
    return driver, organization, data


def _home_point(prefix: str, address: str, latitude, longitude) -> tuple[float | None, float | None]:
    """A home's point: the pin or typed coordinates, else its address geocoded. A driver's home may lie outside
    the partners' area, so it is not asked to be confirmed. Errors are named for this place's fields."""
    settings = geocoding.GeocoderSettings.from_config(current_app.config)
    try:
        return geocoding.resolve_place(db.session, settings,
                                       geocoding.PlaceInput(address, latitude, longitude, far_confirmed=True))
    except geocoding.AmbiguousAddress as error:
        message = f"{error.message} ({'; '.join(m.label for m in error.matches)})"
        raise ValidationError(message, {f"{prefix}_address": message}) from None
    except RuleError as error:
        error.fields = {f"{prefix}_{name}": message for name, message in error.fields.items()}
        raise


@bp.route("/")
@requires(permissions.can_use_shifts)
def index():
    return _page()


def _post(form: ShiftForm, weekly: bool):
    _choices(form)
    if not form.validate_on_submit():
        return _page(*((None, form) if weekly else (form, None)), status=422)
    with transaction.write(form) as outcome:
        driver, organization, data = _input(form)
        if weekly:
            pattern, made = shifts.create_pattern(db.session, current_user, driver, organization, data, utcnow(),
                                                  local_zone())
            message = f"Weekly availability saved: {len(made)} shifts in the next two weeks."
        else:
            shifts.post_shift(db.session, current_user, driver, organization, data, utcnow(), local_zone())
            message = "Shift posted. Thank you!"
    if outcome.failed:
        return _page(*((None, form) if weekly else (form, None)), status=outcome.status)
    flash(message, "success")
    return redirect(url_for("shifts.index"))


@bp.route("/new", methods=["POST"])
@requires(permissions.can_use_shifts)
def new():
    return _post(ShiftForm(prefix="shift"), weekly=False)


@bp.route("/weekly", methods=["POST"])
@requires(permissions.can_use_shifts)
def weekly():
    return _post(PatternForm(prefix="weekly"), weekly=True)


@bp.route("/<int:shift_id>/cancel", methods=["POST"])
@requires(permissions.can_use_shifts)
def cancel(shift_id: int):
    shift = shifts.get_shift(db.session, shift_id)
    permissions.authorize(permissions.can_manage_shift(current_user, shift))
    if not ButtonForm().validate_on_submit():
        flash("The form expired; try again.", "error")
        return redirect(url_for("shifts.index")), 303
    with transaction.write(flash_error=True) as outcome:
        shifts.cancel_shift(db.session, current_user, shift, utcnow())
    if outcome.failed:
        return redirect(url_for("shifts.index")), 303
    flash("Shift cancelled.", "success")
    return redirect(url_for("shifts.index"))


@bp.route("/weekly/<int:pattern_id>/stop", methods=["POST"])
@requires(permissions.can_use_shifts)
def stop_weekly(pattern_id: int):
    pattern = shifts.get_pattern(db.session, pattern_id)
    if not ButtonForm().validate_on_submit():
        flash("The form expired; try again.", "error")
        return redirect(url_for("shifts.index")), 303
    with transaction.committed():
        shifts.stop_pattern(db.session, current_user, pattern, utcnow())
    flash("Weekly availability stopped; shifts already created stay.", "success")
    return redirect(url_for("shifts.index"))
