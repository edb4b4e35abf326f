"""Recurring pickups and weekly produce offers: schedules, and the occurrences created ahead from them.

A schedule (every Tuesday and Friday at 21:00 local time, for 60 minutes)
becomes one ordinary donation per date, ``horizon_days`` ahead, linked by
``schedule_id`` and ``occurrence_date``: each can be claimed, skipped or
cancelled on its own. ``generate_occurrences`` is idempotent (one donation
per schedule and date, backed by a unique constraint), so the periodic job
may run it as often as it likes.

Local times are built with ``zoneinfo`` in the coalition's time zone and
stored in UTC, so 21:00 stays 21:00 on the wall clock across daylight-saving
changes.
"""
from __future__ import annotations

import datetime as dt
import logging
import math
import re
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload

from coalition import permissions
from coalition.errors import Conflict, NotFound, PermissionDenied, ValidationError
from coalition.models import (
    WEEKDAYS,
    ClaimStatus,
    Donation,
    DonationKind,
    DonationStatus,
    NotificationKind,
    Organization,
    RecurringSchedule,
    User,
    grams,
)
from coalition.services import audit, donations

log = logging.getLogger(__name__)

DEFAULT_HORIZON_DAYS = 14
MAX_PICKUP_MINUTES = 24 * 60
MAX_SHELF_LIFE_H = 60 * 24
MAX_SCHEDULE_LINES = 10
_HHMM = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")


@dataclass
class TemplateLine:
    """One line copied into every occurrence; its use-by is the pickup start plus ``shelf_life_h``."""

    category: str
    description: str
    storage: str
    kg: float | None
    shelf_life_h: float | None
    units: int | None = None
    pack_type: str = ""


@dataclass
class ScheduleInput:
    weekdays: list[str]
    pickup_time: str                  # local "HH:MM"
    pickup_minutes: int | None
    lines: list[TemplateLine]
    starts_on: dt.date | None
    ends_on: dt.date | None = None
    notes: str = ""
    allow_split: bool = True
    kind: DonationKind = DonationKind.SURPLUS


def _zone(tz: str | dt.tzinfo) -> dt.tzinfo:
    return ZoneInfo(tz) if isinstance(tz, str) else tz


def local_pickup(date: dt.date, pickup_time: str, minutes: int, tz: str | dt.tzinfo) -> tuple[dt.datetime, dt.datetime]:
    """The pickup window in UTC for a local date and "HH:MM": wall-clock time, whatever the UTC offset that day."""
    hour, minute = (int(part) for part in pickup_time.split(":"))
    start = dt.datetime.combine(date, dt.time(hour, minute), tzinfo=_zone(tz)).astimezone(dt.timezone.utc)
    return start, start + dt.timedelta(minutes=minutes)


def _template_dicts(lines: list[TemplateLine]) -> list[dict]:
    return [{"category": line.category, "description": (line.description or "").strip()[:200],
             "quantity_g": grams(line.kg), "units": line.units, "storage": line.storage,
             "shelf_life_h": line.shelf_life_h, "pack_type": (line.pack_type or "").strip()[:60]}
            for line in lines]


def _occurrence_input(schedule_kind: DonationKind, template: list[dict], start: dt.datetime, end: dt.datetime,
                      notes: str, allow_split: bool) -> donations.DonationInput:
    lines = [donations.LineInput(
        category=item["category"], description=item["description"], storage=item["storage"],
        use_by=start + dt.timedelta(hours=item["shelf_life_h"]), kg=item["quantity_g"] / 1000,
        units=item.get("units"), pack_type=item.get("pack_type", ""),
    ) for item in template]
    produce = schedule_kind is DonationKind.PRODUCE
    return donations.DonationInput(
        lines=lines, pickup_start=start, pickup_end=end, notes=notes, allow_split=allow_split, kind=schedule_kind,
        available_from=start if produce else None, available_until=end if produce else None,
    )


