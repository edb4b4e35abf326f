"""The one place database rows become ``routing`` objects and a ``routing.Solution`` comes back as rows.

Rows in: each claim a pickup-and-delivery request (``c<claim id>``), each shift a vehicle (``s<shift id>``),
times in seconds since the plan day's local midnight (:func:`build_problem`). Rows out: routes, stops
(with their safe-until) and drops (:func:`save`), and the plan's figures (:func:`figures`).
"""
from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass, field

from sqlalchemy.orm import Session

import routing
from coalition.models import Claim
from coalition.models.route_plan import PlanDrop, Route, RoutePlan, Stop, StopKind
from coalition.models.shift import DriverShift, PlaceKind
from coalition.services import food_safety, readiness, zoning
from coalition.services.planning.queries import day_bounds, done_visits

SERVICE_S = 5 * 60              # minutes at each pickup or delivery
# The words saved with each drop: routing's own reasons, and the two the app finds before solving.
DROP_WORDS = dict(routing.DROP_REASONS) | {
    "food_safety": "it cannot reach the recipient within its food-safety time on the vehicles available",
    "no_location": "the donor or the recipient has no map location",
}


@dataclass
class Built:
    """A problem and what its ids stand for."""

    problem: routing.Problem
    epoch: dt.datetime
    claims: dict[str, Claim]
    shifts: dict[str, DriverShift]
    skipped: list[tuple[Claim, str]] = field(default_factory=list)   # (claim, reason) left out before solving
    finish_only: dict[str, set[str]] = field(default_factory=dict)   # vehicle id -> the only requests it may serve


def seconds_since(moment: dt.datetime, epoch: dt.datetime) -> float:
    return (moment - epoch).total_seconds()


def _window(start: dt.datetime, end: dt.datetime, epoch: dt.datetime, floor_s: float = 0) -> routing.TimeWindow | None:
    a, b = max(seconds_since(start, epoch), floor_s, 0), seconds_since(end, epoch)
    return routing.TimeWindow(a, b) if b >= a else None


def _place(kind: PlaceKind, lat, lon, organization) -> routing.Location | None:
    if kind is PlaceKind.HOME and lat is not None and lon is not None:
        return routing.Location(lat, lon)
    if kind is PlaceKind.DEPOT and organization is not None and organization.latitude is not None:
        return routing.Location(organization.latitude, organization.longitude)
    return None


def _pin_dimension(vehicle_id: str) -> str:
    return f"pin:{vehicle_id}"


def build_problem(session: Session, claims: list[Claim], shifts: list[DriverShift], local_date: dt.date,
                  tz: dt.tzinfo, policy: food_safety.Policy, now_s: float | None = None,
                  pins: dict[int, int] | None = None, strict_ride: set[str] = frozenset(),
                  finish_only: dict[int, set[int]] | None = None, done: frozenset[tuple[str, str]] = frozenset()
                  ) -> Built:
    """Each claim a pickup-and-delivery request, each shift a vehicle.

    - windows: the donation's pickup window and the claim's delivery window,
      the delivery cut at the line's use-by; ``now_s`` cuts the past away;
    - load in grams (dimension ``g``), value = kg x the category's perishability;
    - max ride: the food-safety limit on the most permissive vehicle of the
      day that may carry it (``strict_ride``: the least permissive instead);
      :func:`coalition.services.planning.run.run_plan` checks the vehicle actually assigned;
    - ``pins`` (claim id -> shift id): a request locked to a route carries one
      unit of that vehicle's own dimension, which only that vehicle has room for;
    - an "anywhere" start is the centre of the day's stops; an "anywhere" end is an open route;
    - the shift's ``max_stops`` bounds its route's stops (each pickup and each delivery is one);
    - ``finish_only`` (shift id -> claim ids started on it): a driver who dropped out mid-route gets
      exactly those claims' stops as their limit, so they finish what they started and take nothing new;
    - ``done`` visits (``("c<claim id>", "pickup"|"delivery")``, already made) keep their whole window:
      one made late is in the past, not unreachable.
    """
    epoch, _ = day_bounds(local_date, tz)
    pins = pins or {}
    floor = now_s or 0
    built = Built(None, epoch, {}, {})  # type: ignore[arg-type]
    cold = readiness.cold_chains(session, shifts, local_date)   # no cold food without current food-safety training
    vehicles = _vehicles(built, shifts, cold, _centre(claims), floor, pins, finish_only or {})
    chains = {cold[s.id].value for s in shifts}
    requests = [request for claim in claims
                if (request := _request(built, claim, policy, chains, floor, pins, strict_ride, done)) is not None]
    built.problem = routing.Problem(requests=tuple(requests), vehicles=tuple(vehicles))
    return built


def _centre(claims: list[Claim]) -> routing.Location:
    """Where an "anywhere" start begins: the centre of the day's stops (the city's, when none is on the map)."""
    points = [(c.line.donation.donor.latitude, c.line.donation.donor.longitude) for c in claims] + \
             [(c.recipient.latitude, c.recipient.longitude) for c in claims]
    points = [p for p in points if p[0] is not None and p[1] is not None]
    return routing.Location(sum(p[0] for p in points) / len(points), sum(p[1] for p in points) / len(points)) \
        if points else routing.Location(45.52, -122.68)


