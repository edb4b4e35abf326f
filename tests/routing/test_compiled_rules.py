"""The compiled search knows breaks, several windows per stop, route-duration limits and done visits.

Unit tests run it directly on tiny instances built by the OR-Tools model, one rule each,
arranged so that a search ignoring the rule returns something else. Property tests solve
random days with all of them through the compiled phase and check that OR-Tools read its
plan back (no disagreement between the two models) and that the validator finds it clean.
"""

from __future__ import annotations

import time
from dataclasses import replace

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from routing import (Break, Location, Problem, Request, SolveParams, StopSpec, TimeWindow, Vehicle, ruin_recreate,
                     solve, validate)
from routing.solver import search
from routing.solver.data import prepare, set_weights
from routing.solver.model import Model

from .conftest import w


def _model(problem: Problem, params: SolveParams | None = None) -> Model:
    data = prepare(problem, params or SolveParams(time_limit_s=1), problem.travel())
    set_weights(data)
    return Model(data, list(range(len(problem.vehicles))), data.vehicle_weight)


def _search(model: Model, start=None, seconds: float = 0.3) -> ruin_recreate.Result:
    result = ruin_recreate.search(model.rr_instance(), seconds, seed=1, start=start)
    assert result is not None
    return result


def _reads_back(model: Model, result: ruin_recreate.Result):
    """The plan as OR-Tools re-reads it (it checks every rule): a Solution, never None."""
    sol = model.read_nodes(result.routes, 5.0, result.times, result.break_starts)
    assert sol is not None, "OR-Tools rejects the compiled search's plan"
    return sol


# -- breaks ---------------------------------------------------------------------------


def test_a_break_that_fits_only_before_leaving_delays_the_start(line):
    """The break must start at 0 (its window is [0, 0]) and lasts 30 s; the pickup opens at 40,
    10 s away: the driver takes the break at home and leaves at 30 at the earliest."""
    r = line.request("r", 10, 20, p_windows=w(40, 45), d_windows=w(0, 1000))
    v = line.vehicle("v", shift=(0, 1000), break_=Break(TimeWindow(0, 0), 30))
    problem = Problem([r], [v], matrix=line.matrix())
    model = _model(problem)
    result = _search(model)
    assert result.left_out == 0
    assert result.break_starts == (model.data.t_lo(0),)
    assert result.times[0] >= model.data.t_lo(30)  # vehicle 0's start node: it left after the break
    sol = _reads_back(model, result)
    assert sol.routes[0].break_start_s == 0
    assert validate(problem, sol) == []


def test_a_break_that_leaves_no_room_to_chain_two_requests_takes_a_second_driver(line):
    """Without its break, v0 chains a (pickup at 10) and b (pickup opens at 40 at the same place);
    v1 starts at 30, too late for a. v0 must break for 100 s starting within [15, 20], so it
    cannot reach b's pickup before its window closes at 45: b goes to v1."""
    a = line.request("a", 10, 11, p_windows=w(10, 12), d_windows=w(0, 1000))
    b = line.request("b", 10, 12, p_windows=w(40, 45), d_windows=w(0, 1000))
    brk = Break(TimeWindow(15, 20), 100)
    vs = [line.vehicle("v0", shift=(0, 1000), break_=brk), line.vehicle("v1", shift=(30, 1000))]
    problem = Problem([a, b], vs, matrix=line.matrix())
    model = _model(problem)
    result = _search(model)
    assert result.left_out == 0
    assert result.vehicles == 2
    sol = _reads_back(model, result)
    assert validate(problem, sol) == []
    unbroken = replace(problem, vehicles=tuple(replace(v, break_=None) for v in vs))
    assert _search(_model(unbroken)).vehicles == 1  # the break, not the windows, splits them


def test_a_break_is_taken_part_way_through_a_drive(line):
    """A 200 s drive from the pickup to the delivery, the break (50 s) must start within [100, 150]:
    it is taken on the road, and the delivery (window closing at 300) is still made."""
    r = line.request("r", 0, 200, p_windows=w(0, 0), d_windows=w(0, 300))
    v = line.vehicle("v", shift=(0, 1000), break_=Break(TimeWindow(100, 150), 50))
    problem = Problem([r], [v], matrix=line.matrix())
    model = _model(problem)
    result = _search(model)
    assert result.left_out == 0
    assert model.data.t_lo(100) <= result.break_starts[0] <= model.data.t_lo(150)
    sol = _reads_back(model, result)
    assert validate(problem, sol) == []
    assert sol.routes[0].visits[1].start_s == 250


