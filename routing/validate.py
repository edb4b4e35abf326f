"""The independent checker: does a solution respect its problem?

It shares nothing with the solver except the problem's travel matrix: it
replays every route from the problem data and reports each broken rule as a
:class:`Violation`. An empty list means the plan is valid.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass

from .matrix import TravelMatrix
from .problem import Location, Problem, Request, StopSpec, can_carry, format_time
from .solution import DROP_REASONS, Route, Solution, Visit

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


def validate(problem: Problem, solution: Solution, done: Collection[tuple[str, str]] = frozenset(),
             matrix: TravelMatrix | None = None) -> list[Violation]:
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

    ``matrix``: the problem's travel matrix when the caller has it already
    (rows: ``problem.locations()``); otherwise it is asked of the problem's provider.
    """
    out: list[Violation] = []
    requests = {r.id: r for r in problem.requests}
    vehicles = {v.id: v for v in problem.vehicles}
    where = _placements(solution, requests, vehicles, out.append)
    dropped_ids = _check_drops(solution, requests, out.append)
    _check_requests(problem, where, dropped_ids, out.append)
    if matrix is None and (problem.requests or problem.vehicles):
        matrix = problem.travel()
    rows = problem.location_rows()
    done_visits = frozenset(tuple(x) for x in done)
    for route in solution.routes:
        if route.vehicle_id in vehicles:
            out.extend(_RouteReplay(problem, matrix, rows, route, done_visits).check())  # type: ignore[arg-type]
    return out


def _placements(solution: Solution, requests: dict, vehicles: dict, add: Callable[[Violation], None]
                ) -> dict[tuple[str, str], tuple[str, int]]:
    """Where each visit is: (request id, kind) -> (vehicle id, position); unknown or repeated ones reported."""
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
    return where


def _check_drops(solution: Solution, requests: dict, add: Callable[[Violation], None]) -> set[str]:
    """The ids of the dropped requests; unknown ones, unknown reasons and repeats reported."""
    dropped_ids: set[str] = set()
    for d in solution.dropped:
        if d.request_id not in requests:
            add(Violation("unknown_request", f"dropped unknown request {d.request_id!r}", None, d.request_id))
        if d.reason not in DROP_REASONS:
            add(Violation("bad_reason", f"request {d.request_id!r} dropped with unknown reason {d.reason!r}",
                          None, d.request_id))
        if d.request_id in dropped_ids:
            add(Violation("duplicate_drop", f"request {d.request_id!r} dropped twice", None, d.request_id))
        dropped_ids.add(d.request_id)
    return dropped_ids


def _check_requests(problem: Problem, where: dict[tuple[str, str], tuple[str, int]], dropped_ids: set[str],
                    add: Callable[[Violation], None]) -> None:
    """Each request served once, whole, pickup first, by a vehicle that may carry it, or else dropped."""
    vehicles = {v.id: v for v in problem.vehicles}
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


def _fits(windows, t: float) -> bool:
    return windows is None or any(w.contains(t, TOL_S) for w in windows)


