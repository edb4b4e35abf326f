"""Late pickups: the driver's "are you on your way?" page, the coordinators' alert page with its one-tap
re-plan and rescue offer, a missed pickup's record, drivers' reliability and the missed kg per month."""
from __future__ import annotations

from flask import Response, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user

from coalition import jobs, permissions
from coalition.blueprints import transaction
from coalition.blueprints.driver import bp
from coalition.blueprints.local_time import local_zone
from coalition.errors import NotFound
from coalition.extensions import db
from coalition.ids import parse_id
from coalition.models import User
from coalition.models.base import utcnow
from coalition.permissions import authorize, requires
from coalition.services import no_show_records, no_shows


def _rules() -> no_shows.NoShowRules:
    return no_shows.NoShowRules.from_config(current_app.config)


# --- the driver ---------------------------------------------------------------------------

def _question(row, error=None, status: int = 200):
    chosen = request.args.get("answer") if request.args.get("answer") in no_shows.ANSWERS else None
    return render_template("driver/no_show_question.html", row=row, stop=no_shows.current_pickup(db.session, row.claim_id),
                           answers=no_shows.ANSWERS, chosen=chosen, error=error), status


@bp.route("/no-shows/<int:no_show_id>/question")
@requires(permissions.is_driver)
def no_show_question(no_show_id: int):
    """Two big buttons: on my way, or can't make it (the push's action buttons open this page with one chosen)."""
    row = no_shows.get_no_show(db.session, no_show_id)
    authorize(permissions.can_answer_no_show(current_user, row))
    return _question(row)


@bp.route("/no-shows/<int:no_show_id>/answer", methods=["POST"])
@requires(permissions.is_driver)
def answer_no_show(no_show_id: int):
    with transaction.write() as outcome:
        no_shows.answer(db.session, current_user, no_show_id, request.form.get("answer"), utcnow(), local_zone(),
                        _rules())
    if outcome.failed:
        return _question(no_shows.get_no_show(db.session, no_show_id), outcome.error, outcome.status)
    jobs.start_push_send()   # "can't make it" reaches the coordinators' phones now
    if request.form.get("answer") == "on_the_way":
        flash("Thanks: the coordinators know you are on your way.", "success")
    else:
        flash("Thanks for telling us: the coordinators are finding another driver.", "success")
    return redirect(url_for("driver.no_show_question", no_show_id=no_show_id), code=303)


# --- the coordinators ------------------------------------------------------------------------

@bp.route("/no-shows")
@requires(permissions.can_handle_no_shows)
def no_shows_index():
    """Late pickups of the last two days with what became of them, and the missed pickups per month."""
    rules, now = _rules(), utcnow()
    recent = no_show_records.list_recent(db.session, now)
    return render_template("driver/no_shows.html", recent=recent, rules=rules,
                           outcome=lambda row: no_show_records.outcome_of(db.session, row, rules),
                           months=no_show_records.missed_by_month(db.session, local_zone()))


@bp.route("/no-shows/missed.csv")
@requires(permissions.can_handle_no_shows)
def missed_csv():
    body = no_show_records.missed_csv(no_show_records.missed_by_month(db.session, local_zone()))
    return Response(body, mimetype="text/csv",
                    headers={"Content-Disposition": "attachment; filename=missed-pickups-by-month.csv"})


def _alert_page(row, error=None, status: int = 200, values=None):
    rules, now = _rules(), utcnow()
    return render_template("driver/no_show.html", row=row, stop=no_shows.current_pickup(db.session, row.claim_id),
                           outcome=no_show_records.outcome_of(db.session, row, rules),
                           stand_ins=no_shows.stand_ins(db.session, row, now, local_zone(), rules),
                           reasons=no_shows.REASONS, error=error, values=values or {}), status


@bp.route("/no-shows/<int:no_show_id>")
@requires(permissions.can_handle_no_shows)
def no_show(no_show_id: int):
    """The alert: who is late for what, the nearest drivers who could take it, and the one-tap actions."""
    return _alert_page(no_shows.get_no_show(db.session, no_show_id))


@bp.route("/no-shows/<int:no_show_id>/replan", methods=["POST"])
@requires(permissions.can_handle_no_shows)
def replan_no_show(no_show_id: int):
    with transaction.write() as outcome:
        plan = no_shows.replan_to(db.session, current_user, no_show_id, parse_id(request.form.get("route_id")), utcnow())
    if outcome.failed:
        return _alert_page(no_shows.get_no_show(db.session, no_show_id), outcome.error, outcome.status)
    plan_id = plan.id
    jobs.start_plan_job(plan)   # after the commit: the job must find the SOLVING plan
    flash("Re-planning with the pickup on the chosen driver's route: review and publish it.", "success")
    return redirect(url_for("planning.show", plan_id=plan_id), code=303)


@bp.route("/no-shows/<int:no_show_id>/rescue", methods=["POST"])
@requires(permissions.can_handle_no_shows)
def rescue_no_show(no_show_id: int):
    with transaction.write() as outcome:
        no_shows.offer_as_rescue(db.session, current_user, no_show_id, utcnow(), local_zone())
    if outcome.failed:
        return _alert_page(no_shows.get_no_show(db.session, no_show_id), outcome.error, outcome.status)
    flash("Offered as a rescue: the nearest fitting drivers are told in waves.", "success")
    return redirect(url_for("driver.no_show", no_show_id=no_show_id), code=303)


@bp.route("/no-shows/<int:no_show_id>/missed", methods=["POST"])
@requires(permissions.can_handle_no_shows)
def miss_no_show(no_show_id: int):
    with transaction.write() as outcome:
        no_show_records.record_missed(db.session, current_user, no_show_id, request.form.get("reason"), utcnow())
    if outcome.failed:
        return _alert_page(no_shows.get_no_show(db.session, no_show_id), outcome.error, outcome.status, request.form)
    flash("Recorded as missed. The donor and the recipient were told.", "success")
    return redirect(url_for("driver.no_show", no_show_id=no_show_id), code=303)


@bp.route("/reliability/<int:user_id>")
@requires(permissions.can_view_reliability)
def reliability(user_id: int):
    """A driver's last 90 days: pickups on time and late, missed, handed over, "can't make it"."""
    driver = db.session.get(User, user_id)
    if driver is None or not permissions.is_driver(driver):
        raise NotFound("There is no such driver.")
    record = no_show_records.reliability(db.session, driver, utcnow(), local_zone(), _rules())
    return render_template("driver/reliability.html", record=record)
