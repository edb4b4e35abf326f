"""Quiet hours: with a fake clock, only urgent news is pushed in a person's quiet hours; the rest waits and
goes out when they end, unless it is older than a day by then."""
from __future__ import annotations

import datetime as dt
import json
from zoneinfo import ZoneInfo

import pytest

from coalition import jobs
from coalition.errors import ValidationError
from coalition.models import Notification, NotificationKind, PushSubscription
from coalition.services import notifications, push
from coalition.services.notifications import Page
from tests.fixtures.push_service import browser_keys, vapid_keys

LA = ZoneInfo("America/Los_Angeles")


def at(day: int, hour: int, minute: int = 0) -> dt.datetime:
    """The fake clock: a local time in December 2026, as the worker's UTC ``now``."""
    return dt.datetime(2026, 12, day, hour, minute, tzinfo=LA).astimezone(dt.timezone.utc)


@pytest.fixture
def push_config(app):
    public, private = vapid_keys()
    return {**app.config, "VAPID_PUBLIC_KEY": public, "VAPID_PRIVATE_KEY": private,
            "VAPID_SUBJECT": "mailto:dispatch@example.org", "COALITION_TIMEZONE": "America/Los_Angeles"}


@pytest.fixture(autouse=True)
def worker_context(app):
    with app.app_context():
        yield


@pytest.fixture
def driver(session, user, push_service):
    """A driver quiet from 22:00 to 07:00, with one phone subscribed to the loopback push service."""
    person = user("driver@example.org")
    push.set_quiet_hours(session, person, "22:00", "07:00")
    keys = browser_keys()
    session.add(PushSubscription(user_id=person.id, endpoint=f"{push_service.url}/push/phone", p256dh=keys.p256dh,
                                 auth=keys.auth, user_agent="Test phone"))
    session.commit()
    person.keys = keys
    return person


def _notify(session, person, now, title, urgent=False):
    notification = notifications.notify_user(session, person, NotificationKind.ROUTE_CHANGED, title, "",
                                             Page("driver.index"), now, urgent=urgent)
    session.commit()
    return notification


def _titles(person, push_service) -> list[str]:
    return [json.loads(person.keys.decrypt(r.body))["title"] for r in push_service.received]


def test_quiet_hours_hold_news_until_they_end_and_let_urgent_news_through(session, driver, push_service, push_config):
    held = _notify(session, driver, at(7, 23), "Tomorrow's plan changed")
    _notify(session, driver, at(7, 23, 30), "Your route changed: first stop now 00:40", urgent=True)
    assert jobs.send_pushes(session, at(7, 23, 30), push_config).sent == 1
    assert _titles(driver, push_service) == ["Your route changed: first stop now 00:40"]
    assert session.get(Notification, held.id).pushed_at is None          # waiting, not dropped
    assert jobs.send_pushes(session, at(8, 6, 59), push_config).sent == 0  # still quiet
    assert jobs.send_pushes(session, at(8, 7, 0), push_config).sent == 1   # quiet hours over
    assert _titles(driver, push_service)[-1] == "Tomorrow's plan changed"
    assert jobs.send_pushes(session, at(8, 7, 5), push_config).sent == 0   # and only once


def test_news_held_for_more_than_a_day_is_not_pushed_when_quiet_hours_end(session, driver, push_service, push_config):
    old = _notify(session, driver, at(7, 22, 30), "Old news")
    # The worker was stopped until the next evening: after quiet hours, but over a day later.
    assert jobs.send_pushes(session, at(8, 23), push_config).sent == 0
    assert session.get(Notification, old.id).pushed_at is not None and push_service.received == []


def test_quiet_hours_within_one_day_and_none(session, user):
    person = user("grocer@example.org")
    push.set_quiet_hours(session, person, "13:00", "14:30")
    assert push.in_quiet_hours(person, dt.time(13, 0)) and push.in_quiet_hours(person, dt.time(14, 29))
    assert not push.in_quiet_hours(person, dt.time(14, 30)) and not push.in_quiet_hours(person, dt.time(12, 59))
    push.set_quiet_hours(session, person, "", "")
    assert person.quiet_start is None and not push.in_quiet_hours(person, dt.time(13, 30))


@pytest.mark.parametrize("start, end, field", [("22:00", "", "quiet_end"), ("25:00", "07:00", "quiet_start"),
                                               ("10pm", "07:00", "quiet_start"), ("22:00", "7:0", "quiet_end")])
def test_unusable_quiet_hours_are_refused_naming_the_field(session, user, start, end, field):
    with pytest.raises(ValidationError) as raised:
        push.set_quiet_hours(session, user("grocer@example.org"), start, end)
    assert field in raised.value.fields
