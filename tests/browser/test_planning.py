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
    routes = page.locator("section.route").count()
    assert routes > 0 and lines.count() == routes
    screenshot(page, "planning-ready")
    page.get_by_role("button", name="Publish and tell everyone").click()
    expect(page.get_by_text("Status: published")).to_be_visible()
    expect(page.get_by_text("drivers and")).to_be_visible()
