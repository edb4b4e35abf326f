"""The compiled search's route pool and its recombination by set partitioning (routing.recombine)."""

from __future__ import annotations

import time

import pytest

from routing import Problem, SolveParams, solve, validate
from routing import ruin_recreate
from routing.recombine import plan_cost, recombine, vehicle_classes
from routing.solver import params as tuning
from routing.solver import pipeline, search
from routing.solver.data import prepare, set_weights
from routing.solver.model import Model

from .conftest import w


def _chain(line, n=6, vehicles=4, **vehicle_kw):
    """n requests one after another along a line: one vehicle can serve them all in time."""
    reqs = [line.request(f"r{i}", 10 * i, 10 * i + 5, p_windows=w(20 * i, 20 * i + 5), d_windows=w(0, 1000))
            for i in range(n)]
    vs = [line.vehicle(f"v{k}", shift=(0, 1000), **vehicle_kw) for k in range(vehicles)]
    return Problem(reqs, vs, matrix=line.matrix())


def _model(problem: Problem, **params):
    data = prepare(problem, SolveParams(time_limit_s=1, **params), problem.travel())
    set_weights(data)
    return data, Model(data, list(range(len(problem.vehicles))), data.vehicle_weight)


def _request(V: int, j: int) -> list[int]:
    """Request j's pickup and delivery nodes."""
    return [2 * V + 2 * j, 2 * V + 2 * j + 1]


def _split(model: Model, V: int, n: int) -> list[list[int]]:
    """The chain's requests on two vehicles: the first half on vehicle 0, the rest on vehicle 1."""
    half = n // 2
    return ([sum((_request(V, j) for j in range(half)), []), sum((_request(V, j) for j in range(half, n)), [])]
            + [[] for _ in range(V - 2)])


def test_the_pool_holds_distinct_routes_priced_alone_and_the_best_plan_among_them(line):
    _data, model = _model(_chain(line, n=8))
    inst = model.rr_instance()
    found = ruin_recreate.search(inst, 0.3, seed=3, pool_max=1000)
    assert found.left_out == 0 and found.pool
    keys = [(k, nodes) for k, _cost, nodes in found.pool]
    assert len(set(keys)) == len(keys)
    V = len(model.vehicles)
    for k, cost, nodes in found.pool:
        assert cost == plan_cost(inst, [[]] * k + [list(nodes)])
        assert ruin_recreate.is_plan([[]] * k + [list(nodes)], V, len(model.requests))
    assert {(k, tuple(route)) for k, route in enumerate(found.routes) if route} <= set(keys)
    assert ruin_recreate.search(inst, 0.1, seed=3).pool == ()


def test_a_full_pool_keeps_at_most_its_size_and_still_the_best_plan(line):
    _data, model = _model(_chain(line, n=8))
    inst = model.rr_instance()
    found = ruin_recreate.search(inst, 0.3, seed=3, pool_max=4, pool_slack=10.0)
    V = len(model.vehicles)
    assert 1 <= len(found.pool) <= 4 + V
    assert {(k, tuple(route)) for k, route in enumerate(found.routes) if route} <= {(k, n) for k, _c, n in found.pool}


def _two_routes(line):
    """Four requests along a line and two identical vehicles: the instance, each request's
    nodes, and a plan of two routes (requests 0 and 1, then 2 and 3)."""
    _data, model = _model(_chain(line, n=4, vehicles=2))
    r = [_request(2, j) for j in range(4)]
    return model.rr_instance(), r, [r[0] + r[1], r[2] + r[3]]


def test_recombine_takes_the_cheapest_exact_cover_of_pooled_routes(line):
    inst, r, best = _two_routes(line)
    # Two routes of other plans, priced (for the test) far below the best plan's.
    cheap = [(0, int(inst.fixed[0]) + 1, tuple(r[0] + r[2])), (1, int(inst.fixed[1]) + 1, tuple(r[1] + r[3]))]
    # A route that would serve a request twice with either of them: never chosen together.
    overlap = (0, 0, tuple(r[0] + r[1] + r[2]))
    got = recombine(inst, [*cheap, overlap], best, 2.0)
    assert got is not None
    assert sorted(map(tuple, got)) == sorted(nodes for _k, _c, nodes in cheap)
    assert recombine(inst, [], best, 1.0) is None


def test_recombine_gives_back_a_route_when_the_pool_allows(line):
    inst, r, best = _two_routes(line)
    whole = [x for pair in r for x in pair]
    got = recombine(inst, [(1, plan_cost(inst, [[], whole]), tuple(whole))], best, 2.0)
    assert got is not None and [route for route in got if route] == [whole]
    assert plan_cost(inst, got) < plan_cost(inst, best)


