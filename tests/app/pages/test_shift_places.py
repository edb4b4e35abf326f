"""A driver's home start and end are entered as a street address, found by the geocoder or placed by pin."""
from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from coalition.models.shift import DriverShift, PlaceKind
from coalition.services import shifts

LA = ZoneInfo("America/Los_Angeles")


@pytest.fixture
def fields(now):
    day = now.astimezone(LA).date() + dt.timedelta(days=1)
    return {"shift-local_date": day.isoformat(), "shift-start_time": "09:00", "shift-end_time": "12:00",
            "shift-capacity_kg": "100", "shift-cold_chain": "none", "shift-start_kind": "home",
            "shift-end_kind": "anywhere"}


def test_a_home_address_without_a_pin_is_geocoded_and_kept(session, login_as, post_form, fields, stand_in_geocoder):
    login_as("driver")
    response = post_form("/shifts/new", fields | {"shift-start_address": "4400 NE Broadway, Portland, OR"}, "/shifts/")
    assert response.status_code == 302
    shift = session.scalar(select(DriverShift))
    assert shift.start_kind is PlaceKind.HOME and shift.start_address == "4400 NE Broadway, Portland, OR"
    assert (shift.start_latitude, shift.start_longitude) == (45.5349, -122.6178)


def test_a_pinned_home_is_saved_as_placed(session, login_as, post_form, fields, stand_in_geocoder):
    login_as("driver")
    response = post_form("/shifts/new", fields | {"shift-start_address": "4400 NE Broadway, Portland, OR",
                                                  "shift-start_latitude": "45.5351", "shift-start_longitude": "-122.618"},
                         "/shifts/")
    assert response.status_code == 302
    assert session.scalar(select(DriverShift.start_latitude)) == 45.5351
    assert stand_in_geocoder.requests == []


def test_an_unknown_home_address_is_refused_beside_it(session, login_as, post_form, fields, stand_in_geocoder):
    login_as("driver")
    response = post_form("/shifts/new", fields | {"shift-start_address": "1 Nowhere Lane"}, "/shifts/")
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and 'id="shift-start_address-error"' in page and "No place found" in page
    assert session.scalar(select(func.count()).select_from(DriverShift)) == 0


def test_an_ambiguous_home_address_names_the_places(session, login_as, post_form, fields, stand_in_geocoder):
    login_as("driver")
    response = post_form("/shifts/new", fields | {"shift-start_address": "100 Main St"}, "/shifts/")
    assert response.status_code == 422
    assert "100 Main St, Vancouver, WA 98660" in response.get_data(as_text=True)


def test_a_home_without_address_or_point_asks_for_the_point(session, login_as, post_form, fields):
    login_as("driver")
    response = post_form("/shifts/new", fields, "/shifts/")
    assert response.status_code == 422 and 'id="shift-start_latitude-error"' in response.get_data(as_text=True)


def test_weekly_shifts_carry_the_home_address(session, user, org, now):
    driver = user("driver@example.org")
    data = shifts.ShiftInput(start_time=dt.time(9), end_time=dt.time(12), capacity_kg=150, cold_chain="none",
                             start=shifts.Place("home", 45.52, -122.68, address="12 Elm St"),
                             end=shifts.Place("anywhere", address="ignored for anywhere"), weekdays=["sat", "tue"])
    _pattern, made = shifts.create_pattern(session, driver, driver, org("Feeding Our City Backbone"), data, now, LA)
    assert made and {(s.start_address, s.end_address) for s in made} == {("12 Elm St", "")}
