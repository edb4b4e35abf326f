"""Property: random valid small problems always give validator-clean plans."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from routing import Break, Location, Problem, Request, SolveParams, StopSpec, TimeWindow, Vehicle, solve, validate

coords = st.tuples(st.floats(52.30, 52.42), st.floats(4.80, 5.00))
classes = st.sampled_from(["ambient", "ambient", "ambient", "refrigerated", "frozen"])
chains = st.sampled_from(["none", "insulated", "refrigerated", "refrigerated"])


@st.composite
def windows(draw):
    if draw(st.integers(0, 2)) == 0:
        return None
    start = draw(st.integers(8 * 3600, 12 * 3600))
    return (TimeWindow(start, start + draw(st.integers(0, 6 * 3600))),)


@st.composite
def problems(draw):
    n_req = draw(st.integers(0, 7))
    reqs = []
    for i in range(n_req):
        p, d = draw(coords), draw(coords)
        reqs.append(Request(
            f"r{i}",
            pickup=StopSpec(Location(*p), draw(st.integers(0, 600)), draw(windows())),
            delivery=StopSpec(Location(*d), draw(st.integers(0, 600)), draw(windows())),
            load={"kg": draw(st.integers(0, 80))},
            storage_class=draw(classes),
            max_ride_s=draw(st.none() | st.integers(1200, 7200)),
            value=draw(st.integers(0, 50)),
        ))
    vehicles = []
    for k in range(draw(st.integers(0, 3) | st.integers(1, 3))):
        home = Location(*draw(coords))
        start = draw(st.integers(7 * 3600, 9 * 3600))
        brk = None
        if draw(st.booleans()):
            brk = Break(TimeWindow(start + 3600, start + 3 * 3600), draw(st.integers(0, 1800)))
        vehicles.append(Vehicle(
            f"v{k}", home, draw(st.sampled_from([home, None])),
            TimeWindow(start, start + draw(st.integers(4 * 3600, 10 * 3600))),
            {"kg": draw(st.integers(50, 200))},
            draw(chains),
            draw(st.none() | st.integers(3 * 3600, 8 * 3600)),
            brk,
        ))
    return Problem(reqs, vehicles)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(problems())
def test_random_problems_give_valid_plans(problem):
    sol = solve(problem, SolveParams(time_limit_s=2, deterministic=True))
    assert validate(problem, sol) == []
    served = {r for route in sol.routes for r in route.request_ids()}
    assert served | {d.request_id for d in sol.dropped} == {r.id for r in problem.requests}
