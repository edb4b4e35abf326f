"""Ruin-and-recreate search (string removal, fleet minimisation, annealing) in C.

The search itself is ``_ruin_recreate.c``: pickup-and-delivery insertion has to
be evaluated hundreds of thousands of times per second to reach published
best-known results in seconds, which Python cannot do. It is compiled on first
use with the machine's C compiler into a per-user cache directory, keyed by the
source's hash, and loaded with ctypes. Without a compiler :func:`available`
is False and the solver keeps to OR-Tools alone.

Plain data in and out: integer matrices and bounds of the solver's OR-Tools
model (see ``solver._Model``), node ids back.
"""

from __future__ import annotations

import ctypes
import hashlib
import logging
import os
import subprocess
import sysconfig
import threading
from dataclasses import dataclass
from pathlib import Path

import numpy as np

log = logging.getLogger(__name__)

_SOURCE = Path(__file__).with_name("_ruin_recreate.c")
_lock = threading.Lock()
_lib: ctypes.CDLL | None = None
_tried = False


def _cache_dir() -> Path:
    base = os.environ.get("ROUTING_CACHE_DIR") or os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "feeding-our-city"


def _compile(target: Path) -> bool:
    cc = os.environ.get("CC") or (sysconfig.get_config_var("CC") or "cc").split()[0]
    tmp = target.with_name(f"{target.name}.{os.getpid()}.tmp")
    try:
        subprocess.run([cc, "-O2", "-shared", "-fPIC", "-o", str(tmp), str(_SOURCE), "-lm"],
                       check=True, capture_output=True, timeout=120)
    except (OSError, subprocess.SubprocessError) as error:
        log.warning("routing: could not compile the ruin-and-recreate search (%s); using OR-Tools alone", error)
        tmp.unlink(missing_ok=True)
        return False
    os.replace(tmp, target)  # atomic: concurrent first uses never load a half-written file
    return True


def _library() -> ctypes.CDLL | None:
    global _lib, _tried
    with _lock:
        if _tried:
            return _lib
        _tried = True
        digest = hashlib.sha256(_SOURCE.read_bytes()).hexdigest()[:16]
        cache = _cache_dir()
        try:
            cache.mkdir(parents=True, exist_ok=True, mode=0o700)
        except OSError as error:
            log.warning("routing: no cache directory for the compiled search (%s)", error)
            return None
        target = cache / f"ruin_recreate-{digest}.so"
        if not target.exists() and not _compile(target):
            return None
        lib = ctypes.CDLL(str(target))
        i64p = np.ctypeslib.ndpointer(dtype=np.int64, flags="C_CONTIGUOUS")
        i32p = np.ctypeslib.ndpointer(dtype=np.int32, flags="C_CONTIGUOUS")
        u8p = np.ctypeslib.ndpointer(dtype=np.uint8, flags="C_CONTIGUOUS")
        lib.rr_solve.restype = ctypes.c_int
        lib.rr_solve.argtypes = [ctypes.c_int] * 4 + [i64p] * 10 + [u8p, i32p, ctypes.c_int] + \
            [ctypes.c_double] * 5 + [ctypes.c_int, ctypes.c_double, ctypes.c_uint64, i32p, i64p]
        _lib = lib
        return lib


def available() -> bool:
    """Whether the compiled search can be used on this machine."""
    return _library() is not None


@dataclass(frozen=True)
class Instance:
    """The integer model (node layout of ``solver._Model``: vehicle k has start node
    2k and end node 2k+1; request j has pickup 2V+2j and delivery 2V+2j+1).

    - ``time``, ``cost``: n x n; ``time`` includes the service at the from-node.
    - ``earliest``, ``latest``: per node, the bounds of its cumulated time.
    - ``demand``: R x D (pickup adds, delivery removes); ``capacity``: V x D.
    - ``ride``: per request, the largest delivery minus pickup time, or -1.
    - ``fixed``: per vehicle, the cost of using it.
    - ``max_visits``: per vehicle, the most visits (pickups and deliveries) on its route.
    - ``value``: per request, what leaving it out costs; the total value left out is
      the first criterion, before vehicles and cost.
    - ``allowed``: R x V, which vehicles may serve each request.
    """

    time: np.ndarray
    cost: np.ndarray
    earliest: np.ndarray
    latest: np.ndarray
    demand: np.ndarray
    capacity: np.ndarray
    ride: np.ndarray
    fixed: np.ndarray
    max_visits: np.ndarray
    value: np.ndarray
    allowed: np.ndarray


