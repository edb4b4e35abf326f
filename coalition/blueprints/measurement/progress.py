"""The shared progress page every partner's people see, with their organization's part beside the
coalition's, and the neighborhood briefs (HTML, PDF, and all of them at once as a zip)."""
from __future__ import annotations

from flask import Response, current_app, render_template, request
from flask_login import current_user

from coalition import permissions
from coalition.blueprints.measurement import bp, charts
from coalition.blueprints.measurement.forms import PeriodForm
from coalition.errors import NotFound
from coalition.extensions import db
from coalition.models import Organization
from coalition.models.base import utcnow
from coalition.permissions import requires
from coalition.services import briefs, dashboards, geo, indicators, organizations, progress


def _filters() -> indicators.Filters:
    form = PeriodForm(request.args)
    return dashboards.period_filters(form.from_month.data or None, form.to_month.data or None, utcnow())


def _own_organizations() -> list[Organization]:
    """The organizations whose part the person may choose between: those they belong to."""
    found: dict[int, Organization] = {}
    for membership in current_user.active_memberships():
        found.setdefault(membership.organization_id, membership.organization)
    return sorted(found.values(), key=lambda o: o.name)


def _chosen_organization(own: list[Organization]) -> Organization | None:
    chosen = request.args.get("organization_id", "")
    if not chosen:
        return own[0] if own else None
    if not chosen.isdigit():
        raise NotFound("There is no such organization.")
    organization = organizations.get_organization(db.session, int(chosen))
    if not permissions.can_view_own_part(current_user, organization):
        raise NotFound("There is no such organization.")
    return organization


def _main_figure(part: progress.YourPart) -> tuple[str, list[tuple[str, float]]]:
    """The organization's own kg series for its trend chart: what a donor gave, a recipient received,
    anyone else's drivers carried."""
    kind = part.organization.kind
    if kind.is_donor:
        return "donated", [(m.key, m.donated_kg) for m in part.months]
    if kind.is_recipient:
        return "received", [(m.key, m.received_kg) for m in part.months]
    return "delivered by its drivers", [(m.key, m.delivered_kg) for m in part.months]


@bp.route("/progress")
@requires(permissions.can_view_coalition_progress)
def progress_page():
    """The coalition's aggregates against the goal, and the chosen organization's part beside them."""
    own = _own_organizations()
    organization = _chosen_organization(own)
    board = progress.build_progress(db.session, _filters(), organization)
    coalition_months = [(r.key, r.kg_distributed) for r in board.months]
    result_charts = {
        "goal": charts.goal_chart(board.progress.trajectory, [(y, v) for y, v, _ in board.city_rates],
                                  "Food-insecurity rate: goal trajectory and measured values", "chart-goal"),
        "months": charts.bar_chart(coalition_months, "kg distributed per month, coalition-wide", "kg", "chart-months"),
    }
    if board.part is not None:
        what, series = _main_figure(board.part)
        result_charts["part"] = charts.bar_chart(series, f"kg {what} per month: {board.part.organization.name}",
                                                 "kg", "chart-part")
    geojson = geo.neighborhoods_geojson(board.neighborhoods, db.session) if board.neighborhoods else None
    return render_template(
        "measurement/progress.html", d=board, charts=result_charts, geojson=geojson, own=own,
        period=PeriodForm(request.args), indicators_=indicators.INDICATORS,
        detailed=board.part is not None and permissions.can_view_partner_dashboard(current_user, board.part.organization),
        all_briefs=permissions.can_download_all_briefs(current_user))


# --- neighborhood briefs ----------------------------------------------------------------

@bp.route("/neighborhoods/<int:neighborhood_id>/brief")
@requires(permissions.can_view_coalition_progress)
def brief(neighborhood_id: int):
    found = briefs.get_brief(db.session, neighborhood_id, _filters())
    return render_template("measurement/brief.html", b=found, period=PeriodForm(request.args),
                           all_briefs=permissions.can_download_all_briefs(current_user))


@bp.route("/neighborhoods/<int:neighborhood_id>/brief.pdf")
@requires(permissions.can_view_coalition_progress)
def brief_pdf(neighborhood_id: int):
    found = briefs.get_brief(db.session, neighborhood_id, _filters())
    body = briefs.render_brief_pdf(found, current_app.config["COALITION_NAME"], utcnow())
    return Response(body, mimetype="application/pdf",
                    headers={"Content-Disposition": f'attachment; filename="{briefs.brief_filename(found)}"'})


@bp.route("/neighborhoods/briefs.zip")
@requires(permissions.can_download_all_briefs)
def briefs_zip():
    """Every neighborhood's brief PDF in one zip, for the city's council packets and the backbone's funders."""
    filters = _filters()
    found = briefs.build_briefs(db.session, filters)
    if not found:
        raise NotFound("No neighborhoods have been imported yet.")
    body = briefs.render_briefs_zip(found, current_app.config["COALITION_NAME"], utcnow())
    month = found[0].to_month
    return Response(body, mimetype="application/zip",
                    headers={"Content-Disposition": f'attachment; filename="neighborhood-briefs-{month}.zip"'})
