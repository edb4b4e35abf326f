"""Drivers' availability: one-off shifts and weekly patterns that create shifts ahead of time.

Times are entered in the coalition's local time and stored in UTC. A shift
starts and ends at the driver's home (a point), a depot (an organization's
site) or "anywhere" (the route starts at its first stop, ends at its last).
"""
from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from coalition import permissions
from coalition.errors import Conflict, NotFound, PermissionDenied, ValidationError
from coalition.models import WEEKDAYS, Membership, Organization, Role, User, grams
from coalition.models.shift import ColdChain, DriverShift, PlaceKind, ShiftPattern, ShiftStatus
from coalition.services import audit

MAX_CAPACITY_KG = 3000
MAX_STOPS = 200
#: Every request is two stops (its pickup and its delivery): a shift allowing fewer could serve nothing.
MIN_STOPS = 2
STOPS_MESSAGE = (f"At least {MIN_STOPS} (each pickup has its delivery) and at most {MAX_STOPS} stops, "
                 "or leave empty.")
DAYS_AHEAD = 14


@dataclass
class Place:
    kind: str = "anywhere"
    latitude: float | None = None
    longitude: float | None = None
    organization_id: int | None = None
    address: str = ""  # a home's street address, kept beside its point


@dataclass
class ShiftInput:
    """What the shift form posts; times are local."""

    local_date: dt.date | None = None
    start_time: dt.time | None = None
    end_time: dt.time | None = None
    start: Place = field(default_factory=Place)
    end: Place = field(default_factory=Place)
    capacity_kg: float | None = None
    cold_chain: str = "none"
    max_stops: int | None = None
    notes: str = ""
    weekdays: list[str] = field(default_factory=list)   # for patterns
    until: dt.date | None = None                       # for patterns


def _place(session: Session, place: Place, prefix: str, errors: dict) -> tuple[PlaceKind, float | None, float | None,
                                                                           Organization | None]:
    try:
        kind = PlaceKind(place.kind)
    except ValueError:
        errors[f"{prefix}_kind"] = "Choose home, a depot or anywhere."
        return PlaceKind.ANYWHERE, None, None, None
    if kind is PlaceKind.HOME:
        ok = all(v is not None and isinstance(v, (int, float)) and math.isfinite(v) for v in (place.latitude, place.longitude))
        if not ok or not (-90 <= place.latitude <= 90 and -180 <= place.longitude <= 180):
            errors[f"{prefix}_latitude"] = "Give the latitude and longitude of home (e.g. 45.52 and -122.68)."
            return kind, None, None, None
        return kind, float(place.latitude), float(place.longitude), None
    if kind is PlaceKind.DEPOT:
        organization = session.get(Organization, place.organization_id) if place.organization_id else None
        if organization is None or not organization.active or organization.latitude is None:
            errors[f"{prefix}_organization_id"] = "Choose a depot on the map of partners."
            return kind, None, None, None
        if organization.confidential:
            # Shifts start there whatever the day's stops, so drivers would learn where it is.
            errors[f"{prefix}_organization_id"] = "This partner's location is confidential: choose another depot."
            return kind, None, None, None
        return kind, None, None, organization
    return kind, None, None, None


def _validated(session: Session, data: ShiftInput, now: dt.datetime, tz: dt.tzinfo, pattern: bool) -> dict:
    """Check every field; returns the parsed values or raises one ValidationError naming each bad field."""
    errors: dict[str, str] = {}
    if pattern:
        if not data.weekdays or any(day not in WEEKDAYS for day in data.weekdays):
            errors["weekdays"] = "Tick at least one day of the week."
    elif data.local_date is None:
        errors["local_date"] = "Choose the day."
    if data.start_time is None:
        errors["start_time"] = "Give the start time."
    if data.end_time is None:
        errors["end_time"] = "Give the end time."
    elif data.start_time is not None and data.end_time <= data.start_time:
        errors["end_time"] = "End after the start (shifts end the same day)."
    if not pattern and data.local_date and data.end_time and "end_time" not in errors:
        if dt.datetime.combine(data.local_date, data.end_time, tz) <= now:
            errors["local_date"] = "This shift would be over already."
    cap = data.capacity_kg
    if cap is None or isinstance(cap, bool) or not math.isfinite(cap) or cap <= 0 or cap > MAX_CAPACITY_KG:
        errors["capacity_kg"] = f"Give the room in the vehicle in kg, more than 0 and at most {MAX_CAPACITY_KG}."
    try:
        chain = ColdChain(data.cold_chain)
    except ValueError:
        errors["cold_chain"] = "Choose what the vehicle keeps cold."
        chain = ColdChain.NONE
    if data.max_stops is not None and not MIN_STOPS <= data.max_stops <= MAX_STOPS:
        errors["max_stops"] = STOPS_MESSAGE
    if len(data.notes or "") > 300:
        errors["notes"] = "At most 300 characters."
    if pattern and data.until is not None and data.until < now.astimezone(tz).date():
        errors["until"] = "The end date has passed."
    start = _place(session, data.start, "start", errors)
    end = _place(session, data.end, "end", errors)
    addresses = {}
    for prefix, place, parsed in (("start", data.start, start), ("end", data.end, end)):
        addresses[f"{prefix}_address"] = (place.address or "").strip() if parsed[0] is PlaceKind.HOME else ""
        if len(addresses[f"{prefix}_address"]) > 300:
            errors[f"{prefix}_address"] = "At most 300 characters."
    if errors:
        raise ValidationError("Please correct the highlighted fields.", errors)
    return {"start": start, "end": end, "capacity_g": grams(cap), "cold_chain": chain, "max_stops": data.max_stops,
            **addresses}


