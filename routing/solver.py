"""``solve(problem, params) -> Solution``: the OR-Tools model and search.

This is the only module that imports OR-Tools; its indices never leave it.

When the compiled ruin-and-recreate search (:mod:`routing.ruin_recreate`)
models the problem exactly (one window per stop, no breaks, no route-duration
limit, no re-optimization locks, not deterministic; see
:func:`_ruin_recreate_fits`), it gets most of the budget on the OR-Tools
model's integer data: fleet minimisation by absence counters, then simulated
annealing on cost. Its plan is read back into the OR-Tools model, which checks
every constraint and times the visits. On 100-customer pickup-and-delivery
benchmarks it reaches published best-known fleets where OR-Tools' own local
search stalls.

Otherwise the search runs in three OR-Tools phases, each a fresh model
warm-started from the previous phase's routes:

1. *construct*: all vehicles, a large fixed cost per used vehicle, a first
   solution plus a short guided local search;
2. *fleet minimisation* (route elimination): remove the vehicle with the
   smallest route and try to re-insert its requests on the remaining ones;
   keep the smaller fleet when no more value is dropped;
3. *cost*: guided local search on the final fleet for travel time or distance.

A large day (over ``LARGE_DAY`` requests, no previous plan) is constructed
cluster by cluster (:func:`_construct_by_clusters`), skips phase 2, and runs
phase 3 on the whole day only when the time left allows building its model.

With ``num_workers > 1`` independent searches with different strategies run
in separate processes and the best plan wins (value served, then vehicles,
then cost).

Objective hierarchy (lexicographic through weights): dropped value times a
weight larger than any vehicle cost, then a per-vehicle weight larger than any
total travel, then travel. Times are scaled to milliseconds and rounded
*conservatively* (travel and service up, window ends down), so a plan feasible
for the integer model is feasible for the real-valued problem.
"""

from __future__ import annotations

import logging
import math
import multiprocessing
import time
from collections.abc import Mapping
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field, replace

import numpy as np
from ortools.constraint_solver import pywrapcp, routing_enums_pb2

from . import ruin_recreate
from .problem import Problem, ProblemError, Request, Vehicle, can_carry
from .solution import DROP_REASONS, DroppedRequest, Route, Solution, Visit

log = logging.getLogger(__name__)

TIME_SCALE = 1000  # internal time unit: 1 ms
COST_SCALE = 1000  # internal cost unit: 1 ms or 1 mm
_MAX_OBJECTIVE = 2**61
_INF_TIME = 10**13  # an arc that cannot be driven (scaled); far beyond any horizon
#: Past this many requests, a day is constructed cluster by cluster and route
#: elimination is skipped (see _pipeline and _construct_by_clusters).
LARGE_DAY = 300
#: The compiled ruin-and-recreate search takes days up to this many requests.
RUIN_RECREATE_MAX_REQUESTS = 2500
#: Requests per cluster when a large day is constructed by clusters: small enough
#: for the small-day construction (with breaks) to take a second or two.
CLUSTER_SIZE = 200
#: Independent runs of the compiled search per worker (the budget is shared).
RUIN_RECREATE_RUNS = 2


@dataclass(frozen=True)
class SolveParams:
    """How to search.

    - ``time_limit_s``: wall-clock budget for the whole solve.
    - ``deterministic``: same input, same output (single process, search
      bounded by solution counts; ``time_limit_s`` stays a safety net).
    - ``seed``: varies the search between runs and workers.
    - ``num_workers``: parallel independent searches (processes); 1 for none.
    - ``minimize_vehicles``: run the fleet-minimisation phase.
    - ``previous``: an earlier plan to warm-start from (re-optimization).
    - ``done``: visits already made, as ``(request_id, "pickup"|"delivery")``;
      each vehicle's done visits must be a prefix of its route in
      ``previous``. They are kept in place; a request picked up but not yet
      delivered stays on that vehicle (its load is on board).
    - ``done_times``: when each done visit really started, in seconds on the
      problem's clock (keys among ``done``). A done visit is fixed at this time
      (without one, at its time in ``previous``), so a ride limit counts from the
      real pickup. A vehicle whose done visits started before its shift leaves
      early enough to have made them.
    - ``now_s``: no remaining visit starts, and no unused vehicle leaves, before this.
    """

    time_limit_s: float = 10.0
    deterministic: bool = False
    seed: int = 0
    num_workers: int = 1
    minimize_vehicles: bool = True
    previous: Solution | None = None
    done: frozenset[tuple[str, str]] = field(default_factory=frozenset)
    now_s: float | None = None
    done_times: Mapping[tuple[str, str], float] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not (isinstance(self.time_limit_s, (int, float)) and math.isfinite(self.time_limit_s)
                and self.time_limit_s > 0):
            raise ProblemError(f"solve params: time_limit_s must be > 0, got {self.time_limit_s!r}")
        if not isinstance(self.num_workers, int) or self.num_workers < 1:
            raise ProblemError(f"solve params: num_workers must be an int >= 1, got {self.num_workers!r}")
        object.__setattr__(self, "done", frozenset(tuple(x) for x in self.done))
        for rid, kind in self.done:
            if kind not in ("pickup", "delivery"):
                raise ProblemError(f"done visit ({rid!r}, {kind!r}): kind must be 'pickup' or 'delivery'")
        if self.done and self.previous is None:
            raise ProblemError("solve params: done visits need the previous plan (previous=...)")
        object.__setattr__(self, "done_times", {tuple(k): t for k, t in dict(self.done_times).items()})
        for key, t in self.done_times.items():
            if key not in self.done:
                raise ProblemError(f"done time of {key}: the visit is not in done")
            if isinstance(t, bool) or not isinstance(t, (int, float)) or not math.isfinite(t):
                raise ProblemError(f"done time of {key}: must be a finite number of seconds, got {t!r}")


# ---------------------------------------------------------------------------
# Problem data, scaled to integers, independent of any OR-Tools model.


@dataclass
class _Data:
    problem: Problem
    params: SolveParams
    origin_s: float
    horizon: int
    travel_s: np.ndarray  # float seconds over problem.locations()
    distance_m: np.ndarray
    time_int: np.ndarray  # int64 scaled travel (ceil), _INF_TIME if unreachable
    cost_int: np.ndarray  # int64 scaled arc cost
    requests: list[Request]  # requests that go into the model
    allowed: dict[str, list[int]]  # request id -> problem vehicle indices that may serve it
    dropped: list[DroppedRequest]
    dims: list[str]
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


def _prepare(problem: Problem, params: SolveParams) -> _Data:
    tm = problem.travel()
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
    time_int = np.where(unreachable, _INF_TIME, np.ceil(np.round(np.where(unreachable, 0, tm.duration_s)
                                                                  * TIME_SCALE, 6))).astype(np.int64)
    base = tm.duration_s if problem.objective == "duration" else tm.distance_m
    cost_int = np.where(~np.isfinite(base), _INF_TIME,
                        np.round(np.where(np.isfinite(base), base, 0) * COST_SCALE)).astype(np.int64)

    data = _Data(problem, params, origin, horizon, tm.duration_s, tm.distance_m, time_int, cost_int,
                 [], {}, [], sorted({k for r in problem.requests for k in r.load}
                                    | {k for v in problem.vehicles for k in v.capacity}), {}, {})
    _reoptimization_locks(data)
    for r in problem.requests:
        reason, allowed = _precheck(data, r)
        if reason is not None and r.id not in data.bound_vehicle:
            msg = DROP_REASONS[reason].format(storage=r.storage_class)
            data.dropped.append(DroppedRequest(r.id, reason, msg))  # type: ignore[arg-type]
            continue
        if r.id in data.bound_vehicle:
            allowed = [data.bound_vehicle[r.id]]
        data.requests.append(r)
        data.allowed[r.id] = allowed
    return data


