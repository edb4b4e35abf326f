"""The search phases and their variants, each on a fresh :class:`~routing.solver.model.Model`.

A phase is one OR-Tools search (:func:`phase`), one run of the compiled
ruin-and-recreate search read back through OR-Tools
(:func:`ruin_recreate_phase`), or a large day's construction cluster by
cluster (:func:`construct_byclusters`). :func:`finalize` re-times a plan in
strict models so ride limits hold on the reported times. The pipeline
(:mod:`routing.solver.pipeline`) chains them.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, replace

import numpy as np

from .. import decompose, recombine, ruin_recreate
from ..problem import Problem, Request, Vehicle
from ..solution import Route, Solution
from . import params as tuning
from .data import INF_TIME, Data, assemble, row_of
from .model import Model
from .params import SolveParams
from .progress import Tracker


def score(problem: Problem, sol: Solution) -> tuple[int, int, float]:
    """Lexicographic quality: dropped value, vehicles used, travel cost plus fixed costs."""
    values = {r.id: r.value for r in problem.requests}
    cost = sol.travel_s if problem.objective == "duration" else sol.distance_m
    cost += sum(problem.vehicle(r.vehicle_id).fixed_cost for r in sol.used_routes)
    return (sum(values[d.request_id] for d in sol.dropped), sol.num_vehicles, round(cost, 6))


@dataclass
class Clock:
    deadline: float

    def left(self) -> float:
        return self.deadline - time.monotonic()


def phase(data: Data, vehicles: list[int], weight: int, seconds: float, start: Solution | None, *,
           first: str, meta: str, solution_limit: int | None, breaks: bool = True,
           insert_ops: bool = False, lns: bool = False, until: float | None = None) -> Solution | None:
    """One search on a fresh model; ``breaks=False`` ignores drivers' breaks (a faster
    construction for large days; the next phase re-imposes them). With ``until`` (a
    time.monotonic() deadline) the search gets what is left after building the model
    (seconds on large days) instead of ``seconds``."""
    model = Model(data, vehicles, weight, breaks=breaks)
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


def ruin_recreate_fits(data: Data) -> bool:
    """Whether the compiled ruin-and-recreate search plans this day.

    It knows every rule of the model (see :mod:`routing.ruin_recreate`): windows,
    one or several per stop, shifts, capacities, most visits, allowed vehicles, ride
    limits, fixed costs, route-duration limits, breaks and the done visits of a
    re-plan. It is not deterministic, and past ``RUIN_RECREATE_MAX_REQUESTS`` its
    plan would take too long to read back."""
    return (not data.params.deterministic and bool(data.requests)
            and len(data.requests) <= tuning.RUIN_RECREATE_MAX_REQUESTS)


def start_routes(model: Model, start: Solution | None) -> list[list[int]] | None:
    """The compiled search's starting routes on ``model`` (nodes per model vehicle): ``start``'s,
    each vehicle's done visits first in the order they happened, the rest in their order.

    When ``start`` is no plan of this model (e.g. a hand-edited plan with a delivery before
    its pickup), only what must stay: the done visits, then the deliveries of the food they
    picked up (the search moves those where they fit). None when there is neither."""
    V, R = len(model.vehicles), len(model.requests)
    prefixes = model.locked_nodes()
    if start is not None:
        routes = [prefix + [x for x in route if x not in set(prefix)]
                  for prefix, route in zip(prefixes, model.node_routes(start))]
        if ruin_recreate.is_plan(routes, V, R):
            return routes
    if not any(prefixes):
        return None
    routes = []
    for prefix in prefixes:
        done = set(prefix)
        routes.append(prefix + [x + 1 for x in prefix if (x - 2 * V) % 2 == 0 and x + 1 not in done])
    return routes


def compiled_share(data: Data, left_s: float) -> float:
    """The compiled search's share of the ``left_s`` seconds left; the rest reads its plan back.

    A day of up to ``LARGE_DAY`` requests without ride limits keeps ``READ_BACK_S``
    (at most a tenth); ride limits add a strict re-timing of each route
    (:func:`finalize`), and a large day's plan takes longer to read: those keep a
    tenth and a quarter."""
    if len(data.requests) > tuning.LARGE_DAY:
        return 0.75
    if left_s <= 0 or any(r.max_ride_s is not None for r in data.requests):
        return 0.9
    return 1.0 - min(0.1, tuning.READ_BACK_S / left_s)


#: Share of a compiled search's time spent taking routes away before the cost phase.
FLEET_SHARE = 0.5


def ruin_recreate_phase(data: Data, vehicles: list[int], clock: Clock, share: float, seed: int,
                         start: Solution | None, tracker: Tracker | None = None,
                         absence_acceptance: bool = False, fleet_share: float = FLEET_SHARE,
                         pool: list | None = None) -> Solution | None:
    """The compiled search on this model for ``share`` of the time left once the model
    is built, from ``start`` (see :func:`start_routes`); its plan read back through
    OR-Tools (which re-checks every constraint and times the visits, breaks
    included). None if it cannot run or its plan does not load.
    ``tracker`` is given each run's improvements with their times; ``absence_acceptance``
    picks the fleet-minimisation rule and ``fleet_share`` its share of each run's time
    (see :func:`routing.ruin_recreate.search`). With ``pool`` (a list), each run keeps a
    route pool and its routes are added to the list (see :func:`recombine_phase`)."""
    model = Model(data, vehicles, data.vehicle_weight)
    begin = start_routes(model, start)
    inst = model.rr_instance()
    # Independent runs, the best kept: a run now and then settles in a poor basin on
    # plans of a few long routes (about one run in six on Li & Lim's LRC2 instances),
    # and two shorter runs miss it far more rarely than one long one.
    # Large days need every iteration one run can get (see params.RUIN_RECREATE_ONE_RUN).
    runs = tuning.RUIN_RECREATE_RUNS if len(model.requests) < tuning.RUIN_RECREATE_ONE_RUN else 1
    result = None
    until = time.monotonic() + clock.left() * share
    for run in range(runs):
        seconds = max(0.05, (until - time.monotonic()) / (runs - run))
        began = time.monotonic()
        found = ruin_recreate.search(inst, seconds, seed=seed * tuning.RUIN_RECREATE_RUNS + run, start=begin,
                                     absence_acceptance=absence_acceptance, fleet_share=fleet_share,
                                     pool_max=tuning.POOL_MAX if pool is not None else 0,
                                     pool_slack=tuning.POOL_SLACK)
        if found is None:
            return None
        if pool is not None:
            pool.extend(found.pool)
        if tracker is not None:
            tracker.compiled(began, found.history, data.vehicle_weight)
        if result is None or found.rank() < result.rank():
            result = found
    if result is None:
        return None
    # Reading a large plan back completes a time for every stop: give it what is left.
    return model.read_nodes(result.routes, clock.left(), result.times, result.break_starts)


def recombine_reserve(problem: Problem, params: SolveParams) -> float:
    """Seconds kept at the end of a solve to recombine the workers' route pools (0: none).

    Days of ``RECOMBINE_MIN_REQUESTS`` to ``RECOMBINE_MAX_REQUESTS`` requests, planned by
    the compiled search, without done visits or ride limits (whose plans :func:`finalize`
    re-times route by route), keep ``RECOMBINE_SHARE`` of the budget, at most
    ``RECOMBINE_MAX_S``, when that is at least ``RECOMBINE_MIN_S``. Smaller days reach
    the best-known plans of the 100-node benchmarks without it; on larger ones it
    seldom paid for its seconds (see params)."""
    n = len(problem.requests)
    if (params.deterministic or params.done or not tuning.RECOMBINE_MIN_REQUESTS <= n <= tuning.RECOMBINE_MAX_REQUESTS
            or any(r.max_ride_s is not None for r in problem.requests)):
        return 0.0
    seconds = min(tuning.RECOMBINE_MAX_S, tuning.RECOMBINE_SHARE * params.time_limit_s)
    return seconds if seconds >= tuning.RECOMBINE_MIN_S else 0.0


def recombine_phase(data: Data, best: Solution, pool: list, clock: Clock, seed: int) -> Solution | None:
    """A plan better than ``best`` recombined from the pooled routes of the compiled searches
    (:func:`routing.recombine.recombine`), then annealed briefly from there at a low
    temperature and read back through OR-Tools; None when set partitioning finds none
    better or no time is left (the caller compares the plans read back).

    The pool's node ids are those of the model of every vehicle that
    :func:`ruin_recreate_phase` builds; this builds the same model."""
    model = Model(data, list(range(len(data.problem.vehicles))), data.vehicle_weight)
    inst = model.rr_instance()
    routes = model.node_routes(best)
    if not ruin_recreate.is_plan(routes, len(model.vehicles), len(model.requests)):
        return None
    # Set partitioning gets most of the time; the short annealing from its plan also times it.
    left = clock.left()
    if left <= 0.1:
        return None
    found = recombine.recombine(inst, pool, routes, 0.6 * left, seed=seed)
    if found is None:
        return None
    polished = ruin_recreate.search(inst, max(0.05, 0.7 * clock.left()), seed=seed,
                                    start=found, fleet_share=0.0, temperatures=POLISH_TEMPERATURES)
    if polished is None:
        return None
    return model.read_nodes(polished.routes, clock.left(), polished.times, polished.break_starts)


#: Annealing temperatures after recombination (see ruin_recreate.search): a tenth of
#: the search's own, so the recombined plan is refined, not left for another basin.
POLISH_TEMPERATURES = (0.02, 0.0002)


# Search variants, one per worker: first-solution strategy, metaheuristic, and
# budget shares (construction; elimination stops when this share is left; one
# elimination attempt).
VARIANTS = (
    # worker 0: eliminate the smallest routes in turn, each with one guided local search;
    # on days the compiled search plans in one run, a quarter of its time to the fleet:
    # on 20 of the 27 200- and 400-node benchmark days the fleet was final within a
    # tenth of the time, and the rest of a half-share fleet phase went to failing to
    # take one more route away (worker 1 keeps the half share for days whose last
    # route goes late; the plan with fewer vehicles, then less travel, wins)
    {"first": "PARALLEL_CHEAPEST_INSERTION", "meta": "GUIDED_LOCAL_SEARCH", "construct": 0.2, "elim_stop": 0.35,
     "elim_try": 0.15, "continue": False, "fleet_share": 0.25},
    # worker 1: the same from another construction; on days the compiled search plans in
    # one run (see params.RUIN_RECREATE_ONE_RUN), its lenient fleet rule
    {"first": "LOCAL_CHEAPEST_INSERTION", "meta": "GUIDED_LOCAL_SEARCH", "construct": 0.2, "elim_stop": 0.35,
     "elim_try": 0.15, "continue": False, "absence_acceptance": True},
    # (variants 2-3, used with more workers or other seeds: shorter attempts continuing
    # near-misses with tabu search and insertion operators)
    {"first": "LOCAL_CHEAPEST_INSERTION", "meta": "GUIDED_LOCAL_SEARCH", "construct": 0.2, "elim_stop": 0.35,
     "elim_try": 0.12, "insert_ops": True, "continue": True},
    {"first": "SAVINGS", "meta": "GUIDED_LOCAL_SEARCH", "construct": 0.2, "elim_stop": 0.35, "elim_try": 0.15,
     "continue": False},
    {"first": "PARALLEL_CHEAPEST_INSERTION", "meta": "GUIDED_LOCAL_SEARCH", "construct": 0.2, "elim_stop": 0.35,
     "elim_try": 0.15, "continue": True},
)


def clusters(data: Data, k: int) -> list[tuple[list[Request], list[int]]]:
    """The model's requests in ``k`` groups of nearby ones, each with a share of the vehicles.

    k-medoids on the travel-time matrix (:mod:`routing.decompose`; works
    without coordinates), seeded by farthest points, so the split is
    deterministic. A request is placed by its
    pickup, or its delivery when the pickup is a depot (a depot is shared by the
    whole city). Vehicles go to the group nearest their start, nearest pairs
    first, each group taking a share of the fleet in proportion to its requests.
    Returns (requests, problem vehicle indices) per non-empty group.
    """
    problem, T = data.problem, data.travel_s
    reqs = data.requests
    locs = np.array([row_of(data, (r.pickup or r.delivery).location) for r in reqs])  # type: ignore[union-attr]
    d = T[np.ix_(locs, locs)]
    d = np.where(np.isfinite(d), d, INF_TIME)
    labels, medoids = decompose.kmedoids(d + d.T, k)  # there and back: a symmetric dissimilarity
    starts = np.array([row_of(data, v.start) for v in problem.vehicles])
    away = T[np.ix_(starts, locs[medoids])]
    fleet = decompose.share_fleet(np.bincount(labels, minlength=len(medoids)),
                                  np.where(np.isfinite(away), away, INF_TIME))
    return [([r for r, label in zip(reqs, labels) if label == j], sorted(fleet[j])) for j in range(len(medoids))]


def construct_by_clusters(data: Data, seconds: float, first: str, deterministic: bool) -> Solution:
    """A large day's first plan: each cluster of nearby requests planned alone with its share of the vehicles.

    OR-Tools' insertion heuristics grow worse than quadratically with the
    number of stops (every position of every route is tried for every pair): a
    2,000-request day did not construct in 5 minutes, while clusters of
    ``CLUSTER_SIZE`` requests construct in about a second, with breaks. Every
    cluster is constructed first (so a busy machine cannot leave one without a
    plan), then each is improved by guided local search for a share of what is
    left of ``seconds`` in proportion to its requests. The whole-day search that
    may follow moves requests across cluster borders and inserts those a cluster
    left out.
    """
    deadline = time.monotonic() + seconds
    groups = [(replace(data, requests=reqs), vehicles)
              for reqs, vehicles in clusters(data, math.ceil(len(data.requests) / tuning.CLUSTER_SIZE)) if vehicles]
    plans = [phase(sub, vehicles, data.vehicle_weight, max(0.05, deadline - time.monotonic()), None, first=first,
                    meta="GREEDY_DESCENT", solution_limit=1) for sub, vehicles in groups]
    left = sum(len(sub.requests) for sub, _ in groups)
    for k, ((sub, vehicles), plan) in enumerate(zip(groups, plans)):
        share = (deadline - time.monotonic()) * len(sub.requests) / left
        left -= len(sub.requests)
        if plan is None or share < 0.05:
            continue
        better = phase(sub, vehicles, data.vehicle_weight, share, plan, first=first, meta="GUIDED_LOCAL_SEARCH",
                        solution_limit=(20 + 4 * len(sub.requests)) if deterministic else None)
        if better is not None and score(data.problem, better) <= score(data.problem, plan):
            plans[k] = better
    return assemble(data, [route for plan in plans if plan is not None for route in plan.used_routes])




def finalize(data: Data, sol: Solution, clock: Clock) -> Solution:
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
            model = Model(replace(data, requests=[r for r in data.requests if r.id in ids]), [vi], 0, strict=True)
            timed = model.read(replace(sol, routes=(replace(route, visits=visits),)), clock.left())
            if timed is not None:
                routes += timed.used_routes
                break
            if visits == loose:
                break
    return assemble(data, routes)


def homogeneous(vehicles: tuple[Vehicle, ...]) -> bool:
    """Whether all vehicles are interchangeable (equal but for their ids)."""
    def key(v: Vehicle) -> tuple:
        return (v.start, v.end, v.shift, tuple(sorted(v.capacity.items())), v.cold_chain, v.max_duration_s,
                v.break_, v.fixed_cost, v.max_stops)

    return len({key(v) for v in vehicles}) <= 1


