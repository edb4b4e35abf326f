"""The claims pages: a recipient's claims, undo within the grace period, release, reschedule, reassign."""
from __future__ import annotations

import datetime as dt
import re
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from coalition.models import Claim, ClaimStatus, Notification, NotificationKind, User
from coalition.services import claims

ZONE = ZoneInfo("America/Los_Angeles")


def local_input(value: dt.datetime) -> str:
    return value.astimezone(ZONE).strftime("%Y-%m-%dT%H:%M")


@pytest.fixture
def food_bank_claim(make_donation, session, user, org, window, now):
    """The food bank's fresh 5 kg claim on 20 kg of the grocer's bread, committed; returns its id."""
    line = make_donation(kg=20).lines[0]
    claim = claims.claim_line(session, user("foodbank@example.org"), line.id, org("Columbia Regional Food Bank"),
                              5, *window, now)
    session.commit()
    return claim.id


def _claim(session, claim_id) -> Claim:
    session.expire_all()
    return session.get(Claim, claim_id)


def test_the_claims_page_lists_active_claims_before_past_ones(login_as, food_bank_claim, session, now, make_donation, user, org, window):
    line = make_donation(kg=10).lines[0]
    old = claims.claim_line(session, user("foodbank@example.org"), line.id, org("Columbia Regional Food Bank"), 2, *window, now)
    claims.release_claim(session, user("foodbank@example.org"), old, "van broke down", now)
    old_id = old.id
    session.commit()
    html = login_as("foodbank").get("/claims/").get_data(as_text=True)
    active, past = html.split('id="past-heading"')
    assert f"/claims/{food_bank_claim}" in active and "claimed" in active
    assert f"/claims/{old_id}" in past and "cancelled" in past


def test_a_fresh_claim_shows_undo_and_undo_returns_the_kilograms(login_as, post_form, food_bank_claim, session):
    client = login_as("foodbank")
    assert f'action="/claims/{food_bank_claim}/undo"' in client.get("/claims/").get_data(as_text=True)
    response = post_form(f"/claims/{food_bank_claim}/undo", {})
    assert response.status_code == 302
    assert _claim(session, food_bank_claim).status is ClaimStatus.UNDONE
    assert f'action="/claims/{food_bank_claim}/undo"' not in client.get("/claims/").get_data(as_text=True)


def test_after_the_grace_period_there_is_no_undo_and_a_late_undo_is_a_409(login_as, post_form, food_bank_claim, session, app):
    claim = session.get(Claim, food_bank_claim)
    claim.created_at -= dt.timedelta(seconds=app.config["CLAIM_UNDO_GRACE_S"] + 1)
    session.commit()
    client = login_as("foodbank")
    assert f'action="/claims/{food_bank_claim}/undo"' not in client.get("/claims/").get_data(as_text=True)
    response = post_form(f"/claims/{food_bank_claim}/undo", {})
    assert response.status_code == 409
    assert "Release the claim instead" in response.get_data(as_text=True)
    assert _claim(session, food_bank_claim).status is ClaimStatus.CLAIMED


def test_releasing_needs_a_reason_beside_the_field_then_tells_the_donor(login_as, post_form, food_bank_claim, session):
    login_as("foodbank")
    response = post_form(f"/claims/{food_bank_claim}/release", {"reason": "  "})
    assert response.status_code == 422
    assert '<p class="error" id="reason-error">A short reason helps the donor.</p>' in response.get_data(as_text=True)
    assert _claim(session, food_bank_claim).status is ClaimStatus.CLAIMED

    response = post_form(f"/claims/{food_bank_claim}/release", {"reason": "Our van is in the shop"})
    assert response.status_code == 302
    claim = _claim(session, food_bank_claim)
    assert claim.status is ClaimStatus.CANCELLED and claim.end_reason == "Our van is in the shop"
    grocer = session.scalar(select(User).where(User.email == "grocer@example.org"))
    assert session.scalar(select(Notification).where(Notification.user_id == grocer.id,
                                                     Notification.kind == NotificationKind.CANCELLED))


def test_rescheduling_converts_local_time_and_schedules_the_claim(login_as, post_form, food_bank_claim, session, now):
    start, end = now + dt.timedelta(days=1), now + dt.timedelta(days=1, hours=1)
    login_as("foodbank")
    response = post_form(f"/claims/{food_bank_claim}/schedule",
                         {"delivery_start": local_input(start), "delivery_end": local_input(end)})
    assert response.status_code == 302
    claim = _claim(session, food_bank_claim)
    assert claim.status is ClaimStatus.SCHEDULED
    assert claim.delivery_start == start.replace(second=0) and claim.delivery_end == end.replace(second=0)