def _reoptimization_locks(data: _Data) -> None:
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


def _loc(data: _Data, spec_location) -> int:
    return data.problem.loc_index(spec_location)


def _precheck(data: _Data, r: Request) -> tuple[str | None, list[int]]:
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
    lp, ld = _loc(data, p.location), _loc(data, d.location)
    T = data.travel_s
    if not math.isfinite(T[lp, ld]):
        return "unreachable", []
    reach = []
    for i in fit:
        v = vehicles[i]
        ls = _loc(data, v.start)
        ok = math.isfinite(T[ls, lp])
        if v.end is not None:
            ok = ok and math.isfinite(T[ld, _loc(data, v.end)])
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
        ls = _loc(data, v.start)
        t = v.shift.start_s
        if data.params.now_s is not None:
            t = max(t, data.params.now_s)
        sp = _earliest(p.windows, t + T[ls, lp])
        if sp is None:
            continue
        sd = _earliest(d.windows, sp + p.service_s + T[lp, ld])
        if sd is None:
            continue
        finish = sd + d.service_s
        min_len = T[ls, lp] + p.service_s + T[lp, ld] + d.service_s
        if v.end is not None:
            le = _loc(data, v.end)
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


def _earliest(windows, t: float) -> float | None:
    if windows is None:
        return t
    for w in windows:
        if t <= w.end_s + 1e-9:
            return max(t, w.start_s)
    return None


