"""One OR-Tools routing model over a subset of the vehicles: the only module that imports OR-Tools' routing library.

Node layout (OR-Tools *nodes*, not routing indices): vehicle k of the model
has start node 2k and end node 2k+1; request j has pickup node 2V+2j and
delivery node 2V+2j+1. Routing indices come from the manager and never leave
this module: the rest of the solver hands in and gets back
:class:`~routing.solution.Solution` objects, or node ids for the compiled
search.

:class:`Model` builds the model with one function per family of rules, each
posted on the routing model in this order: arcs and the time dimension,
loads, stops, vehicles (shift, duration, fixed cost, break), cold chain and the
vehicles allowed per request, requests (pairs, precedence, time windows, ride
limits, the price of leaving one out), and the locks of done visits.
"""

from __future__ import annotations

import math

import numpy as np
from ortools.constraint_solver import pywrapcp, routing_enums_pb2

from .. import ruin_recreate
from ..solution import DROP_REASONS, DroppedRequest, Route, Solution, Visit
from . import compiled
from . import params as tuning
from .data import COST_SCALE, TIME_SCALE, Data, break_fits, row_of

# Ruin-and-recreate neighbourhoods of OR-Tools' local search (see Model.search_params).
_LNS_OPS = ("use_global_cheapest_insertion_close_nodes_lns", "use_local_cheapest_insertion_close_nodes_lns",
            "use_global_cheapest_insertion_expensive_chain_lns", "use_local_cheapest_insertion_expensive_chain_lns")
_INSERT_OPS = ("use_relocate_and_make_active", "use_node_pair_swap_active", "use_exchange_and_make_active",
               "use_inactive_lns")
#: A done request that can no longer arrive in time is late at this price per
#: second (as ten seconds of driving, or ten metres), not a bound that leaves no plan.
_LATE_PER_MS = 10 * COST_SCALE // TIME_SCALE