def _vehicles(built: Built, shifts: list[DriverShift], cold: dict, centre: routing.Location, floor: float,
              pins: dict[int, int], finish_only: dict[int, set[int]]) -> list[routing.Vehicle]:
    """Each shift a vehicle (recorded in ``built.shifts``, and a finishing-only driver's requests in
    ``built.finish_only``); ``cold``: shift id -> the cold chain it may use."""
    pinned_vehicles = {f"s{s}" for s in pins.values()}
    vehicles = []
    for shift in shifts:
        vid = f"s{shift.id}"
        start = _place(shift.start_kind, shift.start_latitude, shift.start_longitude, shift.start_organization) or centre
        end = _place(shift.end_kind, shift.end_latitude, shift.end_longitude, shift.end_organization)
        begin = max(seconds_since(shift.start_at, built.epoch), floor)
        finish = seconds_since(shift.end_at, built.epoch)
        if finish <= begin:
            begin = finish
        capacity = {"g": shift.capacity_g} | {_pin_dimension(v): (len(pins) if v == vid else 0) for v in pinned_vehicles}
        max_stops = shift.max_stops
        if shift.id in finish_only:
            built.finish_only[vid] = {f"c{claim_id}" for claim_id in finish_only[shift.id]}
            max_stops = 2 * len(built.finish_only[vid])   # done visits count: no room for a new request
        vehicles.append(routing.Vehicle(vid, start=start, end=end, shift=routing.TimeWindow(begin, finish),
                                        capacity=capacity, cold_chain=cold[shift.id].value, max_stops=max_stops))
        built.shifts[vid] = shift
    return vehicles


def _request(built: Built, claim: Claim, policy: food_safety.Policy, chains: set[str], floor: float,
             pins: dict[int, int], strict_ride: set[str], done: frozenset[tuple[str, str]]) -> routing.Request | None:
    """The claim as a request (recorded in ``built.claims``), or None when it is left out before solving
    (recorded in ``built.skipped`` with the reason); ``chains``: the cold chains of the day's vehicles."""
    line, donation, recipient = claim.line, claim.line.donation, claim.recipient
    donor = donation.donor
    rid = f"c{claim.id}"
    if donor.latitude is None or recipient.latitude is None:
        built.skipped.append((claim, "no_location"))
        return None
    pickup = _window(donation.pickup_start, donation.pickup_end, built.epoch, 0 if (rid, "pickup") in done else floor)
    delivery = _window(claim.delivery_start, min(claim.delivery_end, line.use_by), built.epoch,
                       0 if (rid, "delivery") in done else floor)
    if pickup is None or delivery is None:
        built.skipped.append((claim, "window_unreachable"))
        return None
    storage = line.storage.value
    load = {"g": claim.quantity_g}
    if claim.id in pins:
        load[_pin_dimension(f"s{pins[claim.id]}")] = 1
    value = max(1, round(claim.quantity_g / 1000 * line.category.perishability))
    built.claims[rid] = claim
    return routing.Request(
        rid, "pickup_delivery",
        pickup=routing.StopSpec(routing.Location(donor.latitude, donor.longitude), SERVICE_S, (pickup,)),
        delivery=routing.StopSpec(routing.Location(recipient.latitude, recipient.longitude), SERVICE_S, (delivery,)),
        load=load, storage_class=storage, max_ride_s=_ride_limit(policy, storage, chains, rid in strict_ride),
        value=value)


def _ride_limit(policy: food_safety.Policy, storage: str, chains: set[str], strict: bool) -> float | None:
    """The longest ride (s) food of ``storage`` may take: the limit on the most permissive of ``chains`` that may
    carry it (``strict``: the least permissive), None for no limit."""
    limits = [policy.max_ride_s(storage, chain) for chain in chains if routing.can_carry(chain, storage)]
    if not limits:
        return None
    if strict:
        finite = [x for x in limits if x is not None]
        return min(finite) if finite else None
    return None if None in limits else max(limits)


def usable_previous(previous: routing.Solution, built: Built) -> routing.Solution:
    """The previous solution restricted to the requests and vehicles of this problem (a warm start); a driver
    who only finishes what they started keeps just those requests."""
    usable = zoning.restrict(previous, built.problem)
    return dataclasses.replace(usable, routes=tuple(
        dataclasses.replace(r, visits=tuple(v for v in r.visits if v.request_id in built.finish_only[r.vehicle_id]))
        if r.vehicle_id in built.finish_only else r for r in usable.routes))


