"""The pipeline of search phases for one worker, and the worker processes that run it side by side.

Unless the solve is deterministic (or the day is past
``RUIN_RECREATE_MAX_REQUESTS``; see :func:`~routing.solver.search.ruin_recreate_fits`),
the compiled ruin-and-recreate search (:mod:`routing.ruin_recreate`) gets most
of the budget on the OR-Tools model's integer data, every rule included
(breaks, several windows per stop, route-duration limits, the done visits of a
re-plan): fleet minimisation by absence counters, then simulated annealing on
cost. Its plan and the times it vouches for are read back into the OR-Tools
model, which checks every constraint. On 100-customer pickup-and-delivery
benchmarks it reaches published best-known fleets where OR-Tools' own local
search stalls.

Otherwise, or if its plan does not read back, the search runs in three
OR-Tools phases, each a fresh model warm-started from the previous phase's routes:

1. *construct*: all vehicles, a large fixed cost per used vehicle, a first
   solution plus a short guided local search;
2. *fleet minimisation* (route elimination): remove the vehicle with the
   smallest route and try to re-insert its requests on the remaining ones;
   keep the smaller fleet when no more value is dropped;
3. *cost*: guided local search on the final fleet for travel time or distance.

A large day (over ``LARGE_DAY`` requests, no previous plan) is constructed
cluster by cluster, skips phase 2, and runs phase 3 on the whole day only when
the time left allows building its model.

With ``num_workers > 1`` independent searches with different strategies run
in separate processes and the best plan wins (value served, then vehicles,
then cost).

On days of ``RECOMBINE_MIN_REQUESTS`` to ``RECOMBINE_MAX_REQUESTS`` requests (see
:func:`~routing.solver.search.recombine_reserve`), the compiled searches also
pool the routes of the good plans they weigh, and the last seconds of the
budget recombine every worker's routes by set partitioning
(:mod:`routing.recombine`): on the 200-node benchmark days this gave back a
vehicle where both workers had one too many (ber-n200-1).

Every phase tells a :class:`~routing.solver.progress.Tracker` what it found,
so ``SolveParams.progress`` hears of each improvement of the best plan.
"""

from __future__ import annotations

import logging
import multiprocessing
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, replace

from ..matrix import TravelMatrix
from ..problem import Problem
from ..solution import Solution
from . import params as tuning
from . import search
from .data import Data, empty_solution, prepare, set_weights
from .params import SolveParams
from .progress import Tracker, merge

log = logging.getLogger("routing.solver")


def solve_in_workers(problem: Problem, params: SolveParams, tm: TravelMatrix, workers: int,
                     origin: float | None = None) -> Solution:
    """The best plan of ``workers`` pipelines (variants ``params.seed + w``), each in its own process
    when there are several; ``tm`` is the problem's travel matrix, computed once by the caller.
    ``origin`` (``time.monotonic()``, default now) is when the solve began, for progress reports."""
    origin = time.monotonic() if origin is None else origin
    # The last seconds may recombine the routes the workers' compiled searches pooled.
    reserve = search.recombine_reserve(problem, params)
    routes: list | None = [] if reserve else None
    if workers == 1:
        tracker = Tracker(problem, origin, params.progress)
        best = run(problem, params, tm, params.seed, params.time_limit_s - reserve, tracker, routes)
        margin = 0.05
    else:
        margin = 0.5  # returning results and shutting the pool down
        deadline = time.time() + params.time_limit_s - margin - reserve
        # Monotonic clocks need not agree between processes: the origin travels as wall-clock time.
        wall_origin = time.time() - (time.monotonic() - origin)
        ctx = multiprocessing.get_context("spawn")
        with ProcessPoolExecutor(max_workers=workers, mp_context=ctx) as pool:
            # The callback stays here (it may not pickle); workers return their improvements.
            jobs = [(problem, replace(params, num_workers=1, progress=None), tm, params.seed + w, deadline,
                     wall_origin, routes is not None) for w in range(workers)]
            results = list(pool.map(_worker, jobs))
        best = min((sol for sol, _events, _pool in results), key=lambda s: search.score(problem, s))
        # The parent's tracker starts from the best of all workers' improvements, reports nothing
        # until the end (the callback runs here, in time order), and hears of the recombined plan.
        tracker = Tracker(problem, origin, None)
        tracker.events = merge(events for _sol, events, _pool in results)
        if routes is not None:
            routes.extend(route for _sol, _events, pooled in results for route in pooled)
    if routes:
        clock = search.Clock(origin + params.time_limit_s - margin)
        data = prepare(problem, params, tm)
        set_weights(data)
        better = search.recombine_phase(data, best, routes, clock, params.seed)
        if better is not None and search.score(problem, better) < search.score(problem, best):
            log.info("routing: %d pooled routes recombined into a better plan: %s, was %s", len(routes),
                     search.score(problem, better), search.score(problem, best))
            best = better
            tracker.plan(best)
    if workers > 1 and params.progress is not None:
        for event in tracker.events:
            params.progress(event)
    return best


