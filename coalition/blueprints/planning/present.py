"""How a plan reads: the map's routes, the drops grouped by their words, and the summary the planning job
returns (the CLI prints it). Plain data from the plan's rows; nothing here knows the solver."""
from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

from coalition.models.route_plan import PlanDrop, Route, RoutePlan, Stop, StopKind


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


@dataclass(frozen=True)
class RouteSummary:
    """One route's line on the review page: enough to judge it without opening its stops."""

    route: Route
    stops: int
    kg: float            # kilograms picked up along the route
    km: float
    start_at: dt.datetime | None
    end_at: dt.datetime | None
    late: int            # stops served after their window closed
    unsafe: int          # deliveries after the food's safe-until time


def _late(stop: Stop) -> bool:
    closes = stop.claim.line.donation.pickup_end if stop.kind is StopKind.PICKUP else stop.claim.delivery_end
    return stop.service_start_at > closes


def _unsafe(stop: Stop) -> bool:
    return stop.kind is StopKind.DELIVERY and stop.safe_until is not None and stop.service_start_at > stop.safe_until


def route_summaries(plan: RoutePlan) -> list[RouteSummary]:
    """One summary per route of the plan, in the plan's order, with its warnings counted.

    A checked plan has no late or unsafe stop; a plan edited by hand, or one the checker found wrong,
    may, and the review page names them on the route's summary line so they are seen while it is folded.
    """
    return [RouteSummary(
        route=route, stops=len(route.stops),
        kg=sum(stop.claim.quantity_kg for stop in route.stops if stop.kind is StopKind.PICKUP),
        km=route.distance_m / 1000, start_at=route.start_at, end_at=route.end_at,
        late=sum(1 for stop in route.stops if _late(stop)),
        unsafe=sum(1 for stop in route.stops if _unsafe(stop)),
    ) for route in plan.routes]
