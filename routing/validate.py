"""The independent checker: does a solution respect its problem?

It shares nothing with the solver except the problem's travel matrix: it
replays every route from the problem data and reports each broken rule as a
:class:`Violation`. An empty list means the plan is valid.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

from .problem import Problem, can_carry, format_time
from .solution import DROP_REASONS, Solution

TOL_S = 1e-6


@dataclass(frozen=True)
class Violation:
    """One broken rule: a short ``code`` and a message naming the vehicle and request."""

    code: str
    message: str
    vehicle_id: str | None = None
    request_id: str | None = None

    def __str__(self) -> str:
        return f"{self.code}: {self.message}"


def validate(problem: Problem, solution: Solution, done: Collection[tuple[str, str]] = frozenset()
             ) -> list[Violation]:
    """Check ``solution`` against ``problem``; returns the violations found (empty when valid).

    Checked: every request served exactly once or dropped with a known
    reason; pickup and delivery on the same vehicle, pickup first; storage
    class versus cold chain; capacity per dimension after every stop; time
    windows; travel times between consecutive stops; shift windows; maximum
    route duration; maximum stops per vehicle; maximum ride time; the driver's
    break; and the reported loads, distances and travel times.

    ``done``: visits already made, as ``(request_id, "pickup"|"delivery")``, in a
    re-plan. Their times are what happened, not choices: their windows, the
    drive that reached them, the shift start before the first of them and a
    finished ride are not checked. Everything after them is.
    """
    out: list[Violation] = []
    add = out.append
    requests = {r.id: r for r in problem.requests}
    vehicles = {v.id: v for v in problem.vehicles}
    tm = problem.travel() if (problem.requests or problem.vehicles) else None
    where: dict[tuple[str, str], tuple[str, int]] = {}

    seen_vehicles: set[str] = set()
    for route in solution.routes:
        vid = route.vehicle_id
        if vid not in vehicles:
            add(Violation("unknown_vehicle", f"route for unknown vehicle {vid!r}", vid))
            continue
        if vid in seen_vehicles:
            add(Violation("duplicate_route", f"vehicle {vid!r} has more than one route", vid))
        seen_vehicles.add(vid)
        for pos, visit in enumerate(route.visits):
            key = (visit.request_id, visit.kind)
            if visit.request_id not in requests:
                add(Violation("unknown_request", f"vehicle {vid!r} visits unknown request {visit.request_id!r}",
                              vid, visit.request_id))
                continue
            if visit.kind not in ("pickup", "delivery"):
                add(Violation("bad_visit", f"visit kind {visit.kind!r} is neither pickup nor delivery",
                              vid, visit.request_id))
                continue
            if key in where:
                add(Violation("duplicate_visit", f"{visit.kind} of request {visit.request_id!r} appears twice",
                              vid, visit.request_id))
            where[key] = (vid, pos)

    dropped_ids = set()
    for d in solution.dropped:
        if d.request_id not in requests:
            add(Violation("unknown_request", f"dropped unknown request {d.request_id!r}", None, d.request_id))
        if d.reason not in DROP_REASONS:
            add(Violation("bad_reason", f"request {d.request_id!r} dropped with unknown reason {d.reason!r}",
                          None, d.request_id))
        if d.request_id in dropped_ids:
            add(Violation("duplicate_drop", f"request {d.request_id!r} dropped twice", None, d.request_id))
        dropped_ids.add(d.request_id)

    for r in problem.requests:
        p, d = where.get((r.id, "pickup")), where.get((r.id, "delivery"))
        if p is None and d is None:
            if r.id not in dropped_ids:
                add(Violation("missing", f"request {r.id!r} is neither served nor dropped", None, r.id))
            continue
        if r.id in dropped_ids:
            add(Violation("served_and_dropped", f"request {r.id!r} is both served and dropped", None, r.id))
        if p is None or d is None:
            add(Violation("unpaired", f"request {r.id!r} has a {'delivery' if p is None else 'pickup'} only",
                          (p or d)[0], r.id))  # type: ignore[index]
            continue
        if p[0] != d[0]:
            add(Violation("split", f"request {r.id!r} picked up by {p[0]!r} but delivered by {d[0]!r}", p[0], r.id))
        elif p[1] > d[1]:
            add(Violation("precedence", f"request {r.id!r} delivered before it is picked up", p[0], r.id))
        v = vehicles[p[0]]
        if not can_carry(v.cold_chain, r.storage_class):
            add(Violation("storage_class", f"vehicle {v.id!r} ({v.cold_chain}) cannot carry {r.storage_class} "
                          f"request {r.id!r}", v.id, r.id))

    for route in solution.routes:
        if route.vehicle_id in vehicles:
            out.extend(_check_route(problem, tm, route, frozenset(tuple(x) for x in done)))
    return out


def _fits(windows, t: float) -> bool:
    return windows is None or any(w.contains(t, TOL_S) for w in windows)


def _check_route(problem: Problem, tm, route, done: frozenset[tuple[str, str]]) -> list:
    out: list[Violation] = []
    v = problem.vehicle(route.vehicle_id)
    vid = v.id

    def add(code: str, message: str, rid: str | None = None) -> None:
        out.append(Violation(code, message, vid, rid))

    visits = [x for x in route.visits if x.request_id in {r.id for r in problem.requests}]
    if not visits:
        return out
    T, D = tm.duration_s, tm.distance_m
    if route.start_s < v.shift.start_s - TOL_S and (visits[0].request_id, visits[0].kind) not in done:
        add("shift", f"vehicle {vid!r} leaves at {format_time(route.start_s)}, "
            f"before its shift starts at {format_time(v.shift.start_s)}")
    b = v.break_
    b_start = route.break_start_s
    b_dur = b.duration_s if b is not None else 0.0
    if b is not None:
        if b_start is None:
            add("break", f"vehicle {vid!r} has no break scheduled")
        elif not b.window.contains(b_start, TOL_S):
            add("break", f"vehicle {vid!r} break starts at {format_time(b_start)}, outside "
                f"{format_time(b.window.start_s)}-{format_time(b.window.end_s)}")
    break_placed = b is None or b_start is None or b_start + b_dur <= route.start_s + TOL_S

    load = {k: 0 for k in set(v.capacity) | {k for r in problem.requests for k in r.load}}
    starts: dict[tuple[str, str], float] = {}
    prev = problem.loc_index(v.start)
    prev_dep = route.start_s
    dist = travel = 0.0
    for visit in visits:
        r = problem.request(visit.request_id)
        spec = problem.pickup_of(r) if visit.kind == "pickup" else problem.delivery_of(r)
        here = problem.loc_index(spec.location)
        leg = T[prev, here]
        need = prev_dep + leg
        happened = (r.id, visit.kind) in done
        if not break_placed and b_start is not None and prev_dep - TOL_S <= b_start and \
                b_start + b_dur <= visit.start_s + TOL_S:
            need += b_dur
            break_placed = True
        if not leg < float("inf"):
            add("unreachable", f"vehicle {vid!r} cannot drive to the {visit.kind} of {r.id!r}", r.id)
        elif visit.start_s < need - TOL_S and not happened:
            add("travel_time", f"vehicle {vid!r} starts the {visit.kind} of {r.id!r} at {format_time(visit.start_s)}"
                f" but cannot be there before {format_time(need)}", r.id)
        if not _fits(spec.windows, visit.start_s) and not happened:
            add("time_window", f"the {visit.kind} of {r.id!r} starts at {format_time(visit.start_s)}, outside "
                f"its time windows", r.id)
        if abs(visit.departure_s - (visit.start_s + spec.service_s)) > TOL_S:
            add("service_time", f"the {visit.kind} of {r.id!r} departs at {format_time(visit.departure_s)}, not "
                f"after its {spec.service_s:g} s of service", r.id)
        if b_start is not None and b_start < visit.start_s + spec.service_s - TOL_S and \
                visit.start_s < b_start + b_dur - TOL_S:
            add("break", f"vehicle {vid!r} break overlaps the {visit.kind} of {r.id!r}", r.id)
        sign = 1 if visit.kind == "pickup" else -1
        for dim, q in r.load.items():
            load[dim] = load.get(dim, 0) + sign * q
        for dim, q in load.items():
            cap = v.capacity.get(dim)
            if cap is not None and q > cap:
                add("capacity", f"vehicle {vid!r} carries {q} {dim} after the {visit.kind} of {r.id!r}, "
                    f"over its capacity of {cap}", r.id)
        reported = {k: q for k, q in visit.load_after.items()}
        expected = {k: q for k, q in load.items() if k in reported or q}
        if reported != expected:
            add("load_report", f"load after the {visit.kind} of {r.id!r} reported as {reported}, is {expected}",
                r.id)
        starts[(r.id, visit.kind)] = visit.start_s
        if visit.kind == "delivery" and (r.id, "pickup") in starts and r.max_ride_s is not None and not happened:
            ride = visit.start_s - starts[(r.id, "pickup")]
            if ride > r.max_ride_s + TOL_S:
                add("ride_time", f"request {r.id!r} rides {ride:.0f} s, over its maximum of {r.max_ride_s:g} s",
                    r.id)
        dist += D[prev, here]
        travel += leg
        prev, prev_dep = here, visit.departure_s

    if v.end is not None:
        here = problem.loc_index(v.end)
        need = prev_dep + T[prev, here]
        if not break_placed and b_start is not None and prev_dep - TOL_S <= b_start and \
                b_start + b_dur <= route.end_s + TOL_S:
            need += b_dur
            break_placed = True
        if route.end_s < need - TOL_S:
            add("travel_time", f"vehicle {vid!r} reaches its end at {format_time(route.end_s)} but cannot "
                f"before {format_time(need)}")
        dist += D[prev, here]
        travel += T[prev, here]
    elif route.end_s < prev_dep - TOL_S:
        add("travel_time", f"vehicle {vid!r} route ends at {format_time(route.end_s)}, before its last departure")
    if not break_placed and b_start is not None and b_start >= route.end_s - TOL_S:
        break_placed = True
    if not break_placed:
        add("break", f"vehicle {vid!r} break at {format_time(b_start)} does not fit between its stops")
    if route.end_s > v.shift.end_s + TOL_S:
        add("shift", f"vehicle {vid!r} finishes at {format_time(route.end_s)}, after its shift ends at "
            f"{format_time(v.shift.end_s)}")
    if v.max_duration_s is not None and route.end_s - route.start_s > v.max_duration_s + TOL_S:
        add("max_duration", f"vehicle {vid!r} route lasts {route.end_s - route.start_s:.0f} s, over its maximum "
            f"of {v.max_duration_s:g} s")
    if v.max_stops is not None and len(visits) > v.max_stops:
        add("max_stops", f"vehicle {vid!r} makes {len(visits)} stops, over its maximum of {v.max_stops}")
    for dim, q in load.items():
        if q != 0:
            add("load_report", f"vehicle {vid!r} ends with {q} {dim} still on board")
    if abs(dist - route.distance_m) > 1e-6 * max(1.0, dist):
        add("distance_report", f"vehicle {vid!r} distance reported {route.distance_m:.3f} m, is {dist:.3f} m")
    if abs(travel - route.travel_s) > 1e-6 * max(1.0, travel):
        add("travel_report", f"vehicle {vid!r} travel reported {route.travel_s:.3f} s, is {travel:.3f} s")
    return out
