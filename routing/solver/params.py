"""How to search: :class:`SolveParams`, and the sizes at which the search changes its path.

The sizes are read as attributes of this module at run time (``params.LARGE_DAY``),
so one place holds them and tests can lower them to reach the large-day path
with small problems.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from ..problem import ProblemError
from ..solution import Solution

#: Past this many requests, a day is constructed cluster by cluster and route
#: elimination is skipped (see pipeline and search.construct_by_clusters).
LARGE_DAY = 300
#: The compiled ruin-and-recreate search takes days up to this many requests.
RUIN_RECREATE_MAX_REQUESTS = 2500
#: Requests per cluster when a large day is constructed by clusters: small enough
#: for the small-day construction (with breaks) to take a second or two.
CLUSTER_SIZE = 200
#: Independent runs of the compiled search per worker (the budget is shared) on
#: days of fewer than ``RUIN_RECREATE_ONE_RUN`` requests; larger days get one run
#: per worker: at 200 requests one run of twice the time beat the better of two
#: (fewer vehicles or less travel on each Sartori & Buriol 400-node instance tried).
RUIN_RECREATE_RUNS = 2
RUIN_RECREATE_ONE_RUN = 100
#: Seconds kept for reading the compiled search's plan back into OR-Tools on a day of
#: up to ``LARGE_DAY`` requests without ride limits (see search.compiled_share): it
#: took 0.02 to 0.03 s on 200- and 400-node benchmark days, where a tenth of a
#: 60-second budget (kept before) left the workers idle for six seconds.
READ_BACK_S = 1.0
#: Route pooling and recombination (see routing.recombine and search.recombine_reserve):
#: on days of ``RECOMBINE_MIN_REQUESTS`` to ``RECOMBINE_MAX_REQUESTS`` requests, the compiled
#: search keeps up to ``POOL_MAX`` routes of plans within ``POOL_SLACK`` of its best, and the
#: last ``RECOMBINE_SHARE`` of the budget (at most ``RECOMBINE_MAX_S``; none when that is
#: under ``RECOMBINE_MIN_S``) recombines the routes of every worker by set partitioning.
#: On the 200-request (400-node) benchmark days, pools of two 52-second runs recombined
#: into a better plan on 1 day of 8, by 0.4%: not worth 5 seconds of search there.
RECOMBINE_MIN_REQUESTS = 100
RECOMBINE_MAX_REQUESTS = 150
RECOMBINE_SHARE = 0.1
RECOMBINE_MAX_S = 5.0
RECOMBINE_MIN_S = 1.0
POOL_MAX = 20000
POOL_SLACK = 0.005


@dataclass(frozen=True)
class Progress:
    """The best plan so far, reported to ``SolveParams.progress`` each time it improves.

    - ``elapsed_s``: seconds since :func:`routing.solve` was called;
    - ``vehicles``: routes it uses;
    - ``cost``: travel time (s) or distance (m), as the problem's objective says,
      plus the fixed costs of the vehicles used;
    - ``dropped``: requests it leaves out.
    """

    elapsed_s: float
    vehicles: int
    cost: float
    dropped: int

    def rank(self) -> tuple[int, int, float]:
        """Smaller is better: requests left out, then vehicles, then cost."""
        return (self.dropped, self.vehicles, self.cost)


@dataclass(frozen=True)
class SolveParams:
    """How to search.

    - ``time_limit_s``: wall-clock budget for the whole solve.
    - ``deterministic``: same input, same output (single process, search
      bounded by solution counts; ``time_limit_s`` stays a safety net).
    - ``seed``: varies the search between runs and workers.
    - ``num_workers``: parallel independent searches (processes); 1 for none.
    - ``minimize_vehicles``: run the fleet-minimisation phase.
    - ``previous``: an earlier plan to warm-start from (re-optimization).
    - ``done``: visits already made, as ``(request_id, "pickup"|"delivery")``;
      each vehicle's done visits must be a prefix of its route in
      ``previous``. They are kept in place; a request picked up but not yet
      delivered stays on that vehicle (its load is on board).
    - ``done_times``: when each done visit really started, in seconds on the
      problem's clock (keys among ``done``). A done visit is fixed at this time
      (without one, at its time in ``previous``), so a ride limit counts from the
      real pickup. A vehicle whose done visits started before its shift leaves
      early enough to have made them.
    - ``now_s``: no remaining visit starts, and no unused vehicle leaves, before this.
    - ``progress``: called with a :class:`Progress` each time the best plan
      improves, so a caller can tell what a shorter budget would have given.
      With one worker the calls come as the search goes (from the compiled
      search, when it ends, with the times it improved); with several, when
      the workers are done, in time order, for the best of all workers.
      The compiled search reports every improvement; OR-Tools phases, the
      plan at the end of each phase. It must not raise.
    """

    time_limit_s: float = 10.0
    deterministic: bool = False
    seed: int = 0
    num_workers: int = 1
    minimize_vehicles: bool = True
    previous: Solution | None = None
    done: frozenset[tuple[str, str]] = field(default_factory=frozenset)
    now_s: float | None = None
    done_times: Mapping[tuple[str, str], float] = field(default_factory=dict)
    progress: Callable[[Progress], None] | None = field(default=None, compare=False)

    def __post_init__(self) -> None:
        if not (isinstance(self.time_limit_s, (int, float)) and math.isfinite(self.time_limit_s)
                and self.time_limit_s > 0):
            raise ProblemError(f"solve params: time_limit_s must be > 0, got {self.time_limit_s!r}")
        if not isinstance(self.num_workers, int) or self.num_workers < 1:
            raise ProblemError(f"solve params: num_workers must be an int >= 1, got {self.num_workers!r}")
        object.__setattr__(self, "done", frozenset(tuple(x) for x in self.done))
        for rid, kind in self.done:
            if kind not in ("pickup", "delivery"):
                raise ProblemError(f"done visit ({rid!r}, {kind!r}): kind must be 'pickup' or 'delivery'")
        if self.done and self.previous is None:
            raise ProblemError("solve params: done visits need the previous plan (previous=...)")
        object.__setattr__(self, "done_times", {tuple(k): t for k, t in dict(self.done_times).items()})
        for key, t in self.done_times.items():
            if key not in self.done:
                raise ProblemError(f"done time of {key}: the visit is not in done")
            if isinstance(t, bool) or not isinstance(t, (int, float)) or not math.isfinite(t):
                raise ProblemError(f"done time of {key}: must be a finite number of seconds, got {t!r}")

