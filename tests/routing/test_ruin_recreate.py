"""The compiled ruin-and-recreate search: an extension module built at install, used when it models the problem."""

from __future__ import annotations

import dataclasses
import importlib.machinery
import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings

from routing import Problem, SolveParams, solve, validate
from routing import _ruin_recreate, ruin_recreate
from routing.solver import params as tuning
from routing.solver import search
from routing.solver.data import prepare, set_weights
from routing.solver.model import Model

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


def _instance(problem: Problem, vehicles: int):
    data = prepare(problem, SolveParams(time_limit_s=1), problem.travel())
    set_weights(data)
    return data, Model(data, list(range(vehicles)), data.vehicle_weight)


def test_the_compiled_search_is_an_extension_module_installed_with_the_package():
    assert _ruin_recreate.__file__.endswith(tuple(importlib.machinery.EXTENSION_SUFFIXES))


def test_solve_uses_the_compiled_search_when_it_models_the_problem(line, monkeypatch):
    calls = _count_searches(monkeypatch)
    problem = _chain(line)
    sol = solve(problem, SolveParams(time_limit_s=1))
    assert len(calls) == tuning.RUIN_RECREATE_RUNS and all(c is not None for c in calls)
    assert validate(problem, sol) == []
    assert not sol.dropped
    assert sol.num_vehicles == 1


def test_a_large_day_gets_one_longer_run_per_worker(line, monkeypatch):
    calls = _count_searches(monkeypatch)
    monkeypatch.setattr(tuning, "RUIN_RECREATE_ONE_RUN", 3)
    problem = _chain(line, n=3)
    sol = solve(problem, SolveParams(time_limit_s=1))
    assert len(calls) == 1 and calls[0] is not None
    assert validate(problem, sol) == []


def _worker_settings(line, monkeypatch, name: str, small_day_seed: int) -> tuple[list, list]:
    """The keyword ``name`` each compiled search was given: by workers 0 and 1 on a day planned in
    one run, then by the worker of ``small_day_seed`` on a day just below that size."""
    given: list = []
    real = ruin_recreate.search

    def recording(*args, **kwargs):
        given.append(kwargs.get(name))
        return real(*args, **kwargs)

    monkeypatch.setattr(ruin_recreate, "search", recording)
    problem = _chain(line, n=3)
    monkeypatch.setattr(tuning, "RUIN_RECREATE_ONE_RUN", 3)
    for variant in (0, 1):
        assert validate(problem, solve(problem, SolveParams(time_limit_s=0.3, seed=variant))) == []
    one_run = list(given)
    given.clear()
    monkeypatch.setattr(tuning, "RUIN_RECREATE_ONE_RUN", 4)
    solve(problem, SolveParams(time_limit_s=0.3, seed=small_day_seed))
    return one_run, given


def test_the_second_worker_weighs_absences_leniently_on_days_of_one_run(line, monkeypatch):
    """Worker 1 (variant 1) takes the lenient fleet rule on days planned in one run; smaller days never do."""
    one_run, small = _worker_settings(line, monkeypatch, "absence_acceptance", small_day_seed=1)
    assert one_run == [False, True]
    assert small == [False] * tuning.RUIN_RECREATE_RUNS


def test_the_first_worker_gives_the_fleet_a_shorter_share_on_days_of_one_run(line, monkeypatch):
    """Worker 0 (variant 0) spends a quarter of its time on the fleet on days planned in one run,
    worker 1 half; smaller days keep half on both."""
    one_run, small = _worker_settings(line, monkeypatch, "fleet_share", small_day_seed=0)
    assert one_run == [0.25, 0.5]
    assert small == [0.5] * tuning.RUIN_RECREATE_RUNS


def test_the_compiled_search_keeps_a_second_to_read_its_plan_back_not_a_tenth_of_a_long_budget(line, monkeypatch):
    """Without ride limits the compiled search leaves READ_BACK_S for reading its plan back (a tenth
    of a short budget); ride limits leave a tenth, large days a quarter."""
    data, _model = _instance(_chain(line), 4)
    assert search.compiled_share(data, 60.0) == pytest.approx(1 - tuning.READ_BACK_S / 60)
    assert search.compiled_share(data, 30.0) == pytest.approx(1 - tuning.READ_BACK_S / 30)
    assert search.compiled_share(data, 2.0) == pytest.approx(0.9)
    ride = _chain(line)
    ride = dataclasses.replace(ride, requests=[dataclasses.replace(ride.requests[0], max_ride_s=500.0),
                                               *ride.requests[1:]])
    assert search.compiled_share(_instance(ride, 4)[0], 60.0) == pytest.approx(0.9)
    monkeypatch.setattr(tuning, "LARGE_DAY", 3)
    assert search.compiled_share(data, 60.0) == pytest.approx(0.75)