@dataclass(frozen=True)
class Result:
    routes: list[list[int]]  # per vehicle, node ids in visiting order
    left_out: int
    fleet_iterations: int
    cost_iterations: int
    vehicles: int = 0
    cost: int = 0  # arcs plus fixed costs of the vehicles used
    value_left_out: int = 0

    def rank(self) -> tuple[int, int, int]:
        """Smaller is better: value left out, then vehicles, then cost."""
        return (self.value_left_out, self.vehicles, self.cost)


def search(inst: Instance, seconds: float, *, seed: int = 0, fleet_share: float = 0.5,
           start: list[list[int]] | None = None, cbar: float = 10.0, max_string: int = 10,
           blink: float = 0.01, temperatures: tuple[float, float] = (0.2, 0.002)) -> Result | None:
    """Search for ``seconds``; None when the compiled search is unavailable.

    ``start``: optional routes (node ids per vehicle) to start from.
    Annealing temperatures follow the instance's scale: from a fifth of the
    mean request-to-request arc cost down to a five-hundredth of it.
    """
    lib = _library()
    if lib is None:
        return None
    V, D = inst.capacity.shape
    R = inst.demand.shape[0]
    n = 2 * V + 2 * R
    req_nodes = np.arange(2 * V, n)
    arcs = inst.cost[np.ix_(req_nodes, req_nodes)] if R else np.zeros((1, 1))
    mean_arc = float(arcs.mean()) if arcs.size else 1.0
    t0, tf = max(1.0, temperatures[0] * mean_arc), max(0.01, temperatures[1] * mean_arc)
    if start is not None and not is_plan(start, V, R):
        raise ValueError("ruin_recreate.search: start must give, per vehicle, each request's pickup and "
                         "delivery nodes (pickup first) at most once")
    flat = [] if start is None else [x for route in start for x in (*route, -1)]
    init = np.asarray(flat or [0], dtype=np.int32)
    out = np.zeros(n + V + 1, dtype=np.int32)
    stats = np.zeros(6, dtype=np.int64)

    def c64(a) -> np.ndarray:
        return np.ascontiguousarray(a, dtype=np.int64)

    left = lib.rr_solve(n, V, R, D, c64(inst.time), c64(inst.cost), c64(inst.earliest), c64(inst.latest),
                        c64(inst.demand), c64(inst.capacity), c64(inst.ride), c64(inst.fixed), c64(inst.max_visits), c64(inst.value),
                        np.ascontiguousarray(inst.allowed, dtype=np.uint8), init, len(flat),
                        float(seconds), float(fleet_share), t0, tf, float(cbar), int(max_string), float(blink),
                        int(seed) & (2**64 - 1), out, stats)
    if left < 0:
        return None
    routes, current = [], []
    for x in out[: n - 2 * V + V]:
        if x < 0:
            routes.append(current)
            current = []
        else:
            current.append(int(x))
    return Result(routes, int(left), int(stats[0]), int(stats[1]), int(stats[2]), int(stats[3]), int(stats[5]))


def is_plan(routes: list[list[int]], V: int, R: int) -> bool:
    """Whether ``routes`` has at most V routes of request nodes, each request at most once
    and whole (pickup before delivery, on one route): anything else would corrupt the C search."""
    if len(routes) > V:
        return False
    seen: set[int] = set()
    for route in routes:
        position = {}
        for i, node in enumerate(route):
            if not (2 * V <= node < 2 * V + 2 * R) or node in seen:
                return False
            seen.add(node)
            position[node] = i
        for node, i in position.items():
            pickup = (node - 2 * V) % 2 == 0
            partner = node + 1 if pickup else node - 1
            if partner not in position or (position[partner] < i) == pickup:
                return False
    return True
