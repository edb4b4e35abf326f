"""Driver app pages: today's route, its stop actions (HTML forms and the offline queue's JSON), corrections."""
from __future__ import annotations

import base64
import binascii
import datetime as dt
import uuid
from pathlib import Path

from flask import Response, current_app, flash, jsonify, redirect, render_template, request, send_file, url_for
from flask_login import current_user

from coalition import permissions
from coalition.blueprints import transaction
from coalition.blueprints.driver import bp
from coalition.blueprints.local_time import local_zone
from coalition.errors import NotFound, ValidationError, error_response
from coalition.extensions import db
from coalition.models import StopKind, StopStatus, StorageClass
from coalition.models.base import utcnow
from coalition.permissions import authorize, login_required, requires
from coalition.services import cold_chain, driving, photos, units

STATIC_JS = Path(__file__).resolve().parents[2] / "static" / "js"
# The form's action names in URLs, and the service call behind each.
STOP_ACTIONS = ("arrived", "picked_up", "delivered", "problem", "flag")
COLD = (StorageClass.REFRIGERATED, StorageClass.FROZEN)


def new_action_id() -> str:
    return uuid.uuid4().hex


def _route_page(errors: dict | None = None, status: int = 200):
    unit, limits = current_app.config["TEMPERATURE_UNIT"], cold_chain.load_limits(db.session)
    today = utcnow().astimezone(local_zone()).date()
    routes = driving.list_driver_routes(db.session, current_user, today)
    return render_template(
        "driver/route.html", routes=routes, today=today, errors=errors or {}, new_action_id=new_action_id,
        now=utcnow(), cold=COLD, StopKind=StopKind, unit=unit, limits=limits,
        format_dc=cold_chain.format_dc, from_dc=cold_chain.from_dc, reasons=cold_chain.REASONS,
        grace_in_unit=round(limits.delivery_grace_dc / 10 * (1.8 if unit == "F" else 1), 1), finished=driving.FINISHED, StopStatus=StopStatus,
        problem_labels=driving.PROBLEM_LABELS, flag_choices=driving.FLAG_CHOICES, safe_until_of=driving.safe_until_of,
        replanned={r.plan_id: driving.was_replanned(db.session, r.plan) for r in routes},
        tile_url=current_app.config["MAP_TILE_URL"], tile_attribution=current_app.config["MAP_TILE_ATTRIBUTION"],
    ), status


@bp.route("/")
@requires(permissions.is_driver)
def index():
    """Today's route of the signed-in driver: the page the service worker keeps for offline use."""
    return _route_page()


@bp.route("/sw.js")
def service_worker():
    """The driver app's service worker; served from /driver/ so its scope covers the driver pages."""
    response = Response((STATIC_JS / "driver_sw.js").read_text(encoding="utf-8"), mimetype="text/javascript")
    response.headers["Service-Worker-Allowed"] = "/driver/"
    response.headers["Cache-Control"] = "no-cache"
    return response


def _typed_kg(text, unit: str | None = None):
    """A weight typed in the page's unit, as kilograms for the driving service, rounded to the gram once.

    Anything that is not a number goes on unchanged, so the service names the field as it does for the API."""
    if isinstance(text, bool) or not isinstance(text, (str, int, float)) or text == "":
        return text
    try:
        return units.from_input(text, unit if unit in units.UNITS else None) / 1000
    except ValueError:
        return text


def _payload_from_form(form) -> dict:
    return {key: form.get(key) for key in ("kg", "weight_unit", "temperature", "temperature_c", "temperature_unit",
                                           "refuse_reason", "cold_decision", "receiver_name", "problem_kind", "issue", "note")
            if form.get(key) not in (None, "")} | ({"confirm_over": True} if form.get("confirm_over") else {})


def _store_photo(data: bytes | None) -> str | None:
    if not data:
        return None
    return photos.store_photo(data, current_app.config["UPLOAD_FOLDER"], current_app.config["MAX_PHOTO_BYTES"])


def _perform(action: str, stop_id, client_action_id, performed_at, payload: dict, photo: bytes | None):
    """Store the photo (if any) and run the action, not committed; the photo is dropped if the action fails
    or replays one already recorded."""
    stored = _store_photo(photo) if action == "picked_up" else None
    # A reading is typed in the unit the page showed; a phone that did not say used the coalition's.
    payload.setdefault("temperature_unit", current_app.config["TEMPERATURE_UNIT"])
    # So is a weight; the service takes kilograms.
    unit = payload.get("weight_unit")
    payload = {key: value for key, value in payload.items() if key != "weight_unit"}
    if "kg" in payload:
        payload["kg"] = _typed_kg(payload["kg"], unit)
    # Times told to partners (a new arrival time) are the coalition's local time, whatever the phone says.
    payload["time_zone"] = current_app.config["COALITION_TIMEZONE"]
    if stored:
        payload = {**payload, "photo_filename": stored}
    try:
        result = driving.perform(db.session, current_user, action, stop_id, client_action_id, performed_at, payload, utcnow())
    except BaseException:
        if stored:
            photos.discard_photo(current_app.config["UPLOAD_FOLDER"], stored)
        raise
    if stored and result.replayed:
        photos.discard_photo(current_app.config["UPLOAD_FOLDER"], stored)
    return result


