"""End to end on a 390x844 phone: a volunteer driver completes every stop of a published route, one of them
with no connection, and the delivered kilograms land in the measurement records exactly once.

The route is created directly in the database (tests/fixtures/driving.py), as the planning
service would publish it. Each run uses its own food descriptions.
"""
from __future__ import annotations

import datetime as dt
import re
import uuid

import pytest
from playwright.sync_api import expect
from sqlalchemy import func, select

from coalition.extensions import db
from coalition.models import DeliveryRecord, StopAction
from tests.fixtures import driving as f
from tests.browser.conftest import assert_fits_width, sign_in

pytestmark = pytest.mark.browser


@pytest.fixture
def published_route(live_app):
    """A published route for driver@ today: two pickups at the grocer, then two deliveries."""
    tag = uuid.uuid4().hex[:6]
    now = dt.datetime.now(dt.timezone.utc).replace(microsecond=0)
    with live_app.app_context():
        session = db.session
        bread = f.make_claim(session, now, kg=10, description=f"Bread {tag}")
        milk = f.make_claim(session, now, kg=6, storage="refrigerated", category="dairy", description=f"Milk {tag}",
                            recipient="Old Town Night Shelter", claimant="shelter@example.org")
        route = f.make_route(session, now, claims=[bread, milk])
        session.commit()
        ids = {"stops": [s.id for s in route.stops], "claims": [bread.id, milk.id], "tag": tag}
        db.session.remove()
    return ids


def count(live_app, model, *where) -> int:
    with live_app.app_context():
        try:
            return db.session.scalar(select(func.count()).select_from(model).where(*where))
        finally:
            db.session.remove()


def test_a_driver_completes_a_route_on_a_phone_including_a_stop_done_offline(live_app, new_context, published_route, screenshot):
    context = new_context()
    page = context.new_page()
    sign_in(page, "driver@example.org")
    page.get_by_role("link", name="My route").click()
    expect(page.get_by_role("heading", name="Today's route")).to_be_visible()
    pickup_bread, pickup_milk, deliver_bread, deliver_milk = (page.locator(f"#stop-{i}") for i in published_route["stops"])
    tag = published_route["tag"]
    expect(pickup_bread).to_contain_text(f"10 kg Bread {tag}")
    expect(pickup_milk).to_contain_text("Cold food: safe until")
    # The map draws its four markers although the tile server is unreachable.
    route_map = page.locator(".route", has=pickup_bread).locator(".map")
    expect(route_map).to_have_attribute("data-markers", "4")
    assert page.evaluate("() => navigator.serviceWorker.ready.then(r => Boolean(r.active))")
    assert_fits_width(page)
    screenshot(page, "driver-route-390")

    # Stop 1: arrived, then picked up what was claimed.
    pickup_bread.get_by_role("button", name="Arrived").click()
    expect(pickup_bread.locator(".stop-state")).to_have_text("arrived")
    expect(pickup_bread.locator(".queue-state")).to_have_text("· sent ✓")
    pickup_bread.get_by_role("button", name="Picked up").click()
    expect(pickup_bread.locator(".stop-state")).to_have_text("done")
    expect(pickup_bread.locator(".queue-state")).to_have_text("· sent ✓")

    # Stop 2: cold food needs a temperature check; more than claimed asks for confirmation first.
    pickup_milk.get_by_label("Kilograms picked up").fill("7")
    pickup_milk.get_by_role("button", name="Picked up").click()
    expect(pickup_milk.get_by_text("Check the food's temperature")).to_be_visible()
    expect(pickup_milk.get_by_text(re.compile(r"Confirm 7 kg"))).to_be_visible()
    pickup_milk.get_by_label("Temperature (°C)").fill("3.5")
    pickup_milk.get_by_label("Yes, record this weight").check()
    pickup_milk.get_by_role("button", name="Picked up").click()
    expect(pickup_milk.locator(".queue-state")).to_have_text("· sent ✓")

    # The route page is in the service worker's cache, for a car park with no signal.
    assert page.evaluate("() => caches.match('/driver/').then(r => Boolean(r && r.ok))")

    # Stop 3 with no connection: kept on the phone, shown as waiting, sent once when back online.
    context.set_offline(True)
    expect(page.locator("#offline-banner")).to_be_visible()
    deliver_bread.get_by_label("Kilograms delivered").fill("9.5")
    deliver_bread.get_by_label("Received by").fill("Ana at the dock")
    deliver_bread.get_by_role("button", name="Delivered").click()
    expect(deliver_bread.locator(".queue-state")).to_have_text(re.compile("saved on this phone"))
    expect(page.locator("#queue-status")).to_have_text("1 action waiting for a connection")
    assert count(live_app, StopAction, StopAction.stop_id == published_route["stops"][2]) == 0
    screenshot(page, "driver-offline-390")
    # Still readable after a reload with no connection, with the queued delivery shown.
    page.reload()
    expect(page.locator(f"#stop-{published_route['stops'][2]} .queue-state")).to_have_text(re.compile("saved on this phone"))
    expect(page.get_by_text(f"Bread {tag}").first).to_be_visible()
    context.set_offline(False)
    deliver_bread = page.locator(f"#stop-{published_route['stops'][2]}")
    expect(deliver_bread.locator(".queue-state")).to_have_text("· sent ✓", timeout=20_000)
    expect(page.locator("#queue-status")).to_have_text("Everything you recorded has been sent.")

    # Stop 4, and the route is finished.
    deliver_milk = page.locator(f"#stop-{published_route['stops'][3]}")
    deliver_milk.get_by_label("Received by").fill("Sam")
    deliver_milk.get_by_label("Temperature (°C)").fill("4")
    deliver_milk.get_by_role("button", name="Delivered").click()
    expect(deliver_milk.locator(".queue-state")).to_have_text("· sent ✓")
    page.reload()
    this_route = page.locator(".route", has=page.locator(f"#stop-{published_route['stops'][0]}"))   # the driver may have others today
    expect(this_route.get_by_text(re.compile("Route finished at"))).to_be_visible()
    assert_fits_width(page)
    screenshot(page, "driver-route-finished-390")

    # The queued delivery was recorded once; both deliveries are in the measurement records, once each.
    assert count(live_app, StopAction, StopAction.stop_id == published_route["stops"][2]) == 1
    bread_claim, milk_claim = published_route["claims"]
    with live_app.app_context():
        records = {r.claim_id: r for r in db.session.scalars(
            select(DeliveryRecord).where(DeliveryRecord.claim_id.in_(published_route["claims"])))}
        assert records[bread_claim].quantity_g == 9500 and records[bread_claim].picked_up_g == 10000
        assert records[milk_claim].quantity_g == 7000 and records[milk_claim].storage.value == "refrigerated"
        assert records[bread_claim].volunteer_minutes is not None
        db.session.remove()
    assert count(live_app, DeliveryRecord, DeliveryRecord.claim_id.in_(published_route["claims"])) == 2


