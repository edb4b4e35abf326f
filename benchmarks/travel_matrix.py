"""Benchmark: travel matrices from a local OSRM server over Monaco's roads, and how far straight lines are from them.

Measures, for N places (default 500) spread over Monaco:

- the time to build the N x N matrix from the server (first request; target under 2 s), and from the
  process's cache (target under 50 ms): medians over a few runs;
- road / straight-line estimate over all pairs, for durations and distances (median and 90th
  percentile), the estimate being the planner's default (great-circle x 1.3 at 30 km/h).

Usage::

    .venv/bin/python benchmarks/travel_matrix.py [--osrm http://127.0.0.1:5001] [--places 500] [--runs 3]

Without ``--osrm`` it prepares Monaco (cached) and starts its own ``osrm-routed`` (``--max-table-size``
100, osrm-routed's default) on a free loopback port, stopped at the end.
"""
from __future__ import annotations

import argparse
import os
import statistics
import time

import numpy as np

import routing
from routing.matrix import OSRM_CACHE

MONACO_BOX = ((43.7270, 43.7500), (7.4100, 7.4380))     # (lat min, max), (lon min, max): inside the extract


def monaco_places(n: int, seed: int = 7) -> list[routing.Location]:
    rng = np.random.default_rng(seed)
    (lat0, lat1), (lon0, lon1) = MONACO_BOX
    return [routing.Location(round(float(lat), 6), round(float(lon), 6))
            for lat, lon in zip(rng.uniform(lat0, lat1, n), rng.uniform(lon0, lon1, n))]


def ratios(road: np.ndarray, estimate: np.ndarray) -> tuple[float, float, int]:
    """Median and 90th percentile of road / estimate over the pairs both know (not the diagonal)."""
    mask = ~np.eye(road.shape[0], dtype=bool) & np.isfinite(road) & (estimate > 0)
    r = road[mask] / estimate[mask]
    return float(np.median(r)), float(np.percentile(r, 90)), int(mask.sum())


def measure(url: str, n: int, runs: int, table_size: int) -> None:
    places = monaco_places(n)
    first, cached = [], []
    for _ in range(runs):
        OSRM_CACHE.clear()
        started = time.perf_counter()
        road = routing.OsrmProvider(url, max_table_size=table_size).matrix(places)
        first.append(time.perf_counter() - started)
        for _ in range(5):
            started = time.perf_counter()
            routing.OsrmProvider(url, max_table_size=table_size).matrix(places)
            cached.append(time.perf_counter() - started)
    blocks = (-(-n // table_size)) ** 2
    print(f"{n} places in Monaco, {blocks} table requests of at most {table_size} x {table_size}; "
          f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    print(f"  first request: median {statistics.median(first):.2f} s over {runs} runs "
          f"({', '.join(f'{t:.2f}' for t in first)}); target < 2 s: "
          f"{'PASS' if statistics.median(first) < 2 else 'FAIL'}")
    print(f"  from the cache: median {1000 * statistics.median(cached):.1f} ms over {len(cached)} "
          f"(max {1000 * max(cached):.1f}); target < 50 ms: {'PASS' if statistics.median(cached) < 0.05 else 'FAIL'}")
    estimate = routing.HaversineProvider().matrix(places)
    for name, r, e in (("durations", road.duration_s, estimate.duration_s),
                       ("distances", road.distance_m, estimate.distance_m)):
        median, p90, pairs = ratios(r, e)
        print(f"  road / straight-line estimate, {name}: median {median:.2f}, 90th percentile {p90:.2f} "
              f"over {pairs} pairs")
    unreachable = int((~np.isfinite(road.duration_s)).sum())
    print(f"  pairs without a road: {unreachable}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--osrm", default=None, help="an OSRM server on Monaco (default: start one)")
    parser.add_argument("--places", type=int, default=500)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--table-size", type=int, default=100, help="the server's --max-table-size")
    args = parser.parse_args()
    if args.osrm:
        measure(args.osrm, args.places, args.runs, args.table_size)
        return
    from coalition import osrm

    port = osrm.free_port()
    server = osrm.start(osrm.prepare(osrm.monaco_pbf()), port, max_table_size=args.table_size)
    try:
        measure(f"http://127.0.0.1:{port}", args.places, args.runs, args.table_size)
    finally:
        server.terminate()
        server.wait()


if __name__ == "__main__":
    main()
