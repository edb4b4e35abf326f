"""Scale-out benchmark: a generated 2,000-request city day split into 4 zones, solved as RQ jobs.

    .venv/bin/python benchmarks/dispatch_zones.py [--requests 2000] [--vehicles 200] [--zones 4] [--time-limit 30]

Needs Redis at 127.0.0.1:6379. Solves the day whole (one solve, the given time
limit), then the 4 zones (coalition/services/zoning.py: k-means on pickups, one
zone per request, fleet shared out) as 4 jobs on a scratch RQ queue run by 1 and
then 2 ``rq worker --burst`` processes, each zone with the same time limit.
Prints wall times, the speed-up of 2 workers over 1 (target >= 1.7x) and the
merged distance against the whole-day solve (target within 5%).

Distance is compared two ways, since the plans need not serve the same
requests and a plan serving more drives further: total distance, and distance
per served request. The verdict uses distance per served request, and both
served counts are printed beside it; the two are comparable only when the
counts are close. It is one-sided: zoning must not cost more than 5%. A zoned
plan may well be shorter, since at the same time limit each zone gets the
limit to itself while the whole day gets it once.
"""
from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from redis import Redis  # noqa: E402
from rq import Queue  # noqa: E402

import routing  # noqa: E402
from coalition.services import zoning  # noqa: E402
from routing_city_day import city_day  # noqa: E402

REDIS_URL = "redis://127.0.0.1:6379/0"


def run_zones(zones, params, workers: int, name: str) -> tuple[float, routing.Solution]:
    connection = Redis.from_url(REDIS_URL)
    queue = Queue(name, connection=connection)
    queue.delete(delete_jobs=True)
    queue = Queue(name, connection=connection)
    jobs = [queue.enqueue(zoning.solve_zone, zone, params, job_timeout=int(params.time_limit_s * 4 + 120))
            for zone in zones]
    started = time.perf_counter()
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    processes = [subprocess.Popen([sys.executable, "-m", "rq.cli", "worker", "--burst", "--url", REDIS_URL,
                                   "--quiet", name], env=env, cwd=ROOT) for _ in range(workers)]
    for process in processes:
        process.wait()
    wall = time.perf_counter() - started
    for job in jobs:
        job.refresh()
        assert job.is_finished, f"zone job {job.id} did not finish: {job.get_status()}"
    solution = zoning.merge([routing.Solution.from_dict(job.return_value()) for job in jobs])
    queue.delete(delete_jobs=True)
    return wall, solution


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--vehicles", type=int, default=200)
    parser.add_argument("--zones", type=int, default=4)
    parser.add_argument("--time-limit", type=float, default=30.0)
    args = parser.parse_args()
    problem = city_day(args.requests, args.vehicles)
    params = routing.SolveParams(time_limit_s=args.time_limit)
    zones = zoning.split(problem, args.zones)
    print(f"{args.requests} requests, {args.vehicles} vehicles; zones: "
          + ", ".join(f"{len(z.requests)} req/{len(z.vehicles)} veh" for z in zones))

    started = time.perf_counter()
    whole = routing.solve(problem, params)
    whole_s = time.perf_counter() - started
    report(problem, "whole day", whole_s, whole)

    name = f"dispatch-zones-{os.getpid()}"
    one_s, one = run_zones(zones, params, 1, name)
    report(problem, "zones on 1 RQ worker", one_s, one)
    two_s, two = run_zones(zones, params, 2, name)
    report(problem, "zones on 2 RQ workers", two_s, two)
    speedup = one_s / two_s
    print(f"speed-up 2 vs 1 workers: {speedup:.2f}x (target >= 1.7): {'PASS' if speedup >= 1.7 else 'FAIL'}")
    served_whole, served_zoned = served(problem, whole), served(problem, two)
    if not served_whole or not served_zoned:
        print("zoned distance vs whole day: not comparable, a plan served nothing within its time limit")
        return
    total = two.distance_m / whole.distance_m
    per_request = (two.distance_m / served_zoned) / (whole.distance_m / served_whole)
    print(f"zoned / whole distance: total {total:.3f}, per served request {per_request:.3f} "
          f"(served zoned {served_zoned}, whole {served_whole})")
    gap = per_request - 1
    print(f"zoned distance per served request vs whole day: {gap:+.1%} (target at most +5%): "
          f"{'PASS' if gap <= 0.05 else 'FAIL'}")


def served(problem: routing.Problem, solution: routing.Solution) -> int:
    return len(problem.requests) - len(solution.dropped)


def report(problem: routing.Problem, label: str, wall_s: float, solution: routing.Solution) -> None:
    n = served(problem, solution)
    per = f"{solution.distance_m / n / 1000:.2f} km/request" if n else "-"
    print(f"{label}: {wall_s:.1f} s, {solution.distance_m / 1000:.1f} km, {n} served ({per}), "
          f"{solution.num_vehicles} vehicles, valid={not routing.validate(problem, solution)}")


if __name__ == "__main__":
    main()