def test_a_reversed_reschedule_is_a_422_beside_the_end(login_as, post_form, food_bank_claim, session, now):
    login_as("foodbank")
    response = post_form(f"/claims/{food_bank_claim}/schedule", {
        "delivery_start": local_input(now + dt.timedelta(days=1, hours=2)), "delivery_end": local_input(now + dt.timedelta(days=1))})
    assert response.status_code == 422
    assert 'id="delivery_end-error">The delivery window must end after it starts.' in response.get_data(as_text=True)
    assert _claim(session, food_bank_claim).status is ClaimStatus.CLAIMED


def test_the_detail_page_shows_the_audit_trail(login_as, food_bank_claim):
    html = login_as("foodbank").get(f"/claims/{food_bank_claim}").get_data(as_text=True)
    history = html.split('id="history-heading"')[1]
    assert "<strong>Claimed</strong>" in history and "Fiona Foodbank" in history and "kg: 5" in history


def test_another_organizations_claim_is_not_found_and_stays_unchanged(login_as, post_form, food_bank_claim, session):
    client = login_as("shelter")
    assert client.get(f"/claims/{food_bank_claim}").status_code == 404
    for action in ("undo", "release", "schedule", "reassign"):
        assert post_form(f"/claims/{food_bank_claim}/{action}", {"reason": "mine now"}).status_code == 404
    assert f"/claims/{food_bank_claim}" not in client.get("/claims/").get_data(as_text=True)
    assert _claim(session, food_bank_claim).status is ClaimStatus.CLAIMED


def test_the_donor_sees_the_claim_but_cannot_release_it(login_as, post_form, food_bank_claim, session):
    client = login_as("grocer")
    html = client.get(f"/claims/{food_bank_claim}").get_data(as_text=True)
    assert "Columbia Regional Food Bank" in html and "Release this claim" not in html
    assert post_form(f"/claims/{food_bank_claim}/release", {"reason": "changed my mind"}).status_code == 403
    assert client.get("/claims/").status_code == 403
    assert _claim(session, food_bank_claim).status is ClaimStatus.CLAIMED


def test_the_backbone_sees_all_claims_and_reassigns_one(login_as, post_form, food_bank_claim, session, org):
    shelter_id = org("Old Town Night Shelter").id
    client = login_as("coordinator")
    html = client.get("/claims/").get_data(as_text=True)
    assert f"/claims/{food_bank_claim}" in html and "to Columbia Regional Food Bank" in html
    detail = client.get(f"/claims/{food_bank_claim}").get_data(as_text=True)
    assert re.search(rf'<option value="{shelter_id}">Old Town Night Shelter</option>', detail)

    response = post_form(f"/claims/{food_bank_claim}/reassign", {"recipient_id": str(shelter_id)})

    assert response.status_code == 302
    claim = _claim(session, food_bank_claim)
    assert claim.recipient_id == shelter_id and claim.on_behalf is True


def test_reassigning_without_a_choice_is_a_422_and_recipients_cannot_reassign(login_as, post_form, food_bank_claim, session, org, client):
    login_as("coordinator")
    response = post_form(f"/claims/{food_bank_claim}/reassign", {"recipient_id": ""})
    assert response.status_code == 422 and 'id="recipient_id-error"' in response.get_data(as_text=True)
    client.delete_cookie("session")
    login_as("foodbank")
    response = post_form(f"/claims/{food_bank_claim}/reassign", {"recipient_id": str(org("Old Town Night Shelter").id)})
    assert response.status_code == 403
    assert _claim(session, food_bank_claim).recipient_id == org("Columbia Regional Food Bank").id


def test_rescheduling_tells_both_the_donor_and_the_recipient(login_as, post_form, food_bank_claim, session, now):
    login_as("foodbank")
    post_form(f"/claims/{food_bank_claim}/schedule", {"delivery_start": local_input(now + dt.timedelta(days=1)),
                                                      "delivery_end": local_input(now + dt.timedelta(days=1, hours=1))})
    told = set(session.scalars(select(User.email).join(Notification, Notification.user_id == User.id)
                               .where(Notification.kind == NotificationKind.PICKUP_SCHEDULED)))
    assert {"grocer@example.org", "foodbank@example.org"} <= told
