"""Driver pages beyond today's route: shifts and cover, rescues, the backbone's board, the calendar feed."""
from __future__ import annotations

from flask import Response, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user

from coalition import mail_links, permissions
from coalition.blueprints import transaction
from coalition.blueprints.driver import bp
from coalition.blueprints.local_time import local_zone
from coalition.extensions import db
from coalition.ids import parse_id
from coalition.models.base import utcnow
from coalition.permissions import requires
from coalition.services import driving, feedback, rescues
from coalition.services.planning import travel


@bp.route("/shifts")
@requires(permissions.is_driver)
def shifts():
    """My shifts (ask for cover), shifts other drivers need covered, rescues to take and the ones I took."""
    now = utcnow()
    return render_template(
        "driver/shifts.html", now=now, mine=rescues.list_driver_shifts(db.session, current_user, now),
        cover_requests=[s for s in rescues.list_cover_requests(db.session, now) if s.driver_id != current_user.id],
        open_rescues=rescues.list_open_rescues(db.session, now),
        taken=rescues.list_taken_rescues(db.session, current_user),
        rescue_claims=lambda plan: rescues.rescue_claims(db.session, plan),
    )


def _after(outcome: transaction.Outcome, success: str, page: str):
    """Back to ``page`` with the success flashed, or the flashed rule error on the message page (409/422)."""
    if outcome.failed:
        return render_template("driver/message.html", message=outcome.error.message), outcome.status
    flash(success, "success")
    return redirect(url_for(page), code=303)


@bp.route("/shifts/<int:shift_id>/cover-request", methods=["POST"])
@requires(permissions.is_driver)
def request_cover(shift_id: int):
    with transaction.write(flash_error=True) as outcome:
        rescues.request_cover(db.session, current_user, shift_id, request.form.get("reason", ""), utcnow())
    return _after(outcome, "Cover requested. The coordinators and the other drivers have been told.", "driver.shifts")


@bp.route("/shifts/<int:shift_id>/cover-request/withdraw", methods=["POST"])
@requires(permissions.is_driver)
def withdraw_cover(shift_id: int):
    with transaction.write(flash_error=True) as outcome:
        rescues.withdraw_cover_request(db.session, current_user, shift_id, utcnow())
    return _after(outcome, "Great, you keep your shift.", "driver.shifts")


@bp.route("/shifts/<int:shift_id>/cover", methods=["POST"])
@requires(permissions.is_driver)
def cover(shift_id: int):
    with transaction.write(flash_error=True) as outcome:
        rescues.cover_shift(db.session, current_user, shift_id, utcnow())
    return _after(outcome, "Thank you! The shift is yours; its route shows on your route page on the day.", "driver.shifts")


@bp.route("/rescues/<int:rescue_id>/take", methods=["POST"])
@requires(permissions.is_driver)
def take_rescue(rescue_id: int):
    osrm = travel.osrm_provider(current_app.config)
    with transaction.write(flash_error=True) as outcome:
        rescues.take_rescue(db.session, current_user, rescue_id, local_zone(), utcnow(), osrm=osrm)
    return _after(outcome, "It's yours: the rescue is on your route page.", "driver.shifts")


@bp.route("/rescues/<int:rescue_id>/release", methods=["POST"])
@requires(permissions.is_driver)
def release_rescue(rescue_id: int):
    with transaction.write(flash_error=True) as outcome:
        rescues.release_rescue(db.session, current_user, rescue_id, utcnow())
    return _after(outcome, "Released: the rescue is offered to the other drivers again.", "driver.shifts")


@bp.route("/rescues/new", methods=["GET", "POST"])
@requires(permissions.can_dispatch)
def offer_rescue():
    """The backbone offers claims no route carries as a single rescue (one pickup, one or more drop-offs)."""
    now = utcnow()
    outcome, chosen = transaction.Outcome(), []
    if request.method == "POST":
        chosen = [i for i in map(parse_id, request.form.getlist("claim_ids")) if i is not None]
        with transaction.write() as outcome:
            rescues.offer_rescue(db.session, current_user, chosen, request.form.get("note", ""),
                                 now.astimezone(local_zone()).date(), now)
        if not outcome.failed:
            flash("Rescue offered to the drivers.", "success")
            return redirect(url_for("driver.board"), code=303)
    return render_template("driver/offer_rescue.html", claims=rescues.list_unrouted_claims(db.session, now),
                           error=outcome.error, chosen=chosen), outcome.status


@bp.route("/rescues/<int:rescue_id>/withdraw", methods=["POST"])
@requires(permissions.can_dispatch)
def withdraw_rescue(rescue_id: int):
    with transaction.write(flash_error=True) as outcome:
        rescues.withdraw_rescue(db.session, current_user, rescue_id, utcnow())
    return _after(outcome, "Rescue withdrawn.", "driver.board")


@bp.route("/board")
@requires(permissions.can_dispatch)
def board():
    """Uncovered work at a glance: shifts needing cover, rescues nobody took, food no route carries."""
    now = utcnow()
    today = now.astimezone(local_zone()).date()
    return render_template(
        "driver/board.html", now=now, today=today, replan_flags=feedback.list_replan_flags_on(db.session, today),
        can_replan=permissions.can_plan_routes(current_user), cover_requests=rescues.list_cover_requests(db.session, now),
        open_rescues=rescues.list_open_rescues(db.session, now), unrouted=rescues.list_unrouted_claims(db.session, now),
        rescue_claims=lambda plan: rescues.rescue_claims(db.session, plan),
        delivered=driving.list_deliveries_on(db.session, now.astimezone(local_zone()).date()),
        problems=driving.list_problems_on(db.session, now.astimezone(local_zone()).date()),
        problem_labels=driving.PROBLEM_LABELS,
    )


@bp.route("/calendar")
@requires(permissions.is_driver)
def calendar():
    token = rescues.calendar_token(current_user)
    feed = mail_links.absolute_url("driver.calendar_feed", {"token": token})
    return render_template("driver/calendar.html", feed=feed, webcal="webcal://" + feed.split("://", 1)[1])


@bp.route("/calendar/<token>.ics")
def calendar_feed(token: str):
    """A driver's shifts for their calendar app. The secret token is the only credential (calendar apps
    cannot sign in); it changes when the driver's password changes."""
    user = rescues.user_for_calendar_token(db.session, token)
    body = rescues.shifts_calendar(db.session, user, utcnow(), current_app.config["COALITION_NAME"],
                                   mail_links.absolute_url("main.home").rstrip("/"))
    response = Response(body, mimetype="text/calendar")
    response.headers["Content-Disposition"] = "inline; filename=shifts.ics"
    response.headers["Cache-Control"] = "private, max-age=300"
    return response
