"""What more thinking time buys: the anytime table measured by ``python -m routing.bench --trace``.

``routing/data/anytime.json`` holds, for each checkpoint (seconds into a
solve), how close the best plan found by then came to the published
best-known solutions of a benchmark set. It is written by
``routing.bench --trace --write-anytime PATH`` from real runs (the file says
how it was measured), and read here for anyone who helps choose a time limit.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from importlib import resources
from pathlib import Path


@dataclass(frozen=True)
class Checkpoint:
    """The benchmark set at ``at_s`` seconds into each solve.

    - ``instances``: instances measured; ``planned``: those with a plan by then;
    - ``bks_vehicles``: plans serving everything with the best-known vehicle count;
    - ``mean_gap_pct``: their mean cost above the best-known (%), None when there are none;
    - ``extra_vehicles``: vehicles beyond the best-known, summed over the plans found.
    """

    at_s: float
    instances: int
    planned: int
    bks_vehicles: int
    mean_gap_pct: float | None
    extra_vehicles: int


@dataclass(frozen=True)
class AnytimeTable:
    """How the figures were measured (day, time limit per instance, parallel workers,
    instance names) and the checkpoints, earliest first."""

    measured_on: str
    time_limit_s: float
    workers: int
    instances: tuple[str, ...]
    checkpoints: tuple[Checkpoint, ...]


def read_anytime(path: str | Path | None = None) -> AnytimeTable | None:
    """The anytime table at ``path`` (default: the one shipped in ``routing/data/``); None when
    there is no such file. Raises ValueError, naming the file, when it is not such a table."""
    source = resources.files("routing").joinpath("data/anytime.json") if path is None else Path(path)
    try:
        text = source.read_text()
    except FileNotFoundError:
        return None
    try:
        raw = json.loads(text)
        points = tuple(Checkpoint(float(p["at_s"]), int(p["instances"]), int(p["planned"]), int(p["bks_vehicles"]),
                                  None if p["mean_gap_pct"] is None else float(p["mean_gap_pct"]),
                                  int(p["extra_vehicles"])) for p in raw["checkpoints"])
        return AnytimeTable(str(raw["measured_on"]), float(raw["time_limit_s"]), int(raw["workers"]),
                            tuple(str(name) for name in raw["instances"]),
                            tuple(sorted(points, key=lambda p: p.at_s)))
    except (ValueError, KeyError, TypeError) as exc:
        raise ValueError(f"{source}: not an anytime table ({exc})") from None