# -- several windows per stop ---------------------------------------------------------


def test_a_stop_whose_second_window_is_the_only_one_reachable_is_served_in_it(line):
    """The pickup 100 s away is open [0, 50] and [300, 400]: it is served at 300, not at 100."""
    r = line.request("r", 100, 101, p_windows=(TimeWindow(0, 50), TimeWindow(300, 400)), d_windows=w(0, 1000))
    problem = Problem([r], [line.vehicle("v", shift=(0, 1000))], matrix=line.matrix())
    model = _model(problem)
    inst = model.rr_instance()
    assert inst.win_start is not None and inst.win_lo.size == 2
    result = _search(model)
    assert result.left_out == 0
    pickup = 2 * 1  # one vehicle: the request's pickup is node 2
    assert result.times[pickup] == model.data.t_lo(300)
    sol = _reads_back(model, result)
    assert sol.routes[0].visits[0].start_s == 300
    assert validate(problem, sol) == []


def test_the_gap_between_windows_keeps_a_stop_from_the_cheaper_driver(line):
    """b's pickup at 100 is open [0, 50] and [500, 600]. The cheap driver's shift ends at 400: it
    could serve b at 100 if the gap were open, but b has to wait for 500, on the dear driver."""
    a = line.request("a", 100, 101, p_windows=w(100, 110), d_windows=w(0, 2000))
    b = line.request("b", 100, 102, p_windows=(TimeWindow(0, 50), TimeWindow(500, 600)), d_windows=w(0, 2000))
    vs = [line.vehicle("cheap", shift=(0, 400)), line.vehicle("dear", shift=(0, 2000), fixed_cost=1000)]
    problem = Problem([a, b], vs, matrix=line.matrix())
    model = _model(problem)
    result = _search(model)
    assert result.left_out == 0
    b_pickup = 2 * 2 + 2
    assert b_pickup in result.routes[1] and result.times[b_pickup] >= model.data.t_lo(500)
    sol = _reads_back(model, result)
    assert validate(problem, sol) == []


# -- route-duration limits ------------------------------------------------------------


def test_a_span_limit_forbids_the_one_route_plan(line):
    """a at 10 and b at 500 at the same places: one route would last about 500 s, over the 200 s
    each driver may drive; two routes of 20 s each keep to it."""
    a = line.request("a", 10, 12, p_windows=w(10, 20), d_windows=w(0, 2000))
    b = line.request("b", 10, 12, p_windows=w(500, 510), d_windows=w(0, 2000))
    vs = [line.vehicle(f"v{k}", shift=(0, 2000), max_duration_s=200) for k in range(2)]
    problem = Problem([a, b], vs, matrix=line.matrix())
    model = _model(problem)
    result = _search(model)
    assert result.left_out == 0
    assert result.vehicles == 2
    sol = _reads_back(model, result)
    assert validate(problem, sol) == []
    assert all(route.end_s - route.start_s <= 200 for route in sol.used_routes)


def test_a_span_limit_is_met_by_leaving_later(line):
    """The pickup opens at 500, 10 s away; the route may last 50 s: the driver leaves at 490, not at 0."""
    r = line.request("r", 10, 12, p_windows=w(500, 510), d_windows=w(0, 2000))
    problem = Problem([r], [line.vehicle("v", shift=(0, 2000), max_duration_s=50)], matrix=line.matrix())
    model = _model(problem)
    result = _search(model)
    assert result.left_out == 0
    assert result.times[1] - result.times[0] <= model.max_span[0]
    sol = _reads_back(model, result)
    assert validate(problem, sol) == []


# -- done visits ----------------------------------------------------------------------


