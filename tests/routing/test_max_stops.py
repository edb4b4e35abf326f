"""A driver's maximum number of stops: each pickup and each delivery is one stop, done visits included."""

from __future__ import annotations

import dataclasses

import pytest

from routing import Location, Problem, ProblemError, SolveParams, Vehicle, solve, validate


def _stops(solution, vehicle_id):
    route = solution.route_of(vehicle_id)
    return 0 if route is None else len(route.visits)


def test_a_stop_limit_moves_work_to_a_second_driver(line, fast):
    """Near driver a could do both requests (4 stops) alone; with both drivers limited to 2, far b takes one."""
    reqs = [line.request("r1", 1, 2), line.request("r2", 3, 4)]
    near, far = line.vehicle("a", 0, 0), line.vehicle("b", 100, 100)
    free = solve(Problem(reqs, [near, far], matrix=line.matrix()), fast)
    assert _stops(free, "a") == 4 and free.num_vehicles == 1

    limited = Problem(reqs, [dataclasses.replace(x, max_stops=2) for x in (near, far)], matrix=line.matrix())
    sol = solve(limited, fast)
    assert validate(limited, sol) == []
    assert not sol.dropped
    assert _stops(sol, "a") == 2 and _stops(sol, "b") == 2


def test_a_lone_driver_over_the_limit_keeps_the_most_valuable_request(line, fast):
    """One driver, 2 stops: the more valuable request is served, the other dropped for lack of drivers."""
    reqs = [line.request("cheap", 1, 2, value=1), line.request("dear", 5, 6, value=9)]
    p = Problem(reqs, [line.vehicle("v", max_stops=2)], matrix=line.matrix())
    sol = solve(p, fast)
    assert validate(p, sol) == []
    assert sol.route_of("v").request_ids() == ["dear"]
    assert [(d.request_id, d.reason) for d in sol.dropped] == [("cheap", "not_enough_drivers")]


def test_the_validator_catches_a_route_over_the_limit(line, fast):
    reqs = [line.request("r1", 1, 2), line.request("r2", 3, 4)]
    v = line.vehicle("v")
    sol = solve(Problem(reqs, [v], matrix=line.matrix()), fast)
    limited = Problem(reqs, [dataclasses.replace(v, max_stops=3)], matrix=line.matrix())
    violations = validate(limited, sol)
    assert [x.code for x in violations] == ["max_stops"]
    assert violations[0].vehicle_id == "v" and "4 stops, over its maximum of 3" in violations[0].message


@pytest.mark.parametrize("bad", [0, -1, 2.5, True, "3"])
def test_a_bad_stop_limit_names_the_vehicle(bad):
    with pytest.raises(ProblemError, match=r"vehicle 'v1': max_stops must be an int >= 1 or None"):
        Vehicle("v1", Location(1, 1), max_stops=bad)


def test_done_visits_count_against_the_limit(line, fast):
    """v did r1 (2 stops) under a 4-stop limit: in the re-plan it has room for one of r2 and r3 only."""
    r1 = line.request("r1", 1, 2)
    v = line.vehicle("v", max_stops=4)
    first = solve(Problem([r1], [v], matrix=line.matrix()), fast)
    done = {("r1", "pickup"), ("r1", "delivery")}
    p = Problem([r1, line.request("r2", 3, 4), line.request("r3", 5, 6)], [v], matrix=line.matrix())
    sol = solve(p, SolveParams(time_limit_s=5, deterministic=True, previous=first, done=done,
                               done_times={("r1", "pickup"): 1, ("r1", "delivery"): 2}))
    assert validate(p, sol) == []
    route = sol.route_of("v")
    assert [(x.request_id, x.kind) for x in route.visits[:2]] == [("r1", "pickup"), ("r1", "delivery")]
    assert len(route.visits) == 4 and len(sol.dropped) == 1


def test_food_on_board_is_delivered_even_past_a_lowered_limit(line, fast):
    """v picked up r1 and r2 and its limit is now 2: both loads are still delivered (the validator says it
    is over), and no new request is added."""
    reqs = [line.request("r1", 1, 10), line.request("r2", 2, 11)]
    v = line.vehicle("v")
    first = solve(Problem(reqs, [v], matrix=line.matrix()), fast)
    assert [x.kind for x in first.route_of("v").visits[:2]] == ["pickup", "pickup"]
    done = {(x.request_id, x.kind) for x in first.route_of("v").visits[:2]}
    p = Problem(reqs + [line.request("r3", 3, 4)], [dataclasses.replace(v, max_stops=2)], matrix=line.matrix())
    sol = solve(p, SolveParams(time_limit_s=5, deterministic=True, previous=first, done=done))
    assert sorted(sol.route_of("v").request_ids()) == ["r1", "r2"]
    assert [d.request_id for d in sol.dropped] == ["r3"]
    assert [x.code for x in validate(p, sol)] == ["max_stops"]
