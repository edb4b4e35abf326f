"""The routing problem: frozen, validated dataclasses.

Everything here is plain data checked on construction. Bad input raises
:class:`ProblemError` with a message naming the offending item; a problem that
is merely infeasible (a load too big for every vehicle, a window nobody can
reach) is *not* an error: the solver reports those requests as dropped, with a
reason.

Times are seconds (``*_s``) on any epoch the caller chooses, for example
seconds since the planning day's midnight; all times of one problem must use
the same epoch. Loads are integers per dimension (``{"kg": 40, "crates": 2}``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import TYPE_CHECKING, Literal, Mapping

if TYPE_CHECKING:  # pragma: no cover
    from .matrix import MatrixProvider, TravelMatrix


class ProblemError(ValueError):
    """Invalid problem input; the message names the offending item."""


StorageClass = Literal["ambient", "refrigerated", "frozen"]
ColdChain = Literal["none", "insulated", "refrigerated"]
RequestKind = Literal["pickup_delivery", "depot_delivery", "depot_pickup"]
Objective = Literal["duration", "distance"]

#: The cold-chain rule, in one place: which vehicle cold-chain capabilities may
#: carry each storage class. Ambient food goes in any car; chilled food needs
#: at least an insulated box; frozen food needs a refrigerated vehicle.
CAN_CARRY: Mapping[str, frozenset[str]] = MappingProxyType(
    {
        "ambient": frozenset({"none", "insulated", "refrigerated"}),
        "refrigerated": frozenset({"insulated", "refrigerated"}),
        "frozen": frozenset({"refrigerated"}),
    }
)
COLD_CHAINS = ("none", "insulated", "refrigerated")
REQUEST_KINDS = ("pickup_delivery", "depot_delivery", "depot_pickup")


def can_carry(cold_chain: str, storage_class: str) -> bool:
    """Whether a vehicle with ``cold_chain`` may carry ``storage_class`` food."""
    return cold_chain in CAN_CARRY[storage_class]


def format_time(t_s: float) -> str:
    """Render seconds as ``HH:MM`` (or ``HH:MM:SS``) for messages."""
    t = int(round(t_s))
    sign = "-" if t < 0 else ""
    t = abs(t)
    h, rem = divmod(t, 3600)
    m, s = divmod(rem, 60)
    return f"{sign}{h:02d}:{m:02d}" + (f":{s:02d}" if s else "")


def _is_number(x: object) -> bool:
    return isinstance(x, (int, float)) and not isinstance(x, bool)


def _check_finite(what: str, name: str, value: object) -> None:
    if not _is_number(value) or not math.isfinite(value):  # type: ignore[arg-type]
        raise ProblemError(f"{what}: {name} must be a finite number, got {value!r}")


@dataclass(frozen=True)
class Location:
    """A place: latitude/longitude in degrees, or a row of a given matrix.

    ``Location(52.37, 4.89)`` or ``Location(index=3)``; exactly one form.
    """

    lat: float | None = None
    lon: float | None = None
    index: int | None = None

    def __post_init__(self) -> None:
        if self.index is not None:
            if self.lat is not None or self.lon is not None:
                raise ProblemError(f"location {self}: give lat/lon or index, not both")
            if not isinstance(self.index, int) or isinstance(self.index, bool) or self.index < 0:
                raise ProblemError(f"location: matrix index must be an int >= 0, got {self.index!r}")
            return
        if self.lat is None or self.lon is None:
            raise ProblemError("location: give both lat and lon, or a matrix index")
        for name, value, bound in (("lat", self.lat, 90.0), ("lon", self.lon, 180.0)):
            if not _is_number(value) or not math.isfinite(value):
                raise ProblemError(f"location: {name} must be a finite number, got {value!r}")
            if abs(value) > bound:
                raise ProblemError(f"location: {name} {value} is out of range [-{bound:g}, {bound:g}]")

    def describe(self) -> str:
        return f"#{self.index}" if self.index is not None else f"({self.lat:.6f}, {self.lon:.6f})"


@dataclass(frozen=True)
class TimeWindow:
    """Service may *start* at any time in ``[start_s, end_s]`` (both inclusive)."""

    start_s: float
    end_s: float

    def check(self, what: str) -> None:
        """Raise :class:`ProblemError` naming ``what`` (the owner) if the window is not valid.

        Checked by the owner (stop, shift, break) rather than on construction,
        so that the message can name the request or vehicle.
        """
        _check_finite(what, "time window start_s", self.start_s)
        _check_finite(what, "time window end_s", self.end_s)
        if self.end_s < self.start_s:
            raise ProblemError(
                f"{what}: time window end {format_time(self.end_s)} is before start {format_time(self.start_s)}"
            )

    def contains(self, t_s: float, tol: float = 1e-6) -> bool:
        return self.start_s - tol <= t_s <= self.end_s + tol


@dataclass(frozen=True)
class Break:
    """A driver break of ``duration_s`` that must start within ``window``.

    The break happens while not serving a stop: before leaving, after the
    last stop, while waiting, or part-way through a drive (which then arrives
    later by ``duration_s``).
    """

    window: TimeWindow
    duration_s: float

    def check(self, what: str) -> None:
        if not isinstance(self.window, TimeWindow):
            raise ProblemError(f"{what}: break window must be a TimeWindow, got {self.window!r}")
        self.window.check(f"{what} break")
        _check_finite(f"{what} break", "duration_s", self.duration_s)
        if self.duration_s < 0:
            raise ProblemError(f"{what} break: duration_s must be >= 0, got {self.duration_s}")


def _check_windows(what: str, windows: tuple[TimeWindow, ...] | None) -> tuple[TimeWindow, ...] | None:
    if windows is None:
        return None
    windows = tuple(windows)
    if not windows:
        raise ProblemError(f"{what}: empty list of time windows (omit windows for 'any time')")
    for w in windows:
        if not isinstance(w, TimeWindow):
            raise ProblemError(f"{what}: windows must be TimeWindow objects, got {w!r}")
        w.check(what)
    windows = tuple(sorted(windows, key=lambda w: w.start_s))
    for a, b in zip(windows, windows[1:]):
        if b.start_s <= a.end_s:
            raise ProblemError(
                f"{what}: time windows {format_time(a.start_s)}-{format_time(a.end_s)} and "
                f"{format_time(b.start_s)}-{format_time(b.end_s)} overlap; merge them"
            )
    return windows


@dataclass(frozen=True)
class StopSpec:
    """Where and when one end of a request is served.

    ``service_s`` is the time spent at the stop (loading or unloading);
    ``windows`` are the allowed service start times (``None``: any time).
    """

    location: Location
    service_s: float = 0
    windows: tuple[TimeWindow, ...] | None = None

    def checked(self, what: str) -> StopSpec:
        if not isinstance(self.location, Location):
            raise ProblemError(f"{what}: location must be a Location, got {self.location!r}")
        _check_finite(what, "service_s", self.service_s)
        if self.service_s < 0:
            raise ProblemError(f"{what}: service_s must be >= 0, got {self.service_s}")
        windows = _check_windows(what, self.windows)
        return StopSpec(self.location, self.service_s, windows)


@dataclass(frozen=True)
class Depot:
    """A food-bank warehouse: source of ``depot_delivery`` requests, sink of ``depot_pickup`` ones."""

    id: str
    location: Location
    service_s: float = 0
    windows: tuple[TimeWindow, ...] | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.id, str) or not self.id:
            raise ProblemError(f"depot {self.id!r}: id must be a non-empty string")
        spec = StopSpec(self.location, self.service_s, self.windows).checked(f"depot {self.id!r}")
        object.__setattr__(self, "windows", spec.windows)

    def stop(self) -> StopSpec:
        return StopSpec(self.location, self.service_s, self.windows)


class Amounts(dict):
    """A read-only ``{dimension: int}`` mapping (loads, capacities); hashable and picklable."""

    def _readonly(self, *args, **kwargs):
        raise TypeError("loads and capacities are read-only")

    __setitem__ = __delitem__ = clear = pop = popitem = setdefault = update = _readonly  # type: ignore[assignment]

    def __hash__(self) -> int:  # type: ignore[override]
        return hash(frozenset(self.items()))

    def __reduce__(self):
        return (Amounts, (dict(self),))


def _check_load(what: str, load: Mapping[str, int], name: str) -> Mapping[str, int]:
    if not isinstance(load, Mapping):
        raise ProblemError(f"{what}: {name} must be a mapping like {{'kg': 40}}, got {load!r}")
    for key, value in load.items():
        if not isinstance(key, str) or not key:
            raise ProblemError(f"{what}: {name} dimension names must be non-empty strings, got {key!r}")
        if not isinstance(value, int) or isinstance(value, bool) or value < 0:
            raise ProblemError(f"{what}: {name}[{key!r}] must be an int >= 0, got {value!r}")
    return Amounts(load)


@dataclass(frozen=True)
class Request:
    """One transport request.

    - ``pickup_delivery``: from ``pickup`` (a donor) to ``delivery`` (a recipient).
    - ``depot_delivery``: from a depot to ``delivery``; ``pickup`` must be None.
    - ``depot_pickup``: from ``pickup`` to a depot; ``delivery`` must be None.

    ``depot`` names the depot for the depot kinds (optional when the problem
    has exactly one). ``max_ride_s`` bounds the time from the start of pickup
    service to the start of delivery service (food safety). ``value`` prices
    leaving the request unserved, e.g. kg times a perishability weight.
    """

    id: str
    kind: RequestKind = "pickup_delivery"
    pickup: StopSpec | None = None
    delivery: StopSpec | None = None
    load: Mapping[str, int] = field(default_factory=lambda: {"kg": 0})
    storage_class: StorageClass = "ambient"
    max_ride_s: float | None = None
    value: int = 1
    depot: str | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.id, str) or not self.id:
            raise ProblemError(f"request {self.id!r}: id must be a non-empty string")
        what = f"request {self.id!r}"
        if self.kind not in REQUEST_KINDS:
            raise ProblemError(f"{what}: kind must be one of {', '.join(REQUEST_KINDS)}; got {self.kind!r}")
        needs_pickup = self.kind in ("pickup_delivery", "depot_pickup")
        needs_delivery = self.kind in ("pickup_delivery", "depot_delivery")
        for name, spec, needed in (("pickup", self.pickup, needs_pickup), ("delivery", self.delivery, needs_delivery)):
            if needed and spec is None:
                raise ProblemError(f"{what}: kind {self.kind} needs a {name} stop")
            if not needed and spec is not None:
                raise ProblemError(f"{what}: kind {self.kind} takes no {name} stop (it is the depot)")
            if spec is not None:
                if not isinstance(spec, StopSpec):
                    raise ProblemError(f"{what}: {name} must be a StopSpec, got {spec!r}")
                object.__setattr__(self, name, spec.checked(f"{what}: {name}"))
        object.__setattr__(self, "load", _check_load(what, self.load, "load"))
        if self.storage_class not in CAN_CARRY:
            raise ProblemError(
                f"{what}: storage_class must be one of {', '.join(CAN_CARRY)}; got {self.storage_class!r}"
            )
        if self.max_ride_s is not None:
            _check_finite(what, "max_ride_s", self.max_ride_s)
            if self.max_ride_s < 0:
                raise ProblemError(f"{what}: max_ride_s must be >= 0, got {self.max_ride_s}")
        if not isinstance(self.value, int) or isinstance(self.value, bool) or self.value < 0:
            raise ProblemError(f"{what}: value must be an int >= 0, got {self.value!r}")


@dataclass(frozen=True)
class Vehicle:
    """A volunteer driver and their vehicle.

    ``end=None`` means an open route (the driver goes home from the last stop
    and that drive is not planned). ``shift`` bounds leaving ``start`` and
    arriving at ``end``. ``capacity`` limits the dimensions it lists; a
    dimension it does not list is not limited for it. ``fixed_cost`` is added
    to the objective (in its units: seconds or metres) when the vehicle is used,
    on top of the built-in preference for fewer vehicles. ``max_stops`` bounds
    the visits of its route (each pickup and each delivery is one stop, done
    ones included); ``None`` means no limit. In a re-plan, requests already
    started on the vehicle are finished even if that takes more stops.
    """

    id: str
    start: Location
    end: Location | None = None
    shift: TimeWindow = TimeWindow(0, 24 * 3600)
    capacity: Mapping[str, int] = field(default_factory=lambda: {"kg": 0})
    cold_chain: ColdChain = "none"
    max_duration_s: float | None = None
    break_: Break | None = None
    fixed_cost: int = 0
    max_stops: int | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.id, str) or not self.id:
            raise ProblemError(f"vehicle {self.id!r}: id must be a non-empty string")
        what = f"vehicle {self.id!r}"
        if not isinstance(self.start, Location):
            raise ProblemError(f"{what}: start must be a Location, got {self.start!r}")
        if self.end is not None and not isinstance(self.end, Location):
            raise ProblemError(f"{what}: end must be a Location or None, got {self.end!r}")
        if not isinstance(self.shift, TimeWindow):
            raise ProblemError(f"{what}: shift must be a TimeWindow, got {self.shift!r}")
        self.shift.check(f"{what} shift")
        object.__setattr__(self, "capacity", _check_load(what, self.capacity, "capacity"))
        if self.cold_chain not in COLD_CHAINS:
            raise ProblemError(f"{what}: cold_chain must be one of {', '.join(COLD_CHAINS)}; got {self.cold_chain!r}")
        if self.max_duration_s is not None:
            _check_finite(what, "max_duration_s", self.max_duration_s)
            if self.max_duration_s < 0:
                raise ProblemError(f"{what}: max_duration_s must be >= 0, got {self.max_duration_s}")
        if self.break_ is not None:
            if not isinstance(self.break_, Break):
                raise ProblemError(f"{what}: break_ must be a Break, got {self.break_!r}")
            self.break_.check(what)
        if not isinstance(self.fixed_cost, int) or isinstance(self.fixed_cost, bool) or self.fixed_cost < 0:
            raise ProblemError(f"{what}: fixed_cost must be an int >= 0, got {self.fixed_cost!r}")
        if self.max_stops is not None and (not isinstance(self.max_stops, int) or isinstance(self.max_stops, bool)
                                           or self.max_stops < 1):
            raise ProblemError(f"{what}: max_stops must be an int >= 1 or None, got {self.max_stops!r}")

    def fits(self, load: Mapping[str, int]) -> bool:
        """Whether ``load`` alone fits this vehicle's capacity."""
        return all(self.capacity.get(k, v) >= v for k, v in load.items())


