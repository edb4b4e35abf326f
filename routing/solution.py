"""The result of a solve: routes, visits, dropped requests with reasons.

A :class:`Solution` is plain data: ``to_dict()`` gives JSON-ready
dictionaries and ``from_dict()`` reads them back, so a plan can be stored and
later passed as ``SolveParams(previous=...)`` for re-optimization.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Literal, Mapping

from .problem import format_time

#: Reason codes for dropped requests, with the message a coordinator reads.
DROP_REASONS: Mapping[str, str] = {
    "no_vehicles": "there are no drivers in the plan",
    "storage_class": "no available vehicle can carry {storage} food",
    "too_large": "its load is larger than every vehicle that could carry it",
    "unreachable": "one of its locations cannot be reached by road from the drivers' start points",
    "ride_time": "its maximum ride time is shorter than the direct drive (or the wait for the delivery window)",
    "window_unreachable": "its time windows cannot be reached within any driver's shift",
    "not_enough_drivers": "not enough drivers or driver time to fit it in with the other requests",
}

DropReason = Literal[
    "no_vehicles", "storage_class", "too_large", "unreachable", "ride_time", "window_unreachable",
    "not_enough_drivers",
]


@dataclass(frozen=True)
class Visit:
    """One stop of a route: the pickup or delivery end of a request.

    ``arrival_s`` is when the vehicle gets there, ``start_s`` when service
    starts (after any wait for the window), ``departure_s`` when it leaves.
    ``load_after`` is what is on board after the stop, per dimension.
    """

    request_id: str
    kind: Literal["pickup", "delivery"]
    arrival_s: float
    start_s: float
    departure_s: float
    load_after: dict[str, int] = field(default_factory=dict)

    @property
    def wait_s(self) -> float:
        return self.start_s - self.arrival_s


@dataclass(frozen=True)
class Route:
    """One vehicle's plan: leave ``start`` at ``start_s``, visit in order, reach ``end`` at ``end_s``.

    For an open route, ``end_s`` is the departure from the last stop.
    ``break_start_s`` is when the driver's break starts (``None`` without one).
    """

    vehicle_id: str
    visits: tuple[Visit, ...]
    start_s: float
    end_s: float
    distance_m: float
    travel_s: float
    break_start_s: float | None = None

    @property
    def duration_s(self) -> float:
        return self.end_s - self.start_s

    def request_ids(self) -> list[str]:
        return list(dict.fromkeys(v.request_id for v in self.visits))


@dataclass(frozen=True)
class DroppedRequest:
    """A request the plan does not serve, with a reason code and a message for people."""

    request_id: str
    reason: DropReason
    message: str


@dataclass(frozen=True)
class Solution:
    """The plan. ``status`` is ``"ok"`` (everything served), ``"partial"``
    (some requests dropped) or ``"empty"`` (nothing to plan)."""

    routes: tuple[Route, ...] = ()
    dropped: tuple[DroppedRequest, ...] = ()
    status: Literal["ok", "partial", "empty"] = "empty"
    objective: str = "duration"
    runtime_s: float = 0.0
    stats: dict = field(default_factory=dict)

    @property
    def used_routes(self) -> list[Route]:
        return [r for r in self.routes if r.visits]

    @property
    def num_vehicles(self) -> int:
        return len(self.used_routes)

    @property
    def distance_m(self) -> float:
        return sum(r.distance_m for r in self.routes)

    @property
    def travel_s(self) -> float:
        return sum(r.travel_s for r in self.routes)

    @property
    def duration_s(self) -> float:
        return sum(r.duration_s for r in self.used_routes)

    def route_of(self, vehicle_id: str) -> Route | None:
        return next((r for r in self.routes if r.vehicle_id == vehicle_id), None)

    def to_dict(self) -> dict:
        """JSON-serializable dictionary (plain lists, dicts, strings and numbers)."""
        d = asdict(self)
        d["routes"] = [dict(asdict(r), duration_s=r.duration_s) for r in self.routes]
        d["totals"] = {
            "vehicles": self.num_vehicles,
            "distance_m": self.distance_m,
            "travel_s": self.travel_s,
            "duration_s": self.duration_s,
            "served": sum(len(r.request_ids()) for r in self.routes),
            "dropped": len(self.dropped),
        }
        return d

    @classmethod
    def from_dict(cls, d: Mapping) -> Solution:
        routes = tuple(
            Route(
                vehicle_id=r["vehicle_id"],
                visits=tuple(Visit(**{k: v[k] for k in ("request_id", "kind", "arrival_s", "start_s",
                                                        "departure_s", "load_after")}) for v in r["visits"]),
                start_s=r["start_s"], end_s=r["end_s"], distance_m=r["distance_m"], travel_s=r["travel_s"],
                break_start_s=r.get("break_start_s"),
            )
            for r in d.get("routes", ())
        )
        dropped = tuple(DroppedRequest(**x) for x in d.get("dropped", ()))
        return cls(routes, dropped, d.get("status", "empty"), d.get("objective", "duration"),
                   d.get("runtime_s", 0.0), dict(d.get("stats", {})))

    def summary(self) -> str:
        """A short human-readable report of the plan."""
        lines = [
            f"{self.status}: {self.num_vehicles} vehicles, "
            f"{sum(len(r.request_ids()) for r in self.routes)} requests served, {len(self.dropped)} dropped; "
            f"travel {self.travel_s / 3600:.2f} h, {self.distance_m / 1000:.1f} km; solved in {self.runtime_s:.1f} s"
        ]
        for r in self.used_routes:
            stops = " ".join(f"{'+' if v.kind == 'pickup' else '-'}{v.request_id}" for v in r.visits)
            lines.append(
                f"  {r.vehicle_id}: {format_time(r.start_s)}-{format_time(r.end_s)} "
                f"{r.distance_m / 1000:.1f} km  {stops}"
            )
        for x in self.dropped:
            lines.append(f"  dropped {x.request_id}: {x.message}")
        return "\n".join(lines)
