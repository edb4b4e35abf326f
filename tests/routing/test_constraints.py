"""Each model constraint on a tiny problem built so that removing it changes the answer."""

from __future__ import annotations

import numpy as np

from routing import Break, Depot, Location, PrecomputedMatrix, Problem, Request, StopSpec, TimeWindow, Vehicle, solve, validate

from .conftest import w


def _solve(problem, params):
    sol = solve(problem, params)
    assert validate(problem, sol) == []
    return sol


def _order(route):
    return [("+" if v.kind == "pickup" else "-") + v.request_id for v in route.visits]


def test_pickup_precedes_delivery(line, fast):
    """Open route from 0: delivering at 5 before picking up at 10 would be shorter (10 vs 15)."""
    r = line.request("r", 10, 5)
    v = line.vehicle("v", 0, None)
    sol = _solve(Problem([r], [v], matrix=line.matrix()), fast)
    assert _order(sol.routes[0]) == ["+r", "-r"]
    assert sol.travel_s == 15


def test_pickup_and_delivery_on_the_same_vehicle(line, fast):
    """Vehicle a sits at the pickup, b at the delivery: splitting the request would cost 0."""
    r = line.request("r", 0, 10)
    a = line.vehicle("a", 0, None)
    b = line.vehicle("b", 10, None)
    sol = _solve(Problem([r], [a, b], matrix=line.matrix()), fast)
    assert sol.num_vehicles == 1
    assert sol.travel_s == 10


def test_capacity_forces_one_load_at_a_time(line, fast):
    """Two 60 kg loads, 100 kg van: carrying both at once (42 s) is not allowed."""
    r1 = line.request("r1", 10, 20, kg=60)
    r2 = line.request("r2", 11, 21, kg=60)
    v = line.vehicle("v", 0, 0, kg=100)
    sol = _solve(Problem([r1, r2], [v], matrix=line.matrix()), fast)
    assert not sol.dropped
    assert max(x.load_after["kg"] for x in sol.routes[0].visits) == 60
    assert sol.travel_s == 60  # 0-10-20-11-21-0


def test_capacity_per_dimension(line, fast):
    """Crates are limited too: two 3-crate loads do not fit a 4-crate van together."""
    p = Problem(
        [Request("r1", pickup=StopSpec(line.at(10)), delivery=StopSpec(line.at(20)), load={"kg": 1, "crates": 3}),
         Request("r2", pickup=StopSpec(line.at(11)), delivery=StopSpec(line.at(21)), load={"kg": 1, "crates": 3})],
        [Vehicle("v", line.at(0), line.at(0), capacity={"kg": 100, "crates": 4})],
        matrix=line.matrix(),
    )
    sol = _solve(p, fast)
    assert not sol.dropped
    assert max(x.load_after["crates"] for x in sol.routes[0].visits) == 3


def test_time_windows_change_the_order(line, fast):
    """r2 must be picked up by t=5, r1 not before t=20: so r2 goes first although r1 is nearer."""
    r1 = line.request("r1", 1, 2, p_windows=w(20, 30))
    r2 = line.request("r2", 3, 4, p_windows=w(0, 5))
    v = line.vehicle("v", 0, 0)
    sol = _solve(Problem([r1, r2], [v], matrix=line.matrix()), fast)
    assert _order(sol.routes[0]) == ["+r2", "-r2", "+r1", "-r1"]
    assert sol.routes[0].visits[2].start_s == 20


def test_multiple_windows_skip_the_gap(line, fast):
    """Pickup open 0-5 or 50-60; reachable at t=10, so service starts in the second window."""
    r = line.request("r", 10, 12, p_windows=(TimeWindow(0, 5), TimeWindow(50, 60)))
    sol = _solve(Problem([r], [line.vehicle("v")], matrix=line.matrix()), fast)
    assert 50 <= sol.routes[0].visits[0].start_s <= 60


def test_shift_end_limits_a_driver(line, fast):
    """One driver could do both requests in 24 s, but the shift lasts 15 s: two drivers are needed."""
    r1 = line.request("r1", 5, 6)
    r2 = line.request("r2", -5, -6)
    vs = [line.vehicle("a", shift=(0, 15)), line.vehicle("b", shift=(0, 15))]
    sol = _solve(Problem([r1, r2], vs, matrix=line.matrix()), fast)
    assert sol.num_vehicles == 2
    assert all(r.end_s <= 15 for r in sol.routes)


def test_max_route_duration_limits_a_driver(line, fast):
    """As above with a generous shift but a 15 s maximum route duration."""
    r1 = line.request("r1", 5, 6)
    r2 = line.request("r2", -5, -6)
    vs = [line.vehicle("a", max_duration_s=15), line.vehicle("b", max_duration_s=15)]
    sol = _solve(Problem([r1, r2], vs, matrix=line.matrix()), fast)
    assert sol.num_vehicles == 2


def test_max_ride_time(line, fast):
    """Picking up r2 (10 s service) between r1's pickup and delivery would be shortest (6 s),
    but r1 may ride at most 5 s."""
    r1 = line.request("r1", 1, 5, max_ride_s=5)
    r2 = line.request("r2", 3, 6, p_service=10)
    v = line.vehicle("v", 0, None)
    sol = _solve(Problem([r1, r2], [v], matrix=line.matrix()), fast)
    visits = {(x.request_id, x.kind): x for x in sol.routes[0].visits}
    assert visits[("r1", "delivery")].start_s - visits[("r1", "pickup")].start_s <= 5
    assert sol.travel_s == 10


