"""Bad input is a clear error naming the item; infeasible input is a dropped request with a reason."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from routing import (
    Break, Depot, Location, PrecomputedMatrix, Problem, ProblemError, Request, Solution, SolveParams, StopSpec,
    TimeWindow, Vehicle, solve, validate,
)

from .conftest import w


def test_reversed_window_names_the_request():
    with pytest.raises(ProblemError, match=r"request 'r7': pickup: time window end 08:00 is before start 09:00"):
        Request("r7", pickup=StopSpec(Location(1, 1), windows=(TimeWindow(9 * 3600, 8 * 3600),)),
                delivery=StopSpec(Location(1, 2)))


def test_empty_window_list_is_an_error():
    with pytest.raises(ProblemError, match=r"request 'r1': delivery: empty list of time windows"):
        Request("r1", pickup=StopSpec(Location(1, 1)), delivery=StopSpec(Location(1, 2), windows=()))


def test_overlapping_windows_are_an_error():
    with pytest.raises(ProblemError, match="overlap"):
        StopSpec(Location(1, 1), windows=(TimeWindow(0, 10), TimeWindow(5, 20))).checked("stop")


@pytest.mark.parametrize("lat, lon, msg", [
    (math.nan, 4.0, "lat must be a finite number"),
    (52.0, math.inf, "lon must be a finite number"),
    (91.0, 4.0, r"lat 91.0 is out of range"),
    (52.0, -181.0, r"lon -181.0 is out of range"),
])
def test_bad_coordinates(lat, lon, msg):
    with pytest.raises(ProblemError, match=msg):
        Location(lat, lon)


@pytest.mark.parametrize("kwargs, msg", [
    ({"kind": "teleport"}, "kind must be one of"),
    ({"storage_class": "warm"}, "storage_class must be one of"),
    ({"load": {"kg": -1}}, r"load\['kg'\] must be an int >= 0"),
    ({"max_ride_s": math.nan}, "max_ride_s must be a finite number"),
    ({"value": -3}, "value must be an int >= 0"),
    ({"delivery": None}, "kind pickup_delivery needs a delivery stop"),
])
def test_bad_request_fields_name_the_request(kwargs, msg):
    base = dict(pickup=StopSpec(Location(1, 1)), delivery=StopSpec(Location(1, 2)))
    base.update(kwargs)
    with pytest.raises(ProblemError, match=rf"request 'bad': {msg}"):
        Request("bad", **base)


def test_bad_vehicle_fields_name_the_vehicle():
    with pytest.raises(ProblemError, match=r"vehicle 'v1' shift: time window end 08:00 is before start 17:00"):
        Vehicle("v1", Location(1, 1), shift=TimeWindow(17 * 3600, 8 * 3600))
    with pytest.raises(ProblemError, match=r"vehicle 'v1' break: duration_s must be >= 0"):
        Vehicle("v1", Location(1, 1), break_=Break(TimeWindow(0, 10), -5))
    with pytest.raises(ProblemError, match=r"vehicle 'v1': cold_chain must be one of"):
        Vehicle("v1", Location(1, 1), cold_chain="arctic")
    with pytest.raises(ProblemError, match=r"vehicle 'v1': capacity\['kg'\] must be an int"):
        Vehicle("v1", Location(1, 1), capacity={"kg": 1.5})


def test_duplicate_ids_and_unknown_depot():
    r = Request("r", pickup=StopSpec(Location(1, 1)), delivery=StopSpec(Location(1, 2)))
    with pytest.raises(ProblemError, match=r"request 'r': duplicate id"):
        Problem([r, r], [])
    d = Request("d", "depot_delivery", delivery=StopSpec(Location(1, 2)), depot="nope")
    with pytest.raises(ProblemError, match=r"request 'd': unknown depot 'nope'"):
        Problem([d], [], depots=[Depot("bank", Location(1, 1))])


def test_index_locations_need_a_matrix():
    r = Request("r", pickup=StopSpec(Location(index=0)), delivery=StopSpec(Location(index=1)))
    with pytest.raises(ProblemError, match="need matrix=PrecomputedMatrix"):
        Problem([r], [])
    with pytest.raises(ProblemError, match=r"location #5: outside the 2 x 2 matrix"):
        Problem([Request("r", pickup=StopSpec(Location(index=0)), delivery=StopSpec(Location(index=5)))], [],
                matrix=PrecomputedMatrix(np.zeros((2, 2)))).travel()


def test_empty_problem_gives_an_empty_solution():
    sol = solve(Problem(), SolveParams(time_limit_s=1, deterministic=True))
    assert sol.status == "empty" and not sol.routes and not sol.dropped
    assert validate(Problem(), sol) == []
    json.dumps(sol.to_dict())


def test_no_vehicles_drops_everything_with_a_reason():
    p = Problem([Request("r", pickup=StopSpec(Location(1, 1)), delivery=StopSpec(Location(1, 2)))], [])
    sol = solve(p, SolveParams(time_limit_s=1, deterministic=True))
    assert [(d.request_id, d.reason) for d in sol.dropped] == [("r", "no_vehicles")]


def test_one_request_on_real_coordinates(fast):
    amsterdam = Location(52.3676, 4.9041)
    p = Problem(
        [Request("r", pickup=StopSpec(Location(52.37, 4.88), 300), delivery=StopSpec(Location(52.35, 4.92), 300),
                 load={"kg": 40})],
        [Vehicle("v", amsterdam, amsterdam, TimeWindow(8 * 3600, 17 * 3600), {"kg": 100})],
    )
    sol = solve(p, fast)
    assert sol.status == "ok" and validate(p, sol) == []
    assert 3000 < sol.distance_m < 15000


def _reasons(line, requests, vehicles, fast, **kw):
    p = Problem(requests, vehicles, matrix=kw.pop("matrix", None) or line.matrix(), **kw)
    sol = solve(p, fast)
    assert validate(p, sol) == []
    return {d.request_id: d.reason for d in sol.dropped}, sol


def test_drop_reasons(line, fast):
    reqs = [
        line.request("ok", 1, 2),
        line.request("frozen", 1, 2, storage_class="frozen"),
        line.request("huge", 1, 2, kg=500),
        line.request("too_late", 1, 2, p_windows=w(20_000, 21_000)),
        line.request("too_quick", 1, 50, max_ride_s=10),
    ]
    car = line.vehicle("car", kg=100, shift=(0, 10_000))
    reasons, sol = _reasons(line, reqs, [car], fast)
    assert reasons == {"frozen": "storage_class", "huge": "too_large", "too_late": "window_unreachable",
                       "too_quick": "ride_time"}
    messages = {d.request_id: d.message for d in sol.dropped}
    assert messages["frozen"] == "no available vehicle can carry frozen food"
    assert "larger than every vehicle" in messages["huge"]


def test_unreachable_location_is_dropped(line, fast):
    r_ok = line.request("ok", 1, 2)
    r_island = line.request("island", 1, 99)
    car = line.vehicle("car")
    m = line.matrix()
    island = line.xs.index(99)
    dur = m.duration_s.copy()
    dur[:, island] = np.inf
    dur[island, island] = 0
    reasons, _ = _reasons(line, [r_ok, r_island], [car], fast, matrix=PrecomputedMatrix(dur, m.distance_m))
    assert reasons == {"island": "unreachable"}


def test_window_before_shift_is_unreachable(line, fast):
    r = line.request("early", 1, 2, d_windows=w(0, 50))
    car = line.vehicle("car", shift=(100, 1000))
    reasons, _ = _reasons(line, [r], [car], fast)
    assert reasons == {"early": "window_unreachable"}


def test_solution_round_trips_through_json(line, fast):
    p = Problem([line.request("a", 1, 2), line.request("b", 3, 4)],
                [line.vehicle("v", break_=Break(TimeWindow(0, 100), 5))], matrix=line.matrix())
    sol = solve(p, fast)
    again = Solution.from_dict(json.loads(json.dumps(sol.to_dict())))
    assert again == sol
    assert validate(p, again) == []
    assert "v:" in sol.summary()


def test_solve_params_are_checked():
    with pytest.raises(ProblemError, match="time_limit_s must be > 0"):
        SolveParams(time_limit_s=0)
    with pytest.raises(ProblemError, match="done visits need the previous plan"):
        SolveParams(done={("r", "pickup")})


class _CountingMatrix(PrecomputedMatrix):
    """A precomputed matrix that counts how often it is asked (an OSRM server would be asked as often)."""

    asked = 0

    def matrix(self, locations):
        type(self).asked += 1
        return super().matrix(locations)


def test_solve_asks_the_matrix_provider_once_and_the_problem_keeps_no_copy(line):
    requests, vehicles = [line.request("r1", 1, 2), line.request("r2", 3, 4)], [line.vehicle("v1")]
    provider = _CountingMatrix(line.matrix().duration_s)
    _CountingMatrix.asked = 0
    problem = Problem(requests, vehicles, matrix=provider)
    solve(problem, SolveParams(time_limit_s=0.5, deterministic=True))
    assert _CountingMatrix.asked == 1
    solve(problem, SolveParams(time_limit_s=0.5, deterministic=True))
    assert _CountingMatrix.asked == 2  # a frozen Problem holds no cached matrix
    assert not hasattr(problem, "_travel_cache")


def test_validate_uses_a_matrix_it_is_given(line):
    requests, vehicles = [line.request("r1", 1, 2)], [line.vehicle("v1")]
    problem = Problem(requests, vehicles, matrix=_CountingMatrix(line.matrix().duration_s))
    sol = solve(problem, SolveParams(time_limit_s=0.5, deterministic=True))
    _CountingMatrix.asked = 0
    assert validate(problem, sol, matrix=problem.travel()) == []
    assert _CountingMatrix.asked == 1  # the travel() above, not validate
