"""Travel matrix providers: how long and how far from every place to every other.

A provider turns a list of :class:`~routing.problem.Location` into a
:class:`TravelMatrix` of seconds and metres (floats; ``inf`` marks a place
that cannot be reached). Three providers:

- :class:`HaversineProvider` (the default): great-circle distance times a
  circuity factor, over an average speed. No network needed.
- :class:`PrecomputedMatrix`: seconds and metres given by the caller; locations
  are its row indices (``Location(index=i)``).
- :class:`OsrmProvider`: an OSRM server's ``/table`` service, batched within the
  server's table limit, cached per process (a known sub-matrix is reused, only
  the rows and columns of new places are fetched), with timeouts and errors
  reported as :class:`MatrixError`.
"""

from __future__ import annotations

import json
import math
import threading
import time
import urllib.error
import urllib.request
from collections import OrderedDict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Protocol, Sequence

import numpy as np

from .problem import Location, ProblemError

EARTH_RADIUS_M = 6_371_008.8


class MatrixError(RuntimeError):
    """A travel matrix could not be obtained (network, server or data error)."""


@dataclass(frozen=True, eq=False)
class TravelMatrix:
    """Square matrices over a list of locations: ``duration_s[i, j]`` and ``distance_m[i, j]``."""

    duration_s: np.ndarray
    distance_m: np.ndarray

    def __post_init__(self) -> None:
        d = np.asarray(self.duration_s, dtype=float)
        m = np.asarray(self.distance_m, dtype=float)
        if d.ndim != 2 or d.shape[0] != d.shape[1] or m.shape != d.shape:
            raise ProblemError(f"travel matrix must be square n x n with equal shapes, got {d.shape} and {m.shape}")
        if np.isnan(d).any() or np.isnan(m).any():
            raise ProblemError("travel matrix contains NaN (use inf for unreachable)")
        if (d < 0).any() or (m < 0).any():
            raise ProblemError("travel matrix contains negative values")
        object.__setattr__(self, "duration_s", d)
        object.__setattr__(self, "distance_m", m)

    @classmethod
    def empty(cls) -> TravelMatrix:
        return cls(np.zeros((0, 0)), np.zeros((0, 0)))

    @property
    def size(self) -> int:
        return int(self.duration_s.shape[0])


class MatrixProvider(Protocol):
    """Anything with ``matrix(locations) -> TravelMatrix``."""

    def matrix(self, locations: Sequence[Location]) -> TravelMatrix: ...


def _latlon(locations: Sequence[Location], provider: str) -> np.ndarray:
    for loc in locations:
        if loc.lat is None or loc.lon is None:
            raise ProblemError(f"location {loc.describe()}: {provider} needs lat/lon, not a matrix index")
    return np.array([[loc.lat, loc.lon] for loc in locations], dtype=float).reshape(-1, 2)


def haversine_m(latlon_a: np.ndarray, latlon_b: np.ndarray) -> np.ndarray:
    """Great-circle distances in metres between rows of two ``(n, 2)`` degree arrays."""
    a = np.radians(latlon_a)[:, None, :]
    b = np.radians(latlon_b)[None, :, :]
    dlat = b[..., 0] - a[..., 0]
    dlon = b[..., 1] - a[..., 1]
    h = np.sin(dlat / 2) ** 2 + np.cos(a[..., 0]) * np.cos(b[..., 0]) * np.sin(dlon / 2) ** 2
    return 2 * EARTH_RADIUS_M * np.arcsin(np.sqrt(np.clip(h, 0.0, 1.0)))


