"""The evening before a shift: each driver is told the route's first stop and time, or that there is no route yet.

Run by the periodic worker. A shift's reminder is recorded on the shift (``reminded_at``) in the same
commit as the notification, so a restarted worker never reminds twice; a worker that was down all evening
reminds on its first run before midnight, and not after (the shift is then today's, not tomorrow's).
"""
from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from coalition.models import NotificationKind, User
from coalition.models.route_plan import PlanStatus, Route, RoutePlan
from coalition.models.shift import DriverShift, ShiftStatus
from coalition.services import notifications, places
from coalition.services.notifications import Page


def _published_route(session: Session, shift: DriverShift) -> Route | None:
    return session.scalar(select(Route).join(RoutePlan).where(
        Route.shift_id == shift.id, RoutePlan.status == PlanStatus.PUBLISHED).order_by(RoutePlan.id.desc()))


def _reminded_driver(session: Session, shift: DriverShift) -> User | None:
    """Who drives it: the driver, or whoever covers; nobody when cover was asked for and not found
    (the driver said they cannot come; the coordinators see the open shift)."""
    if shift.covered_by_id:
        return shift.covered_by
    return None if shift.status is ShiftStatus.COVER_REQUESTED else shift.driver


def send_shift_reminders(session: Session, now: dt.datetime, tz: dt.tzinfo, hour: int) -> int:
    """Remind the drivers of tomorrow's shifts (local dates in ``tz``) once it is ``hour`` o'clock or later;
    returns how many shifts were reminded. Flushes; the caller commits."""
    local = now.astimezone(tz)
    if local.hour < hour:
        return 0
    tomorrow = local.date() + dt.timedelta(days=1)
    shifts = list(session.scalars(select(DriverShift).where(
        DriverShift.local_date == tomorrow, DriverShift.status != ShiftStatus.CANCELLED,
        DriverShift.reminded_at.is_(None)).order_by(DriverShift.start_at, DriverShift.id)))
    reminded = 0
    for shift in shifts:
        shift.reminded_at = now   # also for a shift nobody drives: it is not looked at again
        driver = _reminded_driver(session, shift)
        if driver is None:
            continue
        route = _published_route(session, shift)
        first = route.stops[0] if route is not None and route.stops else None
        title = f"Your shift tomorrow, {tomorrow:%a %d %b}, from {shift.start_at.astimezone(tz):%H:%M}"
        if first is not None:
            body = (f"First stop: {places.public_name(first.organization)} at "
                    f"{first.service_start_at.astimezone(tz):%H:%M}; {len(route.stops)} stops in all.")
        else:
            body = "No route yet: you will be told as soon as the day is planned."
        if notifications.notify_user(session, driver, NotificationKind.SHIFT_REMINDER, title, body,
                                     Page("driver.index"), now) is not None:
            reminded += 1
    session.flush()
    return reminded
