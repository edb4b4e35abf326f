from __future__ import annotations

import datetime as dt
import json
import tempfile
from pathlib import Path

from flask import Response, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from werkzeug.utils import secure_filename
from wtforms.fields.choices import SelectChoice

from coalition import mail_links, permissions
from coalition.blueprints import transaction
from coalition.blueprints.forms import choices_of
from coalition.blueprints.measurement import bp, charts
from coalition.blueprints.measurement.forms import (
    GoalForm,
    ImportForm,
    PeriodForm,
    RateForm,
    ReportForm,
    RemindForm,
    ReportUploadForm,
    SettingsForm,
)
from coalition.errors import NotFound, ValidationError
from coalition.extensions import db
from coalition.models import Organization, Trajectory
from coalition.models.base import utcnow
from coalition.permissions import authorize, login_required, requires
from coalition.services import dashboards, geo, indicator_snapshots, indicators, organizations, partner_reports, units
from coalition.services.csv_export import write_csv
from coalition.services.mail import MailSettings, send_mail

GROUP_TITLES = {"category": "By food category", "storage": "By storage class", "donor_kind": "By donor type",
                "partner": "By recipient partner", "donor": "By donor"}


def _last_month() -> str:
    """The month partners report on now: the one that just ended."""
    return (utcnow().replace(day=1) - dt.timedelta(days=1)).strftime("%Y-%m")


def _filters(organization_id: int | None = None) -> indicators.Filters:
    form = PeriodForm(request.args)
    return dashboards.period_filters(form.from_month.data or None, form.to_month.data or None, utcnow(), organization_id)


def _charts(dashboard: dashboards.Dashboard) -> dict:
    months = [(r.key, r.kg_distributed) for r in dashboard.months]
    result = {
        "goal": charts.goal_chart(dashboard.progress.trajectory, [(y, v) for y, v, _ in dashboard.city_rates],
                                  "Food-insecurity rate: goal trajectory and measured values", "chart-goal"),
    }
    if dashboard.partner is not None:
        own = [(r.key, r.kg_distributed) for r in dashboard.partner_months]
        result["months"] = charts.bar_chart(own, f"kg per month: {dashboard.partner.name} (dark) beside the coalition (light)",
                                            "kg", "chart-months", compare=months)
    else:
        result["months"] = charts.bar_chart(months, "kg distributed per month", "kg", "chart-months")
    return result


def _render(template: str, dashboard: dashboards.Dashboard, mode: str, **extra):
    geojson = geo.neighborhoods_geojson(dashboard.neighborhoods, db.session) if dashboard.neighborhoods else None
    return render_template(template, d=dashboard, mode=mode, charts=_charts(dashboard), geojson=geojson,
                           indicators_=indicators.INDICATORS, group_titles=GROUP_TITLES, period=PeriodForm(request.args),
                           **extra)


@bp.route("/")
@requires(permissions.can_view_coalition_progress)
def dashboard():
    """The backbone's dashboard; every other partner's people are sent to the shared progress page."""
    if not permissions.can_manage_measurement(current_user):
        return redirect(url_for("measurement.progress_page", **request.args))
    filters = _filters()
    board = dashboards.build_dashboard(db.session, filters)
    missing_period = _last_month()
    return _render("measurement/dashboard.html", board, "backbone",
                   missing=partner_reports.missing_reports(db.session, missing_period), missing_period=missing_period)


@bp.route("/mine")
@requires(permissions.can_view_coalition_progress)
def mine():
    """The menu's way in: the shared progress page with the person's part (the backbone goes to its dashboard)."""
    if permissions.can_manage_measurement(current_user):
        return redirect(url_for("measurement.dashboard"))
    return redirect(url_for("measurement.progress_page"))


def _load_partner(organization_id: int) -> Organization:
    organization = organizations.get_organization(db.session, organization_id)
    if not permissions.can_view_partner_dashboard(current_user, organization):
        raise NotFound("There is no such partner dashboard.")
    return organization


@bp.route("/partners/<int:organization_id>")
@login_required
def partner(organization_id: int):
    organization = _load_partner(organization_id)
    board = dashboards.build_dashboard(db.session, _filters(), partner=organization)
    return _render("measurement/dashboard.html", board, "partner")


@bp.route("/public")
def public():
    """Aggregates only, for funders and residents; switched on by the backbone (who can always preview it)."""
    settings = indicators.get_settings(db.session)
    if not settings.public_dashboard and not permissions.can_manage_measurement(current_user):
        abort(404)
    board = dashboards.build_dashboard(db.session, _filters(), public=True)
    return _render("measurement/dashboard.html", board, "public")


# --- downloads ---------------------------------------------------------------------