class _RouteReplay:
    """One route replayed stop by stop from the problem data: its times, loads, break and reports."""

    def __init__(self, problem: Problem, tm: TravelMatrix, rows: dict[Location, int], route: Route,
                 done: frozenset[tuple[str, str]]):
        self.problem, self.route, self.done, self.rows = problem, route, done, rows
        self.v = problem.vehicle(route.vehicle_id)
        self.T, self.D = tm.duration_s, tm.distance_m
        self.out: list[Violation] = []
        b = self.v.break_
        self.b_start = route.break_start_s
        self.b_dur = b.duration_s if b is not None else 0.0
        self.break_placed = b is None or self.b_start is None or self.b_start + self.b_dur <= route.start_s + TOL_S
        self.load = {k: 0 for k in set(self.v.capacity) | {k for r in problem.requests for k in r.load}}
        self.starts: dict[tuple[str, str], float] = {}
        self.prev = rows[self.v.start]
        self.prev_dep = route.start_s
        self.dist = self.travel = 0.0

    def add(self, code: str, message: str, rid: str | None = None) -> None:
        self.out.append(Violation(code, message, self.v.id, rid))

    def check(self) -> list[Violation]:
        ids = {r.id for r in self.problem.requests}
        visits = [x for x in self.route.visits if x.request_id in ids]
        if not visits:
            return self.out
        self._start(visits[0])
        for visit in visits:
            r = self.problem.request(visit.request_id)
            spec = self.problem.pickup_of(r) if visit.kind == "pickup" else self.problem.delivery_of(r)
            here = self.rows[spec.location]
            self._timing(visit, r, spec, here)
            self._loads(visit, r)
            self.dist += self.D[self.prev, here]
            self.travel += self.T[self.prev, here]
            self.prev, self.prev_dep = here, visit.departure_s
        self._end(len(visits))
        return self.out

    def _start(self, first: Visit) -> None:
        """The shift start (unless the first visit was already made) and the break's window."""
        v, vid, route = self.v, self.v.id, self.route
        if route.start_s < v.shift.start_s - TOL_S and (first.request_id, first.kind) not in self.done:
            self.add("shift", f"vehicle {vid!r} leaves at {format_time(route.start_s)}, "
                     f"before its shift starts at {format_time(v.shift.start_s)}")
        b = v.break_
        if b is not None:
            if self.b_start is None:
                self.add("break", f"vehicle {vid!r} has no break scheduled")
            elif not b.window.contains(self.b_start, TOL_S):
                self.add("break", f"vehicle {vid!r} break starts at {format_time(self.b_start)}, outside "
                         f"{format_time(b.window.start_s)}-{format_time(b.window.end_s)}")

    def _break_before(self, until_s: float) -> float:
        """The break's length when it is taken between the last departure and ``until_s``, once; else 0."""
        b_start = self.b_start
        if not self.break_placed and b_start is not None and self.prev_dep - TOL_S <= b_start and \
                b_start + self.b_dur <= until_s + TOL_S:
            self.break_placed = True
            return self.b_dur
        return 0.0

    def _timing(self, visit: Visit, r: Request, spec: StopSpec, here: int) -> None:
        """The drive from the last stop, the time window, the service time and the break around ``visit``."""
        vid = self.v.id
        leg = self.T[self.prev, here]
        need = self.prev_dep + leg + self._break_before(visit.start_s)
        happened = (r.id, visit.kind) in self.done
        if not leg < float("inf"):
            self.add("unreachable", f"vehicle {vid!r} cannot drive to the {visit.kind} of {r.id!r}", r.id)
        elif visit.start_s < need - TOL_S and not happened:
            self.add("travel_time", f"vehicle {vid!r} starts the {visit.kind} of {r.id!r} at "
                     f"{format_time(visit.start_s)} but cannot be there before {format_time(need)}", r.id)
        if not _fits(spec.windows, visit.start_s) and not happened:
            self.add("time_window", f"the {visit.kind} of {r.id!r} starts at {format_time(visit.start_s)}, outside "
                     f"its time windows", r.id)
        if abs(visit.departure_s - (visit.start_s + spec.service_s)) > TOL_S:
            self.add("service_time", f"the {visit.kind} of {r.id!r} departs at {format_time(visit.departure_s)}, "
                     f"not after its {spec.service_s:g} s of service", r.id)
        b_start = self.b_start
        if b_start is not None and b_start < visit.start_s + spec.service_s - TOL_S and \
                visit.start_s < b_start + self.b_dur - TOL_S:
            self.add("break", f"vehicle {vid!r} break overlaps the {visit.kind} of {r.id!r}", r.id)
        self.starts[(r.id, visit.kind)] = visit.start_s
        if visit.kind == "delivery" and (r.id, "pickup") in self.starts and r.max_ride_s is not None \
                and not happened:
            ride = visit.start_s - self.starts[(r.id, "pickup")]
            if ride > r.max_ride_s + TOL_S:
                self.add("ride_time", f"request {r.id!r} rides {ride:.0f} s, over its maximum of "
                         f"{r.max_ride_s:g} s", r.id)

    def _loads(self, visit: Visit, r: Request) -> None:
        """The load after ``visit``: within capacity, and as reported."""
        sign = 1 if visit.kind == "pickup" else -1
        for dim, q in r.load.items():
            self.load[dim] = self.load.get(dim, 0) + sign * q
        for dim, q in self.load.items():
            cap = self.v.capacity.get(dim)
            if cap is not None and q > cap:
                self.add("capacity", f"vehicle {self.v.id!r} carries {q} {dim} after the {visit.kind} of {r.id!r},"
                         f" over its capacity of {cap}", r.id)
        reported = dict(visit.load_after)
        expected = {k: q for k, q in self.load.items() if k in reported or q}
        if reported != expected:
            self.add("load_report", f"load after the {visit.kind} of {r.id!r} reported as {reported}, "
                     f"is {expected}", r.id)

    def _end(self, n_visits: int) -> None:
        """The drive home, the break taken somewhere, the shift end, the route's limits and its reports."""
        v, vid, route = self.v, self.v.id, self.route
        if v.end is not None:
            here = self.rows[v.end]
            need = self.prev_dep + self.T[self.prev, here] + self._break_before(route.end_s)
            if route.end_s < need - TOL_S:
                self.add("travel_time", f"vehicle {vid!r} reaches its end at {format_time(route.end_s)} but cannot "
                         f"before {format_time(need)}")
            self.dist += self.D[self.prev, here]
            self.travel += self.T[self.prev, here]
        elif route.end_s < self.prev_dep - TOL_S:
            self.add("travel_time", f"vehicle {vid!r} route ends at {format_time(route.end_s)}, before its last "
                     f"departure")
        if not self.break_placed and not (self.b_start is not None and self.b_start >= route.end_s - TOL_S):
            self.add("break", f"vehicle {vid!r} break at {format_time(self.b_start)} does not fit between its stops")
        if route.end_s > v.shift.end_s + TOL_S:
            self.add("shift", f"vehicle {vid!r} finishes at {format_time(route.end_s)}, after its shift ends at "
                     f"{format_time(v.shift.end_s)}")
        if v.max_duration_s is not None and route.end_s - route.start_s > v.max_duration_s + TOL_S:
            self.add("max_duration", f"vehicle {vid!r} route lasts {route.end_s - route.start_s:.0f} s, over its "
                     f"maximum of {v.max_duration_s:g} s")
        if v.max_stops is not None and n_visits > v.max_stops:
            self.add("max_stops", f"vehicle {vid!r} makes {n_visits} stops, over its maximum of {v.max_stops}")
        for dim, q in self.load.items():
            if q != 0:
                self.add("load_report", f"vehicle {vid!r} ends with {q} {dim} still on board")
        if abs(self.dist - route.distance_m) > 1e-6 * max(1.0, self.dist):
            self.add("distance_report", f"vehicle {vid!r} distance reported {route.distance_m:.3f} m, "
                     f"is {self.dist:.3f} m")
        if abs(self.travel - route.travel_s) > 1e-6 * max(1.0, self.travel):
            self.add("travel_report", f"vehicle {vid!r} travel reported {route.travel_s:.3f} s, "
                     f"is {self.travel:.3f} s")
