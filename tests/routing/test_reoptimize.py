"""Re-optimization: done visits stay put, loads on board stay on their vehicle, the rest is re-planned."""

from __future__ import annotations

import pytest

from routing import Problem, ProblemError, SolveParams, solve, validate


def _plan(line, fast):
    reqs = [line.request("a", 1, 5), line.request("b", 2, 6), line.request("c", -3, -4)]
    vs = [line.vehicle("v1", kg=100), line.vehicle("v2", kg=100)]
    p = Problem(reqs, vs, matrix=line.matrix())
    return p, solve(p, fast)


def test_done_visits_are_kept_and_new_request_is_inserted(line, fast):
    p, first = _plan(line, fast)
    route = first.used_routes[0]
    done = {(v.request_id, v.kind) for v in route.visits[:1]}
    new = line.request("d", 7, 8)
    p2 = Problem(p.requests + (new,), p.vehicles, matrix=line.matrix())
    now = route.visits[0].departure_s
    second = solve(p2, SolveParams(time_limit_s=5, deterministic=True, previous=first, done=done, now_s=now))
    assert validate(p2, second) == []
    assert not second.dropped
    again = second.route_of(route.vehicle_id)
    assert (again.visits[0].request_id, again.visits[0].kind) == next(iter(done))
    picked = again.visits[0].request_id
    # its load is on board: the delivery stays on the same vehicle
    assert any(v.request_id == picked and v.kind == "delivery" for v in again.visits)
    for r in second.used_routes:
        for v in r.visits:
            if (v.request_id, v.kind) not in done:
                assert v.start_s >= now


def test_a_load_on_board_stays_on_its_vehicle_even_if_another_is_closer(line, fast):
    """v1 picked up r at 10; v2 now sits next to the delivery, but r stays with v1."""
    r = line.request("r", 10, 50)
    vs = [line.vehicle("v1", 0, 0), line.vehicle("v2", 49, 49)]
    p = Problem([r], vs, matrix=line.matrix())
    first = solve(p, fast)
    assert first.used_routes[0].vehicle_id == "v2" or first.used_routes[0].vehicle_id == "v1"
    # Pretend v1 did the pickup (build the previous plan by hand from a v1-only solve).
    only_v1 = solve(Problem([r], vs[:1], matrix=line.matrix()), fast)
    second = solve(p, SolveParams(time_limit_s=5, deterministic=True, previous=only_v1,
                                  done={("r", "pickup")}))
    assert validate(p, second) == []
    assert [x.vehicle_id for x in second.used_routes] == ["v1"]


def test_done_visits_must_be_a_prefix(line, fast):
    p, first = _plan(line, fast)
    route = max(first.used_routes, key=lambda r: len(r.visits))
    second_visit = route.visits[1]
    with pytest.raises(ProblemError, match="earlier visit not marked done"):
        solve(p, SolveParams(time_limit_s=1, previous=first, done={(second_visit.request_id, second_visit.kind)}))


def test_warm_start_from_previous_plan_keeps_it_valid(line, fast):
    p, first = _plan(line, fast)
    second = solve(p, SolveParams(time_limit_s=5, deterministic=True, previous=first))
    assert validate(p, second) == []
    assert second.travel_s <= first.travel_s
