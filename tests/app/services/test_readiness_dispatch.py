"""Readiness in dispatch: planning gives no cold food to a driver without current food-safety training and
leaves out a driver without licence and insurance, saying why; self-dispatch rescues follow the same rules."""
from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from coalition.errors import PermissionDenied
from coalition.models.readiness import DriverProfile
from coalition.models.shift import ColdChain
from coalition.services import rescues
from coalition.services.planning import queries
from tests.fixtures import driving as f
from tests.fixtures.planning import add_shift, plan_now

TZ = ZoneInfo("America/Los_Angeles")


def _profile(session, user, email, **dates):
    driver = user(email)
    session.query(DriverProfile).filter_by(user_id=driver.id).delete()
    session.add(DriverProfile(user_id=driver.id, **dates))
    session.flush()


def test_a_refrigerated_car_without_current_training_gets_no_cold_food(session, user, org, now, day):
    today = now.date()
    _profile(session, user, "driver@example.org", licence_attested_on=today - dt.timedelta(days=9),
             insurance_attested_on=today - dt.timedelta(days=9), training_completed_on=today - dt.timedelta(days=400),
             training_expires_on=today - dt.timedelta(days=30))
    add_shift(session, user, org, now, chain=ColdChain.REFRIGERATED)
    plan = plan_now(session, user, day, now)
    assert plan.figures["served"] == 1
    [drop] = plan.drops
    assert drop.claim_id == day["milk"].id and drop.reason == "storage_class"


def test_a_driver_without_insurance_is_left_out_with_the_reason(session, user, org, now, day):
    today = now.date()
    _profile(session, user, "driver@example.org", licence_attested_on=today - dt.timedelta(days=9))
    add_shift(session, user, org, now, chain=ColdChain.REFRIGERATED)
    ready = add_shift(session, user, org, now, email="driver1@example.org", chain=ColdChain.REFRIGERATED)
    assert queries.list_available_shifts(session, day["date"]) == [ready]
    plan = plan_now(session, user, day, now)
    assert plan.figures["served"] == 2 and {r.shift_id for r in plan.routes} == {ready.id}
    [left_out] = plan.figures["left_out"]
    assert left_out["driver"] == user("driver@example.org").display_name
    assert "insurance attestation not recorded" in left_out["reason"] and "Left out: " in plan.message


def _offer_rescue(session, user, storage):
    now = dt.datetime.now(dt.timezone.utc).replace(microsecond=0)
    claim = f.make_claim(session, now, storage=storage, category="dairy" if storage != "ambient" else "bakery")
    return rescues.offer_rescue(session, user("coordinator@example.org"), [claim.id], "", f.local_today(now), now), now


def test_a_driver_without_current_training_cannot_take_a_cold_rescue_but_can_take_an_ambient_one(session, user):
    today = dt.datetime.now(TZ).date()
    _profile(session, user, "driver@example.org", licence_attested_on=today - dt.timedelta(days=9),
             insurance_attested_on=today - dt.timedelta(days=9))
    cold, now = _offer_rescue(session, user, "refrigerated")
    with pytest.raises(PermissionDenied, match="food-safety training"):
        rescues.take_rescue(session, user("driver@example.org"), cold.id, TZ, now)
    ambient, now = _offer_rescue(session, user, "ambient")
    assert rescues.take_rescue(session, user("driver@example.org"), ambient.id, TZ, now).driver_id == user("driver@example.org").id


def test_a_driver_without_a_licence_attestation_cannot_take_any_rescue(session, user):
    _profile(session, user, "driver@example.org")
    ambient, now = _offer_rescue(session, user, "ambient")
    with pytest.raises(PermissionDenied, match="licence"):
        rescues.take_rescue(session, user("driver@example.org"), ambient.id, TZ, now)


def test_the_planning_page_shows_who_is_left_out_and_who_carries_ambient_food_only(session, user, org, now, day,
                                                                                   login_as):
    today = now.date()
    _profile(session, user, "driver@example.org", licence_attested_on=today - dt.timedelta(days=9))
    _profile(session, user, "driver1@example.org", licence_attested_on=today - dt.timedelta(days=9),
             insurance_attested_on=today - dt.timedelta(days=9))
    add_shift(session, user, org, now)
    ambient = add_shift(session, user, org, now, email="driver1@example.org", chain=ColdChain.REFRIGERATED)
    preview = queries.preview_day(session, day["date"], day["tz"], now)
    assert preview.shifts == [ambient] and preview.ambient_only == {ambient.id}
    [(shift, reason)] = preview.left_out
    assert shift.driver.email == "driver@example.org" and "insurance attestation not recorded" in reason
    session.commit()
    page = login_as("coordinator").get(f"/planning/?date={day['date'].isoformat()}").get_data(as_text=True)
    assert "ambient food only" in page and "left out: not ready to drive" in page
