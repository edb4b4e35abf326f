from __future__ import annotations

import datetime as dt

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user

from coalition import permissions
from coalition.blueprints import transaction
from coalition.blueprints.needs import bp
from coalition.blueprints.needs.forms import NeedForm
from coalition.blueprints.supply.common import acting_recipients, chosen_recipient, recipient_choices
from coalition.errors import NotFound
from coalition.extensions import db
from coalition.models import Need
from coalition.models.base import utcnow
from coalition.permissions import authorize, requires
from coalition.services import needs


def _input_from(form: NeedForm) -> needs.NeedInput:
    windows = [(entry.start.data, entry.end.data) for entry in form.delivery_windows
               if entry.start.data is not None or entry.end.data is not None]
    return needs.NeedInput(
        category=form.category.data, storage=form.storage.data, kg=form.kg.data, needed_by=form.needed_by.data,
        delivery_windows=windows, refrigerated_free_kg=form.refrigerated_free_kg.data,
        frozen_free_kg=form.frozen_free_kg.data, people_expected=form.people_expected.data,
        notes=form.notes.data or "",
    )


def _form_data(need: Need) -> dict:
    return {
        "recipient_id": str(need.recipient_id), "category": need.category.value, "storage": need.storage.value,
        "kg": need.quantity_g / 1000, "needed_by": need.needed_by,
        "delivery_windows": [{"start": dt.datetime.fromisoformat(w["start"]), "end": dt.datetime.fromisoformat(w["end"])}
                             for w in need.delivery_windows],
        "refrigerated_free_kg": need.refrigerated_free_g / 1000, "frozen_free_kg": need.frozen_free_g / 1000,
        "people_expected": need.people_expected, "notes": need.notes,
    }


def _load(need_id: int) -> Need:
    need = needs.get_need(db.session, need_id)
    if not permissions.can_view_need(current_user, need):
        raise NotFound("There is no such need.")
    return need


@bp.route("/")
@requires(permissions.can_list_needs)
def index():
    visible = [n for n in needs.list_open_needs(db.session) if permissions.can_view_need(current_user, n)]
    own_ids = {o.id for o in permissions.recipient_organizations(current_user)}
    return render_template(
        "needs/index.html",
        own=[n for n in visible if n.recipient_id in own_ids],
        others=[n for n in visible if n.recipient_id not in own_ids],
        can_post=bool(acting_recipients()),
        has_own=bool(own_ids),
    )


@bp.route("/new", methods=["GET", "POST"])
@requires(permissions.can_post_any_need)
def create():
    form = NeedForm()
    form.recipient_id.choices = recipient_choices()
    if not form.is_submitted():
        chosen = chosen_recipient(request.args.get("org"), required=True)
        form.recipient_id.data = str(chosen.id)
    status = 422 if form.is_submitted() else 200
    if form.validate_on_submit():
        recipient = chosen_recipient(form.recipient_id.data)
        with transaction.write(form) as outcome:
            need = needs.post_need(db.session, current_user, recipient, _input_from(form), utcnow())
        if not outcome.failed:
            flash(f"Posted: {need.quantity_g / 1000:g} kg of {need.category.label.lower()} for {recipient.name}.", "success")
            return redirect(url_for("needs.index"))
        status = outcome.status
    return render_template("needs/form.html", form=form, need=None), status


@bp.route("/<int:need_id>")
@requires(permissions.can_list_needs)
def detail(need_id: int):
    need = _load(need_id)
    return render_template("needs/detail.html", need=need, can_manage=permissions.can_manage_need(current_user, need))


@bp.route("/<int:need_id>/edit", methods=["GET", "POST"])
@requires(permissions.can_list_needs)
def edit(need_id: int):
    need = _load(need_id)
    authorize(permissions.can_manage_need(current_user, need))
    form = NeedForm(data=None if request.method == "POST" else _form_data(need))
    # The recipient of a need does not change: cancel and post again instead.
    form.recipient_id.choices = recipient_choices()
    form.recipient_id.data = str(need.recipient_id)
    status = 422 if form.is_submitted() else 200
    if form.validate_on_submit():
        with transaction.write(form) as outcome:
            needs.update_need(db.session, current_user, need, _input_from(form), utcnow())
        if not outcome.failed:
            flash("Saved.", "success")
            return redirect(url_for("needs.detail", need_id=need.id))
        status = outcome.status
    return render_template("needs/form.html", form=form, need=need), status


@bp.route("/<int:need_id>/cancel", methods=["POST"])
@requires(permissions.can_list_needs)
def cancel(need_id: int):
    need = _load(need_id)
    authorize(permissions.can_manage_need(current_user, need))
    with transaction.write(flash_error=True) as outcome:
        needs.cancel_need(db.session, current_user, need, utcnow())
    if outcome.failed:
        return redirect(url_for("needs.detail", need_id=need_id))
    flash("Need cancelled.", "success")
    return redirect(url_for("needs.index"))
