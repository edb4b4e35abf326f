"""Needs as JSON: what food banks and shelters ask for. List, post, read, update, cancel."""
from __future__ import annotations

import datetime as dt

from flask import jsonify
from flask_login import current_user

from coalition import permissions
from coalition.blueprints.api import bp
from coalition.blueprints.api.common import ID, V1, Body, check_id, created, json_body, pick_organization
from coalition.blueprints.api.serializers import need_json
from coalition.blueprints.transaction import committed
from coalition.errors import NotFound
from coalition.extensions import db
from coalition.models import Need
from coalition.models.base import utcnow
from coalition.permissions import login_required
from coalition.services import needs, organizations


def load_need(need_id: int) -> Need:
    need = needs.get_need(db.session, check_id(need_id, "need"))
    if not permissions.can_view_need(current_user, need):
        raise NotFound("There is no such need.")   # as for an unknown id: existence is not told
    return need


def read_need(body: Body, current: Need | None) -> needs.NeedInput:
    """A NeedInput from the body; on update, fields left out keep the need's current values."""
    def pick(value, key, fallback):
        return value if body.has(key) else fallback

    windows = body.items("delivery_windows")
    read_windows = None
    if windows is not None:
        read_windows = []
        for window in windows:
            read_windows.append((window.datetime("start", True, "the start"), window.datetime("end", True, "the end")))
    kept_windows = [(dt.datetime.fromisoformat(w["start"]), dt.datetime.fromisoformat(w["end"]))
                    for w in (current.delivery_windows if current else [])]
    category = body.string("category", current is None, "a category", max_length=40)
    storage = body.string("storage", current is None, "a storage class", max_length=40)
    kg = body.number("kg", current is None, "the kg you need")
    needed_by = body.datetime("needed_by", current is None, "the date and time you need it by")
    fridge = body.number("refrigerated_free_kg")
    freezer = body.number("frozen_free_kg")
    people = body.integer("people_expected", what="a whole number")
    notes = body.string("notes", max_length=300)
    if current is None:
        return needs.NeedInput(category=category or "", storage=storage or "", kg=kg, needed_by=needed_by,
                               delivery_windows=read_windows or [], refrigerated_free_kg=fridge or 0,
                               frozen_free_kg=freezer or 0, people_expected=people or 0, notes=notes or "")
    return needs.NeedInput(
        category=pick(category, "category", current.category), storage=pick(storage, "storage", current.storage),
        kg=pick(kg, "kg", current.quantity_g / 1000), needed_by=pick(needed_by, "needed_by", current.needed_by),
        delivery_windows=read_windows if read_windows is not None else kept_windows,
        refrigerated_free_kg=pick(fridge, "refrigerated_free_kg", current.refrigerated_free_g / 1000),
        frozen_free_kg=pick(freezer, "frozen_free_kg", current.frozen_free_g / 1000),
        people_expected=pick(people, "people_expected", current.people_expected),
        notes=pick(notes, "notes", current.notes),
    )


@bp.route(f"{V1}/needs")
@login_required
def list_needs():
    """Open needs the caller may see: recipients their own, donors and the backbone everyone's."""
    permissions.authorize(permissions.can_list_needs(current_user), "Needs are shared with donors and recipients.")
    visible = [n for n in needs.list_open_needs(db.session) if permissions.can_view_need(current_user, n)]
    return jsonify({"needs": [need_json(n) for n in visible]})


@bp.route(f"{V1}/needs", methods=["POST"])
@login_required
def create_need():
    permissions.authorize(permissions.can_post_any_need(current_user), "Only food banks, shelters and the backbone post needs.")
    body = json_body()
    recipient_id = body.integer("recipient_id")
    data = read_need(body, None)
    body.finish()
    recipient = pick_organization(permissions.recipient_organizations(current_user), recipient_id, "recipient_id",
                                  "recipient", lambda i: organizations.get_organization(db.session, i),
                                  permissions.can_post_need)
    with committed():
        need = needs.post_need(db.session, current_user, recipient, data, utcnow())
    return created(need_json(need))


@bp.route(f"{V1}/needs/<{ID}:need_id>")
@login_required
def get_need(need_id: int):
    return jsonify(need_json(load_need(need_id)))


@bp.route(f"{V1}/needs/<{ID}:need_id>", methods=["PATCH"])
@login_required
def update_need(need_id: int):
    """Change an open need; fields left out keep their values (delivery_windows is replaced whole)."""
    need = load_need(need_id)
    permissions.authorize(permissions.can_manage_need(current_user, need), "You cannot change this need.")
    body = json_body()
    data = read_need(body, need)
    body.finish()
    with committed():
        needs.update_need(db.session, current_user, need, data, utcnow())
    return jsonify(need_json(need))


@bp.route(f"{V1}/needs/<{ID}:need_id>/cancel", methods=["POST"])
@login_required
def cancel_need(need_id: int):
    need = load_need(need_id)
    permissions.authorize(permissions.can_manage_need(current_user, need), "You cannot cancel this need.")
    json_body().finish()
    with committed():
        needs.cancel_need(db.session, current_user, need, utcnow())
    return jsonify(need_json(need))
