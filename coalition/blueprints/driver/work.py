"""Driver pages beyond today's route: shifts and cover, rescues, the backbone's board, the calendar feed."""
from __future__ import annotations

from flask import Response, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user

from coalition import permissions
from coalition.blueprints.driver import bp
from coalition.blueprints.local_time import local_zone
from coalition.errors import DomainError, NotFound, PermissionDenied
from coalition.extensions import db
from coalition.ids import parse_id
from coalition.models.base import utcnow
from coalition.permissions import requires
from coalition.services import driving, rescues


def _commit_or_flash(action, success: str):
    """Run one service call; commit and flash success, or roll back and flash the domain error (409/422)."""
    try:
        action()
    except (PermissionDenied, NotFound):
        db.session.rollback()
        raise
    except DomainError as error:
        db.session.rollback()
        flash(error.message, "error")
        return error
    db.session.commit()
    flash(success, "success")
    return None


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


def _shift_action(action, success: str):
    error = _commit_or_flash(action, success)
    return redirect(url_for("driver.shifts"), code=303) if error is None else (
        render_template("driver/message.html", message=error.message), error.status_code)


@bp.route("/shifts/<int:shift_id>/cover-request", methods=["POST"])
@requires(permissions.is_driver)
def request_cover(shift_id: int):
    return _shift_action(lambda: rescues.request_cover(
        db.session, current_user, shift_id, request.form.get("reason", ""), utcnow()),
        "Cover requested. The coordinators and the other drivers have been told.")


@bp.route("/shifts/<int:shift_id>/cover-request/withdraw", methods=["POST"])
@requires(permissions.is_driver)
def withdraw_cover(shift_id: int):
    return _shift_action(lambda: rescues.withdraw_cover_request(db.session, current_user, shift_id, utcnow()),
                         "Great, you keep your shift.")


@bp.route("/shifts/<int:shift_id>/cover", methods=["POST"])
@requires(permissions.is_driver)
def cover(shift_id: int):
    return _shift_action(lambda: rescues.cover_shift(db.session, current_user, shift_id, utcnow()),
                         "Thank you! The shift is yours; its route shows on your route page on the day.")


@bp.route("/rescues/<int:rescue_id>/take", methods=["POST"])
@requires(permissions.is_driver)
def take_rescue(rescue_id: int):
    return _shift_action(lambda: rescues.take_rescue(db.session, current_user, rescue_id, local_zone(), utcnow()),
                         "It's yours: the rescue is on your route page.")


@bp.route("/rescues/<int:rescue_id>/release", methods=["POST"])
@requires(permissions.is_driver)
def release_rescue(rescue_id: int):
    return _shift_action(lambda: rescues.release_rescue(db.session, current_user, rescue_id, utcnow()),
                         "Released: the rescue is offered to the other drivers again.")


@bp.route("/rescues/new", methods=["GET", "POST"])
@requires(permissions.can_dispatch)
def offer_rescue():
    """The backbone offers claims no route carries as a single rescue (one pickup, one or more drop-offs)."""
    now = utcnow()
    error, chosen = None, []
    if request.method == "POST":
        chosen = [i for i in map(parse_id, request.form.getlist("claim_ids")) if i is not None]
        try:
            rescues.offer_rescue(db.session, current_user, chosen, request.form.get("note", ""),
                                 now.astimezone(local_zone()).date(), now)
        except (PermissionDenied, NotFound):
            raise
        except DomainError as caught:
            db.session.rollback()
            error = caught
        else:
            db.session.commit()
            flash("Rescue offered to the drivers.", "success")
            return redirect(url_for("driver.board"), code=303)
    return render_template("driver/offer_rescue.html", claims=rescues.list_unrouted_claims(db.session, now),
                           error=error, chosen=chosen), (error.status_code if error else 200)


@bp.route("/rescues/<int:rescue_id>/withdraw", methods=["POST"])
@requires(permissions.can_dispatch)
def withdraw_rescue(rescue_id: int):
    error = _commit_or_flash(lambda: rescues.withdraw_rescue(db.session, current_user, rescue_id, utcnow()),
                             "Rescue withdrawn.")
    return redirect(url_for("driver.board"), code=303) if error is None else (
        render_template("driver/message.html", message=error.message), error.status_code)


@bp.route("/board")
@requires(permissions.can_dispatch)
def board():
    """Uncovered work at a glance: shifts needing cover, rescues nobody took, food no route carries."""
    now = utcnow()
    return render_template(
        "driver/board.html", now=now, cover_requests=rescues.list_cover_requests(db.session, now),
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
    feed = url_for("driver.calendar_feed", token=token, _external=True)
    return render_template("driver/calendar.html", feed=feed, webcal="webcal://" + feed.split("://", 1)[1])


@bp.route("/calendar/<token>.ics")
def calendar_feed(token: str):
    """A driver's shifts for their calendar app. The secret token is the only credential (calendar apps
    cannot sign in); it changes when the driver's password changes."""
    user = rescues.user_for_calendar_token(db.session, token)
    body = rescues.shifts_calendar(db.session, user, utcnow(), current_app.config["COALITION_NAME"],
                                   request.host_url.rstrip("/"))
    response = Response(body, mimetype="text/calendar")
    response.headers["Content-Disposition"] = "inline; filename=shifts.ics"
    response.headers["Cache-Control"] = "private, max-age=300"
    return response
