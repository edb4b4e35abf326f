"""A grocer places their store on the map from its address, in real headless Chromium, with no map tiles."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from coalition.extensions import db
from coalition.models import Organization
from tests.browser.conftest import sign_in

pytestmark = pytest.mark.browser

STORE = "Hawthorne Green Grocer"


@pytest.fixture
def store_place(live_app):
    """The grocer's store; its address and point are put back afterwards for the other browser tests."""
    with live_app.app_context():
        store = db.session.scalar(select(Organization).where(Organization.name == STORE))
        saved = (store.address, store.latitude, store.longitude)
        db.session.remove()
    yield
    with live_app.app_context():
        store = db.session.scalar(select(Organization).where(Organization.name == STORE))
        store.address, store.latitude, store.longitude = saved
        db.session.commit()
        db.session.remove()


def _store_point(live_app) -> tuple[str, float, float]:
    with live_app.app_context():
        store = db.session.scalar(select(Organization).where(Organization.name == STORE))
        db.session.remove()
        return store.address, store.latitude, store.longitude


def test_grocer_finds_the_address_on_the_map_drags_the_pin_and_saves(
        page, live_app, geocoder_server, store_place, monkeypatch, screenshot):
    """Find on map shows the stand-in geocoder's answer as a pin; the pin dragged to the door is what is saved."""
    monkeypatch.setitem(live_app.config, "GEOCODER_URL", geocoder_server.url)
    sign_in(page, "grocer@example.org")
    page.goto(f"/organizations/{_store_id(live_app)}/edit")
    page.get_by_label("Street address").fill("1200 SE Morrison St, Portland, OR")
    page.get_by_role("button", name="Find on map").click()
    expect(page.get_by_role("status")).to_contain_text("Found: 1200 SE Morrison St, Portland, OR 97214")
    pin = page.locator(".leaflet-marker-icon")
    expect(pin).to_be_visible()
    expect(page.locator("#latitude")).to_have_value("45.517100")
    screenshot(page, "place-picker-found")

    box = pin.bounding_box()
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] - 2)
    page.mouse.down()
    page.mouse.move(box["x"] + box["width"] / 2 + 40, box["y"] + box["height"] + 30, steps=8)
    page.mouse.up()
    expect(page.get_by_role("status")).to_contain_text("Pin moved")
    dragged = (float(page.locator("#latitude").input_value()), float(page.locator("#longitude").input_value()))
    assert dragged[0] < 45.5171 and dragged[1] > -122.6531  # moved down (south) and right (east)

    with page.expect_navigation():
        page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Saved.")).to_be_visible()
    address, latitude, longitude = _store_point(live_app)
    assert address == "1200 SE Morrison St, Portland, OR"
    assert (round(latitude, 6), round(longitude, 6)) == dragged


def test_without_a_geocoder_a_click_on_the_map_places_the_pin(page, live_app, store_place):
    """No geocoder set up: no Find on map button, and a click on the map gives the point."""
    sign_in(page, "grocer@example.org")
    page.goto(f"/organizations/{_store_id(live_app)}/edit")
    expect(page.get_by_text("Click the map where the place is")).to_be_visible()
    expect(page.get_by_role("button", name="Find on map")).to_have_count(0)
    before = page.locator("#latitude").input_value()
    page.locator(".place-map").click(position={"x": 60, "y": 60})
    expect(page.get_by_role("status")).to_contain_text("Pin placed")
    assert page.locator("#latitude").input_value() != before
    with page.expect_navigation():
        page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Saved.")).to_be_visible()


def _store_id(live_app) -> int:
    with live_app.app_context():
        store_id = db.session.scalar(select(Organization.id).where(Organization.name == STORE))
        db.session.remove()
        return store_id


def test_a_driver_places_home_on_the_map_when_posting_a_shift(page, live_app, screenshot):
    """On the shifts page the home start is placed with a click on the map; the point goes into the form."""
    sign_in(page, "driver@example.org")
    page.goto("/shifts/")
    start_map = page.locator(".place-picker[data-address='#shift-start_address'] .place-map")
    expect(start_map).to_be_hidden()  # shown only for a home start
    page.locator("#shift-start_kind").select_option("home")
    expect(start_map).to_be_visible()
    page.locator("#shift-start_address").fill("12 Elm St")
    start_map.click(position={"x": 80, "y": 80})
    lat = page.locator("#shift-start_latitude").input_value()
    assert lat and -90 <= float(lat) <= 90
    screenshot(page, "shift-home-pin")


def test_without_leaflet_the_coordinates_are_open_to_type(new_context, live_app, store_place):
    """When the map library cannot load, the page opens the Coordinates section and typed values are saved."""
    context = new_context()
    context.route("**/vendor/leaflet/leaflet.js", lambda route: route.abort("internetdisconnected"))
    page = context.new_page()
    sign_in(page, "grocer@example.org")
    page.goto(f"/organizations/{_store_id(live_app)}/edit")
    expect(page.get_by_label("Latitude", exact=True)).to_be_visible()
    page.get_by_label("Latitude", exact=True).fill("45.5125")
    page.get_by_label("Longitude", exact=True).fill("-122.6350")
    with page.expect_navigation():
        page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Saved.")).to_be_visible()
    assert _store_point(live_app)[1:] == (45.5125, -122.635)


def test_several_matches_are_listed_and_the_chosen_one_gets_the_pin(page, live_app, geocoder_server, store_place,
                                                                    monkeypatch):
    monkeypatch.setitem(live_app.config, "GEOCODER_URL", geocoder_server.url)
    sign_in(page, "grocer@example.org")
    page.goto(f"/organizations/{_store_id(live_app)}/edit")
    page.get_by_label("Street address").fill("100 Main St")
    page.get_by_role("button", name="Find on map").click()
    expect(page.get_by_role("status")).to_contain_text("matches 2 places")
    page.get_by_role("button", name="100 Main St, Vancouver, WA 98660").click()
    expect(page.locator(".leaflet-marker-icon")).to_be_visible()
    expect(page.locator("#latitude")).to_have_value("45.638700")
    expect(page.get_by_role("button", name="100 Main St, Portland, OR 97204")).to_have_count(0)