def _csv(filename: str, header: list[str], rows) -> Response:
    return Response(write_csv(header, rows), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})


def _rows_csv(name: str, rows: list[indicators.Row]) -> Response:
    unit = units.label()  # weights in the coalition's unit, to the gram
    return _csv(f"{name}.csv", ["key", "label", "deliveries", f"{unit}_rescued", f"{unit}_distributed", "meals"],
                ([r.key, r.label, r.deliveries, units.kg_number(r.kg_rescued, grouped=False),
                  units.kg_number(r.kg_distributed, grouped=False), f"{r.meals:.1f}"] for r in rows))


def _neighborhoods_csv(stats) -> Response:
    return _csv("neighborhoods.csv", ["name", "population", "food_insecurity_pct", "food_insecure", units.label(), "meals",
                                      "meals_per_food_insecure", "distance_km", "nearest_site", "underserved_score",
                                      "rank", "demo_data"],
                ([s.name, s.population, s.food_insecurity_pct, round(s.food_insecure), units.kg_number(s.kg, grouped=False), f"{s.meals:.1f}",
                  "" if s.meals_per_food_insecure is None else f"{s.meals_per_food_insecure:.3f}",
                  "" if s.distance_km is None else f"{s.distance_km:.2f}", s.nearest_site or "",
                  "" if s.underserved_score is None else s.underserved_score, s.rank or "", s.is_demo] for s in stats))


def _reports_csv(reports) -> Response:
    return _csv("partner_reports.csv", ["organization", "period", "visits", "individuals", "households", "meals_on_site"],
                ([r.organization.name, r.period_start.strftime("%Y-%m"), r.visits,
                  "" if r.individuals is None else r.individuals, "" if r.households is None else r.households,
                  "" if r.meals_on_site is None else r.meals_on_site] for r in reports))


def _export(board: dashboards.Dashboard, table: str, organization_id: int | None = None) -> Response:
    if table == "months":
        return _rows_csv("months", board.partner_months if board.partner is not None else board.months)
    if table in board.by:
        return _rows_csv(table, board.by[table])
    if table == "neighborhoods":
        return _neighborhoods_csv(board.neighborhoods)
    if table == "reports":
        return _reports_csv(partner_reports.list_reports(db.session, organization_id, limit=100_000))
    if table == "indicators":
        return _csv("indicators.csv", ["key", "name", "definition", "unit", "source", "frequency", "owner"],
                    ([i.key, i.name, i.definition, i.unit, i.source, i.frequency, i.owner]
                     for i in indicators.INDICATORS.values()))
    if table == "goal":
        p = board.progress
        rows = [[year, value, next((v for y, v, _ in board.city_rates if y == year), "")] for year, value in p.trajectory]
        return _csv("goal.csv", ["year", "goal_trajectory_pct", "measured_pct"], rows)
    raise NotFound("There is no such table here.")


TABLES = "months,category,storage,donor_kind,partner,donor,neighborhoods,reports,indicators,goal"


@bp.route(f"/export/<any({TABLES}):table>.csv")
@requires(permissions.can_manage_measurement)
def export(table: str):
    return _export(dashboards.build_dashboard(db.session, _filters()), table)


@bp.route("/series.csv")
@requires(permissions.can_manage_measurement)
def series_csv():
    """The stored indicator time series: monthly snapshots and entered survey values."""
    rows = indicator_snapshots.stored_series(db.session)
    return _csv("indicator_series.csv", ["indicator", "name", "period_start", "period_end", "neighborhood", "value",
                                         "unit", "source", "entered"],
                ([r.indicator, r.name, r.period_start.isoformat(), r.period_end.isoformat(), r.neighborhood,
                  f"{r.value:g}", r.unit, r.source, "yes" if r.entered else "no"] for r in rows))


@bp.route("/partners/<int:organization_id>/export/<any(months,category,storage,reports,goal,indicators):table>.csv")
@login_required
def partner_export(organization_id: int, table: str):
    organization = _load_partner(organization_id)
    return _export(dashboards.build_dashboard(db.session, _filters(), partner=organization), table, organization.id)


@bp.route("/public/export/<any(months,category,storage,donor_kind,neighborhoods,goal,indicators):table>.csv")
def public_export(table: str):
    if not indicators.get_settings(db.session).public_dashboard and not permissions.can_manage_measurement(current_user):
        abort(404)
    return _export(dashboards.build_dashboard(db.session, _filters(), public=True), table)


def _geojson_response(stats) -> Response:
    return Response(json.dumps(geo.neighborhoods_geojson(stats, db.session)), mimetype="application/geo+json",
                    headers={"Content-Disposition": 'attachment; filename="neighborhoods.geojson"'})


