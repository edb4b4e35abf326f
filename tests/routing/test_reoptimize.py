"""Re-optimization: done visits stay put, loads on board stay on their vehicle, the rest is re-planned."""

from __future__ import annotations

from dataclasses import replace

import pytest

from routing import Problem, ProblemError, SolveParams, solve, validate

from .conftest import w


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


def test_stops_done_out_of_the_planned_order_come_first_and_the_skipped_one_is_replanned(line, fast):
    """A driver skipped the first planned stop and made the second: the re-plan starts with what
    was done, in the order it was done, and still serves the skipped request."""
    p, first = _plan(line, fast)
    route = max(first.used_routes, key=lambda r: len(r.visits))
    skipped, made = route.visits[0], route.visits[1]
    assert made.kind == "pickup", "the first plan's second stop is a pickup (deterministic)"
    done = {(made.request_id, made.kind)}
    second = solve(p, SolveParams(time_limit_s=5, deterministic=True, previous=first, done=done,
                                  done_times={(made.request_id, made.kind): made.start_s}))
    assert validate(p, second, done=done) == []
    assert not second.dropped
    again = second.route_of(route.vehicle_id)
    assert (again.visits[0].request_id, again.visits[0].kind) == (made.request_id, made.kind)
    assert again.visits[0].start_s == made.start_s
    served = {v.request_id for r in second.used_routes for v in r.visits}
    assert skipped.request_id in served


def test_done_visits_follow_their_recorded_order(line, fast):
    """Two stops made in the reverse of the planned order stay in the order they were made."""
    p, first = _plan(line, fast)
    route = max(first.used_routes, key=lambda r: len(r.visits))
    a, b = route.visits[0], route.visits[1]
    assert a.request_id != b.request_id, "the first plan's first two stops are two requests (deterministic)"
    done = {(a.request_id, a.kind), (b.request_id, b.kind)}
    times = {(b.request_id, b.kind): 100.0, (a.request_id, a.kind): 160.0}
    second = solve(p, SolveParams(time_limit_s=5, deterministic=True, previous=first, done=done, done_times=times))
    again = second.route_of(route.vehicle_id)
    assert [(v.request_id, v.kind) for v in again.visits[:2]] == [(b.request_id, b.kind), (a.request_id, a.kind)]
    assert validate(p, second, done=done) == []


def test_warm_start_from_previous_plan_keeps_it_valid(line, fast):
    p, first = _plan(line, fast)
    second = solve(p, SolveParams(time_limit_s=5, deterministic=True, previous=first))
    assert validate(p, second) == []
    assert second.travel_s <= first.travel_s


def _late_pickup(line, fast):
    """v1 was planned to pick r up at 100 s (window 0-100) but did at 1,900 s, 30 min late.

    q's pickup opens at 2,500 s on the way to r's delivery: the short route (r's pickup, q's
    pickup, r's delivery at 2,550 s) rides r 650 s from its real pickup, over its 600 s limit.
    """
    r = line.request("r", 100, 200, p_windows=w(0, 100), max_ride_s=600)
    v1 = line.vehicle("v1", shift=(0, 10_000))
    first = solve(Problem([r], [v1], matrix=line.matrix()), fast)
    assert first.route_of("v1").visits[0].start_s == 100
    q = line.request("q", 150, 210, p_windows=w(2500, 2600))
    return Problem([r, q], [v1], matrix=line.matrix()), first


def test_a_late_pickup_counts_the_ride_limit_from_its_real_time(line, fast):
    p, first = _late_pickup(line, fast)
    second = solve(p, replace(fast, previous=first, done={("r", "pickup")},
                              done_times={("r", "pickup"): 1900.0}, now_s=1900.0))
    visits = {(v.request_id, v.kind): v for v in second.route_of("v1").visits}
    assert visits[("r", "pickup")].start_s == 1900.0
    assert visits[("r", "delivery")].start_s - 1900.0 <= 600
    assert not second.dropped
    assert validate(p, second, done={("r", "pickup")}) == []


