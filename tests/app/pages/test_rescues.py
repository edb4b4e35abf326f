"""services/rescues.py and its pages: rescues offered, taken and released; cover; the board; the ICS feed."""
from __future__ import annotations

import datetime as dt
import uuid
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from coalition.errors import Conflict, PermissionDenied, ValidationError
from coalition.models import ClaimStatus, DriverShift, PlanStatus, ShiftStatus, StopKind
from coalition.services import driving, rescues
from coalition.services.planning import queries
from tests.fixtures import driving as f
from tests.fixtures.web import sign_in

TZ = ZoneInfo("America/Los_Angeles")


@pytest.fixture
def coordinator(session):
    return f.user(session, "coordinator@example.org")


@pytest.fixture
def driver(session):
    return f.user(session, "driver@example.org")


def offer(session, now, coordinator, claims, note=""):
    return rescues.offer_rescue(session, coordinator, [c.id for c in claims], note, f.local_today(now), now)


def test_a_rescue_is_taken_driven_like_a_route_and_released_before_it_starts(session, now, coordinator, driver):
    bread = f.make_claim(session, now, kg=8)
    rescue = offer(session, now, coordinator, [bread], "Back door")
    assert rescue in rescues.list_open_rescues(session, now)
    assert bread not in rescues.list_unrouted_claims(session, now)          # the offer carries it now
    route = rescues.take_rescue(session, driver, rescue.id, TZ, now)
    assert rescue.status is PlanStatus.PUBLISHED and rescue not in rescues.list_open_rescues(session, now)
    assert [s.kind for s in route.stops] == [StopKind.PICKUP, StopKind.DELIVERY] and bread.status is ClaimStatus.SCHEDULED
    assert route in driving.list_driver_routes(session, driver, route.shift.local_date)
    # Someone else cannot take it too, nor release it.
    with pytest.raises(Conflict):
        rescues.take_rescue(session, f.user(session, "driver1@example.org"), rescue.id, TZ, now)
    with pytest.raises(PermissionDenied):
        rescues.release_rescue(session, f.user(session, "driver1@example.org"), rescue.id, now)
    shift_id = route.shift_id
    rescues.release_rescue(session, driver, rescue.id, now)
    assert rescue.status is PlanStatus.DRAFT and rescue.routes == [] and session.get(DriverShift, shift_id) is None
    assert rescue in rescues.list_open_rescues(session, now)


def test_the_shift_of_a_taken_rescue_is_not_available_to_the_days_planner(session, now, coordinator, driver):
    """The one-off shift carries the rescue only: planning the day must not hand its driver more work."""
    route = rescues.take_rescue(session, driver, offer(session, now, coordinator, [f.make_claim(session, now)]).id,
                                TZ, now)
    day = route.shift.local_date
    regular = f.make_shift(session, now, driver="driver1@example.org", local_date=day)
    assert route.shift.status is ShiftStatus.AVAILABLE
    assert queries.list_available_shifts(session, day, screened=False) == [regular]
    assert route.shift not in queries.list_available_shifts(session, day)
    preview = queries.preview_day(session, day, TZ, now)
    assert route.shift not in preview.shifts and route.shift not in [s for s, _ in preview.left_out]


def test_a_started_rescue_cannot_be_released(session, now, coordinator, driver):
    rescue = offer(session, now, coordinator, [f.make_claim(session, now)])
    route = rescues.take_rescue(session, driver, rescue.id, TZ, now)
    driving.arrive(session, driver, route.stops[0].id, uuid.uuid4().hex, now, {}, now)
    with pytest.raises(Conflict):
        rescues.release_rescue(session, driver, rescue.id, now)


def test_a_rescue_has_one_pickup_and_only_free_claims(session, now, coordinator, driver):
    with pytest.raises(PermissionDenied):
        offer(session, now, driver, [f.make_claim(session, now)])
    with pytest.raises(ValidationError):
        offer(session, now, coordinator, [f.make_claim(session, now), f.make_claim(session, now)])   # two donations
    routed = f.make_route(session, now).stops[0].claim
    with pytest.raises(Conflict):
        offer(session, now, coordinator, [routed])
    claim = f.make_claim(session, now)
    offer(session, now, coordinator, [claim])
    with pytest.raises(Conflict):
        offer(session, now, coordinator, [claim])                            # already on an open offer


def test_a_driver_asks_for_cover_and_another_driver_covers(session, now, driver):
    route = f.make_route(session, now)
    other = f.user(session, "driver1@example.org")
    with pytest.raises(PermissionDenied):
        rescues.request_cover(session, other, route.shift_id, "", now)
    with pytest.raises(Conflict):
        rescues.cover_shift(session, other, route.shift_id, now)            # nobody asked yet
    shift = rescues.request_cover(session, driver, route.shift_id, "Car broke down", now)
    assert shift.status is ShiftStatus.COVER_REQUESTED and shift in rescues.list_cover_requests(session, now)
    with pytest.raises(PermissionDenied):
        rescues.cover_shift(session, driver, shift.id, now)                  # not one's own
    rescues.cover_shift(session, other, shift.id, now)
    assert shift.covered_by_id == other.id and shift.status is ShiftStatus.AVAILABLE and route.driver_id == other.id
    assert shift not in rescues.list_cover_requests(session, now)
    assert driving.list_driver_routes(session, other, shift.local_date) == [route]
    assert driving.list_driver_routes(session, driver, shift.local_date) == []


