"""Telling nearby drivers of a same-day rescue: who fits it, and the waves the periodic worker sends.

A driver fits an open rescue when a shift of theirs today overlaps its pickup window, the shift's start place
(a depot, or the home point they gave) is within the radius of the pickup, and, for refrigerated or frozen
food, the shift's vehicle keeps it cold and their food-safety training is current. They are told nearest
first, a few at a time: the next wave only when nobody took the rescue within the wave interval, and nobody
more than the daily cap. Each alert is a ``RescueAlert`` row committed with its notification, so a
restarted worker never tells anyone twice; a taken rescue is published, so no more waves go out for it.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from coalition.models import NotificationKind, RescueAlert, RoutePlan, StorageClass, User
from coalition.models.shift import ColdChain, DriverShift, ShiftStatus
from coalition.services import notifications, places, readiness, rescues, units
from coalition.services.distance import haversine_km
from coalition.services.notifications import Page

# Which vehicles keep which food cold (the same rule as routing.CAN_CARRY).
KEEPS_COLD = {StorageClass.REFRIGERATED: {ColdChain.INSULATED, ColdChain.REFRIGERATED},
              StorageClass.FROZEN: {ColdChain.REFRIGERATED}}


@dataclass(frozen=True)
class WaveRules:
    """``size`` drivers a wave, the next after ``minutes``, at most ``per_driver_day`` alerts a driver a
    local day, drivers within ``radius_km`` of the pickup."""

    size: int = 3
    minutes: int = 10
    per_driver_day: int = 3
    radius_km: float = 15.0


@dataclass(frozen=True)
class Candidate:
    driver: User
    shift: DriverShift
    distance_km: float


def _start_point(shift: DriverShift) -> tuple[float, float] | None:
    place = shift.start_organization
    if place is not None and place.latitude is not None:
        return place.latitude, place.longitude
    if shift.start_latitude is not None and shift.start_longitude is not None:
        return shift.start_latitude, shift.start_longitude
    return None


def _acting_driver(shift: DriverShift) -> User | None:
    if shift.covered_by_id:
        return shift.covered_by
    return None if shift.status is ShiftStatus.COVER_REQUESTED else shift.driver


def rescue_audience(session: Session, plan: RoutePlan, now: dt.datetime, tz: dt.tzinfo,
                    radius_km: float) -> list[Candidate]:
    """Drivers who fit an open rescue today, nearest first (each driver once, by their nearest shift)."""
    return fitting_drivers(session, rescues.rescue_claims(session, plan), now, tz, radius_km)


def fitting_drivers(session: Session, claims: list, now: dt.datetime, tz: dt.tzinfo,
                    radius_km: float) -> list[Candidate]:
    """Drivers who could collect ``claims`` (one donation) today: a shift of theirs overlaps its pickup window,
    starts within ``radius_km`` of the pickup and keeps its food cold enough, and they are ready to drive;
    nearest first, each driver once (by their nearest shift)."""
    if not claims:
        return []
    donation = claims[0].line.donation
    donor = donation.donor
    if donor.latitude is None or donor.longitude is None:
        return []
    cold = [KEEPS_COLD[c.line.storage] for c in claims if c.line.storage in KEEPS_COLD]
    today = now.astimezone(tz).date()
    shifts = session.scalars(select(DriverShift).where(
        DriverShift.local_date == today, DriverShift.status != ShiftStatus.CANCELLED,
        DriverShift.start_at < donation.pickup_end, DriverShift.end_at > max(now, donation.pickup_start),
        ~rescues.is_rescue_shift()))
    best: dict[int, Candidate] = {}
    for shift in shifts:
        driver, point = _acting_driver(shift), _start_point(shift)
        if driver is None or not driver.active or point is None:
            continue
        if any(shift.cold_chain not in fits for fits in cold):
            continue
        state = readiness.readiness_of(session, driver, today)
        if not state.can_drive or (cold and not state.can_carry_cold):
            continue
        km = haversine_km(point[0], point[1], donor.latitude, donor.longitude)
        if km <= radius_km and (driver.id not in best or km < best[driver.id].distance_km):
            best[driver.id] = Candidate(driver, shift, km)
    return sorted(best.values(), key=lambda c: (c.distance_km, c.driver.id))


def _alerts_today(session: Session, today: dt.date) -> dict[int, int]:
    rows = session.execute(select(RescueAlert.user_id, func.count()).where(RescueAlert.local_date == today)
                           .group_by(RescueAlert.user_id))
    return {user_id: count for user_id, count in rows}


def send_rescue_waves(session: Session, now: dt.datetime, tz: dt.tzinfo, rules: WaveRules) -> int:
    """Send the next wave of every open rescue that is due; returns how many drivers were told.
    Flushes; the caller commits (the alerts and their notifications together)."""
    today = now.astimezone(tz).date()
    counts = _alerts_today(session, today)
    told = 0
    for plan in rescues.list_open_rescues(session, now):
        sent = list(session.scalars(select(RescueAlert).where(RescueAlert.plan_id == plan.id)))
        if sent and max(a.sent_at for a in sent) + dt.timedelta(minutes=rules.minutes) > now:
            continue
        already = {a.user_id for a in sent}
        wave = [c for c in rescue_audience(session, plan, now, tz, rules.radius_km)
                if c.driver.id not in already and counts.get(c.driver.id, 0) < rules.per_driver_day][:rules.size]
        number = max((a.wave for a in sent), default=0) + 1
        for candidate in wave:
            session.add(RescueAlert(plan_id=plan.id, user_id=candidate.driver.id, wave=number, local_date=today,
                                    distance_km=round(candidate.distance_km, 2), sent_at=now))
            counts[candidate.driver.id] = counts.get(candidate.driver.id, 0) + 1
            _tell(session, plan, candidate, now)
            told += 1
    session.flush()
    return told


def _tell(session: Session, plan: RoutePlan, candidate: Candidate, now: dt.datetime) -> None:
    claims = rescues.rescue_claims(session, plan)
    donor = claims[0].line.donation.donor
    kg = sum(c.quantity_g for c in claims) / 1000
    note = (plan.params or {}).get("rescue", {}).get("note", "")
    notifications.notify_user(session, candidate.driver, NotificationKind.RESCUE_NEARBY,
                              f"Rescue near you: {units.kg_text(kg)} from {places.public_name(donor)}, {candidate.distance_km:.1f} km away",
                              note or "Can you take it?", Page("driver.shifts"), now)
