"""A line refused at pickup leaves the route and the rest of the route is re-timed (services/planning/retime.py).

The route (tests/fixtures/driving.make_route, times after ``now``): pickup of the yogurt 1:00-1:05, pickup of
the bread 1:10-1:15, delivery of the yogurt 4:00-4:05, delivery of the bread 4:15-4:20, end 6:00.
"""
from __future__ import annotations

import datetime as dt
import uuid

import pytest
from sqlalchemy import select

from coalition.models import Notification, StopStatus
from coalition.services import driving
from tests.fixtures import driving as f

H = dt.timedelta(hours=1)
M = dt.timedelta(minutes=1)


@pytest.fixture
def route(session, now):
    yogurt = f.make_claim(session, now, kg=12, storage="refrigerated", category="dairy", description="yogurt")
    bread = f.make_claim(session, now, kg=5, description="sourdough loaves")
    route = f.make_route(session, now, claims=[yogurt, bread])
    # Places chosen so the new leg (bread pickup -> bread delivery, never driven in the plan) is known by hand:
    # 0.09 degrees of latitude = 10.008 km; x 1.3 circuity / 30 km/h = 26.02 minutes.
    for stop in route.stops:
        stop.latitude, stop.longitude = (45.5, -122.6) if stop.kind.value == "pickup" else (45.59, -122.6)
    session.flush()
    return route


def _refuse_yogurt(session, route, at):
    pickup = route.stops[0]
    driving.pick_up(session, f.user(session, "driver@example.org"), pickup.id, uuid.uuid4().hex, at,
                    {"kg": 12, "temperature": "9", "refuse_reason": "too_warm", "time_zone": "America/Los_Angeles"}, at)
    session.flush()


def _told(session, title_part):
    return [n for n in session.scalars(select(Notification)) if title_part in n.title]


def test_the_refused_lines_drop_off_leaves_and_the_later_stops_are_re_timed(session, now, route):
    _refuse_yogurt(session, route, now + H)
    pick_yogurt, pick_bread, drop_yogurt, drop_bread = route.stops
    assert pick_yogurt.status is StopStatus.PROBLEM and drop_yogurt.status is StopStatus.PROBLEM
    # The planned leg between the two pickups is kept (5 min), from the moment the driver left: 1:00.
    assert (pick_bread.arrival_at, pick_bread.service_start_at, pick_bread.departure_at) == (
        now + H + 5 * M, now + H + 5 * M, now + H + 10 * M)
    # The new leg is the straight-line estimate; the delivery waits for its window (4:00), 5 min of service.
    assert abs((drop_bread.arrival_at - (now + H + 10 * M)).total_seconds() - 26.02 * 60) < 30
    assert (drop_bread.service_start_at, drop_bread.departure_at) == (now + 4 * H, now + 4 * H + 5 * M)
    # The drive home keeps its planned length (6:00 - 4:20 = 1:40) from the new last departure.
    assert route.end_at == now + 4 * H + 5 * M + H + 40 * M


def test_the_recipient_is_told_the_new_time_when_it_moved(session, now, route):
    _refuse_yogurt(session, route, now + H)
    told = _told(session, "New arrival time")
    when = (now + 4 * H).astimezone(f.ZONE).strftime("%H:%M")
    was = (now + 4 * H + 15 * M).astimezone(f.ZONE).strftime("%H:%M")
    assert [(n.title, n.link_endpoint) for n in told] == [(f"New arrival time {when}: sourdough loaves", "claims.detail")]
    assert f"around {when} (planned {was})" in told[0].body


def test_nobody_is_told_when_the_delivery_time_does_not_move(session, now, route):
    drop_bread = route.stops[3]
    drop_bread.arrival_at = drop_bread.service_start_at = now + 4 * H      # planned at its window's opening
    drop_bread.departure_at = now + 4 * H + 5 * M
    session.flush()
    _refuse_yogurt(session, route, now + H)
    assert drop_bread.service_start_at == now + 4 * H
    assert _told(session, "New arrival time") == []