def test_the_validator_excuses_a_late_visit_only_when_told_it_is_done(line, fast):
    p, first = _late_pickup(line, fast)
    second = solve(p, replace(fast, previous=first, done={("r", "pickup")},
                              done_times={("r", "pickup"): 1900.0}, now_s=1900.0))
    assert [x.code for x in validate(p, second)] == ["time_window"]
    assert validate(p, second, done={("r", "pickup")}) == []
    # A planned (not done) visit is still held to its window.
    late_q = replace(second, routes=tuple(
        replace(route, visits=tuple(replace(v, start_s=v.start_s + 200, departure_s=v.departure_s + 200)
                                    if v.request_id == "q" else v for v in route.visits))
        for route in second.routes))
    assert "time_window" in [x.code for x in validate(p, late_q, done={("r", "pickup")})]


def test_food_on_board_whose_delivery_window_has_closed_is_still_delivered(line, fast):
    """r was picked up at 1,900 s but its recipient closed at 1,000 s: the re-plan still takes it
    there as soon as it can (late, which the validator reports) and plans the rest."""
    r = line.request("r", 100, 200, p_windows=w(0, 100), d_windows=w(0, 1000))
    v1 = line.vehicle("v1", shift=(0, 10_000))
    first = solve(Problem([r], [v1], matrix=line.matrix()), fast)
    q = line.request("q", 150, 210, p_windows=w(2500, 2600))
    p = Problem([r, q], [v1], matrix=line.matrix())
    done = {("r", "pickup")}
    second = solve(p, replace(fast, previous=first, done=done, done_times={("r", "pickup"): 1900.0}, now_s=1900.0))
    assert not second.dropped
    visits = {(v.request_id, v.kind): v for v in second.route_of("v1").visits}
    assert visits[("r", "delivery")].start_s == 1900.0 + 100  # straight there
    assert [(x.code, x.request_id) for x in validate(p, second, done=done)] == [("time_window", "r")]


def test_a_done_visit_without_a_recorded_time_keeps_its_planned_time(line, fast):
    p, first = _late_pickup(line, fast)
    second = solve(p, replace(fast, previous=first, done={("r", "pickup")}, now_s=150.0))
    route = second.route_of("v1")
    assert [(v.request_id, v.kind, v.start_s) for v in route.visits[:2]] == [("r", "pickup", 100.0),
                                                                           ("r", "delivery", 200.0)]
    assert validate(p, second, done={("r", "pickup")}) == []


def test_food_already_past_its_ride_limit_is_still_planned_first(line, fast):
    """Picked up at 100 s, planned again at 1,900 s: r cannot make its 600 s. It is not left
    without a plan: it goes straight to its delivery, and the validator reports the ride."""
    p, first = _late_pickup(line, fast)
    second = solve(p, replace(fast, previous=first, done={("r", "pickup")}, now_s=1900.0))
    route = second.route_of("v1")
    assert [(v.request_id, v.kind) for v in route.visits[:2]] == [("r", "pickup"), ("r", "delivery")]
    assert route.visits[1].start_s == 1900.0  # now: the driver has been on the way since 100 s
    assert [x.code for x in validate(p, second, done={("r", "pickup")})] == ["ride_time"]


def test_a_driver_who_started_before_the_shift_is_planned_from_the_real_times(line, fast):
    """Done visits before the shift start: the route leaves early enough to have made them."""
    r = line.request("r", 100, 200, max_ride_s=600)
    s = line.request("s", 300, 400)
    v1 = line.vehicle("v1", shift=(0, 10_000))
    first = solve(Problem([r, s], [v1], matrix=line.matrix()), fast)
    late_shift = line.vehicle("v1", shift=(1_000, 10_000))
    p = Problem([r, s], [late_shift], matrix=line.matrix())
    second = solve(p, replace(fast, previous=first, done={("r", "pickup")},
                              done_times={("r", "pickup"): 500.0}, now_s=900.0))
    route = second.route_of("v1")
    assert route.visits[0].start_s == 500.0 and route.start_s <= 400.0
    assert next(v for v in route.visits if v.request_id == "r" and v.kind == "delivery").start_s <= 1100.0
    assert all(v.start_s >= 900.0 for v in route.visits[1:])
    assert validate(p, second, done={("r", "pickup")}) == []


def test_done_times_are_checked(line, fast):
    p, first = _plan(line, fast)
    visit = first.used_routes[0].visits[0]
    key = (visit.request_id, visit.kind)
    with pytest.raises(ProblemError, match="not in done"):
        SolveParams(previous=first, done={key}, done_times={("zz", "pickup"): 1.0})
    with pytest.raises(ProblemError, match="finite number"):
        SolveParams(previous=first, done={key}, done_times={key: float("nan")})