def drop_unsafe(solution: routing.Solution, unsafe: set[str]) -> routing.Solution:
    """Take requests off their routes as dropped for food safety (their visits removed)."""
    data = solution.to_dict()
    routes = [dict(route, visits=[v for v in route["visits"] if v["request_id"] not in unsafe])
              for route in data["routes"]]
    data["routes"] = [r for r in routes if r["visits"]]
    # routing's own code for a ride too long; the words say it is the food-safety time.
    data["dropped"] = list(data["dropped"]) + [{"request_id": rid, "reason": "ride_time",
                                                "message": DROP_WORDS["food_safety"]} for rid in sorted(unsafe)]
    return routing.Solution.from_dict(data)


def _at(epoch: dt.datetime, seconds: float) -> dt.datetime:
    return (epoch + dt.timedelta(seconds=seconds)).replace(microsecond=0)


def save(session: Session, plan: RoutePlan, built: Built, solution: routing.Solution, policy: food_safety.Policy,
         base: RoutePlan | None) -> None:
    """Routes, stops (with safe-until and what already happened on the plan it replaces) and drops."""
    epoch = built.epoch
    before = done_visits(base) if base and (plan.params or {}).get("replan") else {}
    for route in solution.routes:
        if not route.visits:
            continue
        shift = built.shifts[route.vehicle_id]
        row = Route(plan=plan, shift=shift, driver_id=shift.acting_driver_id, start_at=_at(epoch, route.start_s),
                    end_at=_at(epoch, route.end_s), distance_m=int(route.distance_m),
                    duration_s=int(route.end_s - route.start_s))
        session.add(row)
        picked: dict[str, dt.datetime] = {}
        for position, visit in enumerate(route.visits):
            claim = built.claims[visit.request_id]
            kind = StopKind(visit.kind)
            site = claim.line.donation.donor if kind is StopKind.PICKUP else claim.recipient
            start = _at(epoch, visit.start_s)
            if kind is StopKind.PICKUP:
                picked[visit.request_id] = start
            safe = policy.safe_until(picked.get(visit.request_id, start), claim.line.storage.value,
                                     shift.cold_chain.value, claim.line.use_by)
            stop = Stop(route=row, position=position, kind=kind, claim=claim, organization=site,
                        latitude=site.latitude, longitude=site.longitude, arrival_at=_at(epoch, visit.arrival_s),
                        service_start_at=start, departure_at=_at(epoch, visit.departure_s),
                        load_after_g=int(visit.load_after.get("g", 0)), safe_until=safe,
                        locked=claim.id in {int(k) for k in (plan.params or {}).get("pins", {})})
            old = before.get((claim.id, kind.value))
            if old is not None:
                for name in ("status", "arrived_at", "completed_at", "actual_g", "temperature_c", "receiver_name",
                             "problem_kind", "note", "photo_filename"):
                    setattr(stop, name, getattr(old, name))
            session.add(stop)
    for dropped in solution.dropped:
        claim = built.claims[dropped.request_id]
        session.add(PlanDrop(plan=plan, claim=claim, reason=dropped.reason,
                             message=(dropped.message or DROP_WORDS.get(dropped.reason, dropped.reason))[:500]))
    for claim, reason in built.skipped:
        session.add(PlanDrop(plan=plan, claim=claim, reason=reason, message=DROP_WORDS[reason]))
    session.flush()


def figures(built: Built, solution: routing.Solution) -> dict:
    """The plan's figures: requests, served, dropped (with words), vehicles, kg, km, volunteer hours."""
    served = {v.request_id for r in solution.routes for v in r.visits}
    requested_g = sum(c.quantity_g for c in built.claims.values()) + sum(c.quantity_g for c, _ in built.skipped)
    moved_g = sum(built.claims[rid].quantity_g for rid in served)
    dropped = [{"claim_id": built.claims[d.request_id].id, "reason": d.reason,
                "message": d.message or DROP_WORDS.get(d.reason, d.reason)} for d in solution.dropped]
    dropped += [{"claim_id": c.id, "reason": reason, "message": DROP_WORDS[reason]} for c, reason in built.skipped]
    return {
        "requests": len(built.claims) + len(built.skipped), "served": len(served), "dropped": dropped,
        "vehicles_used": sum(1 for r in solution.routes if r.visits), "shifts": len(built.shifts),
        "kg_requested": round(requested_g / 1000, 1), "kg_moved": round(moved_g / 1000, 1),
        "km_driven": round(solution.distance_m / 1000, 1),
        "volunteer_hours": round(sum(r.end_s - r.start_s for r in solution.routes if r.visits) / 3600, 1),
        "share_served": round(moved_g / requested_g, 3) if requested_g else 0.0,
    }


def finishing_words(built: Built, done: frozenset[tuple[str, str]]) -> list[dict]:
    """For the coordinator: each dropped-out driver kept only to finish what they started."""
    words = []
    for vid, rids in sorted(built.finish_only.items()):
        shift = built.shifts[vid]
        on_board = [rid for rid in rids if (rid, "pickup") in done and (rid, "delivery") not in done]
        words.append({"driver": (shift.covered_by or shift.driver).display_name, "shift_id": shift.id,
                      "requests": len(rids), "kg_on_board": round(sum(built.claims[rid].quantity_g
                                                                      for rid in on_board if rid in built.claims) / 1000, 1)})
    return words

