"""Cold-chain patterns the backbone follows up: donors whose food is often warm at pickup, drivers and vehicles
whose cold food often arrives warm, and how long cold food is out of refrigeration against its "safe until".

Shifts do not record a vehicle; a driver's vehicle is the one attested in their readiness profile
(``DriverProfile.vehicle`` and ``vehicle_plate``), so an arrival reading counts for the vehicle its driver
attests now. Vehicles are told apart by plate (several volunteers may share a pantry's van); drivers with
no plate attested count for no vehicle.

A reading is warm when it is above the limit it was held to (``temperature_dc > limit_dc``),
whatever was then decided.
"""
from __future__ import annotations

import dataclasses
import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from coalition import permissions
from coalition.errors import PermissionDenied
from coalition.models import Claim, DonationLine, Stop, User
from coalition.models.cold_chain import TemperatureReading
from coalition.models.readiness import DriverProfile

WINDOW_DAYS = 90
REPEATED = 2            # this many warm readings in the window make a pattern
# Minutes out of refrigeration, as the distribution's upper bounds (the last bucket is open).
BUCKETS_MIN = (30, 60, 120, 240)


@dataclasses.dataclass
class Tally:
    """Readings of one donor (at pickup) or one driver (on arrival) in the window, and how many were warm."""

    name: str
    readings: int = 0
    warm: int = 0

    @property
    def share_warm_pct(self) -> float:
        return round(self.warm / self.readings * 100, 1) if self.readings else 0.0


@dataclasses.dataclass
class Patterns:
    since: dt.datetime
    donors: list[Tally]                       # donors with REPEATED or more warm readings at pickup
    drivers: list[Tally]                      # drivers with REPEATED or more lines arriving warm
    vehicles: list[Tally]                     # vehicles (by plate) with REPEATED or more lines arriving warm
    buckets: list[tuple[str, int]]            # ("30-60 min", lines)
    past_safe_until: int                      # lines whose arrival reading came after their "safe until"
    timed: int                                # lines with both readings


def cold_chain_patterns(session: Session, actor: User, now: dt.datetime, days: int = WINDOW_DAYS) -> Patterns:
    """The patterns of the last ``days`` days. Raises PermissionDenied unless the actor is the backbone."""
    if not permissions.can_view_compliance_reports(actor):
        raise PermissionDenied("Only the backbone follows cold-chain patterns.")
    since = now - dt.timedelta(days=days)
    readings = list(session.scalars(
        select(TemperatureReading).where(TemperatureReading.taken_at >= since)
        .options(selectinload(TemperatureReading.taken_by),
                 selectinload(TemperatureReading.claim).selectinload(Claim.line).selectinload(DonationLine.donation))
        .order_by(TemperatureReading.taken_at, TemperatureReading.id)))
    donors: dict[int, Tally] = {}
    drivers: dict[int, Tally] = {}
    by_claim: dict[int, dict[str, TemperatureReading]] = {}
    for reading in readings:
        warm = reading.temperature_dc > reading.limit_dc
        if reading.stage == "pickup":
            donor = reading.claim.line.donation.donor
            tally = donors.setdefault(donor.id, Tally(donor.name))
        else:
            who = reading.taken_by
            tally = drivers.setdefault(who.id if who else 0, Tally(who.display_name if who else "Unknown"))
        tally.readings += 1
        tally.warm += warm
        by_claim.setdefault(reading.claim_id, {})[reading.stage] = reading
    counts = [0] * (len(BUCKETS_MIN) + 1)
    past = timed = 0
    safe_until = _safe_until_of_pickups(session, [r["pickup"].stop_id for r in by_claim.values() if "pickup" in r])
    for stages in by_claim.values():
        if "pickup" not in stages or "delivery" not in stages:
            continue
        timed += 1
        minutes = (stages["delivery"].taken_at - stages["pickup"].taken_at).total_seconds() / 60
        counts[next((i for i, bound in enumerate(BUCKETS_MIN) if minutes < bound), len(BUCKETS_MIN))] += 1
        until = safe_until.get(stages["pickup"].stop_id)
        past += until is not None and stages["delivery"].taken_at > until
    labels = [f"under {BUCKETS_MIN[0]} min"] + [f"{a}-{b} min" for a, b in zip(BUCKETS_MIN, BUCKETS_MIN[1:])] + \
        [f"{BUCKETS_MIN[-1]} min or more"]

    def repeated(table: dict[int, Tally]) -> list[Tally]:
        return sorted((t for t in table.values() if t.warm >= REPEATED), key=lambda t: (-t.warm, -t.share_warm_pct, t.name))

    vehicles = _by_vehicle(session, [r for r in readings if r.stage == "delivery"])
    return Patterns(since, repeated(donors), repeated(drivers), repeated(vehicles), list(zip(labels, counts)), past, timed)


def _by_vehicle(session: Session, arrivals: list[TemperatureReading]) -> dict[str, Tally]:
    """Arrival readings tallied by the plate of the vehicle their driver attests."""
    ids = {r.taken_by_id for r in arrivals if r.taken_by_id is not None}
    profiles = {p.user_id: p for p in session.scalars(select(DriverProfile).where(DriverProfile.user_id.in_(ids)))} \
        if ids else {}
    vehicles: dict[str, Tally] = {}
    for reading in arrivals:
        profile = profiles.get(reading.taken_by_id)
        plate = "".join(ch for ch in (profile.vehicle_plate if profile else "") if ch.isalnum()).upper()
        if not plate:
            continue
        tally = vehicles.setdefault(plate, Tally(f"{profile.vehicle} ({profile.vehicle_plate})".strip()
                                                 if profile.vehicle else profile.vehicle_plate))
        tally.readings += 1
        tally.warm += reading.temperature_dc > reading.limit_dc
    return vehicles


def _safe_until_of_pickups(session: Session, stop_ids: list[int | None]) -> dict[int, dt.datetime]:
    ids = [i for i in stop_ids if i is not None]
    if not ids:
        return {}
    return {stop_id: until for stop_id, until in session.execute(
        select(Stop.id, Stop.safe_until).where(Stop.id.in_(ids), Stop.safe_until.is_not(None)))}