def _validate(data: ScheduleInput, now: dt.datetime, tz: str | dt.tzinfo, donor: Organization) -> list[dict]:
    """Check a schedule; returns its template. Raises one ValidationError naming every bad field."""
    errors: dict[str, str] = {}
    days = [day for day in WEEKDAYS if day in set(data.weekdays or [])]
    if not days or len(days) != len(set(data.weekdays or [])):
        errors["weekdays"] = "Choose at least one day of the week."
    if not _HHMM.match(data.pickup_time or ""):
        errors["pickup_time"] = "Give the pickup time as HH:MM (24-hour clock)."
    minutes = data.pickup_minutes
    if minutes is None or isinstance(minutes, bool) or not isinstance(minutes, int) or not 0 < minutes <= MAX_PICKUP_MINUTES:
        errors["pickup_minutes"] = f"The pickup lasts from 1 minute to {MAX_PICKUP_MINUTES // 60} hours."
    today = now.astimezone(_zone(tz)).date()
    if data.starts_on is None:
        errors["starts_on"] = "Give the first date."
    elif data.starts_on < today - dt.timedelta(days=1):
        errors["starts_on"] = "The first date is in the past."
    elif data.starts_on > today + donations.MAX_LEAD:
        errors["starts_on"] = f"That is too far ahead (at most {donations.MAX_LEAD.days} days)."
    if data.ends_on is not None and data.starts_on is not None and data.ends_on < data.starts_on:
        errors["ends_on"] = "The last date must not be before the first."
    if not data.lines:
        errors["lines"] = "Add at least one line of food."
    elif len(data.lines) > MAX_SCHEDULE_LINES:
        errors["lines"] = f"At most {MAX_SCHEDULE_LINES} lines."
    for index, line in enumerate(data.lines or []):
        hours = line.shelf_life_h
        if hours is None or isinstance(hours, bool) or not isinstance(hours, (int, float)) or not math.isfinite(hours):
            errors[f"lines-{index}-shelf_life_h"] = "Give how many hours the food keeps after pickup starts."
        elif not 0 < hours <= MAX_SHELF_LIFE_H:
            errors[f"lines-{index}-shelf_life_h"] = f"From more than 0 to {MAX_SHELF_LIFE_H} hours."
    # The lines themselves are checked exactly as a one-off donation's: build a sample occurrence.
    if data.lines and "pickup_time" not in errors and "pickup_minutes" not in errors:
        sample_day = max(data.starts_on or today, today) + dt.timedelta(days=1)
        start, end = local_pickup(sample_day, data.pickup_time, minutes, tz)
        sample = donations.DonationInput(
            lines=[donations.LineInput(
                line.category, line.description, line.storage,
                start + dt.timedelta(hours=line.shelf_life_h if isinstance(line.shelf_life_h, (int, float)) and
                                     math.isfinite(line.shelf_life_h) and line.shelf_life_h > 0 else 1),
                kg=line.kg, units=line.units, pack_type=line.pack_type) for line in data.lines],
            pickup_start=start, pickup_end=end, notes=data.notes, allow_split=data.allow_split, kind=data.kind)
        try:
            donations.build_donation(donor, sample, now)
        except ValidationError as error:
            for key, message in error.fields.items():
                if key.startswith("lines") or key in ("notes", "kind"):
                    errors.setdefault(key, message)
    if errors:
        raise ValidationError("Please correct the highlighted fields.", errors)
    return _template_dicts(data.lines)


