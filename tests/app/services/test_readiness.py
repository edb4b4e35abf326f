"""Volunteer readiness: what a driver may take on a day, editing the profile, expiries, mentor pairing."""
from __future__ import annotations

import datetime as dt

import pytest

from coalition.errors import PermissionDenied, ValidationError
from coalition.models import ColdChain
from coalition.models.readiness import DriverProfile
from coalition.services import readiness

DAY = dt.date(2026, 11, 29)


def _clear(session, driver):
    """The demo gives its drivers a profile; these tests start from none."""
    session.query(DriverProfile).filter_by(user_id=driver.id).delete()
    session.flush()


def _ready(session, driver, training_expires=DAY + dt.timedelta(days=200), licence_expires=None,
           insurance_expires=DAY + dt.timedelta(days=200), training=True):
    _clear(session, driver)
    profile = DriverProfile(user_id=driver.id, licence_attested_on=DAY - dt.timedelta(days=100),
                            licence_expires_on=licence_expires, insurance_attested_on=DAY - dt.timedelta(days=100),
                            insurance_expires_on=insurance_expires)
    if training:
        profile.training_completed_on, profile.training_expires_on = DAY - dt.timedelta(days=300), training_expires
    session.add(profile)
    session.flush()
    return profile


def test_a_driver_with_nothing_recorded_can_take_no_route(session, user):
    _clear(session, user("driver@example.org"))
    state = readiness.readiness_of(session, user("driver@example.org"), DAY)
    assert not state.can_drive and not state.can_carry_cold
    assert any("licence" in m.lower() for m in state.missing) and any("insurance" in m.lower() for m in state.missing)


def test_licence_insurance_and_training_current_allow_cold_food(session, user):
    driver = user("driver@example.org")
    _ready(session, driver)
    state = readiness.readiness_of(session, driver, DAY)
    assert state == readiness.Readiness(True, True, [])
    assert readiness.effective_cold_chain(ColdChain.REFRIGERATED, state) is ColdChain.REFRIGERATED


def test_expired_training_means_ambient_food_only(session, user):
    driver = user("driver@example.org")
    _ready(session, driver, training_expires=DAY - dt.timedelta(days=1))
    state = readiness.readiness_of(session, driver, DAY)
    assert state.can_drive and not state.can_carry_cold
    assert state.missing == [f"Food-safety training expired on {(DAY - dt.timedelta(days=1)).isoformat()}"]
    assert readiness.effective_cold_chain(ColdChain.REFRIGERATED, state) is ColdChain.NONE
    readiness.check_can_take(state, needs_cold=False)
    with pytest.raises(PermissionDenied, match="cold food"):
        readiness.check_can_take(state, needs_cold=True)


def test_an_item_is_still_valid_on_its_expiry_day_and_not_the_day_after(session, user):
    driver = user("driver@example.org")
    _ready(session, driver, insurance_expires=DAY)
    assert readiness.readiness_of(session, driver, DAY).can_drive
    after = readiness.readiness_of(session, driver, DAY + dt.timedelta(days=1))
    assert not after.can_drive and not after.can_carry_cold
    with pytest.raises(PermissionDenied, match="cannot take routes"):
        readiness.check_can_take(after, needs_cold=False)


def test_readiness_by_driver_answers_for_a_whole_day_in_one_go(session, user):
    ready, unready = user("driver@example.org"), user("driver1@example.org")
    _ready(session, ready)
    _clear(session, unready)
    states = readiness.readiness_by_driver(session, [ready.id, unready.id], DAY)
    assert states[ready.id].can_drive and not states[unready.id].can_drive


def test_an_expiry_before_the_training_date_is_refused_and_nothing_saved(session, user, now):
    driver = user("driver@example.org")
    _clear(session, driver)
    data = readiness.ProfileInput(training_completed_on=dt.date(2026, 5, 1), training_expires_on=dt.date(2026, 4, 1))
    with pytest.raises(ValidationError) as caught:
        readiness.save_profile(session, driver, driver, data, now)
    assert "training_expires_on" in caught.value.fields
    assert readiness.get_profile(session, driver) is None


def test_a_driver_cannot_edit_another_drivers_readiness(session, user, now):
    with pytest.raises(PermissionDenied):
        readiness.save_profile(session, user("driver@example.org"), user("driver1@example.org"),
                               readiness.ProfileInput(licence_attested_on=now.date()), now)