def _on_board(line):
    """v1 picked up r at 10 (done); v2 waits next to r's delivery at 50. s is new, near v2."""
    r = line.request("r", 10, 50)
    s = line.request("s", 48, 52)
    vs = [line.vehicle("v1", 0, 0), line.vehicle("v2", 49, 49)]
    problem = Problem([r, s], vs, matrix=line.matrix())
    first = solve(Problem([r], vs[:1], matrix=line.matrix()), SolveParams(time_limit_s=5, deterministic=True))
    params = SolveParams(time_limit_s=1, previous=first, done=frozenset({("r", "pickup")}), now_s=10)
    return problem, params


def test_a_done_pickup_stays_first_and_its_delivery_stays_on_its_vehicle(line):
    problem, params = _on_board(line)
    model = _model(problem, params)
    V = 2
    r_pickup, r_delivery = 2 * V, 2 * V + 1
    start = search.start_routes(model, params.previous)
    assert start[0][:1] == [r_pickup]
    inst = model.rr_instance()
    assert inst.locked_len.tolist() == [1, 0]
    for seed in range(3):
        result = ruin_recreate.search(inst, 0.2, seed=seed, start=start)
        assert result.left_out == 0
        assert result.routes[0][0] == r_pickup  # the done visit leads v1's route
        assert r_delivery in result.routes[0]  # the food on board stays with v1, although v2 is nearer
        sol = _reads_back(_model(problem, params), result)
        assert validate(problem, sol, done=params.done) == []


def test_a_done_pickups_delivery_is_moved_only_after_the_done_visits(line):
    """Started with the delivery left out of v1's route, the search puts it back on v1, after the pickup."""
    problem, params = _on_board(line)
    model = _model(problem, params)
    V = 2
    r_pickup, r_delivery = 2 * V, 2 * V + 1
    result = _search(model, start=[[r_pickup, r_delivery], []])
    assert result.routes[0].index(r_pickup) == 0 and r_delivery in result.routes[0]
    assert r_delivery not in result.routes[1]


def test_a_route_with_done_visits_is_never_taken_away(line):
    """v1 did r entirely (pickup and delivery): its route is those two visits, kept, although
    leaving v1 out would need one vehicle fewer."""
    r = line.request("r", 10, 11)
    s = line.request("s", 12, 13)
    vs = [line.vehicle("v1", 0, 0), line.vehicle("v2", 0, 0)]
    first = solve(Problem([r, s], vs, matrix=line.matrix()), SolveParams(time_limit_s=5, deterministic=True))
    route = first.used_routes[0]
    done = frozenset((x.request_id, x.kind) for x in route.visits if x.request_id == "r")
    assume_single = len(first.used_routes) == 1
    assert assume_single, "one driver serves both in the first plan"
    params = SolveParams(time_limit_s=1, previous=first, done=done, now_s=route.visits[-1].departure_s)
    problem = Problem([r, s], vs, matrix=line.matrix())
    model = _model(problem, params)
    result = ruin_recreate.search(model.rr_instance(), 0.3, fleet_share=1.0, start=search.start_routes(model, first))
    k = [v.id for v in vs].index(route.vehicle_id)
    V = 2
    assert result.routes[k][:2] == [2 * V, 2 * V + 1]
    assert result.left_out == 0
    assert validate(problem, _reads_back(model, result), done=done) == []


def test_the_extension_refuses_done_visits_that_do_not_lead_the_start(line):
    problem, params = _on_board(line)
    inst = _model(problem, params).rr_instance()
    try:
        ruin_recreate.search(inst, 0.05, start=[[], []])
    except ValueError as exc:
        assert "locked_len" in str(exc)
    else:
        raise AssertionError("a start without the done visits was taken")


# -- property tests -------------------------------------------------------------------

coords = st.tuples(st.floats(52.30, 52.42), st.floats(4.80, 5.00))


@st.composite
def several_windows(draw):
    """None, or one to three windows in the morning and afternoon with gaps between them."""
    count = draw(st.integers(0, 3))
    if count == 0:
        return None
    out, t = [], draw(st.integers(8 * 3600, 10 * 3600))
    for _ in range(count):
        end = t + draw(st.integers(600, 3 * 3600))
        out.append(TimeWindow(t, end))
        t = end + draw(st.integers(600, 3600))
    return tuple(out)


