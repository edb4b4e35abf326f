"""The benchmark command: solve public PDPTW instances and compare with best-known solutions.

    python -m routing.bench [--time-limit S] [--workers N] [--json] [--bks FILE] [--vs vroom]
                            [--trace [--write-anytime PATH]] FILE...

Reads the Li & Lim PDPTW format and the Sartori & Buriol (2020) format,
recognised by content. Costs: Li & Lim, total Euclidean distance (unrounded);
Sartori & Buriol, total travel time from the instance matrix. Both rank
solutions by vehicles first, then cost. Each solution is checked with
:func:`routing.validate`. ``--vs vroom`` also solves each instance with
pyvroom (exploration level 5) and reports both.

``--trace`` also records the best plan's vehicles and cost at 1, 3, 10, 30 and
60 s (the checkpoints within the time limit) and summarises, at each, the mean
gap where the vehicles match the best-known and how many do: what more
thinking time buys. ``--write-anytime PATH`` stores that table as JSON (the
planning page's hint reads ``routing/data/anytime.json``).
"""

from __future__ import annotations

import argparse
import csv
import datetime
import json
import math
import statistics
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .matrix import PrecomputedMatrix
from .problem import Location, Problem, Request, StopSpec, TimeWindow, Vehicle
from .solution import Route, Solution, Visit
from .solver import Progress, SolveParams, solve
from .validate import validate


#: Seconds at which ``--trace`` records the best plan so far.
CHECKPOINTS_S = (1, 3, 10, 30, 60)


@dataclass(frozen=True)
class Instance:
    """A parsed benchmark instance and how to map the plan back to its node ids."""

    name: str
    kind: str  # "lilim" or "sartori"
    problem: Problem
    node_of: dict[tuple[str, str], int]  # (request id, "pickup"|"delivery") -> instance node id

    def cost(self, sol: Solution) -> float:
        return sol.distance_m if self.kind == "lilim" else sol.travel_s

    def routes(self, sol: Solution) -> list[list[int]]:
        return [[self.node_of[(v.request_id, v.kind)] for v in r.visits] for r in sol.used_routes]


class FormatError(ValueError):
    """The file is neither a Li & Lim nor a Sartori & Buriol instance."""


def parse(text: str, name: str = "instance") -> Instance:
    """Parse an instance, choosing the format from the content."""
    lines = [ln.strip() for ln in text.strip().splitlines() if ln.strip()]
    if not lines:
        raise FormatError(f"{name}: empty file")
    if any(ln.upper() == "NODES" for ln in lines):
        return parse_sartori(lines, name)
    return parse_lilim(lines, name)


def _build(name: str, kind: str, rows: list[list[float]], n_vehicles: int, capacity: int,
           duration: np.ndarray, distance: np.ndarray, objective: str) -> Instance:
    """Rows: id, x/lat, y/lon, demand, ready, due, service, pickup sibling, delivery sibling."""
    by_id = {int(r[0]): r for r in rows}
    if 0 not in by_id:
        raise FormatError(f"{name}: no depot (node 0)")
    depot = by_id[0]
    requests, node_of = [], {}
    for nid, r in sorted(by_id.items()):
        if nid == 0 or int(r[8]) == 0:
            continue  # the depot, or a delivery (handled with its pickup)
        dnode = int(r[8])
        if dnode not in by_id:
            raise FormatError(f"{name}: pickup {nid} names missing delivery {dnode}")
        d = by_id[dnode]
        rid = str(nid)
        requests.append(Request(
            rid,
            pickup=StopSpec(Location(index=nid), float(r[6]), (TimeWindow(float(r[4]), float(r[5])),)),
            delivery=StopSpec(Location(index=dnode), float(d[6]), (TimeWindow(float(d[4]), float(d[5])),)),
            load={"q": int(r[3])},
        ))
        node_of[(rid, "pickup")] = nid
        node_of[(rid, "delivery")] = dnode
    vehicles = [Vehicle(f"v{k}", Location(index=0), Location(index=0), TimeWindow(float(depot[4]), float(depot[5])),
                        {"q": capacity}) for k in range(n_vehicles)]
    problem = Problem(tuple(requests), tuple(vehicles), matrix=PrecomputedMatrix(duration, distance),
                      objective=objective)  # type: ignore[arg-type]
    return Instance(name, kind, problem, node_of)