def test_the_backbone_sees_what_expires_in_the_next_30_days(session, user):
    soon, later = user("driver@example.org"), user("driver1@example.org")
    _ready(session, soon, training_expires=DAY + dt.timedelta(days=10))
    _ready(session, later, training_expires=DAY + dt.timedelta(days=40), insurance_expires=DAY - dt.timedelta(days=2))
    found = {(e.driver.email, e.item, e.expired) for e in readiness.list_expiring(session, DAY)}
    assert (soon.email, "training", False) in found
    assert (later.email, "insurance", True) in found
    assert (later.email, "training", False) not in found


def test_a_mentor_pairing_is_shown_to_both_drivers(client, login_as, session, user, post_form, now):
    from tests.fixtures.coordination import relogin

    new, mentor = user("driver1@example.org"), user("driver@example.org")
    _ready(session, mentor)
    new_id, new_name, mentor_id, mentor_name = new.id, new.display_name, mentor.id, mentor.display_name
    session.commit()
    login_as("coordinator")
    response = post_form("/readiness/pairings", {"driver_id": new_id, "mentor_id": mentor_id}, "/readiness/")
    assert response.status_code == 302
    assert new_id in [d.id for d in readiness.list_mentees(session, user("driver@example.org"), now.date())]
    assert f"<strong>{new_name}</strong> rides with {mentor_name}" in client.get("/readiness/").get_data(as_text=True)
    assert new_name in relogin(client, login_as, "driver").get("/readiness/profile").get_data(as_text=True)
    coordinator_view = relogin(client, login_as, "coordinator").get(f"/readiness/profile?driver={new_id}").get_data(as_text=True)
    assert f"paired with <strong>{mentor_name}" in coordinator_view


def test_a_driver_cannot_be_paired_with_an_unready_mentor(session, user, now):
    _clear(session, user("driver@example.org"))
    with pytest.raises(ValidationError) as caught:
        readiness.set_mentor(session, user("coordinator@example.org"), user("driver1@example.org"),
                             user("driver@example.org"), None, now)
    assert "mentor_id" in caught.value.fields


def test_the_driver_saves_their_profile_from_the_page(login_as, post_form, session, user):
    _clear(session, user("driver@example.org"))
    session.commit()
    login_as("driver")
    response = post_form("/readiness/profile", {
        "licence_attested_on": "2026-01-10", "licence_expires_on": "2030-01-10",
        "insurance_attested_on": "2026-01-10", "insurance_expires_on": "2027-01-10",
        "vehicle": "Blue Honda Fit", "vehicle_plate": "ABC123"}, "/readiness/profile")
    assert response.status_code == 302
    profile = readiness.get_profile(session, user("driver@example.org"))
    assert profile.vehicle == "Blue Honda Fit" and profile.insurance_expires_on == dt.date(2027, 1, 10)


def test_reversed_dates_on_the_page_are_a_422_beside_the_field(login_as, post_form, session, user):
    _clear(session, user("driver@example.org"))
    session.commit()
    login_as("driver")
    response = post_form("/readiness/profile", {"insurance_attested_on": "2026-06-01", "insurance_expires_on": "2026-05-01"},
                         "/readiness/profile")
    assert response.status_code == 422
    assert 'id="insurance_expires_on-error"' in response.get_data(as_text=True)
    assert readiness.get_profile(session, user("driver@example.org")) is None


def test_another_drivers_profile_is_not_found_for_a_driver(client, login_as, user):
    from tests.fixtures.coordination import relogin

    login_as("driver")
    assert client.get(f"/readiness/profile?driver={user('driver1@example.org').id}").status_code == 404
    assert relogin(client, login_as, "grocer").get("/readiness/profile").status_code == 404


def test_the_demo_drivers_are_ready_and_the_backbone_sees_their_coming_expiries(session, user, now):
    """DEMO DATA: every demo driver may drive cold food today; one training and one insurance expire within 30 days."""
    drivers = readiness.list_drivers(session)
    states = readiness.readiness_by_driver(session, [d.id for d in drivers], now.date())
    assert drivers and all(s.can_carry_cold for s in states.values())
    assert {e.item for e in readiness.list_expiring(session, now.date())} >= {"training", "insurance"}
    assert readiness.list_pairings(session, now.date())