@dataclass(frozen=True)
class HaversineProvider:
    """Great-circle metres times ``circuity`` (roads are not straight), over ``speed_kmh``."""

    speed_kmh: float = 30.0
    circuity: float = 1.3

    def __post_init__(self) -> None:
        if not (math.isfinite(self.speed_kmh) and self.speed_kmh > 0):
            raise ProblemError(f"haversine provider: speed_kmh must be > 0, got {self.speed_kmh}")
        if not (math.isfinite(self.circuity) and self.circuity >= 1):
            raise ProblemError(f"haversine provider: circuity must be >= 1, got {self.circuity}")

    def matrix(self, locations: Sequence[Location]) -> TravelMatrix:
        pts = _latlon(locations, "haversine provider")
        dist = haversine_m(pts, pts) * self.circuity
        return TravelMatrix(dist / (self.speed_kmh / 3.6), dist)


@dataclass(frozen=True, eq=False)
class PrecomputedMatrix:
    """A caller-supplied matrix; ``Location(index=i)`` refers to row ``i``.

    ``distance_m`` defaults to zeros (then only the duration objective makes sense).
    """

    duration_s: object
    distance_m: object | None = None

    def __post_init__(self) -> None:
        d = np.asarray(self.duration_s, dtype=float)
        m = np.zeros_like(d) if self.distance_m is None else np.asarray(self.distance_m, dtype=float)
        full = TravelMatrix(d, m)
        object.__setattr__(self, "duration_s", full.duration_s)
        object.__setattr__(self, "distance_m", full.distance_m)

    def matrix(self, locations: Sequence[Location]) -> TravelMatrix:
        n = self.duration_s.shape[0]  # type: ignore[attr-defined]
        rows = []
        for loc in locations:
            if loc.index is None:
                raise ProblemError(f"location {loc.describe()}: a precomputed matrix needs Location(index=...)")
            if loc.index >= n:
                raise ProblemError(f"location #{loc.index}: outside the {n} x {n} matrix")
            rows.append(loc.index)
        ix = np.array(rows, dtype=int)
        return TravelMatrix(self.duration_s[np.ix_(ix, ix)], self.distance_m[np.ix_(ix, ix)])  # type: ignore[index]


Coord = tuple[float, float]    # (lon, lat) rounded to 1e-6 degree, OSRM's order


@dataclass
class _Table:
    """A matrix fetched for one list of coordinates, and when."""

    coords: tuple[Coord, ...]
    row: dict[Coord, int]
    duration_s: np.ndarray
    distance_m: np.ndarray
    fetched_at: float


class _TableCache:
    """Matrices per (server, profile) and list of coordinates, least recently used dropped first.

    Process-wide, so every plan, zone and re-plan of a worker shares it. A list
    seen before is a copy; a list that shares places with one seen before takes
    those pairs from it and asks the server only for the rows and columns of the
    places that are new (a moved request, a re-plan with one more claim).
    Entries older than ``ttl_s`` are not used: the server's map may have been updated.
    """

    def __init__(self, max_tables: int = 16, ttl_s: float = 3600.0) -> None:
        self.max_tables = max_tables
        self.ttl_s = ttl_s
        self._tables: OrderedDict[tuple, _Table] = OrderedDict()
        self._lock = threading.Lock()

    def clear(self) -> None:
        with self._lock:
            self._tables.clear()

    def exact(self, server: tuple, coords: tuple[Coord, ...]) -> _Table | None:
        with self._lock:
            table = self._tables.get((server, coords))
            if table is None or time.monotonic() - table.fetched_at > self.ttl_s:
                return None
            self._tables.move_to_end((server, coords))
            return table

    def closest(self, server: tuple, coords: tuple[Coord, ...]) -> _Table | None:
        """The fresh table of ``server`` sharing the most places with ``coords`` (None: shares none)."""
        now = time.monotonic()
        with self._lock:
            tables = [t for (srv, _), t in self._tables.items() if srv == server and now - t.fetched_at <= self.ttl_s]
        best, shared = None, 0
        for table in tables:
            n = sum(1 for c in coords if c in table.row)
            if n > shared:
                best, shared = table, n
        return best

    def put(self, server: tuple, table: _Table) -> None:
        with self._lock:
            self._tables[(server, table.coords)] = table
            self._tables.move_to_end((server, table.coords))
            while len(self._tables) > self.max_tables:
                self._tables.popitem(last=False)