def create_schedule(session: Session, actor: User, donor: Organization, data: ScheduleInput, now: dt.datetime,
                    tz: str | dt.tzinfo, horizon_days: int = DEFAULT_HORIZON_DAYS) -> RecurringSchedule:
    """Set up a recurring pickup (or weekly produce offer) and create its occurrences up to ``horizon_days`` ahead.

    Raises PermissionDenied when the actor cannot post for the donor, ValidationError on bad input.
    """
    if not permissions.can_post_donation(actor, donor):
        raise PermissionDenied(f"You cannot set up pickups for {donor.name}.")
    template = _validate(data, now, tz, donor)
    schedule = RecurringSchedule(
        donor=donor, kind=data.kind, weekdays=[day for day in WEEKDAYS if day in set(data.weekdays)],
        pickup_time=data.pickup_time, pickup_minutes=data.pickup_minutes, template=template,
        notes=(data.notes or "").strip(), allow_split=bool(data.allow_split), starts_on=data.starts_on,
        ends_on=data.ends_on, created_by_id=actor.id, created_at=now,
    )
    session.add(schedule)
    session.flush()
    audit.record(session, actor, "schedule", schedule.id, "created", now, donor.id,
                 weekdays=schedule.weekdays, pickup_time=schedule.pickup_time)
    _generate_for(session, schedule, now, tz, horizon_days)
    session.flush()
    return schedule


def _generate_for(session: Session, schedule: RecurringSchedule, now: dt.datetime, tz: str | dt.tzinfo,
                  horizon_days: int) -> list[Donation]:
    if not schedule.active or not schedule.donor.active:
        return []
    today = now.astimezone(_zone(tz)).date()
    first = max(today, schedule.starts_on)
    last = today + dt.timedelta(days=horizon_days)
    if schedule.ends_on is not None:
        last = min(last, schedule.ends_on)
    existing = set(session.scalars(select(Donation.occurrence_date).where(Donation.schedule_id == schedule.id)))
    created = []
    day = first
    while day <= last:
        if WEEKDAYS[day.weekday()] in schedule.weekdays and day not in existing:
            start, end = local_pickup(day, schedule.pickup_time, schedule.pickup_minutes, tz)
            if end > now:
                donation = _create_occurrence(session, schedule, day, start, end, now)
                if donation is not None:
                    created.append(donation)
        day += dt.timedelta(days=1)
    return created


def _create_occurrence(session: Session, schedule: RecurringSchedule, day: dt.date, start: dt.datetime,
                       end: dt.datetime, now: dt.datetime) -> Donation | None:
    try:
        donation = donations.build_donation(
            schedule.donor, _occurrence_input(schedule.kind, schedule.template, start, end, schedule.notes,
                                              schedule.allow_split), now)
    except ValidationError as error:
        # A template that was valid when saved should stay valid; log rather than stop the whole job.
        log.warning("schedule %s, %s: occurrence not created: %s", schedule.id, day, error.fields)
        return None
    donation.schedule_id = schedule.id   # the id, not the relationship: the donation joins the session below
    donation.occurrence_date = day
    donation.posted_by_id = schedule.created_by_id
    try:
        # A savepoint per occurrence: a concurrent run that created the same date first only loses this one.
        with session.begin_nested():
            session.add(donation)
            session.flush()
    except IntegrityError:
        log.info("schedule %s, %s: occurrence already created by another run", schedule.id, day)
        return None
    audit.record(session, None, "donation", donation.id, "posted", now, schedule.donor_id,
                 schedule_id=schedule.id, occurrence_date=day.isoformat(), kg=donation.total_g / 1000)
    return donation


def generate_occurrences(session: Session, now: dt.datetime, tz: str | dt.tzinfo,
                         horizon_days: int = DEFAULT_HORIZON_DAYS) -> list[Donation]:
    """Create every active schedule's missing occurrences from today through ``horizon_days`` ahead.

    ``tz`` is the coalition's time zone (a name such as "America/Los_Angeles",
    or a tzinfo). Idempotent: dates that already have an occurrence (open,
    skipped or cancelled) are left alone. Returns the donations created;
    the caller commits.
    """
    schedules = session.scalars(select(RecurringSchedule).where(RecurringSchedule.active.is_(True))
                                .order_by(RecurringSchedule.id).options(selectinload(RecurringSchedule.donor)))
    created = []
    for schedule in schedules:
        created.extend(_generate_for(session, schedule, now, tz, horizon_days))
    session.flush()
    return created