@bp.route("/neighborhoods.geojson")
@requires(permissions.can_manage_measurement)
def neighborhoods_geojson():
    filters = _filters()
    return _geojson_response(geo.neighborhood_stats(db.session, filters.start, filters.end,
                                                    indicators.get_settings(db.session).kg_per_meal))


@bp.route("/public/neighborhoods.geojson")
def public_neighborhoods_geojson():
    if not indicators.get_settings(db.session).public_dashboard and not permissions.can_manage_measurement(current_user):
        abort(404)
    filters = _filters()
    return _geojson_response(geo.neighborhood_stats(db.session, filters.start, filters.end,
                                                    indicators.get_settings(db.session).kg_per_meal))


# --- the backbone's settings: goal, factors, survey values, neighborhoods ---------------

def _goal_page(form: GoalForm, status: int = 200):
    return render_template("measurement/goal.html", form=form, progress=indicators.goal_progress(db.session)), status


@bp.route("/goal", methods=["GET", "POST"])
@requires(permissions.can_manage_measurement)
def goal():
    form = GoalForm()
    form.trajectory.choices = choices_of(Trajectory)
    current = indicators.get_goal(db.session)
    if not form.is_submitted() and current is not None:
        form.baseline_value.data, form.baseline_year.data = current.baseline_value, current.baseline_year
        form.target_reduction_pct.data, form.target_year.data = current.target_reduction_pct, current.target_year
        form.trajectory.data = current.trajectory.value
        form.milestones.data = ", ".join(f"{y}={v:g}" for y, v in sorted(current.milestones.items()))
    if not form.validate_on_submit():
        return _goal_page(form, 422 if form.is_submitted() else 200)
    with transaction.write(form) as outcome:
        milestones = indicators.parse_milestones(form.milestones.data or "")
        indicators.set_goal(db.session, current_user, utcnow(), form.baseline_value.data, form.baseline_year.data,
                            form.target_reduction_pct.data, form.target_year.data, form.trajectory.data, milestones)
    if outcome.failed:
        return _goal_page(form, outcome.status)
    flash("Goal saved.", "success")
    return redirect(url_for("measurement.goal"))


def _place_choices() -> list[SelectChoice]:
    return [SelectChoice("", "The whole city")] + [SelectChoice(str(n.id), n.name) for n in geo.list_neighborhoods(db.session)]


def _settings_page(form: SettingsForm, rate_form: RateForm, status: int = 200):
    rate_form.neighborhood_id.choices = _place_choices()
    return render_template("measurement/settings.html", form=form, rate_form=rate_form,
                           city_rates=indicators.city_series(db.session)), status


@bp.route("/settings", methods=["GET", "POST"])
@requires(permissions.can_manage_measurement)
def settings():
    current = indicators.get_settings(db.session)
    form = SettingsForm(obj=current)
    rate_form = RateForm(prefix="rate")
    if not form.validate_on_submit():
        return _settings_page(form, rate_form, 422 if form.is_submitted() else 200)
    with transaction.write(form) as outcome:
        indicators.update_settings(db.session, current_user, utcnow(), form.kg_per_meal.data, form.co2e_per_kg.data,
                                   bool(form.public_dashboard.data))
    if outcome.failed:
        return _settings_page(form, rate_form, outcome.status)
    flash("Settings saved.", "success")
    return redirect(url_for("measurement.settings"))


@bp.route("/rates", methods=["POST"])
@requires(permissions.can_manage_measurement)
def record_rate():
    form = SettingsForm(obj=indicators.get_settings(db.session))
    rate_form = RateForm(prefix="rate")
    rate_form.neighborhood_id.choices = _place_choices()
    if not rate_form.validate_on_submit():
        return _settings_page(form, rate_form, 422)
    neighborhood = None
    if rate_form.neighborhood_id.data:
        neighborhood = geo.get_neighborhood(db.session, int(rate_form.neighborhood_id.data))
    with transaction.write(rate_form) as outcome:
        indicators.record_value(db.session, current_user, utcnow(), "food_insecurity_rate", rate_form.year.data,
                                rate_form.value.data, rate_form.source.data or "", neighborhood)
    if outcome.failed:
        return _settings_page(form, rate_form, outcome.status)
    flash("Food-insecurity rate saved.", "success")
    return redirect(url_for("measurement.settings"))


