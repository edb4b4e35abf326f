"""The evening before a shift, with a fake clock: the route's first stop and time, or "no route yet", once
per shift after SHIFT_REMINDER_HOUR local time, never twice across worker restarts."""
from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from coalition import jobs
from coalition.models import Notification, NotificationKind
from coalition.models.route_plan import PlanStatus, StopKind
from coalition.models.shift import ShiftStatus
from coalition.services import places
from coalition.services.shift_reminders import send_shift_reminders
from tests.fixtures.planning import add_shift, hand_plan

LA = ZoneInfo("America/Los_Angeles")


def at(day: int, hour: int, minute: int = 0) -> dt.datetime:
    """The fake clock: a local time in December 2026, as the worker's UTC ``now``."""
    return dt.datetime(2026, 12, day, hour, minute, tzinfo=LA).astimezone(dt.timezone.utc)


@pytest.fixture(autouse=True)
def worker_context(app):
    with app.app_context():
        yield


@pytest.fixture
def config(app):
    return {**app.config, "COALITION_TIMEZONE": "America/Los_Angeles", "SHIFT_REMINDER_HOUR": 20}


def _tomorrow_shift(session, user, org, email="driver@example.org"):
    """A shift on 8 December from 09:00 local."""
    return add_shift(session, user, org, at(8, 9), email=email, local_date=dt.date(2026, 12, 8), tz=LA)


def _reminders(session, person=None) -> list[Notification]:
    query = select(Notification).where(Notification.kind == NotificationKind.SHIFT_REMINDER)
    if person is not None:
        query = query.where(Notification.user_id == person.id)
    return list(session.scalars(query.order_by(Notification.id)))


def test_after_the_configured_hour_once_even_when_the_worker_restarts(session, user, org, config):
    _tomorrow_shift(session, user, org)
    session.commit()
    assert jobs.run_periodic(session, at(7, 19, 59), config).shifts_reminded == 0
    first = jobs.run_periodic(session, at(7, 20, 0), config)
    # A restarted worker runs again the same evening, and a later one the next morning (the shift is today).
    again = jobs.run_periodic(session, at(7, 20, 1), config)
    later = jobs.run_periodic(session, at(8, 6), config)
    assert (first.shifts_reminded, again.shifts_reminded, later.shifts_reminded) == (1, 0, 0)
    assert first.errors == again.errors == []
    [reminder] = _reminders(session)
    assert reminder.user_id == user("driver@example.org").id
    assert reminder.title == "Your shift tomorrow, Tue 08 Dec, from 09:00"
    assert reminder.body.startswith("No route yet")


def test_the_reminder_gives_the_published_routes_first_stop_and_time(session, user, org, day):
    shift = _tomorrow_shift(session, user, org)
    bread = day["bread"]
    hand_plan(session, shift.local_date, [(shift, [(bread, StopKind.PICKUP, at(8, 9, 40)),
                                                   (bread, StopKind.DELIVERY, at(8, 10, 30))])],
              status=PlanStatus.PUBLISHED)
    assert send_shift_reminders(session, at(7, 18), LA, 18) == 1
    [reminder] = _reminders(session)
    donor = places.public_name(bread.line.donation.donor)
    assert reminder.body == f"First stop: {donor} at 09:40; 2 stops in all."


def test_a_plan_not_yet_published_is_no_route(session, user, org, day):
    shift = _tomorrow_shift(session, user, org)
    hand_plan(session, shift.local_date, [(shift, [(day["bread"], StopKind.PICKUP, at(8, 9, 40))])])
    send_shift_reminders(session, at(7, 18), LA, 18)
    assert _reminders(session)[0].body.startswith("No route yet")


def test_who_is_reminded_the_covering_driver_and_nobody_for_a_cancelled_or_uncovered_shift(session, user, org):
    covered = _tomorrow_shift(session, user, org)
    covered.status, covered.covered_by_id = ShiftStatus.COVER_REQUESTED, user("driver1@example.org").id
    _tomorrow_shift(session, user, org, email="driver2@example.org").status = ShiftStatus.CANCELLED
    _tomorrow_shift(session, user, org, email="driver3@example.org").status = ShiftStatus.COVER_REQUESTED
    add_shift(session, user, org, at(9, 9), email="driver4@example.org", local_date=dt.date(2026, 12, 9), tz=LA)
    session.flush()
    assert send_shift_reminders(session, at(7, 21), LA, 18) == 1
    assert [n.user_id for n in _reminders(session)] == [user("driver1@example.org").id]
    # The shift two days away is reminded the next evening.
    assert send_shift_reminders(session, at(8, 21), LA, 18) == 1
    assert _reminders(session)[-1].user_id == user("driver4@example.org").id
    assert session.scalar(select(func.count()).select_from(Notification).where(
        Notification.kind == NotificationKind.SHIFT_REMINDER)) == 2