def parse_lilim(lines: list[str], name: str = "instance") -> Instance:
    """Li & Lim: ``K Q speed`` then ``id x y demand ready due service pickup delivery`` rows."""
    try:
        head = lines[0].split()
        n_vehicles, capacity = int(head[0]), int(float(head[1]))
        rows = [[float(x) for x in ln.split()] for ln in lines[1:]]
    except (ValueError, IndexError):
        raise FormatError(f"{name}: not a Li & Lim instance (bad header or rows)") from None
    if any(len(r) != 9 for r in rows):
        raise FormatError(f"{name}: Li & Lim rows need 9 numbers")
    xy = np.array([[r[1], r[2]] for r in sorted(rows, key=lambda r: r[0])])
    if [int(r[0]) for r in sorted(rows, key=lambda r: r[0])] != list(range(len(rows))):
        raise FormatError(f"{name}: node ids must be 0..n-1")
    dist = np.sqrt(((xy[:, None, :] - xy[None, :, :]) ** 2).sum(axis=2))
    return _build(name, "lilim", rows, n_vehicles, capacity, dist, dist, "distance")


def parse_sartori(lines: list[str], name: str = "instance") -> Instance:
    """Sartori & Buriol: ``KEY: value`` header, ``NODES`` rows, ``EDGES`` travel-time matrix, ``EOF``."""
    header: dict[str, str] = {}
    i = 0
    while i < len(lines) and lines[i].upper() != "NODES":
        key, _, value = lines[i].partition(":")
        header[key.strip().upper()] = value.strip()
        i += 1
    try:
        size = int(header["SIZE"])
        capacity = int(header["CAPACITY"])
        rows = [[float(x) for x in lines[i + 1 + k].split()] for k in range(size)]
        j = i + 1 + size
        if lines[j].upper() != "EDGES":
            raise FormatError(f"{name}: expected EDGES after {size} nodes")
        matrix = np.array([[float(x) for x in lines[j + 1 + k].split()] for k in range(size)])
    except (KeyError, ValueError, IndexError):
        raise FormatError(f"{name}: not a Sartori & Buriol instance (header, NODES or EDGES)") from None
    if matrix.shape != (size, size) or any(len(r) != 9 for r in rows):
        raise FormatError(f"{name}: EDGES must be {size} x {size} and NODES rows 9 fields")
    n_vehicles = max(1, (size - 1) // 2)  # unlimited fleet: one per request is always enough
    return _build(header.get("NAME", name), "sartori", rows, n_vehicles, capacity, matrix, matrix, "duration")


def read_bks(path: str | Path) -> dict[str, tuple[int, float]]:
    """``instance,vehicles,cost`` (or ``distance``) CSV into {instance: (vehicles, cost)}."""
    out = {}
    with open(path, newline="") as fh:
        for row in csv.DictReader(fh):
            cost = row.get("cost") or row.get("distance")
            out[row["instance"]] = (int(row["vehicles"]), float(cost))  # type: ignore[arg-type]
    return out


def simulate(problem: Problem, routes: list[tuple[str, list[tuple[str, str]]]]) -> Solution:
    """Build a :class:`Solution` from visit orders, starting service as early as possible.

    Used to check plans from other solvers with the same validator.
    """
    tm = problem.travel()
    rows = problem.location_rows()
    out = []
    served = set()
    for vid, visits in routes:
        v = problem.vehicle(vid)
        prev = rows[v.start]
        t = v.shift.start_s
        start = t
        load = {k: 0 for k in v.capacity}
        vs, dist, travel = [], 0.0, 0.0
        for rid, kind in visits:
            r = problem.request(rid)
            spec = problem.pickup_of(r) if kind == "pickup" else problem.delivery_of(r)
            here = rows[spec.location]
            arrival = t + tm.duration_s[prev, here]
            begin = arrival
            for w in spec.windows or ():
                if arrival <= w.end_s:
                    begin = max(arrival, w.start_s)
                    break
            for k, q in r.load.items():
                load[k] = load.get(k, 0) + (q if kind == "pickup" else -q)
            vs.append(Visit(rid, kind, arrival, begin, begin + spec.service_s, dict(load)))  # type: ignore[arg-type]
            dist += tm.distance_m[prev, here]
            travel += tm.duration_s[prev, here]
            prev, t = here, begin + spec.service_s
            served.add(rid)
        end = t
        if v.end is not None:
            e = rows[v.end]
            end += tm.duration_s[prev, e]
            dist += tm.distance_m[prev, e]
            travel += tm.duration_s[prev, e]
        out.append(Route(vid, tuple(vs), start, end, dist, travel))
    from .solution import DroppedRequest

    dropped = tuple(DroppedRequest(r.id, "not_enough_drivers", "not served") for r in problem.requests
                    if r.id not in served)
    return Solution(tuple(out), dropped, "partial" if dropped else "ok", problem.objective)  # type: ignore[arg-type]


def solve_vroom(inst: Instance, exploration_level: int = 5, threads: int = 2) -> Solution:
    """Solve ``inst`` with pyvroom (integer matrix in milliseconds, rounded up)."""
    import vroom

    p = inst.problem
    scale = 1000
    tm = p.travel()
    locs = p.locations()
    mat = np.ceil(np.round(tm.duration_s * scale, 6)).astype(np.int64)
    vi = vroom.Input()
    vi.set_durations_matrix("car", mat.tolist())
    for k, v in enumerate(p.vehicles):
        vi.add_vehicle(vroom.Vehicle(k, start=p.loc_index(v.start), end=p.loc_index(v.end),  # type: ignore[arg-type]
                                     capacity=[v.capacity["q"]],
                                     time_window=vroom.TimeWindow(int(v.shift.start_s * scale),
                                                                  int(v.shift.end_s * scale))))
    ids = {}
    for j, r in enumerate(p.requests):
        def step(spec, sid):
            w = spec.windows[0]
            return vroom.ShipmentStep(sid, p.loc_index(spec.location), default_service=int(math.ceil(spec.service_s * scale)),
                                      time_windows=[vroom.TimeWindow(int(math.ceil(w.start_s * scale)),
                                                                     int(math.floor(w.end_s * scale)))])
        ids[2 * j], ids[2 * j + 1] = (r.id, "pickup"), (r.id, "delivery")
        vi.add_shipment(step(p.pickup_of(r), 2 * j), step(p.delivery_of(r), 2 * j + 1),
                        amount=vroom.Amount([r.load["q"]]))
    del locs
    sol = vi.solve(exploration_level=exploration_level, nb_threads=threads)
    df = sol.routes
    routes = []
    for k, group in df.groupby("vehicle_id", sort=True):
        visits = [ids[int(row.id)] for row in group.itertuples() if row.type in ("pickup", "delivery")]
        if visits:
            routes.append((p.vehicles[int(k)].id, visits))
    return simulate(p, routes)


def _row(inst: Instance, sol: Solution, runtime: float, bks: dict | None, solver: str) -> dict:
    violations = validate(inst.problem, sol)
    row = {
        "instance": inst.name,
        "solver": solver,
        "vehicles": sol.num_vehicles,
        "cost": round(inst.cost(sol), 4),
        "runtime_s": round(runtime, 3),
        "valid": not violations,
        "served": len(inst.problem.requests) - len(sol.dropped),
        "requests": len(inst.problem.requests),
        "routes": inst.routes(sol),
    }
    if violations:
        row["violations"] = [str(v) for v in violations[:5]]
    if bks and inst.name in bks:
        bv, bc = bks[inst.name]
        row["bks_vehicles"], row["bks_cost"] = bv, bc
        row["gap_pct"] = round(100 * (row["cost"] - bc) / bc, 3) if row["vehicles"] == bv else None
    return row


def trace(events: list[Progress], time_limit_s: float, bks: tuple[int, float] | None) -> list[dict]:
    """The best plan at each checkpoint within ``time_limit_s``, from the solver's progress reports.

    A checkpoint holds the best of the plans reported by then (the last report of
    a run counts at the time limit, since it is the plan the run returns): its
    vehicles, cost, requests left out and, with ``bks`` (vehicles, cost), the gap
    when it serves everything with the best-known vehicles. ``None`` before any plan.
    """
    out = []
    for at in (t for t in CHECKPOINTS_S if t <= time_limit_s + 1e-9):
        found = events if at >= time_limit_s else [e for e in events if e.elapsed_s <= at]
        best = min(found, key=Progress.rank, default=None)
        point: dict = {"at_s": at, "vehicles": None, "cost": None, "dropped": None}
        if best is not None:
            point.update(vehicles=best.vehicles, cost=round(best.cost, 4), dropped=best.dropped)
            if bks is not None:
                point["gap_pct"] = (round(100 * (best.cost - bks[1]) / bks[1], 3)
                                    if best.vehicles == bks[0] and best.dropped == 0 else None)
        out.append(point)
    return out


def anytime_table(rows: list[dict]) -> list[dict]:
    """Per checkpoint over ``rows`` with a trace and a best-known solution: instances, how many
    have a plan by then, how many match the best-known vehicles (serving everything), their
    mean gap (%), and the vehicles beyond the best-known in all (of plans found)."""
    table = []
    for at in CHECKPOINTS_S:
        points = [(p, r) for r in rows if "bks_vehicles" in r for p in r.get("trace", ()) if p["at_s"] == at]
        if not points:
            continue
        gaps = [p["gap_pct"] for p, _r in points if p.get("gap_pct") is not None]
        table.append({
            "at_s": at,
            "instances": len(points),
            "planned": sum(p["vehicles"] is not None for p, _r in points),
            "bks_vehicles": len(gaps),
            "mean_gap_pct": round(statistics.mean(gaps), 2) if gaps else None,
            "extra_vehicles": sum(max(0, p["vehicles"] - r["bks_vehicles"]) for p, r in points
                                  if p["vehicles"] is not None),
        })
    return table


def anytime_lines(rows: list[dict], label: str) -> list[str]:
    """The summary's anytime lines: one per checkpoint (see :func:`anytime_table`)."""
    lines = []
    for t in anytime_table(rows):
        gap = f"{t['mean_gap_pct']:.2f}%" if t["mean_gap_pct"] is not None else "n/a"
        lines.append(f"ANYTIME {label}: at={t['at_s']}s planned={t['planned']}/{t['instances']} "
                     f"bks_vehicles={t['bks_vehicles']}/{t['instances']} mean_gap={gap} "
                     f"extra_vehicles={t['extra_vehicles']}")
    return lines


def write_anytime(path: str | Path, rows: list[dict], args: argparse.Namespace) -> None:
    """Store the anytime table of ``rows`` as JSON, with how it was measured."""
    data = {
        "measured_on": datetime.date.today().isoformat(),
        "time_limit_s": args.time_limit,
        "workers": args.workers,
        "instances": sorted(r["instance"] for r in rows),
        "checkpoints": anytime_table(rows),
    }
    Path(path).write_text(json.dumps(data, indent=2) + "\n")


def summary(rows: list[dict], label: str) -> str:
    n = len(rows)
    valid = sum(r["valid"] for r in rows)
    served = sum(r["served"] == r["requests"] for r in rows)
    with_bks = [r for r in rows if "bks_vehicles" in r]
    match = [r for r in with_bks if r["vehicles"] == r["bks_vehicles"]]
    fewer = [r for r in with_bks if r["vehicles"] < r["bks_vehicles"]]
    gaps = [r["gap_pct"] for r in match]
    text = (f"SUMMARY {label}: instances={n} valid={valid} all_served={served} "
            f"bks_vehicles={len(match)}/{len(with_bks)}")
    if fewer:
        text += f" fewer_than_bks={len(fewer)}"
    if gaps:
        text += f" mean_gap={statistics.mean(gaps):.2f}% worst_gap={max(gaps):.2f}%"
    text += f" extra_vehicles={sum(r['vehicles'] - r['bks_vehicles'] for r in with_bks if r['vehicles'] > r['bks_vehicles'])}"
    if rows:
        text += f" median_runtime={statistics.median(r['runtime_s'] for r in rows):.2f}s"
    return text


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m routing.bench", description=__doc__.split("\n\n")[0])
    ap.add_argument("files", nargs="+", help="instance files (Li & Lim or Sartori & Buriol)")
    ap.add_argument("--time-limit", type=float, default=10.0, help="seconds per instance (default 10)")
    ap.add_argument("--workers", type=int, default=2, help="parallel searches (default 2)")
    ap.add_argument("--json", action="store_true", help="one JSON object per line")
    ap.add_argument("--bks", help="CSV of best-known solutions: instance,vehicles,cost|distance")
    ap.add_argument("--vs", choices=["vroom"], help="also solve with another solver")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--trace", action="store_true",
                    help=f"record the best plan at {', '.join(map(str, CHECKPOINTS_S))} s (within the time limit)")
    ap.add_argument("--write-anytime", metavar="PATH", help="with --trace and --bks: store the anytime table as JSON")
    args = ap.parse_args(argv)
    if args.write_anytime and not (args.trace and args.bks):
        ap.error("--write-anytime needs --trace and --bks")
    bks = read_bks(args.bks) if args.bks else None
    labels = ["routing"] + ([args.vs] if args.vs else [])
    rows: dict[str, list[dict]] = {label: [] for label in labels}
    for path in args.files:
        inst = parse(Path(path).read_text(), Path(path).stem)
        if inst.name != Path(path).stem and bks and Path(path).stem in bks:
            inst = Instance(Path(path).stem, inst.kind, inst.problem, inst.node_of)
        for label in labels:
            t0 = time.monotonic()
            events: list[Progress] = []
            if label == "routing":
                sol = solve(inst.problem, SolveParams(time_limit_s=args.time_limit, num_workers=args.workers,
                                                      seed=args.seed, progress=events.append))
            else:
                sol = solve_vroom(inst)
            row = _row(inst, sol, time.monotonic() - t0, bks, label)
            if args.trace and label == "routing":
                row["trace"] = trace(events, args.time_limit, bks.get(inst.name) if bks else None)
            rows[label].append(row)
            if args.json:
                print(json.dumps(row), flush=True)
            else:
                gap = row.get("gap_pct")
                bk = f" bks={row['bks_vehicles']}/{row['bks_cost']:.2f}" if "bks_vehicles" in row else ""
                print(f"{label:8s} {inst.name:14s} vehicles={row['vehicles']:3d} cost={row['cost']:10.2f} "
                      f"runtime={row['runtime_s']:6.2f}s valid={row['valid']} "
                      f"served={row['served']}/{row['requests']}{bk}"
                      + (f" gap={gap:.2f}%" if gap is not None else ""), flush=True)
                if "trace" in row:
                    print(" " * 9 + "trace " + " ".join(
                        f"{p['at_s']}s:{p['vehicles']}/{p['cost']:.2f}" if p["cost"] is not None else f"{p['at_s']}s:-"
                        for p in row["trace"]), flush=True)
    for label in labels:
        for line in [summary(rows[label], label)] + (anytime_lines(rows[label], label) if args.trace else []):
            print(json.dumps({"summary": line}) if args.json else line, flush=True)
    if args.write_anytime:
        write_anytime(args.write_anytime, rows["routing"], args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
