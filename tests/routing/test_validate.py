"""The validator flags hand-built bad plans, one broken rule at a time."""

from __future__ import annotations

from dataclasses import replace

import pytest

from routing import Break, DroppedRequest, Problem, Route, Solution, TimeWindow, Visit, validate

from .conftest import w


@pytest.fixture
def setup(line):
    """One vehicle at 0 (shift 0-100, 100 kg); r1 from 10 to 20 (60 kg), r2 from 11 to 21 (60 kg)."""
    r1 = line.request("r1", 10, 20, kg=60, p_windows=w(0, 50), max_ride_s=15)
    r2 = line.request("r2", 11, 21, kg=60)
    v = line.vehicle("v", shift=(0, 100), kg=100)
    p = Problem([r1, r2], [v], matrix=line.matrix())
    good = Route("v", (
        Visit("r1", "pickup", 10, 10, 10, {"kg": 60}),
        Visit("r1", "delivery", 20, 20, 20, {"kg": 0}),
        Visit("r2", "pickup", 29, 29, 29, {"kg": 60}),
        Visit("r2", "delivery", 39, 39, 39, {"kg": 0}),
    ), 0, 60, 600, 60)
    return p, good


def codes(problem, routes, dropped=()):
    return sorted({v.code for v in validate(problem, Solution(tuple(routes), tuple(dropped), "ok"))})


def test_a_good_plan_is_clean(setup):
    p, good = setup
    assert codes(p, [good]) == []


def test_missing_request_is_flagged(setup):
    p, good = setup
    route = replace(good, visits=good.visits[:2], end_s=40, distance_m=400, travel_s=40)
    assert codes(p, [route]) == ["missing"]
    dropped = [DroppedRequest("r2", "not_enough_drivers", "")]
    assert codes(p, [route], dropped) == []


def test_precedence_is_flagged(setup):
    p, good = setup
    v = good.visits
    swapped = (Visit("r1", "delivery", 20, 20, 20, {"kg": -60}), Visit("r1", "pickup", 30, 30, 30, {"kg": 0}))
    route = replace(good, visits=swapped + v[2:])
    assert "precedence" in codes(p, [route])


def test_capacity_is_flagged(setup):
    p, good = setup
    v = good.visits
    both = (v[0], Visit("r2", "pickup", 11, 11, 11, {"kg": 120}), Visit("r1", "delivery", 20, 20, 20, {"kg": 60}),
            Visit("r2", "delivery", 21, 21, 21, {"kg": 0}))
    route = replace(good, visits=both, end_s=42, distance_m=420, travel_s=42)
    assert codes(p, [route]) == ["capacity"]


def test_time_window_and_travel_time_are_flagged(setup):
    p, good = setup
    v = good.visits
    late = replace(v[0], arrival_s=60, start_s=60, departure_s=60)
    assert "time_window" in codes(p, [replace(good, visits=(late,) + v[1:])])
    too_fast = replace(v[1], arrival_s=12, start_s=12, departure_s=12)
    assert "travel_time" in codes(p, [replace(good, visits=(v[0], too_fast) + v[2:])])


def test_shift_and_duration_are_flagged(setup, line):
    p, good = setup
    assert "shift" in codes(p, [replace(good, end_s=150)])
    short = Problem(p.requests, [replace(p.vehicles[0], max_duration_s=50)], matrix=p.matrix)
    assert "max_duration" in codes(short, [good])


def test_ride_time_is_flagged(setup):
    p, good = setup
    v = good.visits
    slow = replace(v[1], arrival_s=30, start_s=30, departure_s=30)
    later = tuple(replace(x, arrival_s=x.arrival_s + 10, start_s=x.start_s + 10, departure_s=x.departure_s + 10)
                  for x in v[2:])
    route = replace(good, visits=(v[0], slow) + later, end_s=70)
    assert codes(p, [route]) == ["ride_time"]


def test_split_request_is_flagged(setup, line):
    p, good = setup
    two = Problem(p.requests, [p.vehicles[0], replace(p.vehicles[0], id="u")], matrix=p.matrix)
    v = good.visits
    a = Route("v", (v[0],), 0, 20, 200, 20)
    b = Route("u", (replace(v[1], load_after={"kg": -60}),), 0, 40, 400, 40)
    assert "split" in codes(two, [a, b, replace(good, vehicle_id="x")])


def test_storage_class_is_flagged(setup):
    p, good = setup
    frozen = Problem([replace(p.requests[0], storage_class="frozen"), p.requests[1]], p.vehicles, matrix=p.matrix)
    assert codes(frozen, [good]) == ["storage_class"]


def test_break_is_checked(setup):
    p, good = setup
    with_break = Problem(p.requests, [replace(p.vehicles[0], break_=Break(TimeWindow(20, 30), 5))], matrix=p.matrix)
    assert codes(with_break, [good]) == ["break"]  # none scheduled
    assert codes(with_break, [replace(good, break_start_s=22)]) == ["travel_time"]  # 20->29 has no room for 9 + 5 s
    v = good.visits
    later = tuple(replace(x, arrival_s=x.arrival_s + 5, start_s=x.start_s + 5, departure_s=x.departure_s + 5)
                  for x in v[2:])
    ok = replace(good, visits=v[:2] + later, end_s=65, break_start_s=20)
    assert codes(with_break, [ok]) == []


def test_reported_figures_are_checked(setup):
    p, good = setup
    assert codes(p, [replace(good, distance_m=1)]) == ["distance_report"]
    v = good.visits
    wrong = replace(v[0], load_after={"kg": 5})
    assert codes(p, [replace(good, visits=(wrong,) + v[1:])]) == ["load_report"]


def test_duplicates_and_unknowns_are_flagged(setup):
    p, good = setup
    assert "duplicate_route" in codes(p, [good, good])
    assert "unknown_vehicle" in codes(p, [good, replace(good, vehicle_id="ghost")])
    assert "served_and_dropped" in codes(p, [good], [DroppedRequest("r1", "not_enough_drivers", "")])
    assert "bad_reason" in codes(p, [good], [DroppedRequest("r9", "bored", "")])
