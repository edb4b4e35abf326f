"""Food-rescue routing: plain data in, plain data out.

The web app calls one function::

    from routing import (Problem, Request, Vehicle, StopSpec, Location, TimeWindow,
                         SolveParams, solve, validate)

    problem = Problem(
        requests=[
            Request("r1", "pickup_delivery",
                    pickup=StopSpec(Location(52.37, 4.89), service_s=300,
                                    windows=(TimeWindow(9 * 3600, 11 * 3600),)),
                    delivery=StopSpec(Location(52.36, 4.90), service_s=300),
                    load={"kg": 40}, storage_class="refrigerated", max_ride_s=3600, value=40),
        ],
        vehicles=[
            Vehicle("alice", start=Location(52.35, 4.88), end=Location(52.35, 4.88),
                    shift=TimeWindow(8 * 3600, 12 * 3600), capacity={"kg": 200},
                    cold_chain="insulated"),
        ],
    )
    solution = solve(problem, SolveParams(time_limit_s=5))
    assert not validate(problem, solution)
    solution.to_dict()      # JSON-ready; Solution.from_dict() reads it back
    print(solution.summary())

Requests: ``pickup_delivery`` (donor to recipient), ``depot_delivery``
(from a :class:`Depot` to a recipient, ``pickup=None``) and ``depot_pickup``
(from a donor to a depot, ``delivery=None``). Times are seconds on an epoch
of the caller's choice (e.g. since the day's midnight).

Cold chain (:data:`CAN_CARRY`): ambient food goes on any vehicle;
refrigerated food needs an insulated or refrigerated vehicle; frozen food needs
a refrigerated vehicle.

Objective, lexicographic: the most value served (a dropped request costs its
``value``), then the fewest vehicles (plus each vehicle's ``fixed_cost``),
then the least travel time (``objective="duration"``) or distance
(``"distance"``).

Requests that cannot be served are in ``solution.dropped`` with a reason code
(:data:`DROP_REASONS`) and a message; invalid input raises
:class:`ProblemError` naming the offending item.

Signatures (all dataclasses are frozen and validated on construction)::

    Location(lat=None, lon=None, index=None)          # lat/lon degrees, or a matrix row
    TimeWindow(start_s, end_s)                         # service may start in [start_s, end_s]
    Break(window: TimeWindow, duration_s)              # break must start within window
    StopSpec(location, service_s=0, windows=None)      # windows: tuple[TimeWindow, ...] | None (any time)
    Depot(id, location, service_s=0, windows=None)
    Request(id, kind="pickup_delivery", pickup=None, delivery=None, load={"kg": 0},
            storage_class="ambient", max_ride_s=None, value=1, depot=None)
    Vehicle(id, start, end=None, shift=TimeWindow(0, 86400), capacity={"kg": 0},
            cold_chain="none", max_duration_s=None, break_=None, fixed_cost=0,
            max_stops=None)                            # end=None: open route; max_stops: visits
    Problem(requests=(), vehicles=(), depots=(), matrix=None, objective="duration")
    SolveParams(time_limit_s=10.0, deterministic=False, seed=0, num_workers=1,
                minimize_vehicles=True, previous=None, done=frozenset(), now_s=None,
                done_times={})                 # done_times: done visit -> its real start, s
    solve(problem, params=None) -> Solution
    validate(problem, solution, done=frozenset(), matrix=None) -> list[Violation]
                                               # done: visits already made; matrix: problem.travel() if known

    Solution(routes: tuple[Route], dropped: tuple[DroppedRequest], status: "ok"|"partial"|"empty",
             objective, runtime_s, stats); .num_vehicles .distance_m .travel_s .to_dict()
             .from_dict(d) .summary() .route_of(vehicle_id)
    Route(vehicle_id, visits: tuple[Visit], start_s, end_s, distance_m, travel_s, break_start_s)
    Visit(request_id, kind: "pickup"|"delivery", arrival_s, start_s, departure_s, load_after: dict)
    DroppedRequest(request_id, reason, message)        # reason codes: DROP_REASONS

Matrix providers: ``HaversineProvider(speed_kmh=30, circuity=1.3)`` (default),
``PrecomputedMatrix(duration_s, distance_m=None)`` for ``Location(index=i)``,
``OsrmProvider(base_url, profile="driving", timeout_s=10, max_table_size=100, parallel=4)``
(raises :class:`MatrixError`; cached per process, see :data:`routing.matrix.OSRM_CACHE`). The web app should pass ``num_workers=2`` only
from a context that may start processes (a job worker, not a request thread).

Re-optimization: ``solve(problem, SolveParams(previous=old_solution,
done={("r1", "pickup")}, done_times={("r1", "pickup"): ...}, now_s=...))``
keeps the done visits, at their real times, first on their
vehicles (loads picked up stay on board) and re-plans the rest, warm-started
from the old routes.
"""

from .anytime import AnytimeTable, Checkpoint, read_anytime
from .matrix import HaversineProvider, MatrixError, MatrixProvider, OsrmProvider, PrecomputedMatrix, TravelMatrix
from .problem import (
    CAN_CARRY,
    Break,
    Depot,
    Location,
    Problem,
    ProblemError,
    Request,
    StopSpec,
    TimeWindow,
    Vehicle,
    can_carry,
)
from .solution import DROP_REASONS, DroppedRequest, Route, Solution, Visit
from .solver import Progress, SolveParams, solve
from .validate import Violation, validate

__all__ = [
    "AnytimeTable",
    "CAN_CARRY",
    "DROP_REASONS",
    "Break",
    "Checkpoint",
    "Depot",
    "DroppedRequest",
    "HaversineProvider",
    "Location",
    "MatrixError",
    "MatrixProvider",
    "OsrmProvider",
    "PrecomputedMatrix",
    "Problem",
    "ProblemError",
    "Progress",
    "Request",
    "Route",
    "Solution",
    "SolveParams",
    "StopSpec",
    "TimeWindow",
    "TravelMatrix",
    "Vehicle",
    "Violation",
    "Visit",
    "can_carry",
    "read_anytime",
    "solve",
    "validate",
]