def test_the_board_shows_uncovered_work(login_as, session, now, coordinator, driver):
    shift = f.make_shift(session, now)
    rescues.request_cover(session, driver, shift.id, "", now)
    offer(session, now, coordinator, [f.make_claim(session, now, description="Pallet of apples")])
    f.make_claim(session, now, description="Tray of muffins")
    session.commit()
    page = login_as("coordinator").get("/driver/board").get_data(as_text=True)
    assert "Dana Driver asked for cover" in page and "Pallet of apples" not in page   # the offer shows by donor and kg
    assert "Tray of muffins" in page and "Offer a rescue to drivers" in page


def test_drivers_take_and_release_rescues_from_their_page(login_as, session, now, coordinator, post_form):
    rescue_id = offer(session, now, coordinator, [f.make_claim(session, now, description="Box of pears")]).id
    session.commit()
    client = login_as("driver")
    assert "Box of pears" in client.get("/driver/shifts").get_data(as_text=True)
    assert post_form(f"/driver/rescues/{rescue_id}/take", {}, token_page="/driver/shifts").status_code == 303
    assert "Box of pears" in client.get("/driver/").get_data(as_text=True)
    assert post_form(f"/driver/rescues/{rescue_id}/take", {}, token_page="/driver/shifts").status_code == 409
    assert post_form(f"/driver/rescues/{rescue_id}/release", {}, token_page="/driver/shifts").status_code == 303
    assert "Box of pears" not in client.get("/driver/").get_data(as_text=True)


def test_the_calendar_feed_lists_the_drivers_shifts_as_rfc5545(client, session, now, driver):
    shift = f.make_shift(session, now)
    shift.notes = "Bring the cooler; park at the back, gate code 4,2;1"
    covered = f.make_shift(session, now + dt.timedelta(days=1), driver="driver1@example.org")
    covered.covered_by_id = driver.id
    f.make_shift(session, now, driver="driver2@example.org")                 # someone else's
    session.commit()
    token = rescues.calendar_token(driver)
    response = client.get(f"/driver/calendar/{token}.ics")
    assert response.status_code == 200 and response.mimetype == "text/calendar"
    body = response.get_data(as_text=True)
    lines = body.split("\r\n")
    assert lines[0] == "BEGIN:VCALENDAR" and lines[-2] == "END:VCALENDAR" and lines[-1] == ""
    assert all(len(line.encode()) <= 75 for line in lines)
    assert body.count("BEGIN:VEVENT") == 2 and f"UID:shift-{shift.id}@" in body
    assert f"DTSTART:{shift.start_at.astimezone(dt.timezone.utc):%Y%m%dT%H%M%SZ}" in body
    unfolded = body.replace("\r\n ", "")
    assert "gate code 4\\,2\\;1" in unfolded and "SUMMARY:Driving shift (covering for" in unfolded


def test_the_calendar_feed_needs_the_drivers_secret_token(client, session, driver):
    from coalition.services import passwords

    token, driver_id = rescues.calendar_token(driver), driver.id
    assert client.get(f"/driver/calendar/{token}.ics").status_code == 200
    assert client.get(f"/driver/calendar/{token[:-1]}x.ics").status_code == 404
    assert client.get(f"/driver/calendar/{driver_id}-nothing.ics").status_code == 404
    other = f.user(session, "driver1@example.org")
    assert client.get(f"/driver/calendar/{other.id}-{token.split('-')[1]}.ics").status_code == 404
    f.user(session, "driver@example.org").password_hash = passwords.hash_password("a new long passphrase")
    session.commit()
    assert client.get(f"/driver/calendar/{token}.ics").status_code == 404       # a new password stops the old feed


def test_the_calendar_page_shows_the_feed_address(login_as):
    page = login_as("driver").get("/driver/calendar").get_data(as_text=True)
    assert "webcal://" in page and ".ics" in page


def test_cover_pages(login_as, session, now, post_form):
    shift_id = f.make_route(session, now).shift_id
    session.commit()
    client = login_as("driver")
    assert post_form(f"/driver/shifts/{shift_id}/cover-request", {"reason": "flu"}, token_page="/driver/shifts").status_code == 303
    assert "Cover requested" in client.get("/driver/shifts").get_data(as_text=True)
    client.delete_cookie("session")
    sign_in(client, "driver1@example.org")
    assert "I'll cover it" in client.get("/driver/shifts").get_data(as_text=True)
    assert post_form(f"/driver/shifts/{shift_id}/cover", {}, token_page="/driver/shifts").status_code == 303
    assert session.scalar(select(DriverShift.covered_by_id).where(DriverShift.id == shift_id)) == f.user(session, "driver1@example.org").id