def _apply_places(row, values: dict) -> None:
    (row.start_kind, row.start_latitude, row.start_longitude, row.start_organization_id) = (
        values["start"][0], values["start"][1], values["start"][2], values["start"][3].id if values["start"][3] else None)
    (row.end_kind, row.end_latitude, row.end_longitude, row.end_organization_id) = (
        values["end"][0], values["end"][1], values["end"][2], values["end"][3].id if values["end"][3] else None)
    row.start_address, row.end_address = values["start_address"], values["end_address"]
    row.capacity_g, row.cold_chain, row.max_stops = values["capacity_g"], values["cold_chain"], values["max_stops"]


def post_shift(session: Session, actor: User, driver: User, organization: Organization, data: ShiftInput,
               now: dt.datetime, tz: dt.tzinfo) -> DriverShift:
    """Post one shift for ``driver`` driving for ``organization``.

    Raises PermissionDenied (see permissions.can_post_shift_for), ValidationError
    naming each bad field, Conflict when the driver already has a shift overlapping it.
    """
    if not permissions.can_post_shift_for(actor, driver, organization):
        raise PermissionDenied(f"You cannot post shifts for {driver.display_name}.")
    values = _validated(session, data, now, tz, pattern=False)
    start_at = dt.datetime.combine(data.local_date, data.start_time, tz).astimezone(dt.timezone.utc)
    end_at = dt.datetime.combine(data.local_date, data.end_time, tz).astimezone(dt.timezone.utc)
    clash = session.scalar(select(DriverShift).where(
        DriverShift.driver_id == driver.id, DriverShift.status != ShiftStatus.CANCELLED,
        DriverShift.start_at < end_at, DriverShift.end_at > start_at).limit(1))
    if clash is not None:
        raise Conflict("This overlaps another shift of the same driver.", {"start_time": "Overlaps another shift."})
    shift = DriverShift(driver=driver, organization=organization, local_date=data.local_date, start_at=start_at,
                        end_at=end_at, notes=(data.notes or "").strip(), created_at=now)
    _apply_places(shift, values)
    session.add(shift)
    session.flush()
    audit.record(session, actor, "driver_shift", shift.id, "posted", now, organization.id,
                 driver_id=driver.id, local_date=data.local_date.isoformat())
    return shift


def cancel_shift(session: Session, actor: User, shift: DriverShift, now: dt.datetime) -> DriverShift:
    """Take a shift back (the day's planning no longer counts on it)."""
    if not permissions.can_manage_shift(actor, shift):
        raise PermissionDenied("You cannot change this shift.")
    if shift.status is ShiftStatus.CANCELLED:
        raise Conflict("This shift is already cancelled.")
    if shift.end_at <= now:
        raise Conflict("This shift is over.")
    shift.status = ShiftStatus.CANCELLED
    audit.record(session, actor, "driver_shift", shift.id, "cancelled", now, shift.organization_id)
    session.flush()
    return shift


def create_pattern(session: Session, actor: User, driver: User, organization: Organization, data: ShiftInput,
                   now: dt.datetime, tz: dt.tzinfo) -> tuple[ShiftPattern, list[DriverShift]]:
    """A weekly availability ("every Saturday 09:00-12:00"); its shifts for the next two weeks are created now."""
    if not permissions.can_post_shift_for(actor, driver, organization):
        raise PermissionDenied(f"You cannot post shifts for {driver.display_name}.")
    values = _validated(session, data, now, tz, pattern=True)
    pattern = ShiftPattern(driver_id=driver.id, organization_id=organization.id, weekdays=list(data.weekdays),
                           start_time=data.start_time.strftime("%H:%M"), end_time=data.end_time.strftime("%H:%M"),
                           starts_on=now.astimezone(tz).date(), ends_on=data.until, created_at=now)
    _apply_places(pattern, values)
    session.add(pattern)
    session.flush()
    audit.record(session, actor, "shift_pattern", pattern.id, "created", now, organization.id, driver_id=driver.id,
                 weekdays=list(data.weekdays))
    return pattern, generate_shifts(session, now, tz, [pattern])


