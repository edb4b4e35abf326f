"""How a plan reads on a page: the map's routes, the drops grouped by their words, each route's summary line.
Plain data from the plan's rows; nothing here knows the solver."""
from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

from coalition.models.route_plan import PlanDrop, Route, RoutePlan, Stop, StopKind


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