class Model:
    """An OR-Tools routing model for ``vehicles`` (problem vehicle indices).

    ``vehicle_weight`` is the cost of using a vehicle (on top of its fixed
    cost); ``strict`` posts ride limits as hard constraints on the visit times
    (the search models check them through filters only); ``breaks=False``
    leaves drivers' breaks out (a faster construction for large days).
    """

    def __init__(self, data: Data, vehicles: list[int], vehicle_weight: int, strict: bool = False,
                 breaks: bool = True):
        self.data = data
        self.vehicles = vehicles
        self.vehicle_weight = vehicle_weight
        in_model = set(vehicles)
        self.requests = [r for r in data.requests if any(i in in_model for i in data.allowed[r.id])]
        self.k_of = {vi: k for k, vi in enumerate(vehicles)}
        _lay_out_nodes(self)
        self._closed = False
        V = len(vehicles)
        self.manager = pywrapcp.RoutingIndexManager(self.n_nodes, V, [2 * k for k in range(V)],
                                                    [2 * k + 1 for k in range(V)])
        self.routing = pywrapcp.RoutingModel(self.manager)
        # Routing index of every visit of this model, by (request id, kind).
        self.index_of: dict[tuple[str, str], int] = {key: self.manager.NodeToIndex(node)
                                                     for key, node in self.done_node.items()}
        _arcs_and_time(self)
        _loads(self)
        _stops(self)
        _vehicles(self, breaks)
        _allowed_vehicles(self)
        _requests(self, strict)
        _lock_done_visits(self)

    def earliest_delivery(self, j: int) -> int:
        """A lower bound (scaled) on the start of request ``j``'s delivery, its pickup done:
        straight there from its vehicle's last done visit, not before now or its window."""
        data, V = self.data, len(self.vehicles)
        vi = data.bound_vehicle[self.requests[j].id]
        last = data.locked_prefix[vi][-1]
        d_node = 2 * V + 2 * j + 1
        last_node = self.done_node[last]
        t = self.fixed[last_node] + int(self.t_mat[last_node, d_node])
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
        if len(self.requests) > tuning.LARGE_DAY:
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
        """This model as plain integer arrays for the compiled ruin-and-recreate search
        (see :func:`routing.solver.compiled.instance_of`)."""
        return compiled.instance_of(self)

    def locked_nodes(self) -> list[list[int]]:
        """Per model vehicle, the nodes of its done visits in the order they happened."""
        prefix = self.data.locked_prefix
        return [[self.done_node[key] for key in prefix.get(vi, ())] for vi in self.vehicles]

    def close(self, seconds: float) -> None:
        """Close the model with the parameters of a search of ``seconds``: reading a plan
        completes a time for every stop, which takes a while on a large day."""
        self.routing.CloseModelWithParameters(self.search_params(max(1.0, seconds)))
        self._closed = True

    def read(self, sol: Solution, seconds: float) -> Solution | None:
        """``sol``'s routes re-timed by this model (closed for ``seconds``), or None when they break a rule."""
        self.close(seconds)
        assignment = self.routing.ReadAssignmentFromRoutes(self.routes_to_indices(sol), True)
        return None if assignment is None else self.to_solution(assignment)

    def node_routes(self, sol: Solution) -> list[list[int]]:
        """Per model vehicle, the nodes of ``sol``'s visits that exist in this model (for the compiled search)."""
        return [[self.manager.IndexToNode(i) for i in route] for route in self.routes_to_indices(sol)]

    def read_nodes(self, routes: list[list[int]], seconds: float, times: tuple[int, ...] = (),
                   break_starts: tuple[int, ...] = ()) -> Solution | None:
        """Routes given as nodes per model vehicle, re-timed by this model, or None when they break a rule.

        ``times`` (per node, scaled; -1 off the routes) and ``break_starts`` (per model
        vehicle, -1: none), when given, are a schedule to check: the model checks those
        values instead of searching for some (a search that, with breaks and several
        windows per stop, can run out of time on a plan that keeps every rule)."""
        self.close(seconds)
        indices = [[self.manager.NodeToIndex(node) for node in route] for route in routes]
        if times and all(times[node] >= 0 for route in routes for node in route):
            assignment = self._checked(indices, times, break_starts)
            if assignment is not None:
                return self.to_solution(assignment)
        assignment = self.routing.ReadAssignmentFromRoutes(indices, True)
        return None if assignment is None else self.to_solution(assignment)

    def _checked(self, indices: list[list[int]], times: tuple[int, ...], break_starts: tuple[int, ...]):
        """The assignment of these routes with these times and break starts, if the model accepts it; else None."""
        routing, manager, time_dim = self.routing, self.manager, self.time
        solver = routing.solver()
        assignment = solver.Assignment()
        if not routing.RoutesToAssignment(indices, True, True, assignment):
            return None
        for node, t in enumerate(times):
            if t < 0:
                continue
            for index in self._indices_of(node):
                assignment.Add(time_dim.CumulVar(index))
                assignment.SetValue(time_dim.CumulVar(index), int(t))
        for k, start in enumerate(break_starts):
            if k in self.breaks and start >= 0:
                iv = self.breaks[k]
                assignment.Add(iv)
                assignment.SetStartValue(iv, int(start))
                assignment.SetDurationValue(iv, iv.DurationMin())
                assignment.SetEndValue(iv, int(start) + iv.DurationMin())
                assignment.SetPerformedValue(iv, 1)
        return assignment if solver.CheckAssignment(assignment) else None

    def _indices_of(self, node: int) -> list[int]:
        """The routing indices of a node: a vehicle's start or end node is its Start or End index."""
        V = len(self.vehicles)
        if node < 2 * V:
            k, is_end = divmod(node, 2)
            return [self.routing.End(k) if is_end else self.routing.Start(k)]
        return [self.manager.NodeToIndex(node)]

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
                if route is not None and not break_fits(self.data, problem.vehicles[self.vehicles[k]], route):
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
# The rules, one family per function.


