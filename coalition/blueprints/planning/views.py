"""Planning pages: thin views over services/planning/; the solve runs as a background job (coalition/jobs.py)."""
from __future__ import annotations

import datetime as dt

from flask import current_app, flash, jsonify, redirect, render_template, request, url_for
from flask_login import current_user

from coalition import jobs, permissions
from coalition.blueprints import transaction
from coalition.blueprints.local_time import local_zone
from coalition.blueprints.planning import bp, present
from coalition.blueprints.planning.forms import ActionForm, DayForm, MoveForm, PlanForm
from coalition.extensions import db
from coalition.models.base import utcnow
from coalition.permissions import requires
from coalition.services import cold_chain, food_safety
from coalition.services.planning import edits, queries, run


def _tomorrow() -> dt.date:
    return utcnow().astimezone(local_zone()).date() + dt.timedelta(days=1)


def _index(form: PlanForm, local_date: dt.date, status: int = 200):
    preview = queries.preview_day(db.session, local_date, local_zone(), utcnow())
    return render_template("planning/index.html", form=form, preview=preview, day=local_date, action=ActionForm(),
                           thinking_hint=run.thinking_time_hint()), status


@bp.route("/")
@requires(permissions.can_plan_routes)
@transaction.commits  # a stale SOLVING plan may just have been marked failed; committed after rendering: no reloads
def index():
    chooser = DayForm(request.args)
    local_date = chooser.date.data if request.args.get("date") and chooser.validate() else _tomorrow()
    return _index(PlanForm(date=local_date), local_date)


@bp.route("/plan", methods=["POST"])
@requires(permissions.can_plan_routes)
def plan():
    form = PlanForm()
    if not form.validate_on_submit():
        return _index(form, form.date.data or _tomorrow(), 422)
    tz = local_zone()
    window = None
    if form.since.data or form.until.data:
        start = dt.datetime.combine(form.date.data, form.since.data or dt.time(0), tz)
        end = dt.datetime.combine(form.date.data, form.until.data or dt.time(23, 59), tz)
        window = (start.astimezone(dt.timezone.utc), end.astimezone(dt.timezone.utc))
    with transaction.write() as outcome:
        new = run.start_plan(db.session, current_user, form.date.data, tz, utcnow(), window=window,
                             time_limit_s=float(form.time_limit.data or 10), zones=form.zones.data)
    if outcome.failed:
        form.form_errors.append(outcome.error.message)
        return _index(form, form.date.data, outcome.status)
    plan_id = new.id
    jobs.start_plan_job(new)  # after the commit: the job must find the SOLVING plan
    return redirect(url_for("planning.show", plan_id=plan_id))


@bp.route("/plans/<int:plan_id>")
@requires(permissions.can_plan_routes)
@transaction.commits  # after rendering, so the page's objects are not reloaded
def show(plan_id: int):
    plan = queries.get_plan_for_review(db.session, plan_id)
    status = queries.plan_status(plan, utcnow())
    return render_template("planning/plan.html", plan=plan, status=status, move=MoveForm(), action=ActionForm(),
                           routes=present.routes_for_map(plan), drops=present.drops_by_reason(plan),
                           summaries=present.route_summaries(plan),
                           tiles=current_app.config["MAP_TILE_URL"],
                           attribution=current_app.config["MAP_TILE_ATTRIBUTION"])


@bp.route("/plans/<int:plan_id>/status")
@requires(permissions.can_plan_routes)
@transaction.commits  # the status check may mark a stale plan failed
def status(plan_id: int):
    plan = queries.get_plan(db.session, plan_id)
    return jsonify(queries.plan_status(plan, utcnow()))


@bp.route("/plans/<int:plan_id>/move", methods=["POST"])
@requires(permissions.can_plan_routes)
def move(plan_id: int):
    plan = queries.get_plan(db.session, plan_id)
    form = MoveForm()
    if not form.validate_on_submit():
        flash("Choose a request and a route to move it to.", "error")
        return redirect(url_for("planning.show", plan_id=plan_id)), 303
    with transaction.write(flash_error=True) as outcome:
        new = edits.move_request(db.session, current_user, plan, form.claim_id.data, form.route_id.data, utcnow())
    if outcome.failed:
        return redirect(url_for("planning.show", plan_id=plan_id)), 303
    new_id = new.id
    jobs.start_plan_job(new)
    return redirect(url_for("planning.show", plan_id=new_id))


