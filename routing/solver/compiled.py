"""The OR-Tools model as the compiled ruin-and-recreate search takes it: plain integer arrays.

Bounds, the gaps between a stop's windows, breaks and allowed vehicles are
read back from the model's OR-Tools variables (through :class:`Model`, which
alone imports OR-Tools), so the two searches see the same rules.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from .. import ruin_recreate

if TYPE_CHECKING:
    from .model import Model


def instance_of(m: Model) -> ruin_recreate.Instance:
    """This model as plain integer arrays for the compiled ruin-and-recreate search.

    Bounds, the gaps between a stop's windows, breaks and allowed vehicles are
    read back from the OR-Tools variables, so the two searches see the same model.
    A request already on a vehicle (its pickup done) is worth more than all the
    others together: OR-Tools has no plan without it. Done visits lead their
    vehicle's route in the search's start (see :meth:`Model.locked_nodes`)."""
    routing, manager = m.routing, m.manager
    V, R = len(m.vehicles), len(m.requests)
    lo = np.zeros(m.n_nodes, dtype=np.int64)
    hi = np.zeros(m.n_nodes, dtype=np.int64)
    for k in range(V):
        for node, index in ((2 * k, routing.Start(k)), (2 * k + 1, routing.End(k))):
            lo[node], hi[node] = m.time.CumulVar(index).Min(), m.time.CumulVar(index).Max()
    allowed = np.zeros((R, V), dtype=np.uint8)
    for j in range(R):
        for node in (2 * V + 2 * j, 2 * V + 2 * j + 1):
            cumul = m.time.CumulVar(manager.NodeToIndex(node))
            lo[node], hi[node] = cumul.Min(), cumul.Max()
        vehicle = routing.VehicleVar(manager.NodeToIndex(2 * V + 2 * j))
        allowed[j] = [vehicle.Contains(k) for k in range(V)]
    demand = np.array([q for q, _caps in m.loads], dtype=np.int64).reshape(len(m.loads), R).T
    capacity = np.array([caps for _q, caps in m.loads], dtype=np.int64).reshape(len(m.loads), V).T
    fixed = np.array([routing.GetFixedCostOfVehicle(k) for k in range(V)], dtype=np.int64)
    max_visits = np.array(m.stop_caps, dtype=np.int64)
    value = np.array([max(1, r.value) for r in m.requests], dtype=np.int64)
    bound = [j for j, r in enumerate(m.requests) if r.id in m.data.bound_vehicle]
    value[bound] = int(value.sum()) + 1
    windows = _several_windows(m, lo, hi)
    rules: dict[str, np.ndarray | None] = {"service": m.service}
    if windows is not None:
        rules.update(zip(("win_start", "win_lo", "win_hi"), windows))
    if any(x >= 0 for x in m.max_span):
        rules["max_span"] = np.array(m.max_span, dtype=np.int64)
    if m.breaks:
        ivs = [m.breaks.get(k) for k in range(V)]
        rules["break_lo"] = np.array([iv.StartMin() if iv else 0 for iv in ivs], dtype=np.int64)
        rules["break_hi"] = np.array([iv.StartMax() if iv else 0 for iv in ivs], dtype=np.int64)
        rules["break_len"] = np.array([iv.DurationMin() if iv else -1 for iv in ivs], dtype=np.int64)
    if m.data.locked_prefix:
        rules["locked_len"] = np.array([len(nodes) for nodes in m.locked_nodes()], dtype=np.int64)
    return ruin_recreate.Instance(m.t_mat, m.c_mat, lo, hi, demand, capacity,
                                  np.array(m.ride_limits, dtype=np.int64), fixed, max_visits, value, allowed,
                                  **rules)


def _several_windows(m: Model, lo: np.ndarray, hi: np.ndarray) -> tuple[np.ndarray, ...] | None:
    """The windows of the stops that keep more than one, as the compiled search takes them
    (``win_start``, ``win_lo``, ``win_hi``; see :class:`routing.ruin_recreate.Instance`): each
    node's range [lo, hi] less the gaps removed from its cumul. ``lo`` and ``hi`` are narrowed
    in place to the first window's start and the last one's end. None when no stop has several."""
    per_node: dict[int, list[tuple[int, int]]] = {}
    for node, gaps in m.window_gaps.items():
        windows, at = [], int(lo[node])
        for gap_lo, gap_hi in sorted(gaps):
            if gap_lo > at:
                windows.append((at, min(gap_lo - 1, int(hi[node]))))
            at = max(at, gap_hi + 1)
        windows.append((at, int(hi[node])))
        windows = [(a, b) for a, b in windows if a <= b]
        if windows:
            lo[node], hi[node] = windows[0][0], windows[-1][1]
        if len(windows) > 1:
            per_node[node] = windows
    if not per_node:
        return None
    start = np.zeros(m.n_nodes + 1, dtype=np.int32)
    for node, windows in per_node.items():
        start[node + 1] = len(windows)
    start = np.cumsum(start).astype(np.int32)
    flat = [w for node in sorted(per_node) for w in per_node[node]]
    return (start, np.array([a for a, _ in flat], dtype=np.int64), np.array([b for _, b in flat], dtype=np.int64))
