"""Ruin-and-recreate search (string removal, fleet minimisation, annealing), compiled.

The search itself is C (``_ruin_recreate.c``): pickup-and-delivery insertion
has to be evaluated hundreds of thousands of times per second to reach
published best-known results in seconds, which Python cannot do. It is the
extension module ``routing._ruin_recreate``, built when the package is
installed (``setup.py``); an install that cannot build it fails, so every
installed copy has it.

Plain data in and out: integer matrices and bounds of the solver's OR-Tools
model (see :class:`routing.solver.model.Model`), node ids back. It knows every
rule of that model: windows (one or several per stop), shifts, capacities,
most visits, allowed vehicles, ride limits, fixed costs, route-duration
limits, drivers' breaks and the done visits of a re-plan; the one thing it
does not price is lateness past the soft bound that OR-Tools puts on an
overdue delivery of food already on board (it sees that delivery's whole range).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from . import _ruin_recreate

#: Most load dimensions (kg, crates ...) the compiled search keeps per route.
MAX_DIMENSIONS: int = _ruin_recreate.MAX_DIMENSIONS


@dataclass(frozen=True)
class Instance:
    """The integer model (node layout of ``routing.solver.model``: vehicle k has start node
    2k and end node 2k+1; request j has pickup 2V+2j and delivery 2V+2j+1).

    - ``time``, ``cost``: n x n; ``time`` includes the service at the from-node.
    - ``earliest``, ``latest``: per node, the bounds of its cumulated time.
    - ``demand``: R x D (pickup adds, delivery removes); ``capacity``: V x D.
    - ``ride``: per request, the largest delivery minus pickup time, or -1.
    - ``fixed``: per vehicle, the cost of using it.
    - ``max_visits``: per vehicle, the most visits (pickups and deliveries) on its route.
    - ``value``: per request, what leaving it out costs; the total value left out is
      the first criterion, before vehicles and cost.
    - ``allowed``: R x V, which vehicles may serve each request.

    The rules below default to None (no such rule on this day):

    - ``service``: per node, its service time (``time[a][b] - service[a]`` is the drive);
      needed with breaks.
    - ``win_start``, ``win_lo``, ``win_hi``: stops with several windows, CSR-style:
      node v's windows are ``[win_lo[x], win_hi[x]]`` for x in
      ``win_start[v] .. win_start[v + 1] - 1``, sorted, disjoint, within
      ``[earliest[v], latest[v]]``; a node with none listed has ``[earliest, latest]``.
    - ``max_span``: per vehicle, the most its end minus its start time may be, or -1.
    - ``break_lo``, ``break_hi``, ``break_len``: per vehicle, its break's start window
      and length (``break_len`` -1: no break).
    - ``locked_len``: per vehicle, how many nodes at the head of its route in the
      search's ``start`` are done visits (they stay there, in order).
    """

    time: np.ndarray
    cost: np.ndarray
    earliest: np.ndarray
    latest: np.ndarray
    demand: np.ndarray
    capacity: np.ndarray
    ride: np.ndarray
    fixed: np.ndarray
    max_visits: np.ndarray
    value: np.ndarray
    allowed: np.ndarray
    service: np.ndarray | None = None
    win_start: np.ndarray | None = None
    win_lo: np.ndarray | None = None
    win_hi: np.ndarray | None = None
    max_span: np.ndarray | None = None
    break_lo: np.ndarray | None = None
    break_hi: np.ndarray | None = None
    break_len: np.ndarray | None = None
    locked_len: np.ndarray | None = None


@dataclass(frozen=True)
class Result:
    """The best plan of one search and how the search went."""

    routes: list[list[int]]  # per vehicle, node ids in visiting order
    left_out: int
    fleet_iterations: int
    cost_iterations: int
    vehicles: int = 0
    cost: int = 0  # arcs plus fixed costs of the vehicles used
    value_left_out: int = 0
    #: Each improvement of the best plan: (seconds into the search, vehicles, cost,
    #: requests left out, their value); close ones share an entry (see _ruin_recreate.h).
    history: tuple[tuple[float, int, int, int, int], ...] = ()
    #: Per node, its time in the plan as the search timed it (-1: not on a used route),
    #: and per vehicle its break's start (-1: none): a schedule that keeps every rule.
    times: tuple[int, ...] = ()
    break_starts: tuple[int, ...] = ()
    #: The route pool (see :func:`search`'s ``pool_max``): per route, (vehicle, its arcs plus
    #: the vehicle's fixed cost, its nodes); the best plan's routes are among them.
    pool: tuple[tuple[int, int, tuple[int, ...]], ...] = ()

    def rank(self) -> tuple[int, int, int]:
        """Smaller is better: value left out, then vehicles, then cost."""
        return (self.value_left_out, self.vehicles, self.cost)


def search(inst: Instance, seconds: float, *, seed: int = 0, fleet_share: float = 0.5,
           start: list[list[int]] | None = None, cbar: float = 10.0, max_string: int = 10,
           blink: float = 0.01, temperatures: tuple[float, float] = (0.2, 0.002),
           absence_acceptance: bool = False, pool_max: int = 0, pool_slack: float = 0.005) -> Result | None:
    """Search for ``seconds``; None when the instance has more than :data:`MAX_DIMENSIONS` load dimensions.

    ``start``: optional routes (node ids per vehicle) to start from; with done visits
    (``inst.locked_len``) it is needed, and each vehicle's route starts with them.
    Annealing temperatures follow the instance's scale: from a fifth of the
    mean request-to-request arc cost down to a five-hundredth of it.
    ``absence_acceptance``: while minimising the fleet, accept a plan whose left-out
    requests have been left out less often even when it leaves out more of them
    (Christiaens & Vanden Berghe's rule); by default only plans leaving out no more
    are weighed by their absences. The lenient rule wanders further and more often
    empties a route on tightly timed 200-node days, at some cost in travel.
    ``pool_max``: keep up to this many distinct routes of the plans the cost phase weighs
    that serve what the best plan serves and cost at most ``pool_slack`` more than it
    (then the best plan's routes), for :func:`routing.recombine.recombine`.
    Raises ValueError when ``start`` is not a plan of the instance (see :func:`is_plan`).
    """
    V, D = inst.capacity.shape
    R = inst.demand.shape[0]
    if D > MAX_DIMENSIONS:
        return None
    req_nodes = np.arange(2 * V, 2 * V + 2 * R)
    arcs = inst.cost[np.ix_(req_nodes, req_nodes)] if R else np.zeros((1, 1))
    mean_arc = float(arcs.mean()) if arcs.size else 1.0
    t0, tf = max(1.0, temperatures[0] * mean_arc), max(0.01, temperatures[1] * mean_arc)
    if start is not None and not is_plan(start, V, R):
        raise ValueError("ruin_recreate.search: start must give, per vehicle, each request's pickup and "
                         "delivery nodes (pickup first) at most once")
    begin = None if start is None else np.array([x for route in start for x in (*route, -1)], dtype=np.int32)

    def i64(a) -> np.ndarray | None:
        return None if a is None else np.ascontiguousarray(a, dtype=np.int64)

    found = _ruin_recreate.solve(
        time=i64(inst.time), cost=i64(inst.cost), earliest=i64(inst.earliest), latest=i64(inst.latest),
        demand=i64(inst.demand), capacity=i64(inst.capacity), ride=i64(inst.ride), fixed=i64(inst.fixed),
        max_visits=i64(inst.max_visits), value=i64(inst.value),
        allowed=np.ascontiguousarray(inst.allowed, dtype=np.uint8), start=begin, service=i64(inst.service),
        win_start=None if inst.win_start is None else np.ascontiguousarray(inst.win_start, dtype=np.int32),
        win_lo=i64(inst.win_lo), win_hi=i64(inst.win_hi), max_span=i64(inst.max_span),
        break_lo=i64(inst.break_lo), break_hi=i64(inst.break_hi), break_len=i64(inst.break_len),
        locked_len=i64(inst.locked_len),
        seconds=float(seconds), fleet_share=float(fleet_share), t0=t0, tf=tf, cbar=float(cbar),
        max_string=int(max_string), blink=float(blink), seed=int(seed) & (2**64 - 1),
        absence_acceptance=bool(absence_acceptance), pool_max=int(pool_max), pool_slack=float(pool_slack))
    return Result(found.routes, found.left_out, found.fleet_iterations, found.cost_iterations, found.vehicles,
                  found.cost, found.value_left_out, found.history, found.times, found.break_starts, found.pool)


def is_plan(routes: list[list[int]], V: int, R: int) -> bool:
    """Whether ``routes`` has at most V routes of request nodes, each request at most once
    and whole (pickup before delivery, on one route): anything else would corrupt the C search."""
    if len(routes) > V:
        return False
    seen: set[int] = set()
    for route in routes:
        position = {}
        for i, node in enumerate(route):
            if not (2 * V <= node < 2 * V + 2 * R) or node in seen:
                return False
            seen.add(node)
            position[node] = i
        for node, i in position.items():
            pickup = (node - 2 * V) % 2 == 0
            partner = node + 1 if pickup else node - 1
            if partner not in position or (position[partner] < i) == pickup:
                return False
    return True