def test_fleet_minimisation_merges_routes(line):
    """Started from one vehicle per request, the fleet phase ends with a single route."""
    problem = _chain(line, n=4, vehicles=4)
    data, model = _instance(problem, 4)
    V = 4
    start = [[2 * V + 2 * j, 2 * V + 2 * j + 1] for j in range(4)]
    result = ruin_recreate.search(model.rr_instance(), 0.5, fleet_share=1.0, start=start)
    assert result is not None and result.left_out == 0
    used = [route for route in result.routes if route]
    assert len(used) == 1
    assert sorted(used[0]) == list(range(2 * V, 2 * V + 8))
    assert result.fleet_iterations > 0


def test_a_day_that_cannot_serve_everyone_keeps_what_the_fleet_phase_gains(line):
    """No plan serves every request here, so the fleet phase never takes a route away; the
    requests it fits in meanwhile are kept (the cost phase gets no time: fleet_share 1)."""
    reqs = [line.request("x", 10, 10, p_windows=w(0, 10), d_windows=w(90, 100)),
            line.request("y", 20, 30, p_windows=w(20, 40), d_windows=w(30, 50)),
            line.request("z", 40, 50, p_windows=w(50, 60), d_windows=w(60, 80))]
    problem = Problem(reqs, [line.vehicle("v", kg=10, shift=(0, 200))], matrix=line.matrix())
    data, model = _instance(problem, 1)
    x = [r.id for r in model.requests].index("x")
    # x alone: its 10 kg fill the vehicle from time 10 to 90, so neither y nor z can board
    result = ruin_recreate.search(model.rr_instance(), 0.3, fleet_share=1.0, start=[[2 + 2 * x, 3 + 2 * x]])
    assert result is not None and result.left_out == 1
    assert 2 + 2 * x not in result.routes[0] and len(result.routes[0]) == 4


def test_deterministic_solves_stay_with_or_tools(line, monkeypatch):
    """The compiled search is timed by the wall clock: same input, same output needs OR-Tools alone."""
    calls = _count_searches(monkeypatch)
    problem = _chain(line)
    sol = solve(problem, SolveParams(time_limit_s=5, deterministic=True))
    assert validate(problem, sol) == []
    assert calls == []


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(problems())
def test_random_problems_through_the_compiled_search_give_valid_plans(problem):
    """Windows, capacities, cold chain, ride limits, shifts, breaks and route-duration limits
    hold in every plan it returns."""
    sol = solve(problem, SolveParams(time_limit_s=0.4))
    assert validate(problem, sol) == []
    served = {r for route in sol.routes for r in route.request_ids()}
    assert served | {d.request_id for d in sol.dropped} == {r.id for r in problem.requests}


def test_instance_arrays_follow_the_model(line):
    """Bounds, demands and allowed vehicles are read back from the OR-Tools model."""
    problem = _chain(line, n=2, vehicles=2)
    data, model = _instance(problem, 2)
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
    inst = _instance(problem, 2)[1].rr_instance()
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
        return _instance(problem, n)[1].rr_instance()

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


def _arrays(inst: ruin_recreate.Instance) -> dict:
    """The keyword arguments of the extension's solve() for ``inst``, search settings included."""
    return dict(time=inst.time, cost=inst.cost, earliest=inst.earliest, latest=inst.latest, demand=inst.demand,
                capacity=inst.capacity, ride=inst.ride, fixed=inst.fixed, max_visits=inst.max_visits,
                value=inst.value, allowed=inst.allowed, start=None, service=inst.service, win_start=inst.win_start,
                win_lo=inst.win_lo, win_hi=inst.win_hi, max_span=inst.max_span, break_lo=inst.break_lo,
                break_hi=inst.break_hi, break_len=inst.break_len, locked_len=inst.locked_len, seconds=0.05,
                fleet_share=0.5, t0=1.0, tf=0.1, cbar=10.0, max_string=10, blink=0.01, seed=1,
                absence_acceptance=False, pool_max=0, pool_slack=0.0)


