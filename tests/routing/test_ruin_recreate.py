"""The compiled ruin-and-recreate search: used when it models the problem, exact, and optional."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings

from routing import Problem, SolveParams, solve, validate
from routing import ruin_recreate
from routing import solver as solver_module

from .conftest import w
from .test_properties import problems


def _count_searches(monkeypatch) -> list:
    calls: list = []
    real = ruin_recreate.search

    def counting(*args, **kwargs):
        result = real(*args, **kwargs)
        calls.append(result)
        return result

    monkeypatch.setattr(ruin_recreate, "search", counting)
    return calls


def _chain(line, n=4, vehicles=4):
    """n requests one after another along a line: one vehicle can serve them all in time."""
    reqs = [line.request(f"r{i}", 10 * i, 10 * i + 5, p_windows=w(20 * i, 20 * i + 5), d_windows=w(0, 1000))
            for i in range(n)]
    vs = [line.vehicle(f"v{k}", shift=(0, 1000)) for k in range(vehicles)]
    return Problem(reqs, vs, matrix=line.matrix())


def test_the_compiled_search_is_available_on_this_machine():
    assert ruin_recreate.available()


def test_solve_uses_the_compiled_search_when_it_models_the_problem(line, monkeypatch):
    calls = _count_searches(monkeypatch)
    problem = _chain(line)
    sol = solve(problem, SolveParams(time_limit_s=1))
    assert len(calls) == solver_module.RUIN_RECREATE_RUNS and all(c is not None for c in calls)
    assert validate(problem, sol) == []
    assert not sol.dropped
    assert sol.num_vehicles == 1


def test_fleet_minimisation_merges_routes(line):
    """Started from one vehicle per request, the fleet phase ends with a single route."""
    problem = _chain(line, n=4, vehicles=4)
    data = solver_module._prepare(problem, SolveParams(time_limit_s=1))
    solver_module._set_weights(data)
    model = solver_module._Model(data, list(range(4)), data.vehicle_weight)
    V = 4
    start = [[2 * V + 2 * j, 2 * V + 2 * j + 1] for j in range(4)]
    result = ruin_recreate.search(model.rr_instance(), 0.5, fleet_share=1.0, start=start)
    assert result is not None and result.left_out == 0
    used = [route for route in result.routes if route]
    assert len(used) == 1
    assert sorted(used[0]) == list(range(2 * V, 2 * V + 8))
    assert result.fleet_iterations > 0


def test_without_the_compiled_search_the_solver_keeps_to_or_tools(line, monkeypatch):
    """Without a C compiler (or library) the solver keeps to OR-Tools and still plans."""
    monkeypatch.setattr(ruin_recreate, "_library", lambda: None)
    problem = _chain(line)
    sol = solve(problem, SolveParams(time_limit_s=1))
    assert validate(problem, sol) == []
    assert not sol.dropped


def test_the_search_compiles_into_an_empty_cache_directory(tmp_path, monkeypatch):
    monkeypatch.setenv("ROUTING_CACHE_DIR", str(tmp_path))
    monkeypatch.setattr(ruin_recreate, "_tried", False)
    monkeypatch.setattr(ruin_recreate, "_lib", None)
    assert ruin_recreate.available()
    assert list((tmp_path / "feeding-our-city").glob("ruin_recreate-*.so"))


def test_problems_with_breaks_or_several_windows_stay_with_or_tools(line, monkeypatch):
    calls = _count_searches(monkeypatch)
    from routing import Break, TimeWindow
    problem = _chain(line)
    with_break = dataclasses.replace(problem, vehicles=tuple(
        dataclasses.replace(v, break_=Break(TimeWindow(0, 500), 10)) for v in problem.vehicles))
    sol = solve(with_break, SolveParams(time_limit_s=1))
    assert validate(with_break, sol) == []
    assert calls == []


def _fits(problem: Problem) -> Problem:
    """The same problem without breaks and route-duration limits (what the compiled search models)."""
    vehicles = tuple(dataclasses.replace(v, break_=None, max_duration_s=None) for v in problem.vehicles)
    return dataclasses.replace(problem, vehicles=vehicles)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(problems())
def test_random_problems_through_the_compiled_search_give_valid_plans(problem):
    """Windows, capacities, cold chain, ride limits and shifts hold in every plan it returns."""
    problem = _fits(problem)
    sol = solve(problem, SolveParams(time_limit_s=0.4))
    assert validate(problem, sol) == []
    served = {r for route in sol.routes for r in route.request_ids()}
    assert served | {d.request_id for d in sol.dropped} == {r.id for r in problem.requests}


def test_instance_arrays_follow_the_model(line):
    """Bounds, demands and allowed vehicles are read back from the OR-Tools model."""
    problem = _chain(line, n=2, vehicles=2)
    data = solver_module._prepare(problem, SolveParams(time_limit_s=1))
    solver_module._set_weights(data)
    model = solver_module._Model(data, [0, 1], data.vehicle_weight)
    inst = model.rr_instance()
    V = 2
    pickup1 = 2 * V + 2
    assert inst.earliest[pickup1] == data.t_lo(20) and inst.latest[pickup1] == data.t_hi(25)
    assert inst.demand.tolist() == [[10], [10]]
    assert inst.allowed.all()
    assert np.array_equal(inst.time, model.t_mat)


def test_the_compiled_search_keeps_to_each_drivers_most_stops(line, monkeypatch):
    """Four requests one vehicle could chain, but each driver takes at most 4 stops: two routes."""
    calls = _count_searches(monkeypatch)
    problem = _chain(line)
    limited = dataclasses.replace(problem, vehicles=tuple(dataclasses.replace(v, max_stops=4)
                                                          for v in problem.vehicles))
    sol = solve(limited, SolveParams(time_limit_s=1))
    assert calls and all(c is not None for c in calls)
    assert all(len(route) <= 4 for c in calls for route in c.routes)  # the compiled search's own plans
    assert validate(limited, sol) == []
    assert not sol.dropped
    assert sol.num_vehicles == 2
    assert all(len(r.visits) <= 4 for r in sol.used_routes)


def test_a_start_that_is_not_a_plan_is_refused_before_it_reaches_the_c_search(line):
    """A delivery before its pickup, a node twice, or a vehicle's own node would corrupt it."""
    problem = _chain(line, n=2, vehicles=2)
    data = solver_module._prepare(problem, SolveParams(time_limit_s=1))
    solver_module._set_weights(data)
    inst = solver_module._Model(data, [0, 1], data.vehicle_weight).rr_instance()
    V = 2
    p0, d0, p1, d1 = 2 * V, 2 * V + 1, 2 * V + 2, 2 * V + 3
    assert ruin_recreate.is_plan([[p0, d0], [p1, d1]], V, 2)
    for bad in ([[d0, p0]], [[p0, d0, p0, d0]], [[p0], [d0]], [[0, p0, d0]], [[p0, d0], [p1, d1], []]):
        assert not ruin_recreate.is_plan(bad, V, 2)
        with pytest.raises(ValueError):
            ruin_recreate.search(inst, 0.1, start=bad)


def test_concurrent_searches_in_one_process_take_turns():
    """Planning threads of one web process may solve at once; the C search keeps state in
    globals (its route buffers are sized per problem), so searches of different sizes at
    the same time must not mix."""
    import threading

    from .conftest import Line

    def instance(n):
        line = Line()
        problem = _chain(line, n=n, vehicles=n)
        data = solver_module._prepare(problem, SolveParams(time_limit_s=1))
        solver_module._set_weights(data)
        return solver_module._Model(data, list(range(n)), data.vehicle_weight).rr_instance()

    sizes = [2, 30, 3, 25]
    instances = [instance(n) for n in sizes]
    results: dict[int, object] = {}

    def run(i):
        results[i] = ruin_recreate.search(instances[i], 0.4, seed=i)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(sizes))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for i, n in enumerate(sizes):
        result = results[i]
        assert result.left_out == 0
        assert sorted(x for r in result.routes for x in r) == list(range(2 * n, 4 * n))