def test_vehicles_of_a_class_share_their_routes_and_another_class_has_its_own_limit(line):
    reqs = [line.request(f"r{i}", 10 * i, 10 * i + 5, kg=10) for i in range(4)]
    vs = [line.vehicle("big0", kg=100), line.vehicle("big1", kg=100), line.vehicle("small", kg=20)]
    _data, model = _model(Problem(reqs, vs, matrix=line.matrix()))
    inst = model.rr_instance()
    assert vehicle_classes(inst) == [0, 0, 1]
    V = 3
    r = [_request(V, j) for j in range(4)]
    best = [r[0] + r[1], r[2] + r[3], []]
    # Two cheap routes pooled on the one small vehicle: only one of them may be used.
    small = int(inst.fixed[2])
    pool = [(2, small + 1, tuple(r[0] + r[1])), (2, small + 1, tuple(r[2] + r[3]))]
    got = recombine(inst, pool, best, 2.0)
    assert got is not None and got[2] in (r[0] + r[1], r[2] + r[3])
    assert sum(1 for route in got if route) == 2
    # Two routes pooled on one big vehicle may both be used: the other big vehicle takes one.
    big = int(inst.fixed[0])
    got = recombine(inst, [(0, big + 1, tuple(r[0] + r[2])), (0, big + 1, tuple(r[1] + r[3]))], best, 2.0)
    assert got is not None and sorted(map(tuple, got[:2])) == [tuple(r[0] + r[2]), tuple(r[1] + r[3])]


def test_the_recombination_phase_returns_a_checked_plan_with_fewer_vehicles(line):
    """A plan on two vehicles where the pool holds one route for all: the phase reads back one vehicle."""
    problem = _chain(line, n=6)
    data, model = _model(problem)
    V = len(model.vehicles)
    inst = model.rr_instance()
    found = ruin_recreate.search(inst, 0.3, seed=1, pool_max=1000)
    assert sum(1 for route in found.routes if route) == 1
    worse = model.read_nodes(_split(model, V, 6), 1.0)
    assert worse is not None and worse.num_vehicles == 2
    better = search.recombine_phase(data, worse, list(found.pool), search.Clock(time.monotonic() + 2.0), seed=0)
    assert better is not None
    assert validate(problem, better) == [] and not better.dropped
    assert better.num_vehicles == 1


def _with_worse_workers(monkeypatch, problem: Problem) -> list:
    """The pipeline's workers (in this process) pool their routes but hand back a two-vehicle plan;
    returns the pools handed to the recombination phase."""
    real_run, real_phase = pipeline.run, search.recombine_phase
    pools: list = []

    def worse_run(problem_, params, tm, variant, budget_s, tracker=None, pool=None):
        real_run(problem_, params, tm, variant, budget_s, tracker, pool)
        data, model = _model(problem_)
        return model.read_nodes(_split(model, len(model.vehicles), len(problem_.requests)), 1.0)

    def spying_phase(data, best, pool, clock, seed):
        pools.append(list(pool))
        return real_phase(data, best, pool, clock, seed)

    monkeypatch.setattr(pipeline, "run", worse_run)
    monkeypatch.setattr(search, "recombine_phase", spying_phase)
    return pools


def test_a_solve_recombines_the_pool_and_reports_the_plan_it_returns(line, monkeypatch):
    monkeypatch.setattr(tuning, "RECOMBINE_MIN_REQUESTS", 2)
    monkeypatch.setattr(tuning, "RECOMBINE_MIN_S", 0.1)
    problem = _chain(line, n=6)
    pools = _with_worse_workers(monkeypatch, problem)
    events: list = []
    sol = solve(problem, SolveParams(time_limit_s=3, num_workers=1, progress=events.append))
    assert len(pools) == 1 and pools[0]
    assert validate(problem, sol) == [] and sol.num_vehicles == 1
    assert events[-1].vehicles == 1


def test_two_workers_send_their_pools_to_the_recombination(line, monkeypatch):
    monkeypatch.setattr(tuning, "RECOMBINE_MIN_REQUESTS", 2)
    monkeypatch.setattr(tuning, "RECOMBINE_MIN_S", 0.1)
    calls: list = []
    real = search.recombine_phase

    def spying(data, best, pool, clock, seed):
        calls.append(len(pool))
        return real(data, best, pool, clock, seed)

    monkeypatch.setattr(search, "recombine_phase", spying)
    problem = _chain(line, n=6)
    sol = solve(problem, SolveParams(time_limit_s=3, num_workers=2))
    assert validate(problem, sol) == [] and sol.num_vehicles == 1
    assert len(calls) == 1 and calls[0] > 0


@pytest.mark.parametrize(("change", "reserve"), [
    ({}, pytest.approx(30 * tuning.RECOMBINE_SHARE)),
    ({"time_limit_s": 600}, tuning.RECOMBINE_MAX_S),
    ({"time_limit_s": 0.5 * tuning.RECOMBINE_MIN_S / tuning.RECOMBINE_SHARE}, 0.0),
    ({"deterministic": True}, 0.0),
])
def test_the_recombination_keeps_a_share_of_the_budget_on_days_it_serves(line, change, reserve):
    problem = _chain(line, n=tuning.RECOMBINE_MIN_REQUESTS)
    assert search.recombine_reserve(problem, SolveParams(**{"time_limit_s": 30, **change})) == reserve


def test_smaller_and_larger_days_and_ride_limits_keep_the_whole_budget_for_the_search(line):
    for n in (tuning.RECOMBINE_MIN_REQUESTS - 1, tuning.RECOMBINE_MAX_REQUESTS + 1):
        assert search.recombine_reserve(_chain(line, n=n), SolveParams(time_limit_s=30)) == 0.0
    reqs = [line.request(f"r{i}", 10 * i, 10 * i + 5, max_ride_s=100) for i in range(tuning.RECOMBINE_MIN_REQUESTS)]
    ride = Problem(reqs, [line.vehicle("v0")], matrix=line.matrix())
    assert search.recombine_reserve(ride, SolveParams(time_limit_s=30)) == 0.0