def test_the_extension_answers_with_named_fields(line):
    inst = _instance(_chain(line, n=2, vehicles=2), 2)[1].rr_instance()
    result = _ruin_recreate.solve(**_arrays(inst))
    assert isinstance(result, _ruin_recreate.Result)
    assert result.left_out == 0 and result.value_left_out == 0
    assert result.vehicles == sum(1 for route in result.routes if route) and len(result.routes) == 2
    assert result.cost > 0 and result.fleet_iterations >= 0 and result.cost_iterations >= 0


def test_the_extension_takes_keywords_only(line):
    inst = _instance(_chain(line, n=2, vehicles=2), 2)[1].rr_instance()
    with pytest.raises(TypeError):
        _ruin_recreate.solve(*_arrays(inst).values())


@pytest.mark.parametrize(("name", "bad", "error", "words"), [
    ("time", lambda a: a[:-1], ValueError, "time: expected shape"),
    ("ride", lambda a: a[:1], ValueError, "ride: expected length 2"),
    ("allowed", lambda a: a[:, :1].copy(), ValueError, "allowed: expected shape (2, 2)"),
    ("cost", lambda a: a.astype(np.float64), TypeError, "cost: expected signed integers"),
    ("earliest", lambda a: a.astype(np.int32), TypeError, "earliest: expected signed integers of 8 bytes"),
    ("latest", lambda a: a[:-1], ValueError, "latest: expected length"),
    ("value", lambda a: a.repeat(2)[::2], TypeError, "value: expected a C-contiguous array"),
    ("fixed", lambda a: a.tolist(), TypeError, "fixed: expected a C-contiguous array"),
])
def test_the_extension_names_the_argument_it_refuses(line, name, bad, error, words):
    """Arrays of the wrong shape or item type never reach the C search: the error names the argument."""
    inst = _instance(_chain(line, n=2, vehicles=2), 2)[1].rr_instance()
    args = _arrays(inst)
    args[name] = bad(np.asarray(args[name]))
    with pytest.raises(error, match=words.replace("(", r"\(").replace(")", r"\)")):
        _ruin_recreate.solve(**args)


def test_the_extension_refuses_a_start_with_nodes_outside_the_requests(line):
    inst = _instance(_chain(line, n=2, vehicles=2), 2)[1].rr_instance()
    args = _arrays(inst)
    args["start"] = np.array([0, 4, 5, -1], dtype=np.int32)  # node 0 is vehicle 0's start
    with pytest.raises(ValueError, match="start: node 0"):
        _ruin_recreate.solve(**args)


def test_more_load_dimensions_than_the_search_keeps_leave_it_to_or_tools(line):
    inst = _instance(_chain(line, n=2, vehicles=2), 2)[1].rr_instance()
    D = ruin_recreate.MAX_DIMENSIONS + 1
    wide = dataclasses.replace(inst, demand=np.ones((2, D), dtype=np.int64),
                               capacity=np.full((2, D), 10, dtype=np.int64))
    assert ruin_recreate.search(wide, 0.05) is None
    with pytest.raises(ValueError, match="at most 8 load dimensions"):
        _ruin_recreate.solve(**_arrays(wide))


def test_solving_compiles_nothing_and_writes_no_cache(tmp_path):
    """Without a compiler on the PATH and with an empty home, the compiled search still runs
    and nothing is written under the home or cache directories."""
    script = textwrap.dedent("""
        from routing import Location, Problem, Request, SolveParams, StopSpec, TimeWindow, Vehicle, ruin_recreate
        from routing import solve
        calls = []
        real = ruin_recreate.search
        ruin_recreate.search = lambda *a, **k: calls.append(real(*a, **k)) or calls[-1]
        home = Location(52.37, 4.89)
        reqs = [Request(f"r{i}", pickup=StopSpec(Location(52.37 + i / 100, 4.89)),
                        delivery=StopSpec(Location(52.36, 4.90 + i / 100)), load={"kg": 1}) for i in range(4)]
        vehicles = [Vehicle(f"v{k}", start=home, end=home, shift=TimeWindow(0, 36000), capacity={"kg": 10})
                    for k in range(2)]
        sol = solve(Problem(reqs, vehicles), SolveParams(time_limit_s=0.5))
        assert calls and all(c is not None for c in calls), calls
        assert not sol.dropped
    """)
    env = {"HOME": str(tmp_path), "XDG_CACHE_HOME": str(tmp_path / "cache"), "PATH": str(tmp_path / "no-bin"),
           "CC": "false", "PYTHONDONTWRITEBYTECODE": "1", "PYTHONPATH": os.pathsep.join(sys.path)}
    done = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert list(tmp_path.iterdir()) == []