def get_schedule(session: Session, schedule_id: int) -> RecurringSchedule:
    schedule = session.get(RecurringSchedule, schedule_id)
    if schedule is None:
        raise NotFound("There is no such recurring pickup.")
    return schedule


def list_schedules(session: Session, donor: Organization) -> list[RecurringSchedule]:
    """A donor's schedules, active ones first, newest first."""
    return list(session.scalars(
        select(RecurringSchedule).where(RecurringSchedule.donor_id == donor.id)
        .order_by(RecurringSchedule.active.desc(), RecurringSchedule.created_at.desc(), RecurringSchedule.id.desc())))


def list_upcoming(session: Session, schedule: RecurringSchedule, now: dt.datetime) -> list[Donation]:
    """The schedule's occurrences whose pickup has not ended yet, soonest first."""
    return list(session.scalars(
        select(Donation).where(Donation.schedule_id == schedule.id, Donation.pickup_end > now)
        .order_by(Donation.pickup_start).options(selectinload(Donation.lines))))


def _has_active_claims(session: Session, donation: Donation) -> bool:
    claimed = donations.claimed_g_by_line(session, [line.id for line in donation.lines])
    return any(claimed.values())


def cancel_schedule(session: Session, actor: User, schedule: RecurringSchedule, now: dt.datetime
                    ) -> tuple[list[Donation], list[Donation]]:
    """Stop a recurring pickup: no more occurrences; future unclaimed ones are cancelled.

    Returns (cancelled occurrences, claimed occurrences kept for the donor to
    cancel one by one). Raises PermissionDenied or Conflict (already stopped).
    """
    if not permissions.can_manage_schedule(actor, schedule):
        raise PermissionDenied("You cannot change this recurring pickup.")
    if not schedule.active:
        raise Conflict("This recurring pickup is already stopped.")
    schedule.active = False
    cancelled, kept = [], []
    for donation in list_upcoming(session, schedule, now):
        if donation.status is not DonationStatus.OPEN or donation.pickup_start <= now:
            continue
        if _has_active_claims(session, donation):
            kept.append(donation)
            continue
        donation.status = DonationStatus.CANCELLED
        donation.cancelled_at = now
        donation.cancel_reason = "Recurring pickup stopped"
        audit.record(session, actor, "donation", donation.id, "cancelled", now, donation.donor_id,
                     reason=donation.cancel_reason, claims_cancelled=0)
        cancelled.append(donation)
    audit.record(session, actor, "schedule", schedule.id, "cancelled", now, schedule.donor_id,
                 occurrences_cancelled=len(cancelled), claimed_kept=len(kept))
    session.flush()
    return cancelled, kept


def skip_occurrence(session: Session, actor: User, donation: Donation, now: dt.datetime) -> Donation:
    """Skip one occurrence of a recurring pickup (no food that day); claimants are told.

    Raises PermissionDenied, or Conflict when the donation is not an open occurrence.
    """
    if not permissions.can_manage_donation(actor, donation):
        raise PermissionDenied("You cannot skip this pickup.")
    if donation.schedule_id is None:
        raise Conflict("Only an occurrence of a recurring pickup can be skipped; cancel this donation instead.")
    if donation.status is not DonationStatus.OPEN:
        raise Conflict(f"This pickup is already {donation.status.value}.")
    donation.status = DonationStatus.SKIPPED
    donation.cancelled_at = now
    donation.cancel_reason = "Skipped"
    ended = donations.end_claims(session, donation, ClaimStatus.CANCELLED, f"Pickup skipped by {donation.donor.name}",
                                 now, NotificationKind.CANCELLED)
    audit.record(session, actor, "donation", donation.id, "skipped", now, donation.donor_id,
                 occurrence_date=donation.occurrence_date.isoformat() if donation.occurrence_date else None,
                 claims_cancelled=len(ended))
    session.flush()
    return donation
