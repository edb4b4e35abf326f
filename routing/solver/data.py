"""The problem as the search sees it: integer-scaled times and costs, and the drop reasons.

:func:`prepare` turns a :class:`~routing.problem.Problem` and the travel matrix
that :func:`routing.solve` built once into :class:`Data`: times scaled to
milliseconds and rounded *conservatively* (travel and service up, window ends
down), so a plan feasible for the integer model is feasible for the
real-valued problem; the requests no vehicle can serve alone, dropped with a
reason before any search; and the locks of re-optimization (done visits).
Independent of OR-Tools.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from ..matrix import TravelMatrix
from ..problem import Location, Problem, ProblemError, Request, Vehicle, can_carry
from ..solution import DROP_REASONS, DroppedRequest, Route, Solution
from .params import SolveParams

TIME_SCALE = 1000  # internal time unit: 1 ms
COST_SCALE = 1000  # internal cost unit: 1 ms or 1 mm
MAX_OBJECTIVE = 2**61
INF_TIME = 10**13  # an arc that cannot be driven (scaled); far beyond any horizon



@dataclass
class Data:
    """The problem, its travel matrix and what the search derives from them (times in ms)."""

    problem: Problem
    params: SolveParams
    origin_s: float
    horizon: int
    travel_s: np.ndarray  # float seconds over problem.locations()
    distance_m: np.ndarray
    time_int: np.ndarray  # int64 scaled travel (ceil), INF_TIME if unreachable
    cost_int: np.ndarray  # int64 scaled arc cost
    requests: list[Request]  # requests that go into the model
    allowed: dict[str, list[int]]  # request id -> problem vehicle indices that may serve it
    dropped: list[DroppedRequest]
    dims: list[str]
    rows: dict[Location, int]  # location -> its row in the travel matrix
    # re-optimization
    locked_prefix: dict[int, list[tuple[str, str]]]  # vehicle index -> done visits in order
    bound_vehicle: dict[str, int]  # request id -> vehicle it must stay on
    vehicle_weight: int = 0
    drop_weight: int = 0
    done_at: dict[tuple[str, str], float] = field(default_factory=dict)  # done visit -> its real start, s

    def t_lo(self, t_s: float) -> int:
        return int(math.ceil(round((t_s - self.origin_s) * TIME_SCALE, 6)))

    def t_hi(self, t_s: float) -> int:
        return int(math.floor(round((t_s - self.origin_s) * TIME_SCALE, 6)))

    def dur(self, d_s: float) -> int:
        return int(math.ceil(round(d_s * TIME_SCALE, 6)))

    def to_s(self, t: int) -> float:
        return self.origin_s + t / TIME_SCALE


def prepare(problem: Problem, params: SolveParams, tm: TravelMatrix) -> Data:
    """``problem`` as integer data over its travel matrix ``tm`` (rows: ``problem.locations()``).

    Requests no vehicle can serve alone are in ``Data.dropped`` with their reason.
    Raises :class:`ProblemError` for a time span too large to plan and for
    re-optimization parameters that do not match the previous plan.
    """
    times: list[float] = [v.shift.start_s for v in problem.vehicles] + [v.shift.end_s for v in problem.vehicles]
    for r in problem.requests:
        for spec in (problem.pickup_of(r), problem.delivery_of(r)):
            for w in spec.windows or ():
                times += [w.start_s, w.end_s]
    for v in problem.vehicles:
        if v.break_ is not None:
            times += [v.break_.window.start_s, v.break_.window.end_s + v.break_.duration_s]
    if params.now_s is not None:
        times.append(params.now_s)
    if params.previous is not None:
        for route in params.previous.routes:
            times += [route.start_s, route.end_s] + [v.start_s for v in route.visits]
    if params.done_times:
        # A driver who started before the shift left at most one drive before the first done visit.
        reach = tm.duration_s[np.isfinite(tm.duration_s)]
        times += list(params.done_times.values())
        times.append(min(params.done_times.values()) - (float(reach.max()) if reach.size else 0.0))
    origin = math.floor(min(times)) if times else 0.0
    span = (max(times) - origin) if times else 0.0
    # Slack for travel beyond the last time window (e.g. no windows at all).
    finite = tm.duration_s[np.isfinite(tm.duration_s)]
    extra = float(finite.max()) * 2 + sum(
        (problem.pickup_of(r).service_s + problem.delivery_of(r).service_s) for r in problem.requests
    ) if finite.size else 0.0
    horizon = int(math.ceil((span + extra + 1) * TIME_SCALE))
    if horizon > 2**52:
        raise ProblemError(f"time span of {span:.0f} s is too large to plan")

    unreachable = ~np.isfinite(tm.duration_s)
    time_int = np.where(unreachable, INF_TIME, np.ceil(np.round(np.where(unreachable, 0, tm.duration_s)
                                                                  * TIME_SCALE, 6))).astype(np.int64)
    base = tm.duration_s if problem.objective == "duration" else tm.distance_m
    cost_int = np.where(~np.isfinite(base), INF_TIME,
                        np.round(np.where(np.isfinite(base), base, 0) * COST_SCALE)).astype(np.int64)

    dims = sorted({k for r in problem.requests for k in r.load} | {k for v in problem.vehicles for k in v.capacity})
    data = Data(problem, params, origin, horizon, tm.duration_s, tm.distance_m, time_int, cost_int,
                [], {}, [], dims, problem.location_rows(), {}, {})
    reoptimization_locks(data)
    for r in problem.requests:
        reason, allowed = precheck(data, r)
        if reason is not None and r.id not in data.bound_vehicle:
            msg = DROP_REASONS[reason].format(storage=r.storage_class)
            data.dropped.append(DroppedRequest(r.id, reason, msg))  # type: ignore[arg-type]
            continue
        if r.id in data.bound_vehicle:
            allowed = [data.bound_vehicle[r.id]]
        data.requests.append(r)
        data.allowed[r.id] = allowed
    return data


def reoptimization_locks(data: Data) -> None:
    params, problem = data.params, data.problem
    if not params.done:
        return
    assert params.previous is not None
    ids = {r.id for r in problem.requests}
    seen: set[tuple[str, str]] = set()
    for route in params.previous.routes:
        try:
            v_index = [v.id for v in problem.vehicles].index(route.vehicle_id)
        except ValueError:
            v_index = -1
        prefix: list[tuple[str, str]] = []
        # A driver may make stops out of the planned order (skip one, come back later): the
        # done visits come first, in the order they happened (their recorded times when all
        # are known and keep each pickup before its delivery, else the plan's order); the
        # skipped ones are planned again after them.
        done_here = [visit for visit in route.visits if (visit.request_id, visit.kind) in params.done]
        if all((v.request_id, v.kind) in params.done_times for v in done_here):
            by_time = sorted(done_here, key=lambda v: params.done_times[(v.request_id, v.kind)])
            order = {(v.request_id, v.kind): i for i, v in enumerate(by_time)}
            if all(order[(v.request_id, "pickup")] < order[(v.request_id, "delivery")]
                   for v in by_time if v.kind == "delivery" and (v.request_id, "pickup") in order):
                done_here = by_time
        for visit in done_here:
            key = (visit.request_id, visit.kind)
            if v_index < 0:
                raise ProblemError(f"done visit {key}: vehicle {route.vehicle_id!r} is not in the problem")
            if visit.request_id not in ids:
                raise ProblemError(f"done visit {key}: request {visit.request_id!r} is not in the problem")
            prefix.append(key)
            seen.add(key)
            # Phones' clocks may disagree: a visit is never taken to start before the one it followed.
            at = float(params.done_times.get(key, visit.start_s))
            data.done_at[key] = max([at] + [data.done_at[x] for x in prefix[-2:-1]])
        if prefix:
            data.locked_prefix[v_index] = prefix
            for rid, _kind in prefix:
                data.bound_vehicle[rid] = v_index
    missing = set(params.done) - seen
    if missing:
        raise ProblemError(f"done visit {sorted(missing)[0]}: not in the previous plan")
    for rid, kind in params.done:
        if kind == "delivery" and (rid, "pickup") not in params.done:
            r = problem.request(rid)
            raise ProblemError(f"request {r.id!r}: delivery marked done but its pickup is not")


def row_of(data: Data, location: Location) -> int:
    """The row of ``location`` in the travel matrix."""
    return data.rows[location]


def precheck(data: Data, r: Request) -> tuple[str | None, list[int]]:
    """Necessary conditions for serving ``r`` alone; returns (reason, vehicles that pass)."""
    problem = data.problem
    vehicles = problem.vehicles
    if not vehicles:
        return "no_vehicles", []
    carry = [i for i, v in enumerate(vehicles) if can_carry(v.cold_chain, r.storage_class)]
    if not carry:
        return "storage_class", []
    fit = [i for i in carry if vehicles[i].fits(r.load)]
    if not fit:
        return "too_large", []
    p, d = problem.pickup_of(r), problem.delivery_of(r)
    lp, ld = row_of(data, p.location), row_of(data, d.location)
    T = data.travel_s
    if not math.isfinite(T[lp, ld]):
        return "unreachable", []
    reach = []
    for i in fit:
        v = vehicles[i]
        ls = row_of(data, v.start)
        ok = math.isfinite(T[ls, lp])
        if v.end is not None:
            ok = ok and math.isfinite(T[ld, row_of(data, v.end)])
        if ok:
            reach.append(i)
    if not reach:
        return "unreachable", []
    if r.max_ride_s is not None:
        shortest = p.service_s + T[lp, ld]
        if p.windows is not None and d.windows is not None:
            # Waiting counts too: the latest pickup start to the earliest delivery start.
            shortest = max(shortest, d.windows[0].start_s - p.windows[-1].end_s)
        if shortest > r.max_ride_s + 1e-9:
            return "ride_time", []
    ok_window = []
    for i in reach:
        v = vehicles[i]
        ls = row_of(data, v.start)
        t = v.shift.start_s
        if data.params.now_s is not None:
            t = max(t, data.params.now_s)
        sp = earliest(p.windows, t + T[ls, lp])
        if sp is None:
            continue
        sd = earliest(d.windows, sp + p.service_s + T[lp, ld])
        if sd is None:
            continue
        finish = sd + d.service_s
        min_len = T[ls, lp] + p.service_s + T[lp, ld] + d.service_s
        if v.end is not None:
            le = row_of(data, v.end)
            finish += T[ld, le]
            min_len += T[ld, le]
        if finish > v.shift.end_s + 1e-9:
            continue
        if v.max_duration_s is not None and min_len > v.max_duration_s + 1e-9:
            continue
        ok_window.append(i)
    if not ok_window:
        return "window_unreachable", []
    return None, ok_window


def earliest(windows, t: float) -> float | None:
    if windows is None:
        return t
    for w in windows:
        if t <= w.end_s + 1e-9:
            return max(t, w.start_s)
    return None


def set_weights(data: Data) -> None:
    """Weights making the objective lexicographic: value served, vehicles, cost."""
    n_v = len(data.problem.vehicles)
    # Upper bound on any plan's travel cost: every stop and vehicle start left once by its dearest arc.
    locs = [row_of(data, data.problem.pickup_of(r).location) for r in data.requests]
    locs += [row_of(data, data.problem.delivery_of(r).location) for r in data.requests]
    locs += [row_of(data, v.start) for v in data.problem.vehicles]
    if locs:
        sub = data.cost_int[np.ix_(locs, locs)]
        sub = np.where(sub >= INF_TIME, 0, sub)
        bound = int(sub.max(axis=1).sum()) + 1
    else:
        bound = 1
    fixed = sum(v.fixed_cost for v in data.problem.vehicles) * COST_SCALE
    data.vehicle_weight = min(bound + fixed + 1, MAX_OBJECTIVE // (4 * (n_v + 1)))
    total_value = sum(r.value for r in data.requests) + 1
    data.drop_weight = max(1, min(data.vehicle_weight * (n_v + 1) + fixed + bound, MAX_OBJECTIVE // (4 * total_value)))




def empty_solution(data: Data) -> Solution:
    problem = data.problem
    dropped = tuple(data.dropped) + tuple(
        DroppedRequest(r.id, "not_enough_drivers", DROP_REASONS["not_enough_drivers"])
        for r in data.requests
    )
    status = "empty" if not problem.requests else ("partial" if dropped else "ok")
    return Solution((), dropped, status, problem.objective)  # type: ignore[arg-type]



def assemble(data: Data, routes: list[Route]) -> Solution:
    """One plan from routes of disjoint vehicles; every model request they leave out is dropped."""
    problem = data.problem
    served = {v.request_id for r in routes for v in r.visits}
    dropped = list(data.dropped) + [DroppedRequest(r.id, "not_enough_drivers", DROP_REASONS["not_enough_drivers"])
                                    for r in data.requests if r.id not in served]
    order = {r.id: i for i, r in enumerate(problem.requests)}
    dropped.sort(key=lambda x: order[x.request_id])
    status = "ok" if not dropped else "partial"
    return Solution(tuple(routes), tuple(dropped), status, problem.objective)  # type: ignore[arg-type]



def break_fits(data: Data, v: Vehicle, route: Route) -> bool:
    """Whether ``v`` can drive ``route``'s visits in order and take its break (earliest times).

    Tries the break before each drive (including the drive home); a
    conservative check: a break in the middle of a drive is not tried.
    """
    problem, T = data.problem, data.travel_s
    b = v.break_
    assert b is not None
    stops = []
    for visit in route.visits:
        r = problem.request(visit.request_id)
        spec = problem.pickup_of(r) if visit.kind == "pickup" else problem.delivery_of(r)
        stops.append((r, visit.kind, spec, data.rows[spec.location]))
    n = len(stops)
    t0 = v.shift.start_s if data.params.now_s is None else max(v.shift.start_s, data.params.now_s)
    for where in range(n + 1):
        t, prev, ok = t0, data.rows[v.start], True
        starts: dict[tuple[str, str], float] = {}
        for pos in range(n + 1):
            if pos == where:
                bs = max(t, b.window.start_s)
                if bs > b.window.end_s + 1e-9:
                    ok = False
                    break
                t = bs + b.duration_s
            if pos == n:
                break
            r, kind, spec, here = stops[pos]
            start = earliest(spec.windows, t + T[prev, here])
            if start is None or (kind == "delivery" and r.max_ride_s is not None
                                 and start - starts[(r.id, "pickup")] > r.max_ride_s + 1e-9):
                ok = False
                break
            starts[(r.id, kind)] = start
            t, prev = start + spec.service_s, here
        if not ok:
            continue
        if v.end is not None:
            t += T[prev, data.rows[v.end]]
        if t <= v.shift.end_s + 1e-9:
            return True
    return False