def _worker(args) -> tuple[Solution, list, list]:
    problem, params, tm, variant, deadline, wall_origin, keep_pool = args
    tracker = Tracker(problem, time.monotonic() - (time.time() - wall_origin), None)
    pool: list | None = [] if keep_pool else None
    # The deadline is wall-clock time fixed by the parent, so that a slow process
    # start on a busy machine eats into the search, not past the caller's limit.
    sol = run(problem, params, tm, variant, max(0.3, deadline - time.time()), tracker, pool)
    return sol, tracker.events, pool or []


@dataclass
class _Run:
    """One pipeline's state: the data, its search variant, its budget and its clock."""

    data: Data
    strategy: dict
    budget_s: float
    clock: search.Clock
    tracker: Tracker

    @property
    def deterministic(self) -> bool:
        return self.data.params.deterministic

    def limit(self, n: int) -> int | None:
        """A solution count bounding a deterministic search; None (time only) otherwise."""
        return n if self.deterministic else None


def run(problem: Problem, params: SolveParams, tm: TravelMatrix, variant: int, budget_s: float,
        tracker: Tracker | None = None, pool: list | None = None) -> Solution:
    """One pipeline of search phases with strategy ``variant``, within ``budget_s`` seconds;
    ``tracker`` (default: one timed from now, reporting to ``params.progress``) hears of each plan.
    With ``pool`` (a list), the compiled search adds the routes it pooled to it (see
    :func:`search.recombine_phase`)."""
    clock = search.Clock(time.monotonic() + budget_s)
    tracker = tracker or Tracker(problem, time.monotonic(), params.progress)
    data = prepare(problem, params, tm)
    set_weights(data)
    state = _Run(data, dict(search.VARIANTS[variant % len(search.VARIANTS)]), budget_s, clock, tracker)
    if not data.requests or not problem.vehicles:
        return empty_solution(data)
    n_req = len(data.requests)

    if search.ruin_recreate_fits(data):
        # Most of the budget to the compiled search (fleet, then cost); OR-Tools
        # re-reads its plan, so what comes back satisfies the full model.
        share = search.compiled_share(data, clock.left())
        # Two workers on a 200-node day: one weighs absences leniently (fewer vehicles on
        # tightly timed days), the other strictly (shorter routes); the better plan wins.
        # They also split their time differently (see search.VARIANTS).
        one_run = n_req >= tuning.RUIN_RECREATE_ONE_RUN
        lenient = state.strategy.get("absence_acceptance", False) and one_run
        fleet_share = state.strategy.get("fleet_share", search.FLEET_SHARE) if one_run else search.FLEET_SHARE
        cand = search.ruin_recreate_phase(data, list(range(len(problem.vehicles))), clock, share,
                                          params.seed * 7919 + variant, params.previous, tracker, lenient,
                                          fleet_share, pool)
        if cand is not None:
            final = search.finalize(data, cand, clock)
            tracker.plan(final)
            return final
        # Not expected (the two models agree): say so, and let OR-Tools use what is left.
        log.warning("routing: the ruin-and-recreate plan could not be read back; OR-Tools continues")

    large = n_req > tuning.LARGE_DAY
    clustered = large and params.previous is None
    if large and not clustered:
        # Re-optimizing a large day starts from the previous plan: local cheapest
        # insertion only completes it. Parallel cheapest insertion is too slow here.
        state.strategy.update(first="LOCAL_CHEAPEST_INSERTION", construct=0.7)
    # The whole-day search (phase 3) moves requests across cluster borders; it is
    # worth running only when it has time to search after building its model and
    # reading the cluster plan into it, both quadratic in stops: about 5 s for
    # 1,000 requests and 100 vehicles; for 2,000 and 200, 8 s to build and more
    # than 17 s per reading (city days, 2 cores under load).
    build_s = 1.3 * ((2 * n_req + 2 * len(problem.vehicles)) / 1000) ** 2
    cross = not clustered or state.deterministic or clock.left() * 0.3 > 2 * build_s
    best = _construct(state, clustered, cross, large)
    if best is None:
        return empty_solution(data)
    # A large day re-optimized without breaks: only a later phase's plan is valid.
    needs_breaks = large and not clustered and any(v.break_ is not None for v in problem.vehicles)
    if not needs_breaks:
        tracker.plan(best)
    if params.minimize_vehicles and not large:
        best = _eliminate_routes(state, best)
    if cross:
        cand = _improve_cost(state, best, large)
        if cand is not None and (needs_breaks or search.score(problem, cand) <= search.score(problem, best)):
            best, needs_breaks = cand, False
    if needs_breaks:
        return empty_solution(data)
    final = search.finalize(data, best, clock)
    tracker.plan(final)
    return final


