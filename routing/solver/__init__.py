"""``solve(problem, params) -> Solution``: the public face of the solver.

The package, along the seams of PyVRP's layout:

- :mod:`.params`: :class:`SolveParams`, how to search, and the sizes at which the search changes its path;
- :mod:`.data`: the problem scaled to integers, and the requests dropped before any search, with reasons;
- :mod:`.model`: the OR-Tools model, one function per family of rules; the only module that imports
  OR-Tools' routing library;
- :mod:`.compiled`: that model as the plain arrays the compiled ruin-and-recreate search takes;
- :mod:`.search`: the search phases and their variants;
- :mod:`.pipeline`: the phases chained for one worker, the worker processes, and the recombination
  of their pooled routes (:mod:`routing.recombine`);
- :mod:`.progress`: the best plan's improvements, reported to ``SolveParams.progress``.

Objective hierarchy (lexicographic through weights): dropped value times a
weight larger than any vehicle cost, then a per-vehicle weight larger than any
total travel, then travel.
"""

from __future__ import annotations

import time
from dataclasses import replace

from ..problem import Problem, ProblemError
from ..solution import Solution
from . import params as tuning
from .params import Progress, SolveParams
from .pipeline import solve_in_workers

__all__ = ["Progress", "SolveParams", "solve"]


def solve(problem: Problem, params: SolveParams | None = None) -> Solution:
    """Plan routes for ``problem``.

    The travel matrix is asked of the problem's provider once, here, and
    handed to every phase and worker. Returns a
    :class:`~routing.solution.Solution`; requests that cannot be served are in
    ``Solution.dropped`` with a reason. Raises
    :class:`~routing.problem.ProblemError` for invalid input (including
    inconsistent re-optimization parameters) and
    :class:`~routing.matrix.MatrixError` when travel times cannot be obtained.
    """
    params = params or SolveParams()
    if not isinstance(problem, Problem):
        raise ProblemError(f"solve() needs a Problem, got {type(problem).__name__}")
    t0 = time.monotonic()
    tm = problem.travel()
    workers = 1 if params.deterministic else params.num_workers
    if len(problem.requests) > tuning.LARGE_DAY:
        # Large days: one search gets all the CPU; two would each risk not finishing
        # the construction on a busy machine (and double the memory).
        workers = 1
    sol = solve_in_workers(problem, params, tm, workers, t0)
    return replace(sol, runtime_s=time.monotonic() - t0)
