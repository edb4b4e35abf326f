"""End to end: a coordinator plans the demo's busy day in the background, watches it finish, sees every
route drawn on the map (with map tiles unreachable) and publishes it."""
from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import expect

from coalition.extensions import db
from coalition.services import demo
from tests.browser.conftest import sign_in

pytestmark = pytest.mark.browser


@pytest.fixture
def busy_day(live_app):
    """Tomorrow's 160 claimed requests and 20 shifts; the plan job runs in a thread with one solver process."""
    with live_app.app_context():
        busy = demo.load_busy_day(db.session, dt.datetime.now(dt.timezone.utc),
                                  ZoneInfo(live_app.config["COALITION_TIMEZONE"]))
        db.session.commit()
        db.session.remove()
    inline, workers = live_app.config.get("JOBS_INLINE"), live_app.config.get("PLANNING_WORKERS")
    live_app.config.update(JOBS_INLINE=False, PLANNING_WORKERS=1)
    yield busy
    live_app.config.update(JOBS_INLINE=inline, PLANNING_WORKERS=workers)


def _heights(page) -> tuple[int, int]:
    """The page's height with every route folded, then with every route open (as the page used to be)."""
    folded = page.evaluate("document.documentElement.scrollHeight")
    page.evaluate("document.querySelectorAll('details.route, details.drops').forEach(d => { d.open = true; })")
    unfolded = page.evaluate("document.documentElement.scrollHeight")
    page.evaluate("document.querySelectorAll('details.route, details.drops').forEach(d => { d.open = false; })")
    return folded, unfolded


def review_at_a_glance(new_context, plan_url: str, routes: int, screenshot) -> None:
    """On a laptop the busy day's plan shows one folded line per route, all of them within one screen,
    and the page is a small part of its height with every route open; a tap opens one route."""
    laptop = new_context({"width": 1366, "height": 768}).new_page()
    sign_in(laptop, "coordinator@example.org")
    laptop.goto(plan_url)
    rows = laptop.locator("details.route > summary")
    expect(rows).to_have_count(routes)
    assert laptop.locator("details.route[open]").count() == 0, "a route is open before anyone tapped it"
    box = laptop.locator("section[aria-labelledby=routes-heading]").bounding_box()
    folded, unfolded = _heights(laptop)
    print(f"\nplan review at 1366x768 with {routes} routes: {folded} px folded, {unfolded} px with every route open;"
          f" the route lines take {box['height']:.0f} px")
    screenshot(laptop, "plan-review-1366-folded")
    assert box["height"] <= 768, "the route lines do not fit one laptop screen"
    assert folded * 3 < unfolded, f"folding saves too little: {folded} px of {unfolded} px"
    rows.first.click()
    expect(laptop.locator("details.route").first.locator("li.step").first).to_be_visible()
    assert laptop.locator("details.route[open]").count() == 1
    phone = new_context().new_page()
    sign_in(phone, "coordinator@example.org")
    phone.goto(plan_url)
    phone_folded, phone_unfolded = _heights(phone)
    print(f"plan review at 390x844: {phone_folded} px folded, {phone_unfolded} px with every route open")
    screenshot(phone, "plan-review-390-folded")


def test_a_coordinator_plans_and_publishes_the_busy_day_and_the_map_draws_routes(new_context, busy_day, screenshot):
    page = new_context().new_page()
    sign_in(page, "coordinator@example.org")
    page.goto(f"/planning/?date={busy_day.day.isoformat()}")
    expect(page.get_by_text("20 driver shifts")).to_be_visible()
    page.get_by_label("Seconds the planner may think").fill("2")
    page.get_by_role("button", name="Plan routes").click()
    # The page polls the job and reloads itself when the plan is ready.
    expect(page.get_by_text("Status: ready")).to_be_visible(timeout=30_000)
    expect(page.get_by_role("button", name="Publish and tell everyone")).to_be_visible()
    lines = page.locator("#plan-map path.route-line")
    expect(lines.first).to_be_attached()
    routes = page.locator("details.route").count()
    assert routes > 0 and lines.count() == routes
    screenshot(page, "planning-ready")
    review_at_a_glance(new_context, page.url, routes, screenshot)
    page.get_by_role("button", name="Publish and tell everyone").click()
    expect(page.get_by_text("Status: published")).to_be_visible()
    expect(page.get_by_text("drivers and")).to_be_visible()