@bp.route("/plans/<int:plan_id>/publish", methods=["POST"])
@requires(permissions.can_plan_routes)
def publish(plan_id: int):
    plan = queries.get_plan(db.session, plan_id)
    if not ActionForm().validate_on_submit():
        flash("The form expired; try again.", "error")
        return redirect(url_for("planning.show", plan_id=plan_id)), 303
    with transaction.write(flash_error=True) as outcome:
        told = edits.publish_plan(db.session, current_user, plan, utcnow(), local_zone())
    if outcome.failed:
        return redirect(url_for("planning.show", plan_id=plan_id)), 303
    jobs.start_push_send()   # the drivers' route changes reach their phones now, not at the worker's next run
    flash(f"Published: {told['drivers']} drivers and {told['organizations']} partners were told their times.",
          "success")
    return redirect(url_for("planning.show", plan_id=plan_id))


@bp.route("/replan", methods=["POST"])
@requires(permissions.can_plan_routes)
def replan():
    form = PlanForm()
    local_date = form.date.data or _tomorrow()
    if not form.validate_on_submit():
        return _index(form, local_date, 422)
    with transaction.write() as outcome:
        new = edits.start_replan(db.session, current_user, local_zone(), utcnow(), local_date,
                                 time_limit_s=float(form.time_limit.data or 10))
    if outcome.failed:
        form.form_errors.append(outcome.error.message)
        return _index(form, local_date, outcome.status)
    new_id = new.id
    jobs.start_plan_job(new)
    return redirect(url_for("planning.show", plan_id=new_id))


TEMPERATURE_FIELDS = ("refrigerated_max", "frozen_max", "delivery_grace")


@bp.route("/food-safety", methods=["GET", "POST"])
@requires(permissions.can_manage_food_safety)
def food_safety_rules():
    """Minutes on the road per storage class and cold chain, and the temperature limits, in the coalition's unit."""
    form = ActionForm()
    unit = current_app.config["TEMPERATURE_UNIT"]
    errors: dict[str, str] = {}
    posted: dict = {}
    temperatures: dict = {}
    status = 200
    if request.method == "POST":
        if form.validate_on_submit():
            posted = {tuple(key.split("-", 1)): request.form.get(key, "") for key in
                      (f"{s}-{c}" for s, c in food_safety.DEFAULT_MINUTES)}
            temperatures = {key: request.form.get(key, "") for key in TEMPERATURE_FIELDS}
            with transaction.write() as outcome:
                count = food_safety.set_policy(db.session, current_user, posted, temperatures, unit)
            if outcome.failed:
                form.form_errors.append(outcome.error.message)
                errors, status = outcome.error.fields, outcome.status
            else:
                flash(f"Food-safety policy saved ({count} limits differ from the defaults).", "success")
                return redirect(url_for("planning.food_safety_rules"))
        else:
            status = 422
            form.form_errors.append("The form expired; try again.")
    limits, defaults = cold_chain.load_limits(db.session), cold_chain.Limits()
    shown = {"refrigerated_max": cold_chain.from_dc(limits.refrigerated_max_dc, unit),
             "frozen_max": cold_chain.from_dc(limits.frozen_max_dc, unit),
             "delivery_grace": round(limits.delivery_grace_dc / 10 * (1.8 if unit == "F" else 1), 1)}
    default_text = {"refrigerated_max": cold_chain.format_dc(defaults.refrigerated_max_dc, unit),
                    "frozen_max": cold_chain.format_dc(defaults.frozen_max_dc, unit),
                    "delivery_grace": cold_chain.format_dc(defaults.delivery_grace_dc, unit, delta=True)}
    return render_template("planning/food_safety.html", form=form, rules=food_safety.list_rules(db.session),
                           defaults=food_safety.DEFAULT_MINUTES, errors=errors, unit=unit,
                           temperatures={k: temperatures.get(k, f"{v:g}") for k, v in shown.items()},
                           default_text=default_text,
                           posted={f"{k[0]}-{k[1]}": v for k, v in posted.items()}), status