def _lay_out_nodes(m: Model) -> None:
    """Matrix rows, service times and the scaled time and cost matrices of the model's nodes.

    An open route ends where its last visit is: arcs into its end node are free.
    ``t_mat`` includes the service time at the from-node.
    """
    data, problem, vehicles = m.data, m.data.problem, m.vehicles
    V, R = len(vehicles), len(m.requests)
    n = m.n_nodes = 2 * V + 2 * R
    loc = np.zeros(n, dtype=np.int64)
    open_end = np.zeros(n, dtype=bool)
    service = np.zeros(n, dtype=np.int64)
    for k, vi in enumerate(vehicles):
        v = problem.vehicles[vi]
        loc[2 * k] = row_of(data, v.start)
        if v.end is None:
            open_end[2 * k + 1] = True
            loc[2 * k + 1] = loc[2 * k]
        else:
            loc[2 * k + 1] = row_of(data, v.end)
    m.pickup_spec, m.delivery_spec = [], []
    m.done_node = {}  # (request id, kind) -> node
    for j, r in enumerate(m.requests):
        p, d = problem.pickup_of(r), problem.delivery_of(r)
        m.pickup_spec.append(p)
        m.delivery_spec.append(d)
        loc[2 * V + 2 * j], loc[2 * V + 2 * j + 1] = row_of(data, p.location), row_of(data, d.location)
        service[2 * V + 2 * j], service[2 * V + 2 * j + 1] = data.dur(p.service_s), data.dur(d.service_s)
        m.done_node[(r.id, "pickup")], m.done_node[(r.id, "delivery")] = 2 * V + 2 * j, 2 * V + 2 * j + 1
    m.loc, m.open_end, m.service = loc, open_end, service
    t_mat = data.time_int[np.ix_(loc, loc)]
    c_mat = data.cost_int[np.ix_(loc, loc)]
    t_mat[:, open_end] = 0
    c_mat[:, open_end] = 0
    m.t_mat = t_mat + service[:, None]
    m.c_mat = c_mat
    m.fixed, m.start_lo, m.end_lo = _fix_done_visits(m)


def _fix_done_visits(m: Model) -> tuple[dict[int, int], dict[int, int], dict[int, int]]:
    """Times (scaled) of the done visits of this model's vehicles, by node.

    Also returns, per model vehicle with done visits, the latest start that
    reaches its first done visit in time and the earliest end after its last.
    ``m.t_mat`` is edited in place: an arc between consecutive done visits (or
    from the start to the first), forced by the locked prefix, takes no longer
    than the recorded times say it did.
    """
    data, t_mat, node_of = m.data, m.t_mat, m.done_node
    fixed: dict[int, int] = {}
    start_lo: dict[int, int] = {}
    end_lo: dict[int, int] = {}
    for vi, prefix in data.locked_prefix.items():
        if vi not in m.k_of:
            continue
        k = m.k_of[vi]
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


def _arcs_and_time(m: Model) -> None:
    """Arc costs, and the time dimension: a visit starts after the previous one's service and drive."""
    routing, data = m.routing, m.data
    routing.SetArcCostEvaluatorOfAllVehicles(routing.RegisterTransitMatrix(m.c_mat.tolist()))
    time_cb = routing.RegisterTransitMatrix(m.t_mat.tolist())
    routing.AddDimension(time_cb, data.horizon, data.horizon, False, "time")
    m.time = routing.GetDimensionOrDie("time")


def _loads(m: Model) -> None:
    """One dimension per load dimension (kg, crates ...); capacity a vehicle does not list is unlimited.

    Kept as (per-request load, per-vehicle capacity) in ``m.loads`` for :meth:`Model.rr_instance`.
    """
    data, problem, routing = m.data, m.data.problem, m.routing
    V, n = len(m.vehicles), m.n_nodes
    m.loads = []
    for dim in data.dims:
        demand = [0] * n
        for j, r in enumerate(m.requests):
            q = r.load.get(dim, 0)
            demand[2 * V + 2 * j] = q
            demand[2 * V + 2 * j + 1] = -q
        if not any(demand):
            continue
        total = sum(q for q in demand if q > 0)
        caps = [min(problem.vehicles[vi].capacity.get(dim, total), total) for vi in m.vehicles]
        m.loads.append((demand[2 * V::2], caps))
        cb = routing.RegisterUnaryTransitVector(demand)
        routing.AddDimensionWithVehicleCapacity(cb, 0, caps, True, f"load:{dim}")


def _stops(m: Model) -> None:
    """The most stops per driver: every pickup and delivery node counts one (done visits too).

    A vehicle without a limit gets the number of nodes. A re-plan must still
    finish what is on board, so a vehicle's bound requests raise its limit if
    they need more.
    """
    data, problem, routing = m.data, m.data.problem, m.routing
    V, R = len(m.vehicles), len(m.requests)
    bound = [data.bound_vehicle.get(r.id) for r in m.requests]
    m.stop_caps = [max(problem.vehicles[vi].max_stops or m.n_nodes, 2 * bound.count(vi)) for vi in m.vehicles]
    if any(problem.vehicles[vi].max_stops is not None for vi in m.vehicles):
        cb = routing.RegisterUnaryTransitVector([0] * (2 * V) + [1] * (2 * R))
        routing.AddDimensionWithVehicleCapacity(cb, 0, m.stop_caps, True, "stops")


