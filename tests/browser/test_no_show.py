"""End to end on phones: a driver late for a pickup taps the big "I can't make it" button; a coordinator opens
the alert from their notifications, sees who could take it over, and offers it as a rescue in one tap.

The late pickup is created directly in the database (a published route of driver@ due an hour ago, flagged
as the worker flags it); each run uses its own food description.
"""
from __future__ import annotations

import datetime as dt
import uuid

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from coalition.extensions import db
from coalition.models import DriverAnswer, NoShow, PlanStatus, RoutePlan
from coalition.services import rescues
from tests.browser.conftest import PHONE, sign_in
from tests.fixtures import driving as f

pytestmark = pytest.mark.browser


@pytest.fixture
def late_pickup(live_app):
    tag = uuid.uuid4().hex[:6]
    now = dt.datetime.now(dt.timezone.utc).replace(microsecond=0)
    with live_app.app_context():
        session = db.session
        claim = f.make_claim(session, now - dt.timedelta(hours=2), kg=7, description=f"Soup {tag}")
        stop = f.make_route(session, now - dt.timedelta(hours=2), claims=[claim]).stops[0]
        row = NoShow(claim_id=claim.id, driver_id=stop.route.driver_id, stop_id=stop.id, due_at=stop.service_start_at,
                     flagged_at=now, answer=DriverAnswer.NONE, escalation_reason="", missed_reason="")
        session.add(row)
        session.commit()
        ids = {"no_show": row.id, "claim": claim.id, "tag": tag}
        db.session.remove()
    return ids


def test_driver_cant_make_it_then_the_coordinator_offers_a_rescue_in_one_tap(live_app, new_context, late_pickup):
    driver = new_context(viewport=PHONE).new_page()
    sign_in(driver, "driver@example.org")
    # The push's "Can't make it" button opens the page with that answer chosen: one more tap confirms it.
    driver.goto(f"/driver/no-shows/{late_pickup['no_show']}/question?answer=cant_make_it")
    expect(driver.get_by_text(f"Soup {late_pickup['tag']}")).to_be_visible()
    driver.get_by_role("button", name="I can't make it").click()
    expect(driver.get_by_text("the coordinators are finding another driver")).to_be_visible()
    expect(driver.get_by_role("button", name="Yes, on my way")).to_have_count(0)

    coordinator = new_context(viewport=PHONE).new_page()
    sign_in(coordinator, "coordinator@example.org")
    coordinator.goto("/notifications/")
    alert = coordinator.locator(".notification").filter(has_text=f"Late pickup: 7 kg Soup {late_pickup['tag']}")
    expect(alert).to_contain_text("can't make it")
    alert.get_by_role("button", name="Open").click()
    expect(coordinator.get_by_role("heading", name="Late pickup")).to_be_visible()
    expect(coordinator.locator(".facts")).to_contain_text("Can't make it")
    coordinator.get_by_role("button", name="Offer it as a rescue").click()
    expect(coordinator.get_by_text("Offered as a rescue, not taken yet")).to_be_visible()

    with live_app.app_context():
        try:
            offers = db.session.scalars(select(RoutePlan).where(RoutePlan.zone == rescues.RESCUE_ZONE,
                                                                RoutePlan.status == PlanStatus.DRAFT)).all()
            assert [o for o in offers if late_pickup["claim"] in o.params["rescue"]["claim_ids"]]
        finally:
            db.session.remove()