@st.composite
def days(draw, max_requests: int = 9):
    """Small days with breaks, several windows per stop, route-duration limits and ride limits."""
    reqs = [Request(f"r{i}",
                    pickup=StopSpec(Location(*draw(coords)), draw(st.integers(0, 600)), draw(several_windows())),
                    delivery=StopSpec(Location(*draw(coords)), draw(st.integers(0, 600)), draw(several_windows())),
                    load={"kg": draw(st.integers(0, 80))},
                    max_ride_s=draw(st.none() | st.integers(1200, 7200)),
                    value=draw(st.integers(0, 50)))
            for i in range(draw(st.integers(1, max_requests)))]
    vehicles = []
    for k in range(draw(st.integers(1, 3))):
        home = Location(*draw(coords))
        start = draw(st.integers(7 * 3600, 9 * 3600))
        brk = None
        if draw(st.booleans()):
            lo = start + draw(st.integers(0, 3 * 3600))
            brk = Break(TimeWindow(lo, lo + draw(st.integers(0, 2 * 3600))), draw(st.integers(0, 1800)))
        vehicles.append(Vehicle(f"v{k}", home, draw(st.sampled_from([home, None])),
                                TimeWindow(start, start + draw(st.integers(4 * 3600, 10 * 3600))),
                                {"kg": draw(st.integers(50, 200))},
                                max_duration_s=draw(st.none() | st.integers(2 * 3600, 6 * 3600)), break_=brk))
    return Problem(reqs, vehicles)


def _compiled(problem: Problem, params: SolveParams):
    """The compiled phase's plan (asserted read back by OR-Tools), re-timed as the solver would."""
    data = prepare(problem, params, problem.travel())
    set_weights(data)
    assume(data.requests)  # (every request dropped before any search)
    assert search.ruin_recreate_fits(data)
    clock = search.Clock(time.monotonic() + params.time_limit_s)
    plan = search.ruin_recreate_phase(data, list(range(len(problem.vehicles))), clock, 0.9, 7, params.previous)
    assert plan is not None, "OR-Tools could not read the compiled search's plan back"
    return data, search.finalize(data, plan, search.Clock(time.monotonic() + 5))


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(days())
def test_random_days_with_every_rule_through_the_compiled_search_give_valid_plans(problem):
    _data, sol = _compiled(problem, SolveParams(time_limit_s=0.2))
    assert validate(problem, sol) == []
    served = {r for route in sol.routes for r in route.request_ids()}
    assert served | {d.request_id for d in sol.dropped} == {r.id for r in problem.requests}


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(days(), st.floats(0.2, 0.8))
def test_random_replans_keep_done_visits_and_give_valid_plans(problem, when):
    """A plan, then the visits it finishes before a cut (a share of the day) done at their planned
    times: the re-plan from the cut keeps them first, in order, and is valid."""
    first = solve(problem, SolveParams(time_limit_s=0.2))
    assume(first.used_routes)
    visits = [v for route in first.used_routes for v in route.visits]
    times = sorted(v.departure_s for v in visits)
    cut = times[min(len(times) - 1, int(when * len(times)))]
    # a visit under way at the cut, or a break straddling it, is neither done nor re-plannable as such
    assume(not any(v.start_s < cut < v.departure_s for v in visits))
    for route in first.used_routes:
        b = problem.vehicle(route.vehicle_id).break_
        assume(route.break_start_s is None or b is None or not route.break_start_s < cut < route.break_start_s
               + b.duration_s)
    done = frozenset((v.request_id, v.kind) for v in visits if v.departure_s <= cut)
    assume(done)
    params = SolveParams(time_limit_s=0.2, previous=first, done=done,
                         done_times={(v.request_id, v.kind): v.start_s for v in visits if v.departure_s <= cut},
                         now_s=cut)
    data, sol = _compiled(problem, params)
    assert validate(problem, sol, done=done) == []
    for vi, prefix in data.locked_prefix.items():
        route = sol.route_of(problem.vehicles[vi].id)
        assert route is not None
        assert [(v.request_id, v.kind) for v in route.visits[:len(prefix)]] == list(prefix)