def _vehicles(m: Model, breaks: bool) -> None:
    """Each vehicle's shift, maximum duration, fixed cost and break."""
    data, problem, routing, time_dim = m.data, m.data.problem, m.routing, m.time
    m.max_span = [-1] * len(m.vehicles)  # scaled; -1: none (for Model.rr_instance)
    for k, vi in enumerate(m.vehicles):
        v = problem.vehicles[vi]
        lo = data.t_lo(v.shift.start_s)
        if data.params.now_s is not None and vi not in data.locked_prefix:
            lo = max(lo, data.t_lo(data.params.now_s))
        # Without break intervals, keep the break's length free at the end of the
        # shift so that most routes can take it when breaks are imposed again.
        reserve = v.break_.duration_s if (v.break_ is not None and not breaks) else 0.0
        hi = data.t_hi(v.shift.end_s - reserve)
        if k in m.start_lo:
            # Done visits are facts: a driver who started before the shift did, and one
            # who finished them late still gets home.
            lo, hi = min(lo, m.start_lo[k]), max(hi, m.end_lo[k])
        time_dim.CumulVar(routing.Start(k)).SetRange(lo, max(lo, hi))
        time_dim.CumulVar(routing.End(k)).SetRange(lo, max(lo, hi))
        if v.max_duration_s is not None:
            span = max(0.0, v.max_duration_s - reserve)
            m.max_span[k] = int(math.floor(span * TIME_SCALE))
            time_dim.SetSpanUpperBoundForVehicle(m.max_span[k], k)
        routing.SetFixedCostOfVehicle(m.vehicle_weight + v.fixed_cost * COST_SCALE, k)
        routing.AddVariableMaximizedByFinalizer(time_dim.CumulVar(routing.Start(k)))
        routing.AddVariableMinimizedByFinalizer(time_dim.CumulVar(routing.End(k)))
    m.breaks = {}
    if breaks and any(problem.vehicles[vi].break_ is not None for vi in m.vehicles):
        visit_transit = [int(m.service[m.manager.IndexToNode(index)]) for index in range(routing.Size())]
        for k, vi in enumerate(m.vehicles):
            b = problem.vehicles[vi].break_
            if b is None:
                continue
            lo, hi = data.t_lo(b.window.start_s), data.t_hi(b.window.end_s)
            iv = routing.solver().FixedDurationIntervalVar(lo, max(lo, hi), data.dur(b.duration_s), False,
                                                           f"break{k}")
            time_dim.SetBreakIntervalsOfVehicle([iv], k, visit_transit)
            m.breaks[k] = iv


def _allowed_vehicles(m: Model) -> None:
    """Cold chain, capacity and reach, from the pre-checks: the vehicles that may serve each request.

    SetAllowedVehiclesForIndex takes an absl::Span that the 9.15 Python
    wrapper cannot build; restricting the vehicle variable is equivalent (-1
    stays allowed: it may be dropped). Measured faster for insertion
    heuristics than a capacity-style dimension.
    """
    data, routing = m.data, m.routing
    V = len(m.vehicles)
    for r in m.requests:
        allowed = [m.k_of[i] for i in data.allowed[r.id] if i in m.k_of]
        if len(allowed) < V:
            keep = allowed if r.id in data.bound_vehicle else [-1] + allowed
            routing.VehicleVar(m.index_of[(r.id, "pickup")]).SetValues(keep)
            routing.VehicleVar(m.index_of[(r.id, "delivery")]).SetValues(keep)