def test_frozen_food_only_on_refrigerated_vehicle(line, fast):
    """The plain car is next door, the refrigerated van far away: frozen food still goes in the van."""
    r = line.request("r", 1, 2, storage_class="frozen")
    car = line.vehicle("car", 0, 0)
    van = line.vehicle("van", 100, 100, cold_chain="refrigerated")
    sol = _solve(Problem([r], [car, van], matrix=line.matrix()), fast)
    assert [x.vehicle_id for x in sol.routes] == ["van"]


def test_chilled_food_goes_in_an_insulated_box(line, fast):
    r = line.request("r", 1, 2, storage_class="refrigerated")
    car = line.vehicle("car", 0, 0)
    box = line.vehicle("box", 100, 100, cold_chain="insulated")
    sol = _solve(Problem([r], [car, box], matrix=line.matrix()), fast)
    assert [x.vehicle_id for x in sol.routes] == ["box"]


def test_fewest_vehicles_before_travel(line, fast):
    """Two local drivers would drive 8 s in total; one driver doing both drives 22 s but is preferred."""
    r1 = line.request("r1", 1, 2)
    r2 = line.request("r2", 11, 12)
    a = line.vehicle("a", 0, 0)
    b = line.vehicle("b", 10, 10)
    sol = _solve(Problem([r1, r2], [a, b], matrix=line.matrix()), fast)
    assert sol.num_vehicles == 1
    assert sol.travel_s == 22  # b: 10-11-12-1-2-10


def test_value_decides_what_to_drop(line, fast):
    """The shift fits only one of two requests: the more valuable one is served."""
    cheap = line.request("cheap", 5, 6, value=1)
    dear = line.request("dear", -5, -6, value=10)
    v = line.vehicle("v", shift=(0, 15))
    sol = _solve(Problem([cheap, dear], [v], matrix=line.matrix()), fast)
    assert [d.request_id for d in sol.dropped] == ["cheap"]
    assert sol.dropped[0].reason == "not_enough_drivers"
    assert sol.status == "partial"


def test_distance_objective_differs_from_duration(fast):
    """Two equal-length orders; the motorway (node 1 to 2) is fast but long."""
    #          0    1    2    3
    dur = np.array([[0, 5, 9, 9], [5, 0, 1, 9], [9, 1, 0, 5], [9, 9, 5, 0]], dtype=float)
    dist = np.array([[0, 5, 9, 9], [5, 0, 50, 9], [9, 50, 0, 5], [9, 9, 5, 0]], dtype=float)
    reqs = [Request("a", pickup=StopSpec(Location(index=1)), delivery=StopSpec(Location(index=3)), load={"kg": 1}),
            Request("b", pickup=StopSpec(Location(index=2)), delivery=StopSpec(Location(index=3)), load={"kg": 1})]
    v = Vehicle("v", Location(index=0), None, capacity={"kg": 10})
    by_time = solve(Problem(reqs, [v], matrix=PrecomputedMatrix(dur, dist), objective="duration"), fast)
    by_dist = solve(Problem(reqs, [v], matrix=PrecomputedMatrix(dur, dist), objective="distance"), fast)
    assert (by_time.travel_s, by_time.distance_m) == (11, 60)  # 0-1-2-3-3 over the motorway
    assert (by_dist.travel_s, by_dist.distance_m) == (24, 24)  # 0-1-3-2-3 on small roads


def test_break_is_taken_and_delays_the_route(line, fast):
    """A 10 s break must start between t=6 and t=12, while driving 5 -> 15: arrival moves to 25."""
    r = line.request("r", 5, 15, p_windows=w(5, 5), d_windows=w(15, 25))
    v = line.vehicle("v", shift=(0, 40), break_=Break(TimeWindow(6, 12), 10))
    sol = _solve(Problem([r], [v], matrix=line.matrix()), fast)
    route = sol.routes[0]
    assert route.break_start_s is not None and 6 <= route.break_start_s <= 12
    assert route.visits[1].start_s >= 25
    assert route.end_s == 40


def test_break_that_does_not_fit_drops_the_request(line, fast):
    """Same, but the shift ends at 35: no room for the break, so the request cannot be served."""
    r = line.request("r", 5, 15, p_windows=w(5, 5), d_windows=w(15, 25))
    v = line.vehicle("v", shift=(0, 35), break_=Break(TimeWindow(6, 12), 10))
    sol = _solve(Problem([r], [v], matrix=line.matrix()), fast)
    assert [d.request_id for d in sol.dropped] == ["r"]


def test_depot_requests_start_or_end_at_the_depot(line, fast):
    depot = Depot("bank", line.at(50), service_s=2)
    out = Request("out", "depot_delivery", delivery=StopSpec(line.at(60)), load={"kg": 5})
    back = Request("back", "depot_pickup", pickup=StopSpec(line.at(40)), load={"kg": 5})
    v = line.vehicle("v", 0, 0)
    p = Problem([out, back], [v], depots=[depot], matrix=line.matrix())
    sol = _solve(p, fast)
    assert not sol.dropped
    assert p.pickup_of(out).location == line.at(50)
    assert p.delivery_of(back).location == line.at(50)


def test_open_route_ends_at_last_stop(line, fast):
    r = line.request("r", 5, 8, d_service=3)
    sol = _solve(Problem([r], [line.vehicle("v", 0, None)], matrix=line.matrix()), fast)
    assert sol.routes[0].end_s == sol.routes[0].visits[-1].departure_s
    assert sol.travel_s == 8