def stop_pattern(session: Session, actor: User, pattern: ShiftPattern, now: dt.datetime) -> ShiftPattern:
    organization = session.get(Organization, pattern.organization_id)
    if not permissions.can_post_shift_for(actor, pattern.driver, organization):
        raise PermissionDenied("You cannot change this weekly availability.")
    pattern.active = False
    audit.record(session, actor, "shift_pattern", pattern.id, "stopped", now, pattern.organization_id)
    session.flush()
    return pattern


def generate_shifts(session: Session, now: dt.datetime, tz: dt.tzinfo, patterns: list[ShiftPattern] | None = None,
                    days_ahead: int = DAYS_AHEAD) -> list[DriverShift]:
    """Create the coming shifts of active weekly patterns; idempotent (one shift per pattern and day)."""
    if patterns is None:
        patterns = list(session.scalars(select(ShiftPattern).where(ShiftPattern.active.is_(True))))
    today = now.astimezone(tz).date()
    created = []
    for pattern in patterns:
        if not pattern.active:
            continue
        have = set(session.scalars(select(DriverShift.local_date).where(DriverShift.pattern_id == pattern.id,
                                                                        DriverShift.local_date >= today)))
        start_t, end_t = dt.time.fromisoformat(pattern.start_time), dt.time.fromisoformat(pattern.end_time)
        for offset in range(days_ahead):
            day = today + dt.timedelta(days=offset)
            if (WEEKDAYS[day.weekday()] not in pattern.weekdays or day in have or day < pattern.starts_on
                    or (pattern.ends_on and day > pattern.ends_on)):
                continue
            start_at = dt.datetime.combine(day, start_t, tz).astimezone(dt.timezone.utc)
            end_at = dt.datetime.combine(day, end_t, tz).astimezone(dt.timezone.utc)
            if end_at <= now:
                continue
            shift = DriverShift(driver_id=pattern.driver_id, organization_id=pattern.organization_id, local_date=day,
                                start_at=start_at, end_at=end_at, pattern_id=pattern.id, created_at=now,
                                start_kind=pattern.start_kind, start_latitude=pattern.start_latitude,
                                start_address=pattern.start_address, end_address=pattern.end_address,
                                start_longitude=pattern.start_longitude,
                                start_organization_id=pattern.start_organization_id, end_kind=pattern.end_kind,
                                end_latitude=pattern.end_latitude, end_longitude=pattern.end_longitude,
                                end_organization_id=pattern.end_organization_id, capacity_g=pattern.capacity_g,
                                cold_chain=pattern.cold_chain, max_stops=pattern.max_stops, notes="Weekly availability")
            session.add(shift)
            created.append(shift)
    session.flush()
    return created


def drivers_for(session: Session, actor: User) -> list[tuple[User, Organization]]:
    """The (driver, organization) pairs the actor may post shifts for: themselves, and the drivers they manage."""
    rows = session.scalars(select(Membership).where(Membership.role == Role.DRIVER, Membership.active.is_(True))
                           .options(selectinload(Membership.user), selectinload(Membership.organization))
                           .order_by(Membership.id))
    return [(m.user, m.organization) for m in rows
            if m.user.active and m.organization.active and permissions.can_post_shift_for(actor, m.user, m.organization)]


def list_shifts(session: Session, actor: User, now: dt.datetime) -> list[DriverShift]:
    """Coming shifts the actor posted or manages, soonest first."""
    allowed = {(user.id, organization.id) for user, organization in drivers_for(session, actor)}
    shifts = session.scalars(select(DriverShift).where(DriverShift.end_at > now)
                             .options(selectinload(DriverShift.driver), selectinload(DriverShift.organization))
                             .order_by(DriverShift.start_at, DriverShift.id))
    return [s for s in shifts if (s.driver_id, s.organization_id) in allowed]


def list_patterns(session: Session, actor: User) -> list[ShiftPattern]:
    allowed = {(user.id, organization.id) for user, organization in drivers_for(session, actor)}
    patterns = session.scalars(select(ShiftPattern).where(ShiftPattern.active.is_(True)).order_by(ShiftPattern.id))
    return [p for p in patterns if (p.driver_id, p.organization_id) in allowed]


def get_shift(session: Session, shift_id: int) -> DriverShift:
    shift = session.get(DriverShift, shift_id)
    if shift is None:
        raise NotFound("There is no such shift.")
    return shift


def get_pattern(session: Session, pattern_id: int) -> ShiftPattern:
    pattern = session.get(ShiftPattern, pattern_id)
    if pattern is None:
        raise NotFound("There is no such weekly availability.")
    return pattern
