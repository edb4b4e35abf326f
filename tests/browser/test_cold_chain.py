"""End to end on a 390x844 phone: a driver refuses a refrigerated line that is too warm at pickup; the
recipient is told at once, the line's drop-off leaves the route, and the dashboard counts the kg as food
lost to the cold chain, not distributed.
"""
from __future__ import annotations

import datetime as dt
import re
import uuid

import pytest
from playwright.sync_api import expect

from coalition.extensions import db
from coalition.services import indicators
from tests.browser.conftest import assert_fits_width, sign_in, sign_out
from tests.fixtures import driving as f

pytestmark = pytest.mark.browser


def figures(live_app) -> indicators.Totals:
    with live_app.app_context():
        try:
            return indicators.totals(db.session, indicators.Filters())
        finally:
            db.session.remove()


def flags(live_app, claim_id) -> int:
    from sqlalchemy import func, select

    from coalition.models import PickupProblem

    with live_app.app_context():
        try:
            return db.session.scalar(select(func.count()).select_from(PickupProblem).where(PickupProblem.claim_id == claim_id))
        finally:
            db.session.remove()


def test_a_warm_refrigerated_line_is_refused_at_pickup_the_recipient_is_told_and_it_counts_as_lost(
        live_app, new_context, screenshot):
    tag = uuid.uuid4().hex[:6]
    now = dt.datetime.now(dt.timezone.utc).replace(microsecond=0)
    with live_app.app_context():
        claim = f.make_claim(db.session, now, kg=8, storage="refrigerated", category="dairy",
                             description=f"Milk {tag}", recipient="Old Town Night Shelter", claimant="shelter@example.org")
        route = f.make_route(db.session, now, claims=[claim])
        db.session.commit()
        pickup_id, delivery_id = (s.id for s in route.stops)
        claim_id = claim.id
        db.session.remove()
    before = figures(live_app)

    context = new_context()
    page = context.new_page()
    sign_in(page, "driver@example.org")
    page.goto("/driver/")
    pickup = page.locator(f"#stop-{pickup_id}")
    # "Problem with this pickup" works with no connection, like every action, and is flagged once.
    context.set_offline(True)
    pickup.get_by_text("Problem with this pickup").click()
    pickup.get_by_label(re.compile("What is wrong at")).select_option("not_ready")
    pickup.get_by_role("button", name="Flag the problem").click()
    expect(pickup.locator(".queue-state")).to_have_text(re.compile("saved on this phone"))
    expect(pickup.locator(".stop-state")).to_have_text("pending")
    context.set_offline(False)
    expect(pickup.locator(".queue-state")).to_have_text("· sent ✓", timeout=20_000)
    assert flags(live_app, claim_id) == 1

    expect(pickup.get_by_label("Temperature (°C)")).to_have_attribute("inputmode", "decimal")
    pickup.get_by_label("Temperature (°C)").fill("9")
    pickup.get_by_role("button", name="Picked up").click()
    # Above the 5 °C limit: the phone asks to refuse the line, with a reason, before anything is sent.
    expect(pickup.get_by_text(re.compile(r"Too warm \(9 °C, limit 5 °C\)"))).to_be_visible()
    assert_fits_width(page)
    screenshot(page, "driver-refuse-warm-390")
    pickup.get_by_label("Refuse this line: why?").select_option("too_warm")
    pickup.get_by_role("button", name="Picked up").click()
    expect(pickup.locator(".queue-state")).to_have_text("· sent ✓")
    expect(pickup.locator(".stop-state")).to_have_text("problem")
    # The rest of the route goes on without it: the drop-off is gone from the driver's work.
    expect(page.locator(f"#stop-{delivery_id} .stop-state")).to_have_text("problem")
    page.reload()
    expect(page.locator(f"#stop-{delivery_id}")).to_contain_text("Not picked up")
    sign_out(page)

    # The recipient is told at once.
    sign_in(page, "shelter@example.org")
    page.goto("/notifications/")
    expect(page.get_by_text(re.compile(f"refused at Hawthorne Green Grocer")).first).to_be_visible()
    expect(page.get_by_text(f"8 kg Milk {tag}", exact=False).first).to_be_visible()
    sign_out(page)

    # Counted as food lost to the cold chain, never as food distributed.
    after = figures(live_app)
    assert round(after.kg_lost_cold_chain - before.kg_lost_cold_chain, 3) == 8
    assert after.kg_distributed == before.kg_distributed and after.deliveries == before.deliveries
    sign_in(page, "coordinator@example.org")
    page.goto("/measurement/")
    tile = page.locator("#lost-cold-chain")
    expect(tile).to_contain_text("food lost to cold chain")
    expect(tile).to_contain_text(f"{after.kg_lost_cold_chain:,.1f} kg")
