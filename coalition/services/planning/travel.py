"""Where a plan's travel times come from: an OSRM road server when ``ROUTING_OSRM_URL`` is set, else straight lines.

A plan decides once, before its first solve, by asking the road server for the whole day's matrix
(:func:`choose`). When the server cannot be reached or answers an error, the plan goes on with
straight-line estimates and records that it did (``straight_line_fallback``, with the error), so the
plan page, the drivers' pages and ``flask routes plan --json`` all say the times are estimates: never a
failed plan, never a silent switch. Every later solve of that plan (zones, food-safety re-solves) uses the
same choice; the matrix is then in the process's cache (:data:`routing.matrix.OSRM_CACHE`).
"""
from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass

import routing

log = logging.getLogger(__name__)

OSRM = "osrm"
STRAIGHT_LINE = "straight_line"
FALLBACK = "straight_line_fallback"
KINDS = (OSRM, STRAIGHT_LINE, FALLBACK)
RoadServer = routing.OsrmProvider   # for the services that pass one on without importing routing themselves


@dataclass(frozen=True)
class Travel:
    """The choice: its ``kind`` (one of KINDS), the provider to plan with (None: straight lines), and for a
    fallback the road server's error in words."""

    kind: str = STRAIGHT_LINE
    provider: routing.OsrmProvider | None = None
    error: str = ""


def osrm_provider(config: Mapping) -> routing.OsrmProvider | None:
    """The road server of the app's config (``ROUTING_OSRM_URL``, ``ROUTING_OSRM_TABLE_SIZE``,
    ``ROUTING_OSRM_TIMEOUT_S``), or None when none is configured."""
    url = (config.get("ROUTING_OSRM_URL") or "").strip()
    if not url:
        return None
    return routing.OsrmProvider(url, timeout_s=float(config.get("ROUTING_OSRM_TIMEOUT_S", 10)),
                                max_table_size=int(config.get("ROUTING_OSRM_TABLE_SIZE", 100)))


def choose(problem: routing.Problem, provider: routing.OsrmProvider | None) -> Travel:
    """Road times when ``provider`` answers for all of ``problem``'s places, else straight lines (a fallback
    when a provider was given). The answer stays in the process's matrix cache for the solves to come."""
    if provider is None:
        return Travel()
    try:
        provider.matrix(problem.locations())
    except (routing.MatrixError, routing.ProblemError) as error:
        log.warning("road server unavailable, planning on straight-line estimates: %s", error)
        return Travel(FALLBACK, None, str(error))
    return Travel(OSRM, provider)


def with_travel(problem: routing.Problem, travel: Travel) -> routing.Problem:
    """``problem`` planned with ``travel``'s provider (straight lines: routing's default)."""
    if problem.matrix is travel.provider:
        return problem
    return routing.Problem(requests=problem.requests, vehicles=problem.vehicles, depots=problem.depots,
                           matrix=travel.provider, objective=problem.objective)


def road_legs(points: list[tuple[float, float]], provider: routing.OsrmProvider | None
              ) -> tuple[Travel, list[tuple[float, float]] | None]:
    """Seconds and metres of each leg between consecutive ``points`` (lat, lon degrees) on the roads.

    Returns the choice and, when the road server answered for every leg, the legs; otherwise the legs are None
    and the caller estimates them itself (a fallback when ``provider`` was given, with the error in words).
    """
    if provider is None:
        return Travel(), None
    places = [routing.Location(lat, lon) for lat, lon in points]
    unique = list(dict.fromkeys(places))
    try:
        matrix = provider.matrix(unique)
    except (routing.MatrixError, routing.ProblemError) as error:
        log.warning("road server unavailable, estimating on straight lines: %s", error)
        return Travel(FALLBACK, None, str(error)), None
    row = {place: i for i, place in enumerate(unique)}
    legs = [(float(matrix.duration_s[row[a], row[b]]), float(matrix.distance_m[row[a], row[b]]))
            for a, b in zip(places, places[1:])]
    if any(seconds == float("inf") for seconds, _ in legs):
        return Travel(FALLBACK, None, "the road server found no road between two of the places"), None
    return Travel(OSRM, provider), legs


def words(kind: str, error: str = "") -> str:
    """What a plan says of its travel times, for its message."""
    if kind == OSRM:
        return "Travel times are road times (OSRM)."
    if kind == FALLBACK:
        return (f"Travel times are straight-line estimates: the road server could not be reached ({error}).")
    return "Travel times are straight-line estimates (no road server configured)."


def estimated_leg_s(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Seconds from ``a`` to ``b`` (lat, lon degrees) by the planner's own straight-line estimate (routing's
    default provider), for a leg the plan never drove (two stops that become neighbours once one leaves)."""
    matrix = routing.HaversineProvider().matrix([routing.Location(*a), routing.Location(*b)])
    return float(matrix.duration_s[0, 1])