def _requests(m: Model, strict: bool) -> None:
    """Each request: one vehicle from pickup to delivery, its time windows and ride limit, and
    what leaving it out costs (none for a request already on a vehicle)."""
    data, routing, time_dim = m.data, m.routing, m.time
    solver = routing.solver()
    m._limits = []  # keeps the ride-limit callbacks alive while OR-Tools holds them
    m.ride_limits = [-1] * len(m.requests)
    m.window_gaps = {}  # node -> the gaps between its windows (for Model.rr_instance)
    for j, r in enumerate(m.requests):
        pi, di = m.index_of[(r.id, "pickup")], m.index_of[(r.id, "delivery")]
        routing.AddPickupAndDelivery(pi, di)
        solver.Add(routing.VehicleVar(pi) == routing.VehicleVar(di))
        solver.Add(time_dim.CumulVar(pi) <= time_dim.CumulVar(di))
        _time_windows(m, j, pi, di)
        if r.max_ride_s is not None:
            limit = _ride_limit(m, j, pi, di)
            m.ride_limits[j] = limit
            m._limits.append(lambda _p, _d, limit=limit: limit)
            time_dim.SetPickupToDeliveryLimitFunctionForPair(m._limits[-1], j)
            if strict:
                solver.Add(time_dim.CumulVar(di) - time_dim.CumulVar(pi) <= limit)
        if r.id not in data.bound_vehicle:
            penalty = max(1, r.value * data.drop_weight // 2)
            routing.AddDisjunction([pi], penalty)
            routing.AddDisjunction([di], penalty)


def _time_windows(m: Model, j: int, pi: int, di: int) -> None:
    """Request ``j``'s windows on its pickup (index ``pi``) and delivery (``di``); a done visit
    is fixed at its recorded time instead, and nothing starts before now."""
    data, time_dim = m.data, m.time
    r, done = m.requests[j], data.params.done
    for idx, spec, kind in ((pi, m.pickup_spec[j], "pickup"), (di, m.delivery_spec[j], "delivery")):
        cumul = time_dim.CumulVar(idx)
        if (r.id, kind) in done:
            # Already happened, at its recorded time: its window no longer binds.
            cumul.SetValue(m.fixed[m.done_node[(r.id, kind)]])
            continue
        lo = 0 if data.params.now_s is None else max(0, data.t_lo(data.params.now_s))
        if spec.windows is None:
            cumul.SetMin(lo)
            continue
        w_lo = data.t_lo(spec.windows[0].start_s)
        w_hi = data.t_hi(spec.windows[-1].end_s)
        if kind == "delivery" and (r.id, "pickup") in done and m.earliest_delivery(j) > w_hi:
            # Food on board whose delivery window has closed: it still has to be
            # dropped off, as soon as the rest allows (a penalty per second late, as
            # for an overdue ride), rather than leaving the re-plan with no answer.
            cumul.SetRange(max(lo, w_lo), data.horizon)
            time_dim.SetCumulVarSoftUpperBound(idx, w_hi, _LATE_PER_MS)
            continue
        cumul.SetRange(max(lo, w_lo), max(max(lo, w_lo), w_hi))
        for a, b in zip(spec.windows, spec.windows[1:]):
            gap_lo, gap_hi = data.t_hi(a.end_s) + 1, data.t_lo(b.start_s) - 1
            if gap_lo <= gap_hi:
                cumul.RemoveInterval(gap_lo, gap_hi)
                m.window_gaps.setdefault(m.manager.IndexToNode(idx), []).append((gap_lo, gap_hi))


def _ride_limit(m: Model, j: int, pi: int, di: int) -> int:
    """Request ``j``'s ride limit (scaled) for OR-Tools' pair limit.

    The native pair limit lets OR-Tools' filters reject bad moves cheaply (the
    generic constraint alone made a 200-request day 6x slower, and a
    1,000-request day could not even be constructed). The filter does not make
    the final cumul values respect it, so the strict model used by
    ``search.finalize`` also posts the generic constraint.
    """
    data, r = m.data, m.requests[j]
    limit = int(math.floor(r.max_ride_s * TIME_SCALE))  # type: ignore[operator]
    if (r.id, "delivery") in data.params.done:
        return data.horizon  # the ride is over: what it took is a fact, not a choice
    if (r.id, "pickup") in data.params.done:
        # Counted from the real pickup: a bound on the delivery, which the search
        # keeps (the pair limit alone lets it through). Food that can no longer
        # make it is delivered as soon as the rest allows, late at a price.
        due = m.fixed[m.manager.IndexToNode(pi)] + limit
        if m.earliest_delivery(j) <= due:
            m.time.CumulVar(di).SetMax(due)
        else:
            m.time.SetCumulVarSoftUpperBound(di, due, _LATE_PER_MS)
            return data.horizon
    return limit


def _lock_done_visits(m: Model) -> None:
    """Re-optimization: done visits stay first on their vehicle, in the order they happened."""
    routing = m.routing
    for vi, prefix in m.data.locked_prefix.items():
        if vi not in m.k_of:
            continue
        prev = routing.Start(m.k_of[vi])
        for key in prefix:
            routing.solver().Add(routing.NextVar(prev) == m.index_of[key])
            prev = m.index_of[key]
