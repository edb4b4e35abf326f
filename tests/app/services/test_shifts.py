"""Drivers' shifts: validation beside fields, who may post for whom, weekly patterns made once, the pages."""
from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from coalition.errors import Conflict, PermissionDenied, ValidationError
from coalition.models.shift import ColdChain, DriverShift, PlaceKind, ShiftStatus
from coalition.services import shifts

LA = ZoneInfo("America/Los_Angeles")


def _input(day, **extra):
    values = dict(local_date=day, start_time=dt.time(9), end_time=dt.time(12), capacity_kg=150, cold_chain="insulated",
                  start=shifts.Place("home", 45.52, -122.68), end=shifts.Place("anywhere"))
    return shifts.ShiftInput(**(values | extra))


@pytest.fixture
def tomorrow(now):
    return now.astimezone(LA).date() + dt.timedelta(days=1)


def test_a_driver_posts_a_shift_stored_in_utc(session, user, org, now, tomorrow):
    shift = shifts.post_shift(session, user("driver@example.org"), user("driver@example.org"),
                              org("Feeding Our City Backbone"), _input(tomorrow), now, LA)
    assert shift.start_at == dt.datetime.combine(tomorrow, dt.time(9), LA).astimezone(dt.timezone.utc)
    assert shift.capacity_g == 150_000 and shift.cold_chain is ColdChain.INSULATED
    assert shift.start_kind is PlaceKind.HOME and shift.end_kind is PlaceKind.ANYWHERE


def test_bad_fields_are_named_and_nothing_is_saved(session, user, org, now, tomorrow):
    with pytest.raises(ValidationError) as error:
        shifts.post_shift(session, user("driver@example.org"), user("driver@example.org"), org("Feeding Our City Backbone"),
                          _input(tomorrow, end_time=dt.time(8), capacity_kg=0, cold_chain="icebox", max_stops=0,
                                 start=shifts.Place("home", None, None), end=shifts.Place("depot")), now, LA)
    assert set(error.value.fields) == {"end_time", "capacity_kg", "cold_chain", "max_stops", "start_latitude",
                                       "end_organization_id"}
    assert session.scalar(select(func.count()).select_from(DriverShift)) == 0


def test_a_shift_in_the_past_and_an_overlapping_one_are_refused(session, user, org, now, tomorrow):
    driver, backbone = user("driver@example.org"), org("Feeding Our City Backbone")
    with pytest.raises(ValidationError) as error:
        shifts.post_shift(session, driver, driver, backbone, _input(tomorrow - dt.timedelta(days=3)), now, LA)
    assert "local_date" in error.value.fields
    shifts.post_shift(session, driver, driver, backbone, _input(tomorrow), now, LA)
    with pytest.raises(Conflict):
        shifts.post_shift(session, driver, driver, backbone, _input(tomorrow, start_time=dt.time(11),
                                                                    end_time=dt.time(14)), now, LA)


def test_who_posts_for_whom(session, user, org, now, tomorrow):
    """A driver for themselves, the backbone's staff for any driver; not one driver for another, nor a grocer."""
    backbone, dana = org("Feeding Our City Backbone"), user("driver@example.org")
    assert shifts.post_shift(session, user("coordinator@example.org"), dana, backbone, _input(tomorrow), now, LA)
    for actor in ("driver1@example.org", "grocer@example.org"):
        with pytest.raises(PermissionDenied):
            shifts.post_shift(session, user(actor), dana, backbone, _input(tomorrow + dt.timedelta(days=1)), now, LA)
    with pytest.raises(PermissionDenied):   # the grocer is not a driver
        shifts.post_shift(session, user("coordinator@example.org"), user("grocer@example.org"), backbone,
                          _input(tomorrow), now, LA)


def test_a_weekly_pattern_creates_two_weeks_of_shifts_once(session, user, org, now):
    driver = user("driver@example.org")
    pattern, made = shifts.create_pattern(session, driver, driver, org("Feeding Our City Backbone"),
                                          _input(None, weekdays=["sat", "tue"]), now, LA)
    assert len(made) in (3, 4) and all(s.pattern_id == pattern.id for s in made)
    assert {s.local_date.weekday() for s in made} == {1, 5}
    assert shifts.generate_shifts(session, now, LA) == []   # idempotent
    shifts.cancel_shift(session, driver, made[0], now)
    assert made[0].status is ShiftStatus.CANCELLED


def test_the_shifts_page_posts_a_shift_and_shows_errors_beside_fields(session, login_as, post_form, tomorrow):
    login_as("driver")
    bad = post_form("/shifts/new", {"shift-local_date": tomorrow.isoformat(), "shift-start_time": "09:00",
                                    "shift-end_time": "08:00", "shift-capacity_kg": "100", "shift-cold_chain": "none",
                                    "shift-start_kind": "anywhere", "shift-end_kind": "anywhere"}, "/shifts/")
    assert bad.status_code == 422 and 'id="shift-end_time-error"' in bad.get_data(as_text=True)
    good = post_form("/shifts/new", {"shift-local_date": tomorrow.isoformat(), "shift-start_time": "09:00",
                                     "shift-end_time": "12:00", "shift-capacity_kg": "100", "shift-cold_chain": "none",
                                     "shift-start_kind": "anywhere", "shift-end_kind": "anywhere"}, "/shifts/")
    assert good.status_code == 302
    assert session.scalar(select(func.count()).select_from(DriverShift)) == 1


def test_a_shift_needs_room_for_at_least_one_pickup_and_its_delivery(session, user, org, now, tomorrow):
    """max_stops=1 could serve nothing (every request is a pickup and a delivery): refused beside the field."""
    driver, backbone = user("driver@example.org"), org("Feeding Our City Backbone")
    with pytest.raises(ValidationError) as error:
        shifts.post_shift(session, driver, driver, backbone, _input(tomorrow, max_stops=1), now, LA)
    assert error.value.fields == {"max_stops": shifts.STOPS_MESSAGE}
    assert "At least 2" in shifts.STOPS_MESSAGE
    assert shifts.post_shift(session, driver, driver, backbone, _input(tomorrow, max_stops=2), now, LA).max_stops == 2


def test_the_shifts_page_says_beside_the_field_that_one_stop_is_too_few(session, login_as, post_form, tomorrow):
    login_as("driver")
    fields = {"shift-local_date": tomorrow.isoformat(), "shift-start_time": "09:00", "shift-end_time": "12:00",
              "shift-capacity_kg": "100", "shift-cold_chain": "none", "shift-start_kind": "anywhere",
              "shift-end_kind": "anywhere"}
    bad = post_form("/shifts/new", fields | {"shift-max_stops": "1"}, "/shifts/")
    page = bad.get_data(as_text=True)
    assert bad.status_code == 422 and 'id="shift-max_stops-error"' in page and "At least 2" in page
    assert session.scalar(select(func.count()).select_from(DriverShift)) == 0
    assert post_form("/shifts/new", fields | {"shift-max_stops": "2"}, "/shifts/").status_code == 302
    assert session.scalar(select(DriverShift.max_stops)) == 2