@bp.route("/neighborhoods/import", methods=["GET", "POST"])
@requires(permissions.can_manage_measurement)
def import_neighborhoods():
    form = ImportForm()
    if not form.validate_on_submit():
        return render_template("measurement/import.html", form=form), 422 if form.is_submitted() else 200
    upload = form.file.data
    name = secure_filename(upload.filename or "") or "boundaries"
    if Path(name).suffix.lower() not in (".geojson", ".json", ".gpkg", ".zip"):
        form.file.errors = ["Send a .geojson, .gpkg or .zip (Shapefile) file."]
        return render_template("measurement/import.html", form=form), 422
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / name
        upload.save(path)
        with transaction.write(form) as outcome:
            result = geo.import_neighborhoods(db.session, path, utcnow(), form.source.data or "", form.year.data)
    if outcome.failed:
        return render_template("measurement/import.html", form=form), outcome.status
    repaired = f" Repaired: {', '.join(result.repaired)}." if result.repaired else ""
    flash(f"Imported {result.created} new and updated {result.updated} neighborhoods (from {result.source_crs}); "
          f"{result.deliveries_assigned} deliveries placed.{repaired}", "success")
    return redirect(url_for("measurement.dashboard"))


# --- partner reports ------------------------------------------------------------------

def _reportable() -> list[Organization]:
    if permissions.can_manage_measurement(current_user):
        return partner_reports.reporting_partners(db.session)
    return [o for o in permissions.recipient_organizations(current_user) if o.active]


def _reports_page(form: ReportForm, upload: ReportUploadForm, status: int = 200):
    partners = _reportable()
    form.organization_id.choices = [SelectChoice(str(o.id), o.name) for o in partners]
    backbone = permissions.can_manage_measurement(current_user)
    period = request.args.get("period") or _last_month()
    try:
        missing = partner_reports.missing_reports(db.session, period) if backbone else []
    except ValidationError:
        period, missing = None, []
    if backbone:
        reports = partner_reports.list_reports(db.session, limit=200)
    else:
        reports = [r for o in partners for r in partner_reports.list_reports(db.session, o.id, limit=60)]
    return render_template("measurement/reports.html", form=form, upload=upload, reports=reports, missing=missing,
                           period=period, backbone=backbone, remind=RemindForm(period=period)), status


@bp.route("/reports", methods=["GET", "POST"])
@requires(permissions.can_report_for_any)
def reports():
    form = ReportForm()
    upload = ReportUploadForm(prefix="csv")
    if not form.is_submitted():
        form.period.data = _last_month()
        return _reports_page(form, upload)
    form.organization_id.choices = [SelectChoice(str(o.id), o.name) for o in _reportable()]
    if not form.validate_on_submit():
        return _reports_page(form, upload, 422)
    organization = organizations.get_organization(db.session, int(form.organization_id.data))
    with transaction.write(form) as outcome:
        partner_reports.submit_report(db.session, current_user, organization, partner_reports.ReportInput(
            form.period.data, form.visits.data, form.individuals.data, form.households.data, form.meals_on_site.data),
            utcnow())
    if outcome.failed:
        return _reports_page(form, upload, outcome.status)
    flash(f"Report for {organization.name}, {form.period.data} saved.", "success")
    return redirect(url_for("measurement.reports"))


@bp.route("/reports/upload", methods=["POST"])
@requires(permissions.can_report_for_any)
def upload_reports():
    form = ReportForm()
    upload = ReportUploadForm(prefix="csv")
    if not upload.validate_on_submit():
        return _reports_page(form, upload, 422)
    try:
        text = upload.file.data.read().decode("utf-8-sig")
    except UnicodeDecodeError:
        upload.file.errors = ["Save the CSV as UTF-8 text."]
        return _reports_page(form, upload, 422)
    with transaction.write(upload) as outcome:
        saved = partner_reports.import_csv(db.session, current_user, text, utcnow())
    if outcome.failed:
        return _reports_page(form, upload, outcome.status)
    flash(f"Imported {len(saved)} reports.", "success")
    return redirect(url_for("measurement.reports"))


@bp.route("/reports/remind", methods=["POST"])
@requires(permissions.can_manage_measurement)
def remind_reports():
    """E-mail every partner that has not reported for the month (without SMTP the messages go to the log)."""
    form = RemindForm()
    if not form.validate_on_submit():
        raise ValidationError("This form has expired. Reload the page and try again.")
    period = (form.period.data or "").strip() or _last_month()
    with transaction.write(flash_error=True) as outcome:
        reminders = partner_reports.remind_missing(db.session, current_user, period, utcnow(),
                                                   mail_links.absolute_url("measurement.reports"))
    if outcome.failed:
        return redirect(url_for("measurement.reports"))
    settings = MailSettings.from_config(current_app.config)
    sent = sum(send_mail(settings, email, r.subject, r.body) for r in reminders for email in r.emails)
    if not reminders:
        flash(f"Every partner has reported for {period}.", "success")
    else:
        flash(f"Reminded {len(reminders)} partners for {period}: {sent} e-mails sent"
              + ("" if sent else " (e-mail is not set up: the messages are in the log)") + ".", "success")
    return redirect(url_for("measurement.reports", period=period))
