"""``GET /api/v1/indicators``: the shared indicators as JSON, for partner systems and funders' tools."""
from __future__ import annotations

import datetime as dt

from flask import jsonify, request
from flask_login import current_user

from coalition import permissions
from coalition.blueprints.measurement import api_bp
from coalition.errors import PermissionDenied, ValidationError
from coalition.extensions import db
from coalition.ids import parse_id
from coalition.models.base import utcnow
from coalition.permissions import login_required
from coalition.services import dashboards, indicators, organizations

PARTNER_GROUPINGS = {"partner", "donor"}  # name partners' figures: the backbone's view


def _rows(rows: list[indicators.Row]) -> list[dict]:
    return [{"key": r.key, "label": r.label, "deliveries": r.deliveries, "kg_rescued": round(r.kg_rescued, 3),
             "kg_distributed": round(r.kg_distributed, 3), "meals": round(r.meals, 1)} for r in rows]


@api_bp.route("/indicators")
@login_required
def indicators_json():
    """Query: ``from`` / ``to`` (YYYY-MM, default the last 12 months), ``group_by`` (comma-separated:
    month, year, category, storage, donor_kind, partner, donor, neighborhood), ``organization_id`` (one
    partner's own figures: its people or the backbone)."""
    groups = [g.strip() for g in request.args.get("group_by", "").split(",") if g.strip()]
    unknown = [g for g in groups if g not in indicators.GROUPINGS]
    if unknown:
        raise ValidationError(f"Unknown grouping {', '.join(unknown)}; use {', '.join(indicators.GROUPINGS)}.",
                              {"group_by": "Unknown grouping."})
    backbone = permissions.can_manage_measurement(current_user)
    if set(groups) & PARTNER_GROUPINGS and not backbone:
        raise PermissionDenied("Only the backbone sees figures by partner.")
    organization_id = None
    raw_id = request.args.get("organization_id")
    if raw_id:
        parsed = parse_id(raw_id)
        if parsed is None:
            raise ValidationError("organization_id is a number.", {"organization_id": "Give a partner's id."})
        organization = organizations.get_organization(db.session, parsed)
        if not permissions.can_view_partner_dashboard(current_user, organization):
            raise PermissionDenied("You cannot see this partner's figures.")
        organization_id = organization.id
    filters = dashboards.period_filters(request.args.get("from") or None, request.args.get("to") or None,
                                        utcnow(), organization_id)
    settings = indicators.get_settings(db.session)
    totals = indicators.totals(db.session, filters, settings)
    people = indicators.people_served(db.session, filters.start.date(), filters.end.date(), organization_id)
    progress = indicators.goal_progress(db.session)
    goal = progress.goal
    return jsonify({
        "period": {"from": filters.start.strftime("%Y-%m"),
                   "to": (filters.end - dt.timedelta(days=1)).strftime("%Y-%m"),
                   "start": filters.start.isoformat(), "end": filters.end.isoformat()},
        "organization_id": organization_id,
        "goal": None if goal is None else {
            "indicator": goal.indicator, "baseline_value": goal.baseline_value, "baseline_year": goal.baseline_year,
            "target_reduction_pct": goal.target_reduction_pct, "target_year": goal.target_year,
            "target_value": round(goal.target_value, 3), "trajectory": goal.trajectory.value,
            "milestones": [{"year": y, "value": v} for y, v in progress.trajectory]},
        "kg_rescued": round(totals.kg_rescued, 3),
        "kg_distributed": round(totals.kg_distributed, 3),
        "meals_distributed": round(totals.meals, 1),
        "kg_per_meal": settings.kg_per_meal,
        "co2e_avoided_kg": round(totals.co2e_kg, 1),
        "co2e_per_kg": settings.co2e_per_kg,
        "deliveries": totals.deliveries,
        "people_served": people.visits,
        "people_served_detail": {"visits": people.visits, "unduplicated_individuals": people.individuals,
                                 "households": people.households, "meals_on_site": people.meals_on_site,
                                 "reports": people.reports},
        "food_insecurity_rate": {"value": progress.latest_value, "year": progress.latest_year,
                                 "source": progress.latest_source, "progress_pct": progress.progress_pct,
                                 "milestone": progress.milestone, "on_track": progress.on_track, "unit": "%"},
        "volunteer_hours": None if totals.volunteer_hours is None else round(totals.volunteer_hours, 1),
        "driver_km": None if totals.driver_km is None else round(totals.driver_km, 1),
        "share_rescued_pct": indicators.share_rescued(db.session, filters),
        "hours_to_pickup": None if totals.hours_to_pickup is None else round(totals.hours_to_pickup, 2),
        "groups": {g: _rows(indicators.breakdown(db.session, filters, g, settings)) for g in groups},
        "definitions": {k: {"name": i.name, "definition": i.definition, "unit": i.unit, "source": i.source,
                            "frequency": i.frequency, "owner": i.owner} for k, i in indicators.INDICATORS.items()},
    })
