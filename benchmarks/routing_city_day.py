"""Scale check: a generated city day of 1,000 requests (2,000 stops) and 100 drivers.

    python benchmarks/routing_city_day.py [--requests 1000] [--vehicles 100] [--time-limit 50] [--workers 2]
                                          [--repeat 1] [--no-breaks]

Prints wall time, peak memory (this process and its workers), vehicles used,
requests served and dropped, and whether the validator finds the plan clean.
With ``--repeat N`` the same day is solved N times (a time-limited search
varies with the machine's load) and the medians are printed last.
``--no-breaks`` takes the drivers' breaks away (as the app's plans have none); with
or without them the compiled ruin-and-recreate search plans the day (a warning on
stderr says when OR-Tools could not read its plan back and planned alone).
Target: a valid plan within 60 s and under 4 GB.
"""

from __future__ import annotations

import argparse
import random
import resource
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from a checkout without installing

from routing import (  # noqa: E402
    Break, Depot, Location, Problem, Request, SolveParams, StopSpec, TimeWindow, Vehicle, solve, validate,
)

H = 3600
CENTRE = (52.37, 4.90)  # a city-sized area, about 20 x 14 km


def city_day(n_requests: int, n_vehicles: int, seed: int = 1, breaks: bool = True) -> Problem:
    rng = random.Random(seed)

    def place() -> Location:
        return Location(CENTRE[0] + rng.uniform(-0.09, 0.09), CENTRE[1] + rng.uniform(-0.10, 0.10))

    depots = [Depot(f"bank{k}", place(), service_s=300) for k in range(4)]
    requests = []
    for i in range(n_requests):
        kind = rng.choices(["pickup_delivery", "depot_delivery", "depot_pickup"], [6, 2, 2])[0]
        start = rng.randrange(8 * H, 15 * H, 900)

        def stop(window: bool) -> StopSpec:
            windows = (TimeWindow(start, start + rng.choice([2, 3, 4]) * H),) if window else None
            return StopSpec(place(), rng.choice([120, 300, 600]), windows)

        requests.append(Request(
            f"r{i}", kind,
            pickup=stop(True) if kind != "depot_delivery" else None,
            delivery=stop(rng.random() < 0.5) if kind != "depot_pickup" else None,
            load={"kg": rng.randint(5, 80)},
            storage_class=rng.choices(["ambient", "refrigerated", "frozen"], [7, 2, 1])[0],
            max_ride_s=rng.choice([None, None, 2 * H]),
            value=rng.randint(5, 100),
            depot=rng.choice(depots).id if kind != "pickup_delivery" else None,
        ))
    vehicles = []
    for k in range(n_vehicles):
        home = place()
        s = rng.choice([7, 8, 9, 10]) * H
        vehicles.append(Vehicle(
            f"d{k}", home, home if rng.random() < 0.8 else None,
            TimeWindow(s, s + rng.choice([4, 6, 8]) * H),
            {"kg": rng.choice([150, 300, 500])},
            rng.choices(["none", "insulated", "refrigerated"], [5, 3, 2])[0],
            max_duration_s=None,
            break_=Break(TimeWindow(s + 3 * H, s + 4 * H), 1800) if rng.random() < 0.3 and breaks else None,
        ))
    return Problem(requests, vehicles, depots)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--requests", type=int, default=1000)
    ap.add_argument("--vehicles", type=int, default=100)
    ap.add_argument("--time-limit", type=float, default=50.0)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--repeat", type=int, default=1)
    ap.add_argument("--no-breaks", action="store_true", help="drivers take no break (as in the app)")
    args = ap.parse_args(argv)
    runs = [run(args) for _ in range(args.repeat)]
    if args.repeat > 1:
        print(f"MEDIAN of {args.repeat}: wall_s={statistics.median(r[0] for r in runs):.1f} "
              f"served={statistics.median(r[1] for r in runs):.0f} distance_km={statistics.median(r[2] for r in runs):.0f}")
    return 0 if all(r[3] for r in runs) else 1


def run(args: argparse.Namespace) -> tuple[float, int, float, bool]:
    """One solve of the generated day: (wall s, requests served, distance km, valid)."""
    t0 = time.monotonic()
    problem = city_day(args.requests, args.vehicles, args.seed, breaks=not args.no_breaks)
    problem.travel()
    t_build = time.monotonic() - t0
    sol = solve(problem, SolveParams(time_limit_s=args.time_limit, num_workers=args.workers, seed=args.seed))
    t_solve = time.monotonic() - t0
    violations = validate(problem, sol)
    wall = time.monotonic() - t0
    peak_kib = max(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
                   resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
    reasons: dict[str, int] = {}
    for d in sol.dropped:
        reasons[d.reason] = reasons.get(d.reason, 0) + 1
    print(f"city day: {args.requests} requests ({2 * args.requests} stops), {args.vehicles} vehicles")
    print(f"build+matrix {t_build:.1f} s, solve {t_solve - t_build:.1f} s, validate {wall - t_solve:.1f} s, "
          f"total wall {wall:.1f} s")
    print(f"peak memory {peak_kib / 1024:.0f} MiB (largest single process)")
    print(f"vehicles used {sol.num_vehicles}, served {args.requests - len(sol.dropped)}, dropped {len(sol.dropped)} "
          f"{reasons}")
    print(f"travel {sol.travel_s / 3600:.1f} h, {sol.distance_m / 1000:.0f} km; valid={not violations}")
    for v in violations[:10]:
        print("  violation:", v)
    print(f"SUMMARY city-day: requests={args.requests} vehicles={args.vehicles} wall_s={wall:.1f} "
          f"peak_mib={peak_kib / 1024:.0f} valid={not violations} served={args.requests - len(sol.dropped)} "
          f"used_vehicles={sol.num_vehicles}")
    return wall, args.requests - len(sol.dropped), sol.distance_m / 1000, not violations


if __name__ == "__main__":
    sys.exit(main())