def _set_weights(data: _Data) -> None:
    """Weights making the objective lexicographic: value served, vehicles, cost."""
    n_v = len(data.problem.vehicles)
    # Upper bound on any plan's travel cost: every stop and vehicle start left once by its dearest arc.
    locs = [_loc(data, data.problem.pickup_of(r).location) for r in data.requests]
    locs += [_loc(data, data.problem.delivery_of(r).location) for r in data.requests]
    locs += [_loc(data, v.start) for v in data.problem.vehicles]
    if locs:
        sub = data.cost_int[np.ix_(locs, locs)]
        sub = np.where(sub >= _INF_TIME, 0, sub)
        bound = int(sub.max(axis=1).sum()) + 1
    else:
        bound = 1
    fixed = sum(v.fixed_cost for v in data.problem.vehicles) * COST_SCALE
    data.vehicle_weight = min(bound + fixed + 1, _MAX_OBJECTIVE // (4 * (n_v + 1)))
    total_value = sum(r.value for r in data.requests) + 1
    data.drop_weight = max(1, min(data.vehicle_weight * (n_v + 1) + fixed + bound, _MAX_OBJECTIVE // (4 * total_value)))


# ---------------------------------------------------------------------------
# One OR-Tools model over a subset of the vehicles.


class _Model:
    """An OR-Tools routing model for ``vehicles`` (problem vehicle indices).

    Node layout (OR-Tools *nodes*, not routing indices): vehicle k of the
    model has start node 2k and end node 2k+1; request j has pickup node
    2V+2j and delivery node 2V+2j+1. Routing indices come from the manager.
    """

    def __init__(self, data: _Data, vehicles: list[int], vehicle_weight: int, strict: bool = False,
                 breaks: bool = True):
        self.data = data
        self.vehicles = vehicles
        self.vehicle_weight = vehicle_weight
        problem = data.problem
        V = len(vehicles)
        in_model = set(vehicles)
        self.requests = [r for r in data.requests if any(i in in_model for i in data.allowed[r.id])]
        R = len(self.requests)
        n = 2 * V + 2 * R
        self.n_nodes = n
        loc = np.zeros(n, dtype=np.int64)
        open_end = np.zeros(n, dtype=bool)
        service = np.zeros(n, dtype=np.int64)
        for k, vi in enumerate(vehicles):
            v = problem.vehicles[vi]
            loc[2 * k] = _loc(data, v.start)
            if v.end is None:
                open_end[2 * k + 1] = True
                loc[2 * k + 1] = loc[2 * k]
            else:
                loc[2 * k + 1] = _loc(data, v.end)
        self.pickup_spec = []
        self.delivery_spec = []
        for j, r in enumerate(self.requests):
            p, d = problem.pickup_of(r), problem.delivery_of(r)
            self.pickup_spec.append(p)
            self.delivery_spec.append(d)
            loc[2 * V + 2 * j], loc[2 * V + 2 * j + 1] = _loc(data, p.location), _loc(data, d.location)
            service[2 * V + 2 * j], service[2 * V + 2 * j + 1] = data.dur(p.service_s), data.dur(d.service_s)
        self.loc = loc
        self.open_end = open_end
        t_mat = data.time_int[np.ix_(loc, loc)]
        c_mat = data.cost_int[np.ix_(loc, loc)]
        t_mat[:, open_end] = 0
        c_mat[:, open_end] = 0
        t_mat = t_mat + service[:, None]
        k_of = {vi: k for k, vi in enumerate(vehicles)}
        self.fixed, start_lo, end_lo = self._fix_done_visits(t_mat, k_of)
        self.t_mat, self.c_mat = t_mat, c_mat

        starts = [2 * k for k in range(V)]
        ends = [2 * k + 1 for k in range(V)]
        self._closed = False
        self.manager = pywrapcp.RoutingIndexManager(n, V, starts, ends)
        self.routing = routing = pywrapcp.RoutingModel(self.manager)
        manager = self.manager
        cost_cb = routing.RegisterTransitMatrix(c_mat.tolist())
        routing.SetArcCostEvaluatorOfAllVehicles(cost_cb)
        time_cb = routing.RegisterTransitMatrix(t_mat.tolist())
        routing.AddDimension(time_cb, data.horizon, data.horizon, False, "time")
        self.time = time_dim = routing.GetDimensionOrDie("time")
        solver = routing.solver()

        # Capacities: one dimension per load dimension; unlisted capacity is unlimited.
        # (Kept as (per-request load, per-vehicle capacity) for rr_instance.)
        self.loads: list[tuple[list[int], list[int]]] = []
        for dim in data.dims:
            demand = [0] * n
            for j, r in enumerate(self.requests):
                q = r.load.get(dim, 0)
                demand[2 * V + 2 * j] = q
                demand[2 * V + 2 * j + 1] = -q
            if not any(demand):
                continue
            total = sum(q for q in demand if q > 0)
            caps = [min(problem.vehicles[vi].capacity.get(dim, total), total) for vi in vehicles]
            self.loads.append((demand[2 * V::2], caps))
            cb = routing.RegisterUnaryTransitVector(demand)
            routing.AddDimensionWithVehicleCapacity(cb, 0, caps, True, f"load:{dim}")

        # Stops: every pickup and delivery node counts one (done visits too); a vehicle
        # without a limit gets the number of nodes. A re-plan must still finish what is
        # on board, so a vehicle's bound requests raise its limit if they need more.
        bound = [data.bound_vehicle.get(r.id) for r in self.requests]
        self.stop_caps = [max(problem.vehicles[vi].max_stops or n, 2 * bound.count(vi)) for vi in vehicles]
        if any(problem.vehicles[vi].max_stops is not None for vi in vehicles):
            cb = routing.RegisterUnaryTransitVector([0] * (2 * V) + [1] * (2 * R))
            routing.AddDimensionWithVehicleCapacity(cb, 0, self.stop_caps, True, "stops")

        # Vehicles: shift, maximum duration, fixed cost, break.
        for k, vi in enumerate(vehicles):
            v = problem.vehicles[vi]
            lo = data.t_lo(v.shift.start_s)
            if data.params.now_s is not None and vi not in data.locked_prefix:
                lo = max(lo, data.t_lo(data.params.now_s))
            # Without break intervals, keep the break's length free at the end of the
            # shift so that most routes can take it when breaks are imposed again.
            reserve = v.break_.duration_s if (v.break_ is not None and not breaks) else 0.0
            hi = data.t_hi(v.shift.end_s - reserve)
            if k in start_lo:
                # Done visits are facts: a driver who started before the shift did, and one
                # who finished them late still gets home.
                lo, hi = min(lo, start_lo[k]), max(hi, end_lo[k])
            time_dim.CumulVar(routing.Start(k)).SetRange(lo, max(lo, hi))
            time_dim.CumulVar(routing.End(k)).SetRange(lo, max(lo, hi))
            if v.max_duration_s is not None:
                span = max(0.0, v.max_duration_s - reserve)
                time_dim.SetSpanUpperBoundForVehicle(int(math.floor(span * TIME_SCALE)), k)
            routing.SetFixedCostOfVehicle(vehicle_weight + v.fixed_cost * COST_SCALE, k)
            routing.AddVariableMaximizedByFinalizer(time_dim.CumulVar(routing.Start(k)))
            routing.AddVariableMinimizedByFinalizer(time_dim.CumulVar(routing.End(k)))
        self.breaks: dict[int, object] = {}
        if breaks and any(problem.vehicles[vi].break_ is not None for vi in vehicles):
            visit_transit = [0] * routing.Size()
            for index in range(routing.Size()):
                visit_transit[index] = int(service[manager.IndexToNode(index)])
            for k, vi in enumerate(vehicles):
                b = problem.vehicles[vi].break_
                if b is None:
                    continue
                lo, hi = data.t_lo(b.window.start_s), data.t_hi(b.window.end_s)
                iv = solver.FixedDurationIntervalVar(lo, max(lo, hi), data.dur(b.duration_s), False, f"break{k}")
                time_dim.SetBreakIntervalsOfVehicle([iv], k, visit_transit)
                self.breaks[k] = iv

        # Requests: pairing, precedence, same vehicle, windows, ride time, compatibility, disjunction.
        done = data.params.done
        self._limits: list = []  # keeps the ride-limit callbacks alive while OR-Tools holds them
        self.ride_limits = [-1] * R
        for j, r in enumerate(self.requests):
            pi = manager.NodeToIndex(2 * V + 2 * j)
            di = manager.NodeToIndex(2 * V + 2 * j + 1)
            routing.AddPickupAndDelivery(pi, di)
            solver.Add(routing.VehicleVar(pi) == routing.VehicleVar(di))
            solver.Add(time_dim.CumulVar(pi) <= time_dim.CumulVar(di))
            for idx, spec, kind in ((pi, self.pickup_spec[j], "pickup"), (di, self.delivery_spec[j], "delivery")):
                cumul = time_dim.CumulVar(idx)
                if (r.id, kind) in done:
                    # Already happened, at its recorded time: its window no longer binds.
                    cumul.SetValue(self.fixed[manager.IndexToNode(idx)])
                    continue
                lo = 0 if data.params.now_s is None else max(0, data.t_lo(data.params.now_s))
                if spec.windows is not None:
                    w_lo = data.t_lo(spec.windows[0].start_s)
                    w_hi = data.t_hi(spec.windows[-1].end_s)
                    if kind == "delivery" and (r.id, "pickup") in done and self._earliest_delivery(j, t_mat) > w_hi:
                        # Food on board whose delivery window has closed: it still has to be
                        # dropped off, as soon as the rest allows (a penalty per second late, as
                        # for an overdue ride), rather than leaving the re-plan with no answer.
                        cumul.SetRange(max(lo, w_lo), data.horizon)
                        time_dim.SetCumulVarSoftUpperBound(idx, w_hi, 10 * COST_SCALE // TIME_SCALE)
                        continue
                    cumul.SetRange(max(lo, w_lo), max(max(lo, w_lo), w_hi))
                    for a, b in zip(spec.windows, spec.windows[1:]):
                        gap_lo, gap_hi = data.t_hi(a.end_s) + 1, data.t_lo(b.start_s) - 1
                        if gap_lo <= gap_hi:
                            cumul.RemoveInterval(gap_lo, gap_hi)
                else:
                    cumul.SetMin(lo)
            if r.max_ride_s is not None:
                # The native pair limit lets OR-Tools' filters reject bad moves cheaply
                # (the generic constraint alone made a 200-request day 6x slower, and a
                # 1,000-request day could not even be constructed). The filter does not
                # make the final cumul values respect it, so the strict model used by
                # _finalize() also posts the generic constraint.
                limit = int(math.floor(r.max_ride_s * TIME_SCALE))
                if (r.id, "delivery") in done:
                    limit = data.horizon  # the ride is over: what it took is a fact, not a choice
                elif (r.id, "pickup") in done:
                    # Counted from the real pickup: a bound on the delivery, which the search
                    # keeps (the pair limit alone lets it through). Food that can no longer
                    # make it is delivered as soon as the rest allows: a penalty per second
                    # late (as ten seconds of driving, or ten metres), not a bound that would
                    # leave no plan.
                    due = self.fixed[manager.IndexToNode(pi)] + limit
                    if self._earliest_delivery(j, t_mat) <= due:
                        time_dim.CumulVar(di).SetMax(due)
                    else:
                        time_dim.SetCumulVarSoftUpperBound(di, due, 10 * COST_SCALE // TIME_SCALE)
                        limit = data.horizon
                self.ride_limits[j] = limit
                self._limits.append(lambda _p, _d, limit=limit: limit)
                time_dim.SetPickupToDeliveryLimitFunctionForPair(self._limits[-1], j)
                if strict:
                    solver.Add(time_dim.CumulVar(di) - time_dim.CumulVar(pi) <= limit)
            allowed = [k_of[i] for i in data.allowed[r.id] if i in k_of]
            if len(allowed) < V:
                # Cold chain, capacity and reach, from the pre-checks. SetAllowedVehiclesForIndex
                # takes an absl::Span that the 9.15 Python wrapper cannot build; restricting
                # the vehicle variable is equivalent (-1 stays allowed: it may be dropped).
                # Measured faster for insertion heuristics than a capacity-style dimension.
                keep = allowed if r.id in data.bound_vehicle else [-1] + allowed
                routing.VehicleVar(pi).SetValues(keep)
                routing.VehicleVar(di).SetValues(keep)
            if r.id not in data.bound_vehicle:
                penalty = max(1, r.value * data.drop_weight // 2)
                routing.AddDisjunction([pi], penalty)
                routing.AddDisjunction([di], penalty)

        # Re-optimization: done visits stay first on their vehicle, in order.
        self.index_of: dict[tuple[str, str], int] = {}
        for j, r in enumerate(self.requests):
            self.index_of[(r.id, "pickup")] = manager.NodeToIndex(2 * V + 2 * j)
            self.index_of[(r.id, "delivery")] = manager.NodeToIndex(2 * V + 2 * j + 1)
        for vi, prefix in data.locked_prefix.items():
            if vi not in k_of:
                continue
            prev = routing.Start(k_of[vi])
            for key in prefix:
                solver.Add(routing.NextVar(prev) == self.index_of[key])
                prev = self.index_of[key]

    def _fix_done_visits(self, t_mat: np.ndarray, k_of: dict[int, int]
                         ) -> tuple[dict[int, int], dict[int, int], dict[int, int]]:
        """Times (scaled) of the done visits of this model's vehicles, by node (``self.done_node``
        maps a visit to its node).

        Also returns, per model vehicle with done visits, the latest start that
        reaches its first done visit in time and the earliest end after its last.
        ``t_mat`` is edited in place: an arc between consecutive done visits (or
        from the start to the first), forced by the locked prefix, takes no longer
        than the recorded times say it did.
        """
        data, V = self.data, len(self.vehicles)
        node_of: dict[tuple[str, str], int] = {}
        for j, r in enumerate(self.requests):
            node_of[(r.id, "pickup")], node_of[(r.id, "delivery")] = 2 * V + 2 * j, 2 * V + 2 * j + 1
        self.done_node = node_of
        fixed: dict[int, int] = {}
        start_lo: dict[int, int] = {}
        end_lo: dict[int, int] = {}
        for vi, prefix in data.locked_prefix.items():
            if vi not in k_of:
                continue
            k = k_of[vi]
            prev = 2 * k
            for key in prefix:
                node = node_of[key]
                fixed[node] = data.t_lo(data.done_at[key])
                if prev == 2 * k:
                    start_lo[k] = max(0, fixed[node] - int(t_mat[prev, node]))
                    gap = fixed[node] - start_lo[k]
                else:
                    gap = fixed[node] - fixed[prev]
                t_mat[prev, node] = min(int(t_mat[prev, node]), gap)
                prev = node
            end_lo[k] = fixed[prev] + int(t_mat[prev, 2 * k + 1])
        return fixed, start_lo, end_lo

    def _earliest_delivery(self, j: int, t_mat: np.ndarray) -> int:
        """A lower bound (scaled) on the start of request ``j``'s delivery, its pickup done:
        straight there from its vehicle's last done visit, not before now or its window."""
        data, V = self.data, len(self.vehicles)
        vi = data.bound_vehicle[self.requests[j].id]
        last = data.locked_prefix[vi][-1]
        d_node = 2 * V + 2 * j + 1
        last_node = self.done_node[last]
        t = self.fixed[last_node] + int(t_mat[last_node, d_node])
        if data.params.now_s is not None:
            t = max(t, data.t_lo(data.params.now_s))
        spec = self.delivery_spec[j]
        if spec.windows is not None:
            t = max(t, data.t_lo(spec.windows[0].start_s))
        return t

    def search_params(self, time_limit_s: float, *, first: str = "PARALLEL_CHEAPEST_INSERTION",
                      meta: str = "GUIDED_LOCAL_SEARCH", solution_limit: int | None = None,
                      insert_ops: bool = False, lns: bool = False):
        sp = pywrapcp.DefaultRoutingSearchParameters()
        # Ruin-and-recreate neighbourhoods (remove close or expensive pairs, reinsert by
        # cheapest insertion): off by default; measured on Li & Lim and Sartori-Buriol
        # instances they lower the cost reached in a few seconds by 3-5% on most.
        # Used in the cost phase only: in construction and route elimination the slower
        # neighbourhoods cost more vehicles than they save distance (56 Li & Lim runs).
        # Deterministic (descent-only) searches on small problems do without them.
        if lns and solution_limit is None:
            for name in _LNS_OPS:
                setattr(sp.local_search_operators, name, 3)  # BOOL_TRUE
        if insert_ops:
            # Route elimination leaves requests unperformed: add the operators that
            # insert them by moving or swapping others out of the way.
            ops = sp.local_search_operators
            for name in _INSERT_OPS:
                setattr(ops, name, 3)  # BOOL_TRUE
        sp.first_solution_strategy = getattr(routing_enums_pb2.FirstSolutionStrategy, first)
        sp.local_search_metaheuristic = getattr(routing_enums_pb2.LocalSearchMetaheuristic, meta)
        sp.time_limit.FromMilliseconds(max(1, int(time_limit_s * 1000)))
        if len(self.requests) > LARGE_DAY:
            # Completing a solution (a time for every stop) takes longer on large days
            # than the default 0.1 s allowed per neighbour, and the search from a valid
            # warm start then failed at once (600 requests: 0.1-0.25 s).
            sp.lns_time_limit.FromMilliseconds(max(100, int(time_limit_s * 1000)))
        if solution_limit is not None:
            sp.solution_limit = solution_limit
        return sp

    def routes_to_indices(self, sol: Solution) -> list[list[int]]:
        """Per model vehicle, the routing indices of ``sol``'s visits that exist in this model."""
        by_vehicle = {r.vehicle_id: r for r in sol.routes}
        out = []
        for vi in self.vehicles:
            route = by_vehicle.get(self.data.problem.vehicles[vi].id)
            idx = []
            if route is not None:
                present = {v.request_id for v in route.visits}
                for visit in route.visits:
                    key = (visit.request_id, visit.kind)
                    other = (visit.request_id, "delivery" if visit.kind == "pickup" else "pickup")
                    if key in self.index_of and other in self.index_of and visit.request_id in present:
                        idx.append(self.index_of[key])
            out.append(idx)
        # A request split across vehicles in the hint cannot be restored: drop both ends.
        seen: dict[str, int] = {}
        for k, idx in enumerate(out):
            for i in idx:
                rid = self._rid(i)
                seen.setdefault(rid, k)
                if seen[rid] != k:
                    seen[rid] = -1
        return [[i for i in idx if seen[self._rid(i)] == k] for k, idx in enumerate(out)]

    def rr_instance(self) -> ruin_recreate.Instance:
        """This model as plain integer arrays for the compiled ruin-and-recreate search.

        Bounds and allowed vehicles are read back from the OR-Tools variables, so
        the two searches see the same model (multiple windows and breaks excepted:
        see :func:`_ruin_recreate_fits`)."""
        routing, manager = self.routing, self.manager
        V, R = len(self.vehicles), len(self.requests)
        lo = np.zeros(self.n_nodes, dtype=np.int64)
        hi = np.zeros(self.n_nodes, dtype=np.int64)
        for k in range(V):
            for node, index in ((2 * k, routing.Start(k)), (2 * k + 1, routing.End(k))):
                lo[node], hi[node] = self.time.CumulVar(index).Min(), self.time.CumulVar(index).Max()
        allowed = np.zeros((R, V), dtype=np.uint8)
        for j in range(R):
            for node in (2 * V + 2 * j, 2 * V + 2 * j + 1):
                cumul = self.time.CumulVar(manager.NodeToIndex(node))
                lo[node], hi[node] = cumul.Min(), cumul.Max()
            vehicle = routing.VehicleVar(manager.NodeToIndex(2 * V + 2 * j))
            allowed[j] = [vehicle.Contains(k) for k in range(V)]
        demand = np.array([q for q, _caps in self.loads], dtype=np.int64).reshape(len(self.loads), R).T
        capacity = np.array([caps for _q, caps in self.loads], dtype=np.int64).reshape(len(self.loads), V).T
        fixed = np.array([routing.GetFixedCostOfVehicle(k) for k in range(V)], dtype=np.int64)
        max_visits = np.array(self.stop_caps, dtype=np.int64)
        return ruin_recreate.Instance(self.t_mat, self.c_mat, lo, hi, demand, capacity,
                                      np.array(self.ride_limits, dtype=np.int64), fixed, max_visits,
                                      np.array([max(1, r.value) for r in self.requests], dtype=np.int64), allowed)

    def _rid(self, index: int) -> str:
        node = self.manager.IndexToNode(index)
        return self.requests[(node - 2 * len(self.vehicles)) // 2].id

    def hint(self, sol: Solution | None, sp=None):
        """``sol``'s routes as a starting assignment of this model, or None.

        ``sol`` may come from a model without breaks: routes of break-taking
        vehicles where the break does not fit are left out (their requests
        start unperformed), so the rest of the plan still warm-starts.
        """
        if sol is None:
            return None
        routes = self.routes_to_indices(sol)
        if not self._closed:
            # Close with the parameters the search will use (they fix its operators and limits).
            self.routing.CloseModelWithParameters(sp if sp is not None else self.search_params(1.0))
            self._closed = True
        assignment = self.routing.ReadAssignmentFromRoutes(routes, True)
        if assignment is None and self.breaks:
            problem = self.data.problem
            for k in self.breaks:
                route = sol.route_of(problem.vehicles[self.vehicles[k]].id)
                if route is not None and not _break_fits(self.data, problem.vehicles[self.vehicles[k]], route):
                    routes[k] = []
            assignment = self.routing.ReadAssignmentFromRoutes(routes, True)
            if assignment is None:
                for k in self.breaks:
                    routes[k] = []
                assignment = self.routing.ReadAssignmentFromRoutes(routes, True)
        return assignment

    def run(self, sp, start=None):
        if start is not None:
            return self.routing.SolveFromAssignmentWithParameters(start, sp)
        return self.routing.SolveWithParameters(sp)

    def to_solution(self, assignment) -> Solution:
        data, problem, routing, manager = self.data, self.data.problem, self.routing, self.manager
        V = len(self.vehicles)
        routes = []
        served: set[str] = set()
        for k, vi in enumerate(self.vehicles):
            v = problem.vehicles[vi]
            index = assignment.Value(routing.NextVar(routing.Start(k)))
            if routing.IsEnd(index):
                continue
            nodes = []
            while not routing.IsEnd(index):
                nodes.append(manager.IndexToNode(index))
                index = assignment.Value(routing.NextVar(index))
            times = []
            index = routing.Start(k)
            while True:
                times.append(data.to_s(assignment.Value(self.time.CumulVar(index))))
                if routing.IsEnd(index):
                    break
                index = assignment.Value(routing.NextVar(index))
            break_start = None
            if k in self.breaks:
                break_start = data.to_s(assignment.StartValue(self.breaks[k]))
            load = {dim: 0 for dim in data.dims if dim in v.capacity or any(dim in r.load for r in self.requests)}
            visits = []
            prev_loc = int(self.loc[2 * k])
            prev_dep = times[0]
            dist = travel = 0.0
            for pos, node in enumerate(nodes):
                j, is_delivery = divmod(node - 2 * V, 2)
                r = self.requests[j]
                spec = self.delivery_spec[j] if is_delivery else self.pickup_spec[j]
                here = int(self.loc[node])
                leg = float(data.travel_s[prev_loc, here])
                arrival = prev_dep + leg
                start = times[pos + 1]
                if break_start is not None and prev_dep - 1e-9 <= break_start <= start:
                    arrival += problem.vehicles[vi].break_.duration_s  # type: ignore[union-attr]
                # A done visit is reported at its recorded time, not at the model's millisecond.
                start = data.done_at.get((r.id, "delivery" if is_delivery else "pickup"), start)
                arrival = min(arrival, start)
                sign = -1 if is_delivery else 1
                for dim, q in r.load.items():
                    load[dim] = load.get(dim, 0) + sign * q
                visits.append(Visit(r.id, "delivery" if is_delivery else "pickup", arrival, start,
                                    start + spec.service_s, dict(load)))
                served.add(r.id)
                dist += float(data.distance_m[prev_loc, here])
                travel += leg
                prev_loc, prev_dep = here, start + spec.service_s
            if v.end is not None:
                end_loc = int(self.loc[2 * k + 1])
                dist += float(data.distance_m[prev_loc, end_loc])
                travel += float(data.travel_s[prev_loc, end_loc])
                end_s = times[-1]
            else:
                end_s = prev_dep
            routes.append(Route(v.id, tuple(visits), times[0], end_s, dist, travel, break_start))
        dropped = list(data.dropped)
        msg = DROP_REASONS["not_enough_drivers"]
        for r in data.requests:
            if r.id not in served and not any(x.request_id == r.id for x in dropped):
                dropped.append(DroppedRequest(r.id, "not_enough_drivers", msg))
        order = {r.id: i for i, r in enumerate(problem.requests)}
        dropped.sort(key=lambda x: order[x.request_id])
        status = "empty" if not problem.requests else ("partial" if dropped else "ok")
        return Solution(tuple(routes), tuple(dropped), status, problem.objective)  # type: ignore[arg-type]


# ---------------------------------------------------------------------------
# The search.


def _score(problem: Problem, sol: Solution) -> tuple[int, int, float]:
    """Lexicographic quality: dropped value, vehicles used, travel cost plus fixed costs."""
    values = {r.id: r.value for r in problem.requests}
    cost = sol.travel_s if problem.objective == "duration" else sol.distance_m
    cost += sum(problem.vehicle(r.vehicle_id).fixed_cost for r in sol.used_routes)
    return (sum(values[d.request_id] for d in sol.dropped), sol.num_vehicles, round(cost, 6))


def _empty_solution(data: _Data) -> Solution:
    problem = data.problem
    dropped = tuple(data.dropped) + tuple(
        DroppedRequest(r.id, "not_enough_drivers", DROP_REASONS["not_enough_drivers"])
        for r in data.requests
    )
    status = "empty" if not problem.requests else ("partial" if dropped else "ok")
    return Solution((), dropped, status, problem.objective)  # type: ignore[arg-type]


@dataclass
class _Clock:
    deadline: float

    def left(self) -> float:
        return self.deadline - time.monotonic()


def _phase(data: _Data, vehicles: list[int], weight: int, seconds: float, start: Solution | None, *,
           first: str, meta: str, solution_limit: int | None, breaks: bool = True,
           insert_ops: bool = False, lns: bool = False, until: float | None = None) -> Solution | None:
    """One search on a fresh model; ``breaks=False`` ignores drivers' breaks (a faster
    construction for large days; the next phase re-imposes them). With ``until`` (a
    time.monotonic() deadline) the search gets what is left after building the model
    (seconds on large days) instead of ``seconds``."""
    model = _Model(data, vehicles, weight, breaks=breaks)
    if not model.requests and not data.locked_prefix:
        return None
    if until is not None:
        seconds = max(0.05, until - time.monotonic())
    if solution_limit is not None:
        # Deterministic mode: plain descent to a local optimum ends by itself; a
        # metaheuristic would only stop at the (wall-clock) time limit.
        meta = "GREEDY_DESCENT"
    sp = model.search_params(seconds, first=first, meta=meta, solution_limit=solution_limit, insert_ops=insert_ops,
                             lns=lns)
    initial = model.hint(start, sp) if start is not None else None
    assignment = model.run(sp, initial)
    if assignment is None and initial is not None:
        # The search can come back empty-handed (seen on 1,000-request days);
        # the warm start itself is a valid plan of this model.
        assignment = model.hint(start, sp)
    if assignment is None:
        return None
    return model.to_solution(assignment)


def _ruin_recreate_fits(data: _Data) -> bool:
    """Whether the compiled ruin-and-recreate search models this problem exactly.

    It knows windows (one per stop), shifts, capacities, allowed vehicles, ride
    limits and fixed costs; not breaks, several windows per stop, maximum route
    durations or re-optimization locks, and it is not deterministic."""
    problem = data.problem
    if (data.params.deterministic or data.locked_prefix or not data.requests
            or len(data.requests) > RUIN_RECREATE_MAX_REQUESTS):
        return False
    if any(v.break_ is not None or v.max_duration_s is not None for v in problem.vehicles):
        return False
    for r in data.requests:
        for spec in (problem.pickup_of(r), problem.delivery_of(r)):
            if spec.windows is not None and len(spec.windows) > 1:
                return False
    return ruin_recreate.available()


def _ruin_recreate_phase(data: _Data, vehicles: list[int], clock: _Clock, share: float, seed: int,
                         start: Solution | None) -> Solution | None:
    """The compiled search on this model for ``share`` of the time left once the model
    is built; its plan read back through OR-Tools (which re-checks every constraint
    and times the visits). None if it cannot run or its plan does not load."""
    model = _Model(data, vehicles, data.vehicle_weight)
    begin = None
    if start is not None:
        begin = [[model.manager.IndexToNode(i) for i in route] for route in model.routes_to_indices(start)]
        if not ruin_recreate.is_plan(begin, len(model.vehicles), len(model.requests)):
            begin = None  # e.g. a hand-edited plan with a delivery before its pickup: start afresh
    inst = model.rr_instance()
    # Independent runs, the best kept: a run now and then settles in a poor basin on
    # plans of a few long routes (about one run in six on Li & Lim's LRC2 instances),
    # and two shorter runs miss it far more rarely than one long one.
    result = None
    until = time.monotonic() + clock.left() * share
    for run in range(RUIN_RECREATE_RUNS):
        seconds = max(0.05, (until - time.monotonic()) / (RUIN_RECREATE_RUNS - run))
        found = ruin_recreate.search(inst, seconds, seed=seed * RUIN_RECREATE_RUNS + run, start=begin)
        if found is None:
            return None
        if result is None or found.rank() < result.rank():
            result = found
    if result is None:
        return None
    # Reading a large plan back completes a time for every stop: give it what is left.
    model.routing.CloseModelWithParameters(model.search_params(max(1.0, clock.left())))
    model._closed = True
    routes = [[model.manager.NodeToIndex(node) for node in route] for route in result.routes]
    assignment = model.routing.ReadAssignmentFromRoutes(routes, True)
    if assignment is None:
        return None
    return model.to_solution(assignment)


# Search variants, one per worker: first-solution strategy, metaheuristic, and
# budget shares (construction; elimination stops when this share is left; one
# elimination attempt).
_LNS_OPS = ("use_global_cheapest_insertion_close_nodes_lns", "use_local_cheapest_insertion_close_nodes_lns",
            "use_global_cheapest_insertion_expensive_chain_lns", "use_local_cheapest_insertion_expensive_chain_lns")
_INSERT_OPS = ("use_relocate_and_make_active", "use_node_pair_swap_active", "use_exchange_and_make_active",
               "use_inactive_lns")

_VARIANTS = (
    # worker 0: eliminate the smallest routes in turn, each with one guided local search
    {"first": "PARALLEL_CHEAPEST_INSERTION", "meta": "GUIDED_LOCAL_SEARCH", "construct": 0.2, "elim_stop": 0.35,
     "elim_try": 0.15, "continue": False},
    # worker 1: the same from another construction
    {"first": "LOCAL_CHEAPEST_INSERTION", "meta": "GUIDED_LOCAL_SEARCH", "construct": 0.2, "elim_stop": 0.35,
     "elim_try": 0.15, "continue": False},
    # (variants 2-3, used with more workers or other seeds: shorter attempts continuing
    # near-misses with tabu search and insertion operators)
    {"first": "LOCAL_CHEAPEST_INSERTION", "meta": "GUIDED_LOCAL_SEARCH", "construct": 0.2, "elim_stop": 0.35,
     "elim_try": 0.12, "insert_ops": True, "continue": True},
    {"first": "SAVINGS", "meta": "GUIDED_LOCAL_SEARCH", "construct": 0.2, "elim_stop": 0.35, "elim_try": 0.15,
     "continue": False},
    {"first": "PARALLEL_CHEAPEST_INSERTION", "meta": "GUIDED_LOCAL_SEARCH", "construct": 0.2, "elim_stop": 0.35,
     "elim_try": 0.15, "continue": True},
)


def _clusters(data: _Data, k: int) -> list[tuple[list[Request], list[int]]]:
    """The model's requests in ``k`` groups of nearby ones, each with a share of the vehicles.

    k-medoids on the travel-time matrix (works without coordinates), seeded by
    farthest points, so the split is deterministic. A request is placed by its
    pickup, or its delivery when the pickup is a depot (a depot is shared by the
    whole city). Vehicles go to the group nearest their start, nearest pairs
    first, each group taking a share of the fleet in proportion to its requests.
    Returns (requests, problem vehicle indices) per non-empty group.
    """
    problem, T = data.problem, data.travel_s
    reqs = data.requests
    locs = np.array([_loc(data, (r.pickup or r.delivery).location) for r in reqs])  # type: ignore[union-attr]
    d = T[np.ix_(locs, locs)]
    d = np.where(np.isfinite(d), d, _INF_TIME)
    d = d + d.T  # there and back: a symmetric dissimilarity
    k = max(1, min(k, len(reqs)))
    medoids = [0]
    for _ in range(1, k):
        medoids.append(int(np.argmax(d[medoids].min(axis=0))))
    labels = np.argmin(d[medoids], axis=0)
    for _ in range(20):
        medoids = [int(members[np.argmin(d[np.ix_(members, members)].sum(axis=1))])
                   for members in (np.flatnonzero(labels == j) for j in range(k)) if members.size]
        new = np.argmin(d[medoids], axis=0)
        if np.array_equal(new, labels):
            break
        labels = new
    k = len(medoids)
    counts = np.bincount(labels, minlength=k)
    n_v = len(problem.vehicles)
    quota = [max(1, n_v * int(c) // len(reqs)) for c in counts]
    while sum(quota) > n_v and max(quota) > 1:
        quota[int(np.argmax(quota))] -= 1
    while sum(quota) < n_v:
        quota[int(np.argmax(counts / np.maximum(quota, 1)))] += 1
    starts = np.array([_loc(data, v.start) for v in problem.vehicles])
    away = T[np.ix_(starts, locs[medoids])]
    away = np.where(np.isfinite(away), away, _INF_TIME)
    fleet: list[list[int]] = [[] for _ in range(k)]
    placed: set[int] = set()
    for flat in np.argsort(away, axis=None, kind="stable"):
        vi, j = divmod(int(flat), k)
        if vi not in placed and len(fleet[j]) < quota[j]:
            fleet[j].append(vi)
            placed.add(vi)
    return [([r for r, label in zip(reqs, labels) if label == j], sorted(fleet[j])) for j in range(k)]


def _assemble(data: _Data, routes: list[Route]) -> Solution:
    """One plan from routes of disjoint vehicles; every model request they leave out is dropped."""
    problem = data.problem
    served = {v.request_id for r in routes for v in r.visits}
    dropped = list(data.dropped) + [DroppedRequest(r.id, "not_enough_drivers", DROP_REASONS["not_enough_drivers"])
                                    for r in data.requests if r.id not in served]
    order = {r.id: i for i, r in enumerate(problem.requests)}
    dropped.sort(key=lambda x: order[x.request_id])
    status = "ok" if not dropped else "partial"
    return Solution(tuple(routes), tuple(dropped), status, problem.objective)  # type: ignore[arg-type]


def _construct_by_clusters(data: _Data, seconds: float, first: str, deterministic: bool) -> Solution:
    """A large day's first plan: each cluster of nearby requests planned alone with its share of the vehicles.

    OR-Tools' insertion heuristics grow worse than quadratically with the
    number of stops (every position of every route is tried for every pair): a
    2,000-request day did not construct in 5 minutes, while clusters of
    CLUSTER_SIZE requests construct in about a second, with breaks. Every
    cluster is constructed first (so a busy machine cannot leave one without a
    plan), then each is improved by guided local search for a share of what is
    left of ``seconds`` in proportion to its requests. The whole-day search that
    may follow moves requests across cluster borders and inserts those a cluster
    left out.
    """
    deadline = time.monotonic() + seconds
    groups = [(replace(data, requests=reqs), vehicles)
              for reqs, vehicles in _clusters(data, math.ceil(len(data.requests) / CLUSTER_SIZE)) if vehicles]
    plans = [_phase(sub, vehicles, data.vehicle_weight, max(0.05, deadline - time.monotonic()), None, first=first,
                    meta="GREEDY_DESCENT", solution_limit=1) for sub, vehicles in groups]
    left = sum(len(sub.requests) for sub, _ in groups)
    for k, ((sub, vehicles), plan) in enumerate(zip(groups, plans)):
        share = (deadline - time.monotonic()) * len(sub.requests) / left
        left -= len(sub.requests)
        if plan is None or share < 0.05:
            continue
        better = _phase(sub, vehicles, data.vehicle_weight, share, plan, first=first, meta="GUIDED_LOCAL_SEARCH",
                        solution_limit=(20 + 4 * len(sub.requests)) if deterministic else None)
        if better is not None and _score(data.problem, better) <= _score(data.problem, plan):
            plans[k] = better
    return _assemble(data, [route for plan in plans if plan is not None for route in plan.used_routes])


def _pipeline(problem: Problem, params: SolveParams, variant: int, budget_s: float) -> Solution:
    clock = _Clock(time.monotonic() + budget_s)
    data = _prepare(problem, params)
    _set_weights(data)
    strategy = dict(_VARIANTS[variant % len(_VARIANTS)])
    det = params.deterministic
    all_vehicles = list(range(len(problem.vehicles)))
    if not data.requests or not all_vehicles:
        return _empty_solution(data)
    n_req = len(data.requests)
    limit = (lambda n: n) if det else (lambda n: None)

    if _ruin_recreate_fits(data):
        # Most of the budget to the compiled search (fleet, then cost); OR-Tools
        # re-reads its plan, so what comes back satisfies the full model.
        # (Large days need a bigger share for reading the plan back and timing it.)
        share = 0.9 if n_req <= LARGE_DAY else 0.75
        cand = _ruin_recreate_phase(data, all_vehicles, clock, share, params.seed * 7919 + variant, params.previous)
        if cand is not None:
            return _finalize(data, cand, clock)
        # Not expected (the two models agree): say so, and let OR-Tools use what is left.
        log.warning("routing: the ruin-and-recreate plan could not be read back; OR-Tools continues")

    large = n_req > LARGE_DAY
    clustered = large and params.previous is None
    if large and not clustered:
        # Re-optimizing a large day starts from the previous plan: local cheapest
        # insertion only completes it. Parallel cheapest insertion is too slow here.
        strategy.update(first="LOCAL_CHEAPEST_INSERTION", construct=0.7)

    # 1. construct (deterministic mode: descend from several constructions, keep the best)
    firsts = [strategy["first"]]
    if det and not clustered:
        firsts += [f for f in ("LOCAL_CHEAPEST_INSERTION", "SEQUENTIAL_CHEAPEST_INSERTION", "SAVINGS")
                   if f != strategy["first"]]
    # The whole-day search (phase 3) moves requests across cluster borders; it is
    # worth running only when it has time to search after building its model and
    # reading the cluster plan into it, both quadratic in stops: about 5 s for
    # 1,000 requests and 100 vehicles; for 2,000 and 200, 8 s to build and more
    # than 17 s per reading (city days, 2 cores under load).
    build_s = 1.3 * ((2 * n_req + 2 * len(all_vehicles)) / 1000) ** 2
    cross = not clustered or det or clock.left() * 0.3 > 2 * build_s
    best = None
    if clustered:
        # Parallel cheapest insertion whatever the variant: on the 1,000-request city
        # day its clusters served 884 requests, local cheapest insertion's 829.
        best = _construct_by_clusters(data, clock.left() * (0.7 if cross else 0.95), "PARALLEL_CHEAPEST_INSERTION",
                                      det)
    for first in firsts if not clustered else ():
        share = strategy["construct"]
        cand = _phase(data, all_vehicles, data.vehicle_weight, max(0.05, clock.left() * share / len(firsts)),
                      params.previous, first=first, meta=strategy["meta"], solution_limit=limit(20 + 4 * n_req),
                      breaks=not large)
        if cand is not None and (best is None or _score(problem, cand) < _score(problem, best)):
            best = cand
    if best is None:
        return _empty_solution(data)
    best_score = _score(problem, best)
    # A large day re-optimized without breaks: only a later phase's plan is valid.
    needs_breaks = large and not clustered and any(problem.vehicles[i].break_ is not None for i in all_vehicles)

    # 2. fleet minimisation by route elimination: drop the vehicle with the
    # smallest route and search with the others, its requests unperformed and
    # priced by their value. A failed attempt (requests still out) is continued
    # from where it stopped, a few times, before another vehicle is tried.
    if params.minimize_vehicles and not large:
        failures = 0
        skip: set[str] = set()  # vehicles whose elimination failed for the current fleet
        pending: tuple[list[int], Solution] | None = None
        max_failures = 6 if strategy["continue"] else 3
        while clock.left() > budget_s * strategy["elim_stop"] and best.num_vehicles > 1 and failures < max_failures:
            if pending is None:
                used = [r for r in best.used_routes if r.vehicle_id not in skip and
                        problem.vehicles.index(problem.vehicle(r.vehicle_id)) not in data.locked_prefix]
                if not used:
                    break
                ranked = sorted(used, key=lambda r: (len(r.visits), r.travel_s))
                # Without continuation, successive failures try the next smallest routes.
                victim = ranked[0] if strategy["continue"] else ranked[min(failures, len(ranked) - 1)]
                fleet = {r.vehicle_id for r in best.used_routes} - {victim.vehicle_id}
                keep = [i for i, v in enumerate(problem.vehicles) if v.id in fleet]
                start, tries = best, 0
            else:
                keep, start = pending
            # A continuation from the same point with the same search would repeat
            # itself exactly; switch metaheuristic to explore differently.
            meta = strategy["meta"] if pending is None else "TABU_SEARCH"
            seconds = min(clock.left() - budget_s * (strategy["elim_stop"] - 0.05),
                          max(0.2, budget_s * strategy["elim_try"]))
            if seconds <= 0.05:
                break
            cand = _phase(data, keep, data.vehicle_weight, seconds, start, first=strategy["first"],
                          meta=meta, solution_limit=limit(30 + 6 * n_req),
                          insert_ops=strategy.get("insert_ops", False))
            if cand is not None and _score(problem, cand)[0] <= best_score[0]:
                best, best_score = cand, _score(problem, cand)
                failures, pending, skip = 0, None, set()
                continue
            failures += 1
            tries += 1
            if (strategy["continue"] and cand is not None and tries < 2 and not det
                    and len(cand.dropped) <= max(1, len(victim.visits) // 4)):
                pending = (keep, cand)
            else:
                pending = None
                if strategy["continue"]:
                    skip.add(victim.vehicle_id)

    # 3. cost on the final fleet. With identical vehicles the unused ones add
    # nothing but symmetry; otherwise they stay in, priced, so a better-placed
    # driver can take over a route.
    fleet_ids = {r.vehicle_id for r in best.used_routes}
    if _homogeneous(problem.vehicles):
        keep, weight = [i for i, v in enumerate(problem.vehicles) if v.id in fleet_ids], 0
    else:
        keep, weight = all_vehicles, data.vehicle_weight
    seconds = clock.left()
    if keep and seconds > 0.05 and cross:
        # A large day's model takes seconds to build, and its plan a moment to re-time.
        until = clock.deadline - 0.05 * budget_s if large else None
        cand = _phase(data, keep, weight, seconds, best, first=strategy["first"], meta="GUIDED_LOCAL_SEARCH",
                      solution_limit=limit(50 + 10 * n_req), lns=True, until=until)
        if cand is not None and (needs_breaks or _score(problem, cand) <= best_score):
            best, best_score = cand, _score(problem, cand)
            needs_breaks = False
    if needs_breaks:
        return _empty_solution(data)
    return _finalize(data, best, clock)


def _break_fits(data: _Data, v: Vehicle, route: Route) -> bool:
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
        stops.append((r, visit.kind, spec, problem.loc_index(spec.location)))
    n = len(stops)
    t0 = v.shift.start_s if data.params.now_s is None else max(v.shift.start_s, data.params.now_s)
    for where in range(n + 1):
        t, prev, ok = t0, problem.loc_index(v.start), True
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
            start = _earliest(spec.windows, t + T[prev, here])
            if start is None or (kind == "delivery" and r.max_ride_s is not None
                                 and start - starts[(r.id, "pickup")] > r.max_ride_s + 1e-9):
                ok = False
                break
            starts[(r.id, kind)] = start
            t, prev = start + spec.service_s, here
        if not ok:
            continue
        if v.end is not None:
            t += T[prev, problem.loc_index(v.end)]
        if t <= v.shift.end_s + 1e-9:
            return True
    return False


def _finalize(data: _Data, sol: Solution, clock: _Clock) -> Solution:
    """Re-time ``sol``'s routes in models that post every constraint exactly.

    Search models check ride limits through filters only; here each route is
    read into a strict model of its own vehicle and requests, so the reported
    times respect them. Routes share no constraint, so this equals one strict
    model of the whole plan, and it stays cheap on large days (reading 100
    routes into one model of 1,000 requests took two minutes). A route the
    strict model rejects loses its ride-limited requests, then all of them
    (reported as dropped).
    """
    if not any(r.max_ride_s is not None for r in data.requests) or not sol.used_routes:
        return sol
    problem = data.problem
    by_id = {r.id: r for r in data.requests}
    routes: list[Route] = []
    for route in sol.used_routes:
        vi = problem.vehicles.index(problem.vehicle(route.vehicle_id))
        loose = tuple(v for v in route.visits
                      if by_id[v.request_id].max_ride_s is None or v.request_id in data.bound_vehicle)
        for visits in (route.visits, loose):
            if not visits:
                break
            ids = {v.request_id for v in visits}
            model = _Model(replace(data, requests=[r for r in data.requests if r.id in ids]), [vi], 0, strict=True)
            model.routing.CloseModelWithParameters(model.search_params(max(1.0, clock.left())))
            model._closed = True
            indices = model.routes_to_indices(replace(sol, routes=(replace(route, visits=visits),)))
            assignment = model.routing.ReadAssignmentFromRoutes(indices, True)
            if assignment is not None:
                routes += model.to_solution(assignment).used_routes
                break
            if visits == loose:
                break
    return _assemble(data, routes)


def _homogeneous(vehicles: tuple[Vehicle, ...]) -> bool:
    """Whether all vehicles are interchangeable (equal but for their ids)."""
    def key(v: Vehicle) -> tuple:
        return (v.start, v.end, v.shift, tuple(sorted(v.capacity.items())), v.cold_chain, v.max_duration_s,
                v.break_, v.fixed_cost, v.max_stops)

    return len({key(v) for v in vehicles}) <= 1


def _worker(args) -> Solution:
    problem, params, variant, deadline = args
    # The deadline is wall-clock time fixed by the parent, so that a slow process
    # start on a busy machine eats into the search, not past the caller's limit.
    return _pipeline(problem, params, variant, max(0.3, deadline - time.time()))


def solve(problem: Problem, params: SolveParams | None = None) -> Solution:
    """Plan routes for ``problem``.

    Returns a :class:`~routing.solution.Solution`; requests that cannot be
    served are in ``Solution.dropped`` with a reason. Raises
    :class:`~routing.problem.ProblemError` for invalid input (including
    inconsistent re-optimization parameters) and
    :class:`~routing.matrix.MatrixError` when travel times cannot be obtained.
    """
    params = params or SolveParams()
    if not isinstance(problem, Problem):
        raise ProblemError(f"solve() needs a Problem, got {type(problem).__name__}")
    t0 = time.monotonic()
    problem.travel()  # fetch the matrix once, before any worker starts
    workers = 1 if params.deterministic else params.num_workers
    if len(problem.requests) > LARGE_DAY:
        # Large days: one search gets all the CPU; two would each risk not finishing
        # the construction on a busy machine (and double the memory).
        workers = 1
    if workers == 1:
        sol = _pipeline(problem, params, params.seed, params.time_limit_s)
    else:
        margin = 0.5  # returning results and shutting the pool down
        deadline = time.time() + params.time_limit_s - margin
        ctx = multiprocessing.get_context("spawn")
        with ProcessPoolExecutor(max_workers=workers, mp_context=ctx) as pool:
            jobs = [(problem, replace(params, num_workers=1), params.seed + w, deadline) for w in range(workers)]
            results = list(pool.map(_worker, jobs))
        sol = min(results, key=lambda s: _score(problem, s))
    return replace(sol, runtime_s=time.monotonic() - t0)
