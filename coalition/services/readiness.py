"""Volunteer readiness: a driver's food-safety training, licence and insurance attestations, vehicle,
and mentor pairing; whether a driver may drive at all and may carry cold food on a given day.

Rules: any route needs a current licence and insurance attestation; refrigerated
or frozen food also needs current food-safety training. An item with no date is
missing; an item whose expiry date is before the day is expired (the expiry day itself
still counts). Dispatch asks :func:`readiness_of` (or :func:`readiness_by_driver` for a
whole day's shifts) and :func:`effective_cold_chain`.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from coalition import permissions
from coalition.errors import NotFound, PermissionDenied, ValidationError
from coalition.models import ColdChain, Membership, Role, User
from coalition.models.readiness import DriverProfile
from coalition.services import audit

EXPIRY_HORIZON_DAYS = 30

# item key -> (label, field with the date it was done/attested, field with its expiry)
ITEMS = {
    "training": ("Food-safety training", "training_completed_on", "training_expires_on"),
    "licence": ("Driving licence attestation", "licence_attested_on", "licence_expires_on"),
    "insurance": ("Vehicle insurance attestation", "insurance_attested_on", "insurance_expires_on"),
}


@dataclass(frozen=True)
class Readiness:
    """What a driver may do on a day. ``missing`` says, in words, each item missing or expired."""

    can_drive: bool
    can_carry_cold: bool
    missing: list[str] = field(default_factory=list)

    @property
    def reason(self) -> str:
        return "; ".join(self.missing)


@dataclass(frozen=True)
class Expiry:
    driver: User
    item: str
    label: str
    expires_on: dt.date
    expired: bool


@dataclass
class ProfileInput:
    """What a driver (or their coordinator) records; dates are local calendar dates."""

    training_completed_on: dt.date | None = None
    training_expires_on: dt.date | None = None
    training_provider: str = ""
    licence_attested_on: dt.date | None = None
    licence_expires_on: dt.date | None = None
    insurance_attested_on: dt.date | None = None
    insurance_expires_on: dt.date | None = None
    vehicle: str = ""
    vehicle_plate: str = ""


def _item_state(profile: DriverProfile | None, item: str, on_date: dt.date) -> str | None:
    """None when the item is current that day, else the words saying why not."""
    label, done_field, expiry_field = ITEMS[item]
    done = getattr(profile, done_field) if profile else None
    expires = getattr(profile, expiry_field) if profile else None
    if done is None:
        return f"{label} not recorded"
    if done > on_date:
        return f"{label} dated {done.isoformat()}, after {on_date.isoformat()}"
    if expires is not None and expires < on_date:
        return f"{label} expired on {expires.isoformat()}"
    return None


def readiness_from_profile(profile: DriverProfile | None, on_date: dt.date) -> Readiness:
    """:func:`readiness_of` for a profile already loaded (None = nothing recorded)."""
    states = {item: _item_state(profile, item, on_date) for item in ITEMS}
    missing = [words for words in (states["licence"], states["insurance"], states["training"]) if words]
    can_drive = states["licence"] is None and states["insurance"] is None
    return Readiness(can_drive=can_drive, can_carry_cold=can_drive and states["training"] is None, missing=missing)


def get_profile(session: Session, driver: User) -> DriverProfile | None:
    return session.scalar(select(DriverProfile).where(DriverProfile.user_id == driver.id))


def readiness_of(session: Session, driver: User, on_date: dt.date) -> Readiness:
    """Whether ``driver`` may take a route on ``on_date`` (licence and insurance current) and may carry
    refrigerated or frozen food (also food-safety training current)."""
    return readiness_from_profile(get_profile(session, driver), on_date)


def readiness_by_driver(session: Session, driver_ids, on_date: dt.date) -> dict[int, Readiness]:
    """:func:`readiness_of` for many drivers in one query (a day's shifts)."""
    ids = set(driver_ids)
    profiles = {p.user_id: p for p in session.scalars(select(DriverProfile).where(DriverProfile.user_id.in_(ids)))} if ids else {}
    return {driver_id: readiness_from_profile(profiles.get(driver_id), on_date) for driver_id in ids}


def effective_cold_chain(declared: ColdChain, readiness: Readiness) -> ColdChain:
    """The cold chain planning may use: none unless the driver's food-safety training is current."""
    return declared if readiness.can_carry_cold else ColdChain.NONE


def check_can_take(readiness: Readiness, needs_cold: bool) -> None:
    """Raise PermissionDenied when a driver may not take a route or rescue (cold food needs the training)."""
    if not readiness.can_drive:
        raise PermissionDenied(f"You cannot take routes yet: {readiness.reason}. Update your readiness profile.")
    if needs_cold and not readiness.can_carry_cold:
        raise PermissionDenied(f"This rescue carries cold food, which needs current food-safety training: {readiness.reason}.")


def _is_driver(user: User) -> bool:
    return any(m.role is Role.DRIVER for m in user.active_memberships())


def list_drivers(session: Session) -> list[User]:
    """Everyone with an active driver membership, by name."""
    return list(session.scalars(
        select(User).join(Membership, Membership.user_id == User.id)
        .where(Membership.role == Role.DRIVER, Membership.active.is_(True), User.active.is_(True))
        .distinct().order_by(User.display_name, User.id)))


def get_driver(session: Session, user_id: int) -> User:
    driver = session.get(User, user_id)
    if driver is None or not _is_driver(driver):
        raise NotFound("There is no such driver.")
    return driver


def save_profile(session: Session, actor: User, driver: User, data: ProfileInput, now: dt.datetime) -> DriverProfile:
    """Create or update ``driver``'s readiness record.

    Raises PermissionDenied (not the driver, their coordinator or the backbone),
    ValidationError naming each bad field (an expiry before the date it was done,
    an expiry without that date, a date in the future, text too long).
    """
    if not permissions.can_edit_driver_profile(actor, driver):
        raise PermissionDenied("You may not change this driver's readiness.")
    errors: dict[str, str] = {}
    today = now.date()
    for _item, (label, done_field, expiry_field) in ITEMS.items():
        done, expires = getattr(data, done_field), getattr(data, expiry_field)
        if done is not None and done > today + dt.timedelta(days=1):
            errors[done_field] = "This date is in the future."
        if expires is not None and done is None:
            errors[done_field] = f"Give the date of the {label.lower()} too."
        elif expires is not None and expires < done:
            errors[expiry_field] = "The expiry must be on or after the date it was done."
    for name, limit in (("training_provider", 120), ("vehicle", 120), ("vehicle_plate", 20)):
        if len(getattr(data, name) or "") > limit:
            errors[name] = f"At most {limit} characters."
    if errors:
        raise ValidationError("Please correct the highlighted dates.", errors)
    profile = get_profile(session, driver)
    if profile is None:
        profile = DriverProfile(user_id=driver.id)
        session.add(profile)
    changes = {}
    for name, value in vars(data).items():
        value = value.strip() if isinstance(value, str) else value
        if getattr(profile, name, None) != value:
            changes[name] = value.isoformat() if isinstance(value, dt.date) else value
        setattr(profile, name, value)
    profile.updated_at, profile.updated_by_id = now, actor.id
    session.flush()
    audit.record(session, actor, "driver_profile", profile.id, "readiness_updated", now, None, **changes)
    return profile


def set_mentor(session: Session, actor: User, driver: User, mentor: User | None, until: dt.date | None,
               now: dt.datetime) -> DriverProfile:
    """Pair a new driver with an experienced one for their first runs (``mentor`` None ends the pairing).

    Raises PermissionDenied (only the backbone pairs drivers), ValidationError when the
    mentor is the driver, is not a driver, or cannot drive today, or ``until`` is past.
    """
    if not permissions.can_manage_readiness(actor):
        raise PermissionDenied("Only the backbone's coordinators pair drivers.")
    errors = {}
    if mentor is not None:
        if mentor.id == driver.id:
            errors["mentor_id"] = "A driver cannot mentor themselves."
        elif not _is_driver(mentor):
            errors["mentor_id"] = f"{mentor.display_name} is not a driver."
        elif not readiness_of(session, mentor, now.date()).can_drive:
            errors["mentor_id"] = f"{mentor.display_name} cannot drive right now (licence or insurance missing)."
    if until is not None and until < now.date():
        errors["until"] = "Give a date from today on."
    if errors:
        raise ValidationError("The pairing could not be saved.", errors)
    profile = get_profile(session, driver)
    if profile is None:
        profile = DriverProfile(user_id=driver.id)
        session.add(profile)
    profile.mentor_id = mentor.id if mentor else None
    profile.mentoring_until = until if mentor else None
    profile.updated_at, profile.updated_by_id = now, actor.id
    session.flush()
    audit.record(session, actor, "driver_profile", profile.id, "mentor_set", now, None,
                 mentor_id=profile.mentor_id, until=until.isoformat() if until and mentor else None)
    return profile


def current_mentor(profile: DriverProfile | None, on_date: dt.date) -> User | None:
    if profile is None or profile.mentor is None:
        return None
    if profile.mentoring_until is not None and profile.mentoring_until < on_date:
        return None
    return profile.mentor


def list_mentees(session: Session, mentor: User, on_date: dt.date) -> list[User]:
    """The drivers ``mentor`` currently rides with."""
    profiles = session.scalars(select(DriverProfile).where(DriverProfile.mentor_id == mentor.id)
                               .options(selectinload(DriverProfile.user)))
    return [p.user for p in profiles if current_mentor(p, on_date) is not None]


def list_pairings(session: Session, on_date: dt.date) -> list[DriverProfile]:
    """Current mentor pairings, for the coordinator's list."""
    profiles = session.scalars(select(DriverProfile).where(DriverProfile.mentor_id.is_not(None))
                               .options(selectinload(DriverProfile.user), selectinload(DriverProfile.mentor)))
    return sorted((p for p in profiles if current_mentor(p, on_date) is not None), key=lambda p: p.user.display_name)


def list_expiring(session: Session, today: dt.date, days: int = EXPIRY_HORIZON_DAYS) -> list[Expiry]:
    """Items of active drivers that expired already or expire within ``days`` days, soonest first."""
    horizon = today + dt.timedelta(days=days)
    drivers = {d.id: d for d in list_drivers(session)}
    found = []
    for profile in session.scalars(select(DriverProfile).where(DriverProfile.user_id.in_(drivers))):
        for item, (label, _done, expiry_field) in ITEMS.items():
            expires = getattr(profile, expiry_field)
            if expires is not None and expires <= horizon:
                found.append(Expiry(drivers[profile.user_id], item, label, expires, expires < today))
    return sorted(found, key=lambda e: (e.expires_on, e.driver.display_name, e.item))


def overview(session: Session, today: dt.date) -> list[tuple[User, DriverProfile | None, Readiness]]:
    """Every driver with their profile and readiness today, not-ready first."""
    drivers = list_drivers(session)
    profiles = {p.user_id: p for p in session.scalars(select(DriverProfile).where(DriverProfile.user_id.in_([d.id for d in drivers])))}
    rows = [(d, profiles.get(d.id), readiness_from_profile(profiles.get(d.id), today)) for d in drivers]
    return sorted(rows, key=lambda r: (r[2].can_drive and r[2].can_carry_cold, r[2].can_drive, r[0].display_name))


# --- dispatch's view: who may drive a day's shifts, with what cold chain ----------------------------

@dataclass
class Screened:
    """A day's shifts sorted by readiness: those planning may use, and those left out with the reason."""

    usable: list = field(default_factory=list)
    left_out: list = field(default_factory=list)      # (shift, reason in words)
    states: dict = field(default_factory=dict)        # acting driver id -> Readiness
    ambient_only: set = field(default_factory=set)    # usable shift ids whose cold chain planning ignores


def screen_shifts(session: Session, shifts: list, on_date: dt.date) -> Screened:
    """Split ``shifts`` (DriverShift) by their acting driver's readiness on ``on_date``: a driver without a
    current licence and insurance attestation is left out; the rest are usable (see :func:`cold_chains`)."""
    states = readiness_by_driver(session, [s.acting_driver_id for s in shifts], on_date)
    screened = Screened(states=states)
    for shift in shifts:
        state = states[shift.acting_driver_id]
        if state.can_drive:
            screened.usable.append(shift)
            if shift.cold_chain is not ColdChain.NONE and not state.can_carry_cold:
                screened.ambient_only.add(shift.id)
        else:
            screened.left_out.append((shift, f"not ready to drive: {state.reason}"))
    return screened


def cold_chains(session: Session, shifts: list, on_date: dt.date) -> dict[int, ColdChain]:
    """Shift id -> the cold chain planning may give its vehicle: none unless the acting driver's
    food-safety training is current that day (so routing never gives them refrigerated or frozen food)."""
    states = readiness_by_driver(session, [s.acting_driver_id for s in shifts], on_date)
    return {s.id: effective_cold_chain(s.cold_chain, states[s.acting_driver_id]) for s in shifts}


def _acting_driver(session: Session | None, shift) -> User:
    return shift.covered_by if shift.covered_by_id else shift.driver


def left_out_words(screened: Screened) -> list[dict]:
    """The left-out shifts as JSON-safe rows for a plan's figures."""
    return [{"shift_id": shift.id, "driver": _acting_driver(None, shift).display_name, "reason": reason}
            for shift, reason in screened.left_out]


# --- the demo coalition -------------------------------------------------------------------------

def load_demo_profiles(session: Session, drivers: list[User], today: dt.date) -> int:
    """Readiness for the demo drivers (DEMO DATA): all ready to drive and carry cold food; one's
    training and another's insurance expire within 30 days, and the last is paired with the first
    as a new driver. Drivers who already have a profile are left alone. Returns how many were added."""
    existing = {p.user_id for p in session.scalars(select(DriverProfile).where(DriverProfile.user_id.in_([d.id for d in drivers])))}
    added = 0
    for index, driver in enumerate(drivers):
        if driver.id in existing:
            continue
        session.add(DriverProfile(
            user_id=driver.id, training_completed_on=today - dt.timedelta(days=300 + index),
            training_expires_on=today + dt.timedelta(days=20 if index == 1 else 700),
            training_provider="ServSafe Food Handler (demo)",
            licence_attested_on=today - dt.timedelta(days=60), licence_expires_on=today + dt.timedelta(days=1500),
            insurance_attested_on=today - dt.timedelta(days=60),
            insurance_expires_on=today + dt.timedelta(days=12 if index == 2 else 300),
            vehicle="Hatchback (demo)", mentor_id=drivers[0].id if index == len(drivers) - 1 and index > 0 else None,
            mentoring_until=today + dt.timedelta(days=30) if index == len(drivers) - 1 and index > 0 else None))
        added += 1
    session.flush()
    return added
