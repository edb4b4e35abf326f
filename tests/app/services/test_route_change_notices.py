"""A published plan changed: when a newer plan of the same day is published, only the drivers whose stops were
added, removed or re-timed by more than a few minutes are told, with what changed; urgent when the first
changed stop is within two hours (so it passes quiet hours)."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from coalition.models import Notification, NotificationKind
from coalition.models.route_plan import StopKind
from coalition.services.planning import edits
from tests.fixtures.planning import add_shift, hand_plan

P, D = StopKind.PICKUP, StopKind.DELIVERY
MIN = dt.timedelta(minutes=1)


def _news(session, person, since: int) -> list[Notification]:
    return list(session.scalars(select(Notification).where(Notification.user_id == person.id, Notification.id > since)
                                .order_by(Notification.id)))


def _last_id(session) -> int:
    return session.scalar(select(Notification.id).order_by(Notification.id.desc()).limit(1)) or 0


def test_only_drivers_whose_stops_changed_are_told_and_with_what_changed(session, user, org, now, day):
    coordinator, dana, dan = user("coordinator@example.org"), user("driver@example.org"), user("driver1@example.org")
    shift_a, shift_b = add_shift(session, user, org, now), add_shift(session, user, org, now, email="driver1@example.org")
    bread, milk = day["bread"], day["milk"]
    h3, h4 = now + 3 * 60 * MIN, now + 4 * 60 * MIN
    edits.publish_plan(session, coordinator, hand_plan(session, day["date"], [
        (shift_a, [(bread, P, h3), (bread, D, h4)]), (shift_b, [(milk, P, h3), (milk, D, h4)])]), now, day["tz"])
    since = _last_id(session)
    # Dana's delivery moves 40 minutes; Dan's stops move by 2 and 3 minutes, which is no news.
    counts = edits.publish_plan(session, coordinator, hand_plan(session, day["date"], [
        (shift_a, [(bread, P, h3), (bread, D, h4 + 40 * MIN)]),
        (shift_b, [(milk, P, h3 + 2 * MIN), (milk, D, h4 + 3 * MIN)])]), now, day["tz"])
    assert counts["drivers"] == 1 and _news(session, dan, since) == []
    [notice] = _news(session, dana, since)
    first = h3.astimezone(day["tz"]).strftime("%H:%M")
    assert notice.kind is NotificationKind.ROUTE_CHANGED and notice.title.endswith(f"changed: 1 re-timed, first stop now {first}")
    assert not notice.urgent   # the first changed stop is 4 hours away
    since = _last_id(session)
    # The milk moves to Dana: two stops added for her; Dan's route is taken off.
    edits.publish_plan(session, coordinator, hand_plan(session, day["date"], [
        (shift_a, [(bread, P, h3), (milk, P, h3 + 20 * MIN), (bread, D, h4 + 40 * MIN), (milk, D, h4 + 60 * MIN)])]),
        now, day["tz"])
    [notice] = _news(session, dana, since)
    assert f"changed: 2 stops added, first stop now {first}" in notice.title
    [taken_off] = _news(session, dan, since)
    assert taken_off.kind is NotificationKind.CANCELLED


def test_a_change_within_two_hours_is_urgent_and_a_removed_stop_counts(session, user, org, now, day):
    coordinator, dana = user("coordinator@example.org"), user("driver@example.org")
    shift = add_shift(session, user, org, now)
    bread, milk = day["bread"], day["milk"]
    h3, h4 = now + 3 * 60 * MIN, now + 4 * 60 * MIN
    edits.publish_plan(session, coordinator, hand_plan(session, day["date"], [
        (shift, [(bread, P, h3), (milk, P, h3 + 15 * MIN), (bread, D, h4), (milk, D, h4 + 15 * MIN)])]), now, day["tz"])
    since = _last_id(session)
    earlier = now + 90 * MIN
    edits.publish_plan(session, coordinator, hand_plan(session, day["date"], [
        (shift, [(bread, P, earlier), (bread, D, h4)])]), now, day["tz"])
    [notice] = _news(session, dana, since)
    local = earlier.astimezone(day["tz"]).strftime("%H:%M")
    assert notice.title.endswith(f"changed: 2 removed, 1 re-timed, first stop now {local}")
    assert notice.urgent


def test_what_changed_in_words():
    now = dt.datetime(2026, 12, 7, 12, tzinfo=dt.timezone.utc)
    old = {(1, "pickup"): now + 3 * 60 * MIN, (1, "delivery"): now + 4 * 60 * MIN}
    assert edits.route_changes(old, dict(old), now + 3 * 60 * MIN, dt.timezone.utc, now) is None
    nudged = {k: v + 5 * MIN for k, v in old.items()}
    assert edits.route_changes(old, nudged, now + 3 * 60 * MIN, dt.timezone.utc, now) is None
    assert edits.route_changes(old, {}, None, dt.timezone.utc, now) == ("2 removed, no stops left", False)
    moved = {**old, (2, "pickup"): now + 60 * MIN}
    assert edits.route_changes(old, moved, now + 60 * MIN, dt.timezone.utc, now) == (
        "1 stop added, first stop now 13:00", True)
