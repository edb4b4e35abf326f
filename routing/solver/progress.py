"""Best-so-far reports of a search (:class:`~routing.solver.params.Progress`), and their merging across workers.

A :class:`Tracker` sees every plan a worker's phases find, keeps those that
improve on the best so far (requests left out, then vehicles, then cost), and
passes them to the caller's ``SolveParams.progress`` as they come. The compiled
search reports its improvements with the times they happened when it returns,
so the figures say what a shorter budget would have given, whatever the
granularity of the phases.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable

from ..problem import Problem
from ..solution import Solution
from .data import COST_SCALE
from .params import Progress


class Tracker:
    """The improvements of one worker's best plan, timed from ``origin`` (a ``time.monotonic()`` value)."""

    def __init__(self, problem: Problem, origin: float, callback: Callable[[Progress], None] | None) -> None:
        self.problem = problem
        self.origin = origin
        self.callback = callback
        self.events: list[Progress] = []

    def offer(self, at: float, vehicles: int, cost: float, dropped: int, tolerance: float = 0.0) -> None:
        """A plan found at ``at`` (monotonic seconds); kept and reported when it beats the best so
        far, by more than ``tolerance`` when only the cost is better."""
        event = Progress(round(max(0.0, at - self.origin), 3), int(vehicles), round(float(cost), 6), int(dropped))
        if self.events:
            last = self.events[-1]
            if event.rank() >= last.rank() or (event.rank()[:2] == last.rank()[:2]
                                               and event.cost >= last.cost - tolerance):
                return
        self.events.append(event)
        if self.callback is not None:
            self.callback(event)

    def plan(self, sol: Solution | None) -> None:
        """A plan a phase returned, now.

        The searches cost arcs in integers (1/COST_SCALE of a unit, rounded), so the
        same routes read back may cost up to half a unit per arc less: not an improvement.
        """
        if sol is None:
            return
        cost = sol.travel_s if self.problem.objective == "duration" else sol.distance_m
        cost += sum(self.problem.vehicle(r.vehicle_id).fixed_cost for r in sol.used_routes)
        arcs = sum(len(r.visits) + 1 for r in sol.used_routes)
        self.offer(time.monotonic(), sol.num_vehicles, cost, len(sol.dropped), tolerance=0.5 * arcs / COST_SCALE)

    def compiled(self, began: float, history: Iterable[tuple], vehicle_weight: int) -> None:
        """The improvement history of a compiled search that began at ``began`` (monotonic seconds).

        Its costs are the model's integers: arcs scaled by ``COST_SCALE`` plus, per
        vehicle used, ``vehicle_weight`` and the vehicle's own fixed cost (scaled).
        """
        for seconds, vehicles, cost, left_out, _value in history:
            self.offer(began + seconds, vehicles, (cost - vehicles * vehicle_weight) / COST_SCALE, left_out)


def merge(histories: Iterable[list[Progress]]) -> list[Progress]:
    """The improvements of the best plan over all workers: their events in time order, each kept
    when it beats every earlier one."""
    out: list[Progress] = []
    for event in sorted((e for h in histories for e in h), key=lambda e: (e.elapsed_s, e.rank())):
        if not out or event.rank() < out[-1].rank():
            out.append(event)
    return out