@dataclass(frozen=True)
class Problem:
    """A day's requests and vehicles, plus how to compute travel between places.

    ``matrix`` is a provider (see :mod:`routing.matrix`); ``None`` uses
    great-circle distance times a circuity factor over an average speed, which
    needs lat/lon locations. Locations given by ``index`` need a
    :class:`~routing.matrix.PrecomputedMatrix`.
    ``objective`` picks what to minimise after value served and vehicles used.
    """

    requests: tuple[Request, ...] = ()
    vehicles: tuple[Vehicle, ...] = ()
    depots: tuple[Depot, ...] = ()
    matrix: MatrixProvider | None = None
    objective: Objective = "duration"

    def __post_init__(self) -> None:
        object.__setattr__(self, "requests", tuple(self.requests))
        object.__setattr__(self, "vehicles", tuple(self.vehicles))
        object.__setattr__(self, "depots", tuple(self.depots))
        for kind, items, cls in (("request", self.requests, Request), ("vehicle", self.vehicles, Vehicle),
                                 ("depot", self.depots, Depot)):
            seen: set[str] = set()
            for item in items:
                if not isinstance(item, cls):
                    raise ProblemError(f"{kind}s must be {cls.__name__} objects, got {item!r}")
                if item.id in seen:
                    raise ProblemError(f"{kind} {item.id!r}: duplicate id")
                seen.add(item.id)
        if self.objective not in ("duration", "distance"):
            raise ProblemError(f"objective must be 'duration' or 'distance', got {self.objective!r}")
        depot_ids = {d.id for d in self.depots}
        for r in self.requests:
            if r.kind == "pickup_delivery":
                continue
            if r.depot is None and len(self.depots) != 1:
                raise ProblemError(
                    f"request {r.id!r}: kind {r.kind} needs depot= (the problem has {len(self.depots)} depots)"
                )
            if r.depot is not None and r.depot not in depot_ids:
                raise ProblemError(f"request {r.id!r}: unknown depot {r.depot!r}")
        kinds = {loc.index is None for loc in self._all_locations()}
        if len(kinds) > 1:
            raise ProblemError("locations mix lat/lon and matrix indices; use one form throughout")
        if self.matrix is None and False in kinds:
            raise ProblemError("locations given by matrix index need matrix=PrecomputedMatrix(...)")

    # -- derived data -------------------------------------------------------

    def depot(self, depot_id: str | None) -> Depot:
        if depot_id is None:
            return self.depots[0]
        return next(d for d in self.depots if d.id == depot_id)

    def pickup_of(self, r: Request) -> StopSpec:
        """The pickup stop of ``r``, the depot's stop for ``depot_delivery``."""
        return r.pickup if r.pickup is not None else self.depot(r.depot).stop()

    def delivery_of(self, r: Request) -> StopSpec:
        """The delivery stop of ``r``, the depot's stop for ``depot_pickup``."""
        return r.delivery if r.delivery is not None else self.depot(r.depot).stop()

    def request(self, request_id: str) -> Request:
        for r in self.requests:
            if r.id == request_id:
                return r
        raise KeyError(request_id)

    def vehicle(self, vehicle_id: str) -> Vehicle:
        for v in self.vehicles:
            if v.id == vehicle_id:
                return v
        raise KeyError(vehicle_id)

    def _all_locations(self) -> list[Location]:
        locs: list[Location] = []
        for v in self.vehicles:
            locs.append(v.start)
            if v.end is not None:
                locs.append(v.end)
        for d in self.depots:
            locs.append(d.location)
        for r in self.requests:
            for spec in (r.pickup, r.delivery):
                if spec is not None:
                    locs.append(spec.location)
        return locs

    def locations(self) -> list[Location]:
        """Distinct locations of the problem, in a stable order (matrix rows)."""
        return list(dict.fromkeys(self._all_locations()))

    def travel(self) -> TravelMatrix:
        """The travel matrix over :meth:`locations`, asked of the provider on every call.

        :func:`routing.solve` asks once and hands the matrix down; a provider
        behind a network (OSRM) is not asked again during the search.
        """
        from .matrix import HaversineProvider, TravelMatrix

        locs = self.locations()
        provider = self.matrix if self.matrix is not None else HaversineProvider()
        return provider.matrix(locs) if locs else TravelMatrix.empty()

    def location_rows(self) -> dict[Location, int]:
        """Each location's row in :meth:`travel` (build it once for many look-ups)."""
        return {loc: i for i, loc in enumerate(self.locations())}

    def loc_index(self, loc: Location) -> int:
        """Row of ``loc`` in :meth:`travel`."""
        return self.location_rows()[loc]
