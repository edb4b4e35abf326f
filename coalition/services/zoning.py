"""Scale-out by zones: split a day's routing problem into zones solved separately (in parallel RQ jobs),
then merge the answers into one solution.

Requests are clustered by their pickup location (k-means, deterministic
seeding), so every request, including one near a boundary, belongs to exactly
one zone: the one whose centre is nearest its pickup. Vehicles go to the zone
nearest their start, while each zone gets a share of the fleet in proportion to
its requests. Pure ``routing`` data in and out: no database here (planning.py
turns rows into the problem first).
"""
from __future__ import annotations

import dataclasses

import numpy as np

import routing
from routing import decompose


def _points(requests) -> np.ndarray:
    return np.array([[(r.pickup or r.delivery).location.lat, (r.pickup or r.delivery).location.lon] for r in requests])


def split(problem: routing.Problem, zones: int) -> list[routing.Problem]:
    """The problem as ``zones`` smaller problems (requests by pickup cluster, vehicles shared out).

    The decomposition is :mod:`routing.decompose`'s, the one the solver uses for
    large days: k-means on the pickups' coordinates, then each zone's share of
    the fleet, nearest vehicles first.
    """
    requests = list(problem.requests)
    if zones <= 1 or len(requests) < 2 * zones:
        return [problem]
    labels, centres = decompose.kmeans(_points(requests), zones)
    counts = np.bincount(labels, minlength=len(centres))
    vehicles = list(problem.vehicles)
    starts = np.array([[v.start.lat, v.start.lon] for v in vehicles]).reshape(len(vehicles), 2)
    fleet = decompose.share_fleet(counts, ((starts[:, None, :] - centres[None, :, :]) ** 2).sum(axis=2))
    return [routing.Problem(requests=tuple(r for r, label in zip(requests, labels) if label == z),
                            vehicles=tuple(vehicles[v] for v in fleet[z]), depots=problem.depots,
                            objective=problem.objective, matrix=problem.matrix)
            for z in range(len(centres)) if counts[z]]


def same_zones(problem: routing.Problem, zones: list[routing.Problem]) -> list[routing.Problem]:
    """``zones`` (from :func:`split`) cut again from ``problem``, a changed version of the problem they were split
    from (stricter limits, fewer requests): each zone keeps its requests still in ``problem``, as ``problem`` has
    them now, and its vehicles. So a zone solved again is the same zone, and its neighbours' answers still fit."""
    requests = {r.id: r for r in problem.requests}
    vehicles = {v.id: v for v in problem.vehicles}
    return [routing.Problem(requests=tuple(requests[r.id] for r in zone.requests if r.id in requests),
                            vehicles=tuple(vehicles[v.id] for v in zone.vehicles if v.id in vehicles),
                            depots=problem.depots, objective=problem.objective, matrix=problem.matrix)
            for zone in zones]


def restrict(solution: routing.Solution, problem: routing.Problem) -> routing.Solution:
    """``solution`` cut down to the requests and vehicles of ``problem`` (a warm start for it)."""
    data = solution.to_dict()
    vehicles = {v.id for v in problem.vehicles}
    requests = {r.id for r in problem.requests}
    data["routes"] = [dict(r, visits=[v for v in r["visits"] if v["request_id"] in requests])
                      for r in data["routes"] if r["vehicle_id"] in vehicles]
    data["dropped"] = [d for d in data["dropped"] if d["request_id"] in requests]
    return routing.Solution.from_dict(data)


def zone_params(problem: routing.Problem, params: routing.SolveParams) -> routing.SolveParams:
    """``params`` for one zone: a warm start (``previous``, the whole day's) cut down to the zone."""
    if params.previous is None:
        return params
    return dataclasses.replace(params, previous=restrict(params.previous, problem))


def merge(solutions: list[routing.Solution]) -> routing.Solution:
    """One solution from the zones' solutions (routes and dropped requests side by side)."""
    parts = [s.to_dict() for s in solutions]
    merged = dict(parts[0])
    merged["routes"] = [r for p in parts for r in p["routes"]]
    merged["dropped"] = [d for p in parts for d in p["dropped"]]
    merged["runtime_s"] = max(p.get("runtime_s", 0) for p in parts)
    merged["status"] = "ok" if not merged["dropped"] else ("partial" if merged["routes"] else "empty")
    return routing.Solution.from_dict(merged)


def solve_zone(problem: routing.Problem, params: routing.SolveParams) -> dict:
    """An RQ job: solve one zone; the answer as a dict (``Solution.from_dict`` reads it back)."""
    return routing.solve(problem, params).to_dict()