@bp.route("/stops/<int:stop_id>/<any(arrived, picked_up, delivered, problem, flag):action>", methods=["POST"])
@requires(permissions.is_driver)
def stop_action(stop_id: int, action: str):
    """The same actions as the offline queue, as plain HTML forms (a page without JavaScript still works).

    The form carries an action id made when the page was drawn, so submitting
    it twice records it once.
    """
    upload = request.files.get("photo")
    photo = upload.read() if upload and upload.filename else None
    with transaction.write() as outcome:
        _perform(action, stop_id, request.form.get("client_action_id"), None, _payload_from_form(request.form), photo)
    if outcome.failed:
        error = outcome.error
        errors = {stop_id: {"action": action, "message": error.message, "fields": error.fields, "values": request.form}}
        return _route_page(errors, outcome.status)
    flash({"arrived": "Arrived.", "picked_up": "Pickup recorded.", "delivered": "Delivery recorded. Thank you!",
           "problem": "Problem reported. The coordinators can see it.",
           "flag": "Thank you: the problem with this pickup is flagged for the coordinators."}[action], "success")
    return redirect(url_for("driver.index") + f"#stop-{stop_id}")


def _parse_time(value) -> dt.datetime | None:
    if value in (None, ""):
        return None
    if not isinstance(value, str):
        raise ValidationError("Give the time as ISO 8601.", {"performed_at": "An ISO time with its offset."})
    try:
        return dt.datetime.fromisoformat(value)
    except ValueError:
        raise ValidationError("Give the time as ISO 8601.", {"performed_at": "An ISO time with its offset."}) from None


def _photo_from_json(payload: dict) -> bytes | None:
    """A photo in the offline queue travels as a data: URL (base64)."""
    value = payload.pop("photo", None)
    if not value:
        return None
    if not isinstance(value, str) or "," not in value:
        raise ValidationError("The photo could not be read.", {"photo": "Send the photo as a data: URL."})
    try:
        return base64.b64decode(value.split(",", 1)[1], validate=True)
    except (binascii.Error, ValueError):
        raise ValidationError("The photo could not be read.", {"photo": "Send the photo as a data: URL."}) from None


@bp.route("/actions", methods=["POST"])
@requires(permissions.is_driver)
def actions():
    """One queued action from the phone, as JSON (CSRF token in the X-CSRFToken header).

    Body: ``{"client_action_id", "stop_id", "action", "performed_at", "payload"}``.
    Answers ``{"replayed", "action", "stop"}``; a replayed id answers the first result.
    """
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        return error_response(400, "Send a JSON object.")
    payload = data.get("payload") if isinstance(data.get("payload"), dict) else {}
    photo = _photo_from_json(payload)
    performed_at = _parse_time(data.get("performed_at"))
    with transaction.committed():
        result = _perform(data.get("action"), data.get("stop_id"), data.get("client_action_id"), performed_at,
                          payload, photo)
    return jsonify({"replayed": result.replayed, "action": result.action, "stop": result.result})


@bp.route("/stops/<int:stop_id>/photo")
@login_required
def stop_photo(stop_id: int):
    stop = driving.get_stop(db.session, stop_id)
    if not (permissions.can_drive_stop(current_user, stop) or permissions.can_dispatch(current_user)):
        raise NotFound("There is no such photo.")
    if not stop.photo_filename:
        raise NotFound("There is no such photo.")
    return send_file(photos.photo_path(current_app.config["UPLOAD_FOLDER"], stop.photo_filename), max_age=0)


@bp.route("/stops/<int:stop_id>/correct", methods=["GET", "POST"])
@requires(permissions.can_dispatch)
def correct(stop_id: int):
    """A backbone coordinator corrects the kg of a delivered stop (audited; the delivery record follows)."""
    stop = driving.get_stop(db.session, stop_id)
    outcome, values = transaction.Outcome(), {}
    if request.method == "POST":
        values = request.form
        with transaction.write() as outcome:
            driving.correct_delivery(db.session, current_user, stop.id, _typed_kg(values.get("kg")), values.get("reason", ""), utcnow())
        if not outcome.failed:
            flash("Corrected. The delivery record and the indicators use the new weight.", "success")
            return redirect(url_for("driver.board"))
    authorize(stop.kind is StopKind.DELIVERY and stop.status is StopStatus.DONE, "Only a delivered stop can be corrected.")
    return render_template("driver/correct.html", stop=stop, error=outcome.error, values=values), outcome.status


from coalition.blueprints.driver import work  # noqa: E402,F401  (rescues, cover, the board, the calendar)
from coalition.blueprints.driver import no_shows  # noqa: E402,F401  (late pickups: the driver's answer, the alerts)
