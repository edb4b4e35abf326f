"""The large-day path: construction cluster by cluster, route-by-route re-timing, search limits."""

from __future__ import annotations

import time

from routing import Break, Problem, Route, Solution, SolveParams, TimeWindow, Visit, solve, validate
from routing.solver import params as tuning
from routing.solver import search
from routing.solver.data import Data, prepare, set_weights
from routing.solver.model import Model

from .conftest import w


def _data(problem: Problem) -> Data:
    data = prepare(problem, SolveParams(time_limit_s=5), problem.travel())
    set_weights(data)
    return data


def _two_towns(line, per_town: int = 6) -> Problem:
    """Two towns 1,000 s apart, each with its own requests and two drivers (one takes a break)."""
    reqs, vs = [], []
    for town, x in (("a", 0), ("b", 1000)):
        reqs += [line.request(f"{town}{i}", x + i, x + i + 3, p_windows=w(0, 400),
                              max_ride_s=30 if i % 2 else None) for i in range(per_town)]
        vs += [line.vehicle(f"{town}-1", x, x, shift=(0, 600), break_=Break(TimeWindow(20, 60), 10)),
               line.vehicle(f"{town}-2", x, x, shift=(0, 600))]
    return Problem(reqs, vs, matrix=line.matrix())


def test_clusters_keep_each_town_together_with_its_own_drivers(line):
    p = _two_towns(line)
    groups = search.clusters(_data(p), 2)
    split = sorted(({r.id[0] for r in reqs}, {p.vehicles[i].id[0] for i in vehicles}) for reqs, vehicles in groups)
    assert split == [({"a"}, {"a"}), ({"b"}, {"b"})]
    assert sorted(len(reqs) for reqs, _ in groups) == [6, 6]


def test_clusters_share_the_fleet_in_proportion_to_requests(line):
    """Eight requests in town a, two in town b, all five drivers in town a: b still gets one."""
    reqs = [line.request(f"a{i}", i, i + 1) for i in range(8)] + [line.request(f"b{i}", 1000 + i, 1001 + i)
                                                                    for i in range(2)]
    vs = [line.vehicle(f"v{k}", k, k) for k in range(5)]
    p = Problem(reqs, vs, matrix=line.matrix())
    groups = search.clusters(_data(p), 2)
    sizes = sorted((len(r), len(v)) for r, v in groups)
    assert sizes == [(2, 1), (8, 4)]


def test_a_large_day_is_planned_by_clusters_and_respects_breaks_and_ride_limits(line, monkeypatch):
    """The OR-Tools path of a large day (deterministic: the compiled search plans the others)."""
    monkeypatch.setattr(tuning, "LARGE_DAY", 5)
    monkeypatch.setattr(tuning, "CLUSTER_SIZE", 6)
    built: list[int] = []
    real = search.construct_by_clusters

    def spy(data, *args):
        built.append(len(data.requests))
        return real(data, *args)

    monkeypatch.setattr(search, "construct_by_clusters", spy)
    p = _two_towns(line)
    sol = solve(p, SolveParams(time_limit_s=4, deterministic=True))
    assert built == [12]
    assert validate(p, sol) == []
    assert not sol.dropped
    for route in sol.used_routes:
        assert {v.request_id[0] for v in route.visits} == {route.vehicle_id[0]}  # nobody crosses to the other town
        if route.vehicle_id.endswith("-1"):
            assert route.break_start_s is not None


def test_a_route_that_breaks_a_ride_limit_loses_only_its_own_limited_requests(line):
    """v1 is handed a plan that carries r1 for 194 s (limit 5): r1 goes, r2 stays, v2's route stays whole."""
    r1 = line.request("r1", 1, 5, max_ride_s=5)
    r2 = line.request("r2", 2, 100)
    r3 = line.request("r3", 10, 12, max_ride_s=5)
    p = Problem([r1, r2, r3], [line.vehicle("v1"), line.vehicle("v2")], matrix=line.matrix())

    def route(vid, stops):
        return Route(vid, tuple(Visit(rid, kind, 0.0, 0.0, 0.0, {}) for rid, kind in stops), 0.0, 0.0, 0.0, 0.0)

    plan = Solution((route("v1", [("r1", "pickup"), ("r2", "pickup"), ("r2", "delivery"), ("r1", "delivery")]),
                     route("v2", [("r3", "pickup"), ("r3", "delivery")])), (), "ok", "duration")
    data = _data(p)
    fixed = search.finalize(data, plan, search.Clock(time.monotonic() + 5))
    assert [(d.request_id, d.reason) for d in fixed.dropped] == [("r1", "not_enough_drivers")]
    assert [v.request_id for v in fixed.route_of("v1").visits] == ["r2", "r2"]
    assert [v.request_id for v in fixed.route_of("v2").visits] == ["r3", "r3"]
    assert validate(p, fixed) == []


def test_large_day_models_give_each_completion_the_phase_time_limit(line, monkeypatch):
    """Completing a neighbour of a large plan outlasts OR-Tools' default 0.1 s; a failed
    completion made the search from a valid warm start return nothing."""
    p = _two_towns(line, per_town=2)
    data = _data(p)
    vehicles = list(range(len(p.vehicles)))
    assert Model(data, vehicles, 0).search_params(7.0).lns_time_limit.ToMilliseconds() == 100
    monkeypatch.setattr(tuning, "LARGE_DAY", 3)
    assert Model(data, vehicles, 0).search_params(7.0).lns_time_limit.ToMilliseconds() == 7000