def _construct(state: _Run, clustered: bool, cross: bool, large: bool) -> Solution | None:
    """Phase 1: the first plan (deterministic mode: descend from several constructions, keep the best)."""
    data, strategy, clock = state.data, state.strategy, state.clock
    problem, params = data.problem, data.params
    if clustered:
        # Parallel cheapest insertion whatever the variant: on the 1,000-request city
        # day its clusters served 884 requests, local cheapest insertion's 829.
        return search.construct_by_clusters(data, clock.left() * (0.7 if cross else 0.95),
                                            "PARALLEL_CHEAPEST_INSERTION", state.deterministic)
    firsts = [strategy["first"]]
    if state.deterministic:
        firsts += [f for f in ("LOCAL_CHEAPEST_INSERTION", "SEQUENTIAL_CHEAPEST_INSERTION", "SAVINGS")
                   if f != strategy["first"]]
    best = None
    all_vehicles = list(range(len(problem.vehicles)))
    for first in firsts:
        cand = search.phase(data, all_vehicles, data.vehicle_weight,
                            max(0.05, clock.left() * strategy["construct"] / len(firsts)), params.previous,
                            first=first, meta=strategy["meta"], solution_limit=state.limit(20 + 4 * len(data.requests)),
                            breaks=not large)
        if cand is not None and (best is None or search.score(problem, cand) < search.score(problem, best)):
            best = cand
    return best


def _eliminate_routes(state: _Run, best: Solution) -> Solution:
    """Phase 2: fleet minimisation by route elimination.

    Drop the vehicle with the smallest route and search with the others, its
    requests unperformed and priced by their value. A failed attempt (requests
    still out) is continued from where it stopped, a few times, before another
    vehicle is tried.
    """
    data, strategy, clock, budget_s = state.data, state.strategy, state.clock, state.budget_s
    problem = data.problem
    best_score = search.score(problem, best)
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
        cand = search.phase(data, keep, data.vehicle_weight, seconds, start, first=strategy["first"], meta=meta,
                            solution_limit=state.limit(30 + 6 * len(data.requests)),
                            insert_ops=strategy.get("insert_ops", False))
        if cand is not None and search.score(problem, cand)[0] <= best_score[0]:
            best, best_score = cand, search.score(problem, cand)
            state.tracker.plan(best)
            failures, pending, skip = 0, None, set()
            continue
        failures += 1
        tries += 1
        if (strategy["continue"] and cand is not None and tries < 2 and not state.deterministic
                and len(cand.dropped) <= max(1, len(victim.visits) // 4)):
            pending = (keep, cand)
        else:
            pending = None
            if strategy["continue"]:
                skip.add(victim.vehicle_id)
    return best


def _improve_cost(state: _Run, best: Solution, large: bool) -> Solution | None:
    """Phase 3: guided local search for cost on the final fleet; None when there is no time.

    With identical vehicles the unused ones add nothing but symmetry;
    otherwise they stay in, priced, so a better-placed driver can take over a
    route.
    """
    data, clock, budget_s = state.data, state.clock, state.budget_s
    problem = data.problem
    fleet_ids = {r.vehicle_id for r in best.used_routes}
    if search.homogeneous(problem.vehicles):
        keep, weight = [i for i, v in enumerate(problem.vehicles) if v.id in fleet_ids], 0
    else:
        keep, weight = list(range(len(problem.vehicles))), data.vehicle_weight
    seconds = clock.left()
    if not keep or seconds <= 0.05:
        return None
    # A large day's model takes seconds to build, and its plan a moment to re-time.
    until = clock.deadline - 0.05 * budget_s if large else None
    return search.phase(data, keep, weight, seconds, best, first=state.strategy["first"], meta="GUIDED_LOCAL_SEARCH",
                        solution_limit=state.limit(50 + 10 * len(data.requests)), lns=True, until=until)
