"""The measurement dashboard in real headless Chromium: its SVG charts and the Leaflet choropleth draw."""
from __future__ import annotations

import datetime as dt

import pytest
from playwright.sync_api import expect

from coalition.extensions import db
from coalition.services import measurement_demo
from tests.browser.conftest import assert_fits_width, sign_in

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def demo_measurement(live_app):
    """The demo neighborhoods, goal and deliveries in the browser tests' database (idempotent)."""
    with live_app.app_context():
        measurement_demo.load_demo_measurement(db.session, dt.datetime.now(dt.timezone.utc), deliveries_per_month=5)
        db.session.commit()
        db.session.remove()


def test_the_backbone_dashboard_draws_its_charts_and_map_on_a_phone(page, screenshot, demo_measurement):
    """At 390 px: the goal and monthly charts are SVG with drawn marks; the map draws all 12 neighborhoods."""
    sign_in(page, "backbone@example.org")
    page.goto("/measurement/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Coalition dashboard")
    goal_chart = page.locator("svg#chart-goal")
    expect(goal_chart).to_be_visible()
    assert goal_chart.locator("polyline.trajectory").count() == 1 and goal_chart.locator("circle.actual").count() >= 1
    months = page.locator("svg#chart-months")
    expect(months).to_be_visible()
    assert months.locator("rect.bar").count() == 12
    assert months.bounding_box()["height"] > 100

    the_map = page.locator("#measurement-map")
    expect(the_map).to_have_attribute("data-features", "12")
    expect(the_map.locator("svg path.leaflet-interactive")).to_have_count(12)
    assert the_map.bounding_box()["height"] >= 250
    assert_fits_width(page)
    screenshot(page, "measurement-dashboard-390")

    the_map.locator("svg path.leaflet-interactive").first.click(force=True)
    expect(page.locator(".leaflet-popup-content")).to_contain_text("Underserved score")


def test_a_food_bank_sees_its_part_beside_the_coalitions(new_context, screenshot, demo_measurement):
    """The menu's Progress leads to the shared page; from its part, to the food bank's own breakdowns."""
    page = new_context({"width": 1280, "height": 900}).new_page()
    sign_in(page, "foodbank@example.org")
    page.get_by_role("link", name="Progress", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Our shared progress")
    expect(page.get_by_role("heading", name="Your part: Columbia Regional Food Bank")).to_be_visible()
    page.get_by_role("link", name="Your figures by food category and storage").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Columbia Regional Food Bank: our part")
    assert page.locator("svg#chart-months rect.bar.compare").count() == 12  # the coalition, beside its own bars
    expect(page.get_by_text("coalition-wide")).to_be_visible()
    screenshot(page, "measurement-partner-1280")


@pytest.mark.parametrize(("email", "organization", "shot"), [
    ("grocer@example.org", "Hawthorne Green Grocer", "progress-grocer-390"),
    ("city@example.org", "City Office of Community Food Security", "progress-city-390"),
])
def test_a_grocer_and_the_city_see_the_goal_and_their_part_on_a_phone(page, screenshot, demo_measurement, email,
                                                                      organization, shot):
    """At 390x844: the goal with its trajectory chart, the coalition's figures, the map, and "your part"."""
    sign_in(page, email)
    page.goto("/measurement/")  # the backbone's address sends every other partner to the shared page
    expect(page.get_by_role("heading", level=1)).to_have_text("Our shared progress")
    expect(page.get_by_role("heading", name="The goal")).to_be_visible()
    expect(page.get_by_text("Food insecurity down 30.0%")).to_be_visible()
    assert page.locator("svg#chart-goal polyline.trajectory").count() == 1
    expect(page.get_by_role("heading", name=f"Your part: {organization}")).to_be_visible()
    expect(page.locator("#your-part .tile").first).to_contain_text("coalition-wide")
    expect(page.locator("#measurement-map svg path.leaflet-interactive")).to_have_count(12)
    assert_fits_width(page)
    screenshot(page, shot)