def test_a_driver_takes_a_rescue_and_asks_for_cover_on_a_phone(live_app, new_context, screenshot):
    from zoneinfo import ZoneInfo

    from coalition.services import rescues

    tag = uuid.uuid4().hex[:6]
    now = dt.datetime.now(dt.timezone.utc).replace(microsecond=0)
    with live_app.app_context():
        session = db.session
        claim = f.make_claim(session, now, kg=5, description=f"Rescue soup {tag}")
        rescue = rescues.offer_rescue(session, f.user(session, "coordinator@example.org"), [claim.id],
                                      "Ask at the deli counter", now.astimezone(ZoneInfo("America/Los_Angeles")).date(), now)
        shift = f.make_shift(session, now + dt.timedelta(days=2))
        session.commit()
        shift_id, rescue_id = shift.id, rescue.id
        db.session.remove()

    page = new_context().new_page()
    sign_in(page, "driver@example.org")
    page.goto("/driver/shifts")
    offer = page.locator(f"#rescue-{rescue_id}")
    expect(offer).to_contain_text(f"Rescue soup {tag}")
    assert_fits_width(page)
    screenshot(page, "driver-shifts-390")
    offer.get_by_role("button", name="I'll do it").click()
    expect(page.get_by_text("It's yours")).to_be_visible()
    page.get_by_role("link", name="Today's route").click()
    expect(page.get_by_text(f"5 kg Rescue soup {tag}").first).to_be_visible()

    page.goto("/driver/shifts")
    mine = page.locator(f"#shift-{shift_id}")
    mine.get_by_text("I can't make it").click()
    mine.get_by_label("Why (optional, the coordinators see it)").fill("Car in the garage")
    mine.get_by_role("button", name="Ask for cover").click()
    expect(page.locator(f"#shift-{shift_id}")).to_contain_text("Cover requested")
    assert_fits_width(page)
