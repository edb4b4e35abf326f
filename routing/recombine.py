"""Recombining pooled routes into a better plan: set partitioning over the compiled search's route pool.

Each run of the compiled search (:mod:`routing.ruin_recreate`) weighs hundreds of
thousands of plans near its best one, and keeps their distinct routes in a pool.
Routes of different plans, or of two runs, often combine into a plan better than
either run's best: choose, among the pooled routes, the cheapest set that serves
each request of the best plan exactly once, with no more routes than it has and
no more routes per class of identical vehicles than the class has vehicles.
This is the set-partitioning step of the strongest published methods for
pickup and delivery with time windows; CP-SAT (OR-Tools) solves it, warm-started
from the best plan.

Plain data in and out, like the rest of ``routing``: the integer model's arrays
(:class:`routing.ruin_recreate.Instance`) and routes as node lists.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from ortools.sat.python import cp_model

from .ruin_recreate import Instance

#: A pooled route: (vehicle, its arcs plus the vehicle's fixed cost, its nodes).
PooledRoute = tuple[int, int, tuple[int, ...]]


def vehicle_classes(inst: Instance) -> list[int]:
    """Per vehicle, its class: vehicles of one class can swap routes (same start and end
    travel, shift, capacity, fixed cost, most visits, allowed requests and rules)."""
    V = inst.capacity.shape[0]
    keys: dict[tuple, int] = {}
    classes = []
    for k in range(V):
        ends = (2 * k, 2 * k + 1)
        key = (
            tuple(inst.time[e].tobytes() + inst.time[:, e].tobytes() for e in ends),
            tuple(inst.cost[e].tobytes() + inst.cost[:, e].tobytes() for e in ends),
            tuple(int(inst.earliest[e]) for e in ends), tuple(int(inst.latest[e]) for e in ends),
            inst.capacity[k].tobytes(), int(inst.fixed[k]), int(inst.max_visits[k]), inst.allowed[:, k].tobytes(),
            *(None if rule is None else int(rule[k]) for rule in (inst.max_span, inst.break_lo, inst.break_hi,
                                                                 inst.break_len, inst.locked_len)),
        )
        classes.append(keys.setdefault(key, len(keys)))
    return classes


def plan_cost(inst: Instance, routes: Sequence[Sequence[int]]) -> int:
    """Arcs plus fixed costs of the used vehicles of ``routes`` (nodes per vehicle)."""
    total = 0
    for k, route in enumerate(routes):
        if route:
            path = [2 * k, *route, 2 * k + 1]
            total += int(inst.fixed[k]) + int(sum(inst.cost[a, b] for a, b in zip(path, path[1:])))
    return total


def recombine(inst: Instance, pool: Iterable[PooledRoute], best: Sequence[Sequence[int]], seconds: float, *,
              seed: int = 0) -> list[list[int]] | None:
    """A plan (nodes per vehicle) of pooled routes cheaper than ``best``, or None when none was found.

    It serves exactly the requests ``best`` serves, with at most as many routes and, per
    class of identical vehicles (:func:`vehicle_classes`), at most as many routes as the
    class has vehicles; a route may move to another vehicle of its class. ``best``'s
    routes are added to the pool, so the model always has a plan: the warm start."""
    V = inst.capacity.shape[0]
    first_request = 2 * V
    classes = vehicle_classes(inst)
    members: dict[int, list[int]] = {}
    for k, c in enumerate(classes):
        members.setdefault(c, []).append(k)
    served = {(node - first_request) // 2 for route in best for node in route}
    # One column per (class, visits): the same visits cost the same on any vehicle of a class.
    columns: dict[tuple[int, tuple[int, ...]], tuple[int, int]] = {}
    best_routes = [(k, plan_cost(inst, [[]] * k + [list(route)]), tuple(route)) for k, route in enumerate(best)
                   if route]
    for k, cost, nodes in [*best_routes, *pool]:
        if not nodes or any((node - first_request) // 2 not in served for node in nodes):
            continue
        key = (classes[k], tuple(nodes))
        if key not in columns or cost < columns[key][1]:
            columns[key] = (k, int(cost))
    keys = list(columns)
    model = cp_model.CpModel()
    use = [model.NewBoolVar("") for _ in keys]
    covering: dict[int, list[cp_model.IntVar]] = {j: [] for j in served}
    per_class: dict[int, list[cp_model.IntVar]] = {}
    for (c, nodes), x in zip(keys, use):
        for node in nodes:
            if (node - first_request) % 2 == 0:
                covering[(node - first_request) // 2].append(x)
        per_class.setdefault(c, []).append(x)
    for xs in covering.values():
        model.AddExactlyOne(xs)
    for c, xs in per_class.items():
        model.Add(sum(xs) <= len(members[c]))
    model.Add(sum(use) <= len(best_routes))
    costs = [columns[key][1] for key in keys]
    model.Minimize(sum(cost * x for cost, x in zip(costs, use)))
    in_best = {(classes[k], nodes) for k, _cost, nodes in best_routes}
    for key, x in zip(keys, use):
        model.AddHint(x, key in in_best)
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = max(0.01, seconds)
    # One worker with the full linear relaxation: on pools of two 25-second runs of the
    # 200-node benchmark day ber-n200-1 it found the plan of one route fewer in 0.5 to
    # 0.9 s, eight workers in 1.1 to 1.5 s, and two or four workers (default
    # relaxation) not in 3 s.
    solver.parameters.num_workers = 1
    solver.parameters.linearization_level = 2
    solver.parameters.random_seed = seed
    status = solver.Solve(model)
    best_cost = sum(cost for _k, cost, _nodes in best_routes)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE) or solver.ObjectiveValue() >= best_cost:
        return None
    chosen = [key for key, x in zip(keys, use) if solver.Value(x)]
    return _on_vehicles(V, members, [(columns[key][0], key[0], list(key[1])) for key in chosen])


def _on_vehicles(V: int, members: dict[int, list[int]], chosen: list[tuple[int, int, list[int]]]) -> list[list[int]]:
    """The chosen routes per vehicle: each on the vehicle it was pooled with, or on a free one of its class."""
    routes: list[list[int]] = [[] for _ in range(V)]
    moved = []
    for k, c, nodes in chosen:
        if routes[k]:
            moved.append((c, nodes))
        else:
            routes[k] = nodes
    for c, nodes in moved:
        free = next(k for k in members[c] if not routes[k])
        routes[free] = nodes
    return routes
