"""The food-safety policy: defaults per storage class and cold chain, overrides, never past use-by."""
from __future__ import annotations

import datetime as dt

import pytest

from coalition.services import food_safety


def test_defaults_follow_the_danger_zone_and_time_as_a_control_rules(session):
    policy = food_safety.load_policy(session)
    assert policy.max_ride_s("ambient", "none") == 8 * 3600
    assert policy.max_ride_s("refrigerated", "none") == 2 * 3600       # out of refrigeration
    assert policy.max_ride_s("refrigerated", "insulated") == 4 * 3600  # starts cold, travels insulated
    assert policy.max_ride_s("frozen", "refrigerated") is None         # the whole shift


def test_safe_until_is_never_past_use_by(session, now):
    policy = food_safety.load_policy(session)
    assert policy.safe_until(now, "refrigerated", "insulated", now + dt.timedelta(days=1)) == now + dt.timedelta(hours=4)
    assert policy.safe_until(now, "refrigerated", "insulated", now + dt.timedelta(hours=1)) == now + dt.timedelta(hours=1)
    assert policy.safe_until(now, "frozen", "refrigerated", now + dt.timedelta(hours=30)) == now + dt.timedelta(hours=30)


def test_backbone_staff_override_a_pair_and_clear_it_back_to_default(session, user):
    count = food_safety.set_rules(session, user("coordinator@example.org"), {("refrigerated", "insulated"): "180"})
    assert count == 1 and food_safety.load_policy(session).max_ride_s("refrigerated", "insulated") == 3 * 3600
    food_safety.set_rules(session, user("coordinator@example.org"), {})
    assert food_safety.load_policy(session).max_ride_s("refrigerated", "insulated") == 4 * 3600


def test_bad_minutes_are_refused_beside_the_field_and_others_cannot_set_rules(session, user):
    with pytest.raises(Exception) as error:
        food_safety.set_rules(session, user("coordinator@example.org"), {("ambient", "none"): "-5"})
    assert "ambient-none" in error.value.fields
    with pytest.raises(Exception) as error:
        food_safety.set_rules(session, user("grocer@example.org"), {("ambient", "none"): "60"})
    assert error.value.status_code == 403
