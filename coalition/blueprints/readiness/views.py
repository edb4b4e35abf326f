from __future__ import annotations

from flask import redirect, render_template, request, url_for, flash
from flask_login import current_user
from wtforms.fields.choices import SelectChoice

from coalition import permissions
from coalition.blueprints import transaction
from coalition.blueprints.local_time import local_today
from coalition.blueprints.readiness import bp
from coalition.blueprints.readiness.forms import PairingForm, ProfileForm
from coalition.errors import NotFound
from coalition.extensions import db
from coalition.models.base import utcnow
from coalition.permissions import authorize, login_required, requires
from coalition.services import readiness


def _pairing_form(formdata=None) -> PairingForm:
    form = PairingForm(formdata)
    drivers = readiness.list_drivers(db.session)
    form.driver_id.choices = [SelectChoice("", "Choose…")] + [SelectChoice(str(d.id), d.display_name) for d in drivers]
    form.mentor_id.choices = [SelectChoice("", "Nobody (end the pairing)")] + [
        SelectChoice(str(d.id), d.display_name) for d in drivers]
    return form


@bp.route("/")
@requires(permissions.can_manage_readiness)
def index():
    """The backbone's view: every driver's readiness, what expires in the next 30 days, mentor pairings."""
    today = local_today()
    return _index(_pairing_form(), today), 200


def _index(form: PairingForm, today):
    return render_template("readiness/index.html", rows=readiness.overview(db.session, today),
                           expiring=readiness.list_expiring(db.session, today), horizon=readiness.EXPIRY_HORIZON_DAYS,
                           pairings=readiness.list_pairings(db.session, today), form=form, today=today)


@bp.route("/pairings", methods=["POST"])
@requires(permissions.can_manage_readiness)
def pair():
    form = _pairing_form(request.form)
    if not form.validate_on_submit():
        return _index(form, local_today()), 422
    driver = readiness.get_driver(db.session, int(form.driver_id.data))
    mentor = readiness.get_driver(db.session, int(form.mentor_id.data)) if form.mentor_id.data else None
    with transaction.write(form) as outcome:
        readiness.set_mentor(db.session, current_user, driver, mentor, form.until.data, utcnow())
    if outcome.failed:
        return _index(form, local_today()), outcome.status
    flash(f"{driver.display_name} now rides with {mentor.display_name}." if mentor
          else f"{driver.display_name} drives on their own.", "success")
    return redirect(url_for("readiness.index"))


@bp.route("/profile", methods=["GET", "POST"])
@login_required
def profile():
    """A driver's own readiness (``?driver=<id>`` for their coordinator or the backbone)."""
    driver_id = request.args.get("driver", type=int)
    if driver_id is None:
        if not any(m.role.value == "driver" for m in current_user.active_memberships()):
            if permissions.can_manage_readiness(current_user):
                return redirect(url_for("readiness.index"))
            raise NotFound("Readiness profiles are for volunteer drivers.")
        driver = current_user
    else:
        driver = readiness.get_driver(db.session, driver_id)
        if not permissions.can_edit_driver_profile(current_user, driver):
            raise NotFound("There is no such driver.")
    authorize(permissions.can_edit_driver_profile(current_user, driver))
    existing = readiness.get_profile(db.session, driver)
    form = ProfileForm(obj=existing)
    status = 200
    if form.validate_on_submit():
        data = readiness.ProfileInput(**{name: form[name].data for name in vars(readiness.ProfileInput()).keys()})
        data.training_provider, data.vehicle, data.vehicle_plate = (
            (data.training_provider or "").strip(), (data.vehicle or "").strip(), (data.vehicle_plate or "").strip())
        with transaction.write(form) as outcome:
            readiness.save_profile(db.session, current_user, driver, data, utcnow())
        status = outcome.status
        if not outcome.failed:
            flash("Readiness saved.", "success")
            return redirect(request.full_path.rstrip("?"))
    elif form.is_submitted():
        status = 422
    today = local_today()
    existing = readiness.get_profile(db.session, driver) if status == 200 else existing
    return render_template("readiness/profile.html", form=form, driver=driver, own=driver.id == current_user.id,
                           state=readiness.readiness_from_profile(existing, today),
                           mentor=readiness.current_mentor(existing, today), profile=existing,
                           mentees=readiness.list_mentees(db.session, driver, today)), status