OSRM_CACHE = _TableCache()
MAX_URL_PLACES = 800        # coordinates in one request, about 21 characters each: some 17 kB of URL


@dataclass(frozen=True)
class OsrmProvider:
    """Travel times and distances from an OSRM server's ``/table/v1`` service.

    ``base_url`` like ``http://localhost:5000``. ``max_table_size`` is the
    server's ``--max-table-size`` (osrm-routed's default is 100): each request
    asks for at most that many sources and that many destinations, so
    sources x destinations stays within the server's limit; ``parallel``
    requests run at once. Matrices are cached in :data:`OSRM_CACHE` (see
    :class:`_TableCache`). ``null`` entries (no route) become ``inf``. Raises
    :class:`MatrixError` on timeouts, HTTP errors or malformed answers, naming the URL.
    The provider holds no state, so a problem carrying it pickles small (zones solved in other processes).
    """

    base_url: str
    profile: str = "driving"
    timeout_s: float = 10.0
    max_table_size: int = 100
    parallel: int = 4

    def __post_init__(self) -> None:
        if not self.base_url.startswith(("http://", "https://")):
            raise ProblemError(f"OSRM provider: base_url must be an http(s) URL, got {self.base_url!r}")
        if self.max_table_size < 1 or self.parallel < 1:
            raise ProblemError("OSRM provider: max_table_size and parallel must be >= 1")

    @property
    def _server(self) -> tuple:
        return (self.base_url.rstrip("/"), self.profile)

    def matrix(self, locations: Sequence[Location]) -> TravelMatrix:
        pts = _latlon(locations, "OSRM provider")
        coords = tuple((round(float(lon), 6), round(float(lat), 6)) for lat, lon in pts)
        n = len(coords)
        if n == 0:
            return TravelMatrix.empty()
        table = OSRM_CACHE.exact(self._server, coords)
        if table is None:
            table = self._build(coords)
            OSRM_CACHE.put(self._server, table)
        return TravelMatrix(table.duration_s.copy(), table.distance_m.copy())

    def _build(self, coords: tuple[Coord, ...]) -> _Table:
        """The matrix over ``coords``: pairs already known from the closest cached table, the rest fetched."""
        n = len(coords)
        dur = np.full((n, n), np.nan)
        dist = np.full((n, n), np.nan)
        known = OSRM_CACHE.closest(self._server, coords)
        old = [i for i, c in enumerate(coords) if known is not None and c in known.row]
        new = [i for i in range(n) if known is None or coords[i] not in known.row]
        if old:
            rows = np.array([known.row[coords[i]] for i in old])
            dur[np.ix_(old, old)] = known.duration_s[np.ix_(rows, rows)]
            dist[np.ix_(old, old)] = known.distance_m[np.ix_(rows, rows)]
        # New places: their rows to everyone, and everyone else's columns to them.
        blocks = self._blocks(new, list(range(n))) + self._blocks(old, new)
        if blocks:
            workers = min(self.parallel, len(blocks))
            with ThreadPoolExecutor(max_workers=workers) as pool:
                answers = list(pool.map(lambda b: self._fetch(coords, *b), blocks))
            for (src, dst), (d, m) in zip(blocks, answers):
                dur[np.ix_(src, dst)] = d
                dist[np.ix_(src, dst)] = m
        np.fill_diagonal(dur, 0.0)
        np.fill_diagonal(dist, 0.0)
        return _Table(coords, {c: i for i, c in enumerate(coords)}, dur, dist, time.monotonic())

    def _blocks(self, src: list[int], dst: list[int]) -> list[tuple[list[int], list[int]]]:
        """``src`` x ``dst`` cut into requests of at most ``max_table_size`` sources and destinations.

        The coordinates travel in the URL and osrm-routed refuses headers over about 25 kB by default, so
        the blocks are made smaller until none names more than MAX_URL_PLACES places, whatever the table size.
        """
        step = self.max_table_size
        while True:
            blocks = [(src[i:i + step], dst[j:j + step])
                      for i in range(0, len(src), step) for j in range(0, len(dst), step)]
            if step == 1 or all(len(set(a) | set(b)) <= MAX_URL_PLACES for a, b in blocks):
                return blocks
            step = max(1, step // 2)

    def _fetch(self, coords: tuple[Coord, ...], src: list[int], dst: list[int]) -> tuple[np.ndarray, np.ndarray]:
        """One ``/table`` request: seconds and metres from ``coords[src]`` to ``coords[dst]`` (``inf``: no route)."""
        unique = list(dict.fromkeys(coords[i] for i in src + dst))
        pos = {c: k for k, c in enumerate(unique)}
        path = ";".join(f"{lon:.6f},{lat:.6f}" for lon, lat in unique)
        sources = ";".join(str(pos[coords[i]]) for i in src)
        destinations = ";".join(str(pos[coords[j]]) for j in dst)
        # skip_waypoints: the snapped places and their hints would be most of the answer, and unused.
        url = (f"{self.base_url.rstrip('/')}/table/v1/{self.profile}/{path}"
               f"?sources={sources}&destinations={destinations}&annotations=duration,distance&skip_waypoints=true")
        data = _get_json(url, self.timeout_s, "table")
        shown = _shown(url)
        durations = data.get("durations")
        distances = data.get("distances")
        if not _is_table(durations, len(src), len(dst)):
            raise MatrixError(f"OSRM answer has no durations table of {len(src)} x {len(dst)} ({shown})")
        if distances is not None and not _is_table(distances, len(src), len(dst)):
            raise MatrixError(f"OSRM answer has no distances table of {len(src)} x {len(dst)} ({shown})")
        d = np.array([[math.inf if x is None else float(x) for x in row] for row in durations], dtype=float)
        if distances is None:       # an old server without distance annotations: durations only
            m = np.where(np.isinf(d), math.inf, 0.0)
        else:
            m = np.array([[math.inf if x is None else float(x) for x in row] for row in distances], dtype=float)
        # Two places snapped to the same point of a road can come back a metre or so below zero (OSRM's
        # offsets along an edge are rounded): that is no distance at all.
        d, m = np.maximum(d, 0.0), np.maximum(m, 0.0)
        return d.reshape(len(src), len(dst)), m.reshape(len(src), len(dst))


def _shown(url: str) -> str:
    return url if len(url) < 200 else url[:200] + "..."


def _is_table(rows: object, n_src: int, n_dst: int) -> bool:
    return isinstance(rows, list) and len(rows) == n_src and all(isinstance(r, list) and len(r) == n_dst for r in rows)


def _get_json(url: str, timeout_s: float, service: str) -> dict:
    """GET ``url`` from an OSRM server: its JSON answer when ``code`` is ``Ok``, else :class:`MatrixError`."""
    shown = _shown(url)
    try:
        with urllib.request.urlopen(url, timeout=timeout_s) as resp:
            body = resp.read()
    except urllib.error.HTTPError as exc:
        detail = exc.read()[:200].decode("utf-8", "replace")
        raise MatrixError(f"OSRM {service} request failed with HTTP {exc.code}: {detail} ({shown})") from None
    except (urllib.error.URLError, TimeoutError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        raise MatrixError(f"OSRM {service} request failed: {reason} ({shown})") from None
    try:
        data = json.loads(body)
    except ValueError:
        raise MatrixError(f"OSRM answered with invalid JSON ({shown})") from None
    if not isinstance(data, dict) or data.get("code") != "Ok":
        msg = data.get("message", data.get("code")) if isinstance(data, dict) else data
        raise MatrixError(f"OSRM answered with an error: {msg} ({shown})")
    return data
