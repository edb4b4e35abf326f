"""How a plan reads: the map's routes, the drops grouped by their words, and the summary the planning job
returns (the CLI prints it). Plain data from the plan's rows; nothing here knows the solver."""
from __future__ import annotations

from collections import defaultdict

from coalition.models.route_plan import PlanDrop, RoutePlan


def plan_summary(plan: RoutePlan) -> dict:
    """The CLI's JSON: requests, served, dropped (with reasons), vehicles used, km, solve time, validity."""
    figures = plan.figures or {}
    return {
        "plan_id": plan.id, "date": plan.local_date.isoformat(), "status": plan.status.value,
        "requests": figures.get("requests", 0), "served": figures.get("served", 0),
        "dropped": figures.get("dropped", []), "vehicles_used": figures.get("vehicles_used", 0),
        "distance_km": figures.get("km_driven", 0.0), "duration_s": figures.get("solve_s", 0.0),
        "kg_moved": figures.get("kg_moved", 0.0), "share_served": figures.get("share_served", 0.0),
        "volunteer_hours": figures.get("volunteer_hours", 0.0), "valid": figures.get("valid", False),
        "zones": figures.get("zones", 1), "message": plan.message,
        "travel": plan.travel, "travel_error": figures.get("travel_error"),
    }


def routes_for_map(plan: RoutePlan) -> list[dict]:
    """Each route's stops as plain data for the page's map and JSON."""
    return [{"id": r.id, "driver": r.driver.display_name,
             "stops": [{"lat": s.latitude, "lon": s.longitude, "kind": s.kind.value, "name": s.organization.name,
                        "position": s.position} for s in r.stops]} for r in plan.routes]


def drops_by_reason(plan: RoutePlan) -> dict[str, list[PlanDrop]]:
    """The plan's drops grouped by their words (the review page lists each reason once)."""
    grouped: dict[str, list[PlanDrop]] = defaultdict(list)
    for drop in plan.drops:
        grouped[drop.message].append(drop)
    return dict(grouped)
