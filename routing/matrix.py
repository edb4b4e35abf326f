"""Travel matrix providers: how long and how far from every place to every other.

A provider turns a list of :class:`~routing.problem.Location` into a
:class:`TravelMatrix` of seconds and metres (floats; ``inf`` marks a place
that cannot be reached). Three providers:

- :class:`HaversineProvider` (the default): great-circle distance times a
  circuity factor, over an average speed. No network needed.
- :class:`PrecomputedMatrix`: seconds and metres given by the caller; locations
  are its row indices (``Location(index=i)``).
- :class:`OsrmProvider`: an OSRM server's ``/table`` service, batched for large
  matrices, cached, with timeouts and errors reported as :class:`MatrixError`.
"""

from __future__ import annotations

import json
import math
import urllib.error
import urllib.request
from dataclasses import dataclass, field
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


@dataclass(eq=False)
class OsrmProvider:
    """Travel times and distances from an OSRM server's ``/table/v1`` service.

    ``base_url`` like ``http://localhost:5000``. Matrices larger than
    ``batch_size`` are requested in ``batch_size x batch_size`` blocks. Results
    are cached per (from, to) coordinate pair for the provider's lifetime.
    ``null`` entries (no route) become ``inf``. Raises :class:`MatrixError`
    on timeouts, HTTP errors or malformed answers, naming the URL.
    """

    base_url: str
    profile: str = "driving"
    timeout_s: float = 10.0
    batch_size: int = 100
    _cache: dict = field(default_factory=dict, repr=False)
    requests_made: int = 0

    def matrix(self, locations: Sequence[Location]) -> TravelMatrix:
        pts = _latlon(locations, "OSRM provider")
        coords = [(round(float(lon), 6), round(float(lat), 6)) for lat, lon in pts]
        n = len(coords)
        dur = np.zeros((n, n))
        dist = np.zeros((n, n))
        if n == 0:
            return TravelMatrix(dur, dist)
        step = max(1, int(self.batch_size))
        for i0 in range(0, n, step):
            for j0 in range(0, n, step):
                src = list(range(i0, min(n, i0 + step)))
                dst = list(range(j0, min(n, j0 + step)))
                if any((coords[i], coords[j]) not in self._cache for i in src for j in dst):
                    self._fetch([coords[i] for i in src], [coords[j] for j in dst])
                for i in src:
                    for j in dst:
                        dur[i, j], dist[i, j] = self._cache[(coords[i], coords[j])]
        np.fill_diagonal(dur, 0.0)
        np.fill_diagonal(dist, 0.0)
        return TravelMatrix(dur, dist)

    def _fetch(self, src: list[tuple[float, float]], dst: list[tuple[float, float]]) -> None:
        unique = list(dict.fromkeys(src + dst))
        pos = {c: k for k, c in enumerate(unique)}
        path = ";".join(f"{lon:.6f},{lat:.6f}" for lon, lat in unique)
        sources = ";".join(str(pos[c]) for c in src)
        destinations = ";".join(str(pos[c]) for c in dst)
        url = (
            f"{self.base_url.rstrip('/')}/table/v1/{self.profile}/{path}"
            f"?sources={sources}&destinations={destinations}&annotations=duration,distance"
        )
        shown = url if len(url) < 200 else url[:200] + "..."
        try:
            with urllib.request.urlopen(url, timeout=self.timeout_s) as resp:
                body = resp.read()
        except urllib.error.HTTPError as exc:
            detail = exc.read()[:200].decode("utf-8", "replace")
            raise MatrixError(f"OSRM table request failed with HTTP {exc.code}: {detail} ({shown})") from None
        except (urllib.error.URLError, TimeoutError, OSError) as exc:
            reason = getattr(exc, "reason", exc)
            raise MatrixError(f"OSRM table request failed: {reason} ({shown})") from None
        self.requests_made += 1
        try:
            data = json.loads(body)
        except ValueError:
            raise MatrixError(f"OSRM answered with invalid JSON ({shown})") from None
        if not isinstance(data, dict) or data.get("code") != "Ok":
            msg = data.get("message", data.get("code")) if isinstance(data, dict) else data
            raise MatrixError(f"OSRM answered with an error: {msg} ({shown})")
        durations = data.get("durations")
        distances = data.get("distances")
        if durations is None or len(durations) != len(src) or any(len(row) != len(dst) for row in durations):
            raise MatrixError(f"OSRM answer has no durations table of {len(src)} x {len(dst)} ({shown})")
        if distances is None:
            distances = [[None] * len(dst) for _ in src]
        for a, row_d, row_m in zip(src, durations, distances):
            for b, d, m in zip(dst, row_d, row_m):
                self._cache[(a, b)] = (
                    math.inf if d is None else float(d),
                    math.inf if (m is None and d is None) else (0.0 if m is None else float(m)),
                )
