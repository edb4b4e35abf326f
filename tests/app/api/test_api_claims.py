"""The claims API: the exact example, the 409 race message, recipients and windows, permissions, lifecycle."""
from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from coalition.models import Claim
from coalition.services import donations as donation_service


def iso(value: dt.datetime) -> str:
    return value.isoformat()


@pytest.fixture
def posted(make_donation, session):
    """Post a donation through the service, commit it, and return its id and line ids."""
    def _post(**kwargs):
        donation = make_donation(**kwargs)
        ids = donation.id, [line.id for line in donation.lines]
        session.commit()
        return ids
    return _post


def claim_count(session) -> int:
    return session.scalar(select(func.count()).select_from(Claim))


def test_the_example_claim_takes_12_5_kg_and_the_donation_shows_what_is_left(api, now):
    created = api.post("/api/v1/donations", "grocer", json={
        "pickup_window": {"start": iso(now + dt.timedelta(hours=1)), "end": iso(now + dt.timedelta(hours=3))},
        "lines": [{"category": "bakery", "description": "bread", "kg": 100, "storage": "ambient",
                   "use_by": iso(now + dt.timedelta(days=1))}],
    }).get_json()
    response = api.post(f"/api/v1/donations/{created['id']}/claims", "foodbank", json={"kg": 12.5})
    assert response.status_code == 201
    claim = response.get_json()
    assert claim["kg"] == 12.5 and claim["status"] == "claimed"
    assert claim["line_id"] == created["lines"][0]["id"]
    assert claim["recipient"]["name"] == "Columbia Regional Food Bank"
    # Default delivery window: the two hours after the pickup window closes.
    assert claim["delivery_window"] == {"start": created["pickup_window"]["end"],
                                        "end": iso(now + dt.timedelta(hours=5))}
    line = api.get(f"/api/v1/donations/{created['id']}", "grocer").get_json()["lines"][0]
    assert (line["kg"], line["claimed_kg"], line["remaining_kg"]) == (100, 12.5, 87.5)


def test_claiming_more_than_is_left_is_409_already_claimed(api, posted, session):
    """Two recipients race for the same kilograms: the second gets a clear 409 and nothing is saved."""
    donation_id, _ = posted(kg=20)
    first = api.post(f"/api/v1/donations/{donation_id}/claims", "foodbank", json={"kg": 15})
    assert first.status_code == 201
    before = claim_count(session)
    second = api.post(f"/api/v1/donations/{donation_id}/claims", "shelter", json={"kg": 10})
    assert second.status_code == 409
    assert second.get_json() == {"error": "Already claimed: only 5 kg of this line is left.", "fields": {"kg": "At most 5 kg."}}
    assert claim_count(session) == before
    rest = api.post(f"/api/v1/donations/{donation_id}/claims", "shelter", json={})
    assert rest.status_code == 201 and rest.get_json()["kg"] == 5
    gone = api.post(f"/api/v1/donations/{donation_id}/claims", "shelter", json={"kg": 1})
    assert gone.status_code == 409 and gone.get_json()["error"] == "Already claimed: nothing is left of this line."


@pytest.mark.parametrize("kg, status", [
    (0, 422), (-3, 422), (1e308, 422), (10**400, 422), (10_001, 422), ("12.5", 400), (True, 400), ([1], 400),
])
def test_zero_negative_absurd_or_mistyped_kg_are_refused(api, posted, session, kg, status):
    donation_id, _ = posted()
    before = claim_count(session)
    response = api.post(f"/api/v1/donations/{donation_id}/claims", "foodbank", json={"kg": kg})
    assert response.status_code == status
    assert "kg" in response.get_json()["fields"]
    assert claim_count(session) == before


def test_a_donation_with_several_lines_needs_a_line_id(api, now, user, org, session):
    lines = [donation_service.LineInput("bakery", "bread", "ambient", now + dt.timedelta(days=1), kg=10),
             donation_service.LineInput("dairy", "yogurt", "refrigerated", now + dt.timedelta(days=2), kg=8)]
    donation = donation_service.post_donation(session, user("grocer@example.org"), org("Hawthorne Green Grocer"),
                                              donation_service.DonationInput(lines, now + dt.timedelta(hours=1),
                                                                             now + dt.timedelta(hours=3)), now)
    donation_id, yogurt_id = donation.id, donation.lines[1].id
    session.commit()
    ask = api.post(f"/api/v1/donations/{donation_id}/claims", "shelter", json={"kg": 2})
    assert ask.status_code == 422 and str(yogurt_id) in ask.get_json()["fields"]["line_id"]
    claim = api.post(f"/api/v1/donations/{donation_id}/claims", "shelter", json={"kg": 2, "line_id": yogurt_id})
    assert claim.status_code == 201 and claim.get_json()["description"] == "yogurt"


def test_a_line_of_another_donation_is_refused(api, posted):
    donation_id, _ = posted()
    _, [other_line] = posted(kg=5)
    response = api.post(f"/api/v1/donations/{donation_id}/claims", "foodbank", json={"kg": 1, "line_id": other_line})
    assert response.status_code == 422 and "line_id" in response.get_json()["fields"]


def test_a_naive_delivery_window_is_422_naming_the_field(api, posted, now):
    donation_id, _ = posted()
    window = {"start": (now + dt.timedelta(hours=4)).replace(tzinfo=None).isoformat(), "end": iso(now + dt.timedelta(hours=6))}
    response = api.post(f"/api/v1/donations/{donation_id}/claims", "foodbank", json={"kg": 1, "delivery_window": window})
    assert response.status_code == 422
    assert "time zone" in response.get_json()["fields"]["delivery_window.start"]
    reversed_window = {"start": iso(now + dt.timedelta(hours=6)), "end": iso(now + dt.timedelta(hours=4))}
    response = api.post(f"/api/v1/donations/{donation_id}/claims", "foodbank", json={"kg": 1, "delivery_window": reversed_window})
    assert response.status_code == 422 and "delivery_window.end" in response.get_json()["fields"]


def test_a_recipient_cannot_claim_for_another_organization(api, posted, org, session):
    donation_id, _ = posted()
    shelter_id = org("Old Town Night Shelter").id
    before = claim_count(session)
    response = api.post(f"/api/v1/donations/{donation_id}/claims", "foodbank", json={"kg": 1, "recipient_id": shelter_id})
    assert response.status_code == 403
    assert claim_count(session) == before


@pytest.mark.parametrize("role", ["grocer", "farmer", "driver", "city"])
def test_only_recipients_and_the_backbone_claim(api, posted, role):
    donation_id, _ = posted()
    assert api.post(f"/api/v1/donations/{donation_id}/claims", role, json={"kg": 1}).status_code == 403


def test_the_backbone_claims_on_behalf_of_a_named_recipient(api, posted, org):
    donation_id, _ = posted()
    shelter_id = org("Old Town Night Shelter").id
    ask = api.post(f"/api/v1/donations/{donation_id}/claims", "coordinator", json={"kg": 1})
    assert ask.status_code == 422 and "recipient_id" in ask.get_json()["fields"]
    claim = api.post(f"/api/v1/donations/{donation_id}/claims", "coordinator", json={"kg": 1, "recipient_id": shelter_id})
    assert claim.status_code == 201
    assert claim.get_json()["on_behalf"] is True and claim.get_json()["recipient"]["id"] == shelter_id
    not_a_recipient = org("Sellwood Fresh Foods").id
    assert api.post(f"/api/v1/donations/{donation_id}/claims", "coordinator",
                    json={"kg": 1, "recipient_id": not_a_recipient}).status_code == 403


def test_claims_are_private_to_the_claimant_the_donor_and_the_backbone(api, posted):
    donation_id, _ = posted()
    claim_id = api.post(f"/api/v1/donations/{donation_id}/claims", "foodbank", json={"kg": 3}).get_json()["id"]
    assert [c["id"] for c in api.get("/api/v1/claims", "foodbank").get_json()["claims"]] == [claim_id]
    assert api.get("/api/v1/claims", "shelter").get_json() == {"claims": []}
    for role, status in [("foodbank", 200), ("grocer", 200), ("coordinator", 200), ("shelter", 404), ("farmer", 404)]:
        assert api.get(f"/api/v1/claims/{claim_id}", role).status_code == status, role
    assert api.get("/api/v1/claims", "grocer").status_code == 403


def test_the_backbone_lists_a_named_recipients_claims(api, posted, org):
    donation_id, _ = posted()
    foodbank_id, shelter_id = org("Columbia Regional Food Bank").id, org("Old Town Night Shelter").id
    claim_id = api.post(f"/api/v1/donations/{donation_id}/claims", "foodbank", json={"kg": 3}).get_json()["id"]
    assert api.get("/api/v1/claims", "coordinator").status_code == 422
    listed = api.get(f"/api/v1/claims?recipient_id={foodbank_id}", "coordinator").get_json()["claims"]
    assert [c["id"] for c in listed] == [claim_id]
    assert api.get(f"/api/v1/claims?recipient_id={foodbank_id}", "shelter").status_code == 403
    assert api.get(f"/api/v1/claims?recipient_id={shelter_id}", "shelter").status_code == 200
    assert api.get("/api/v1/claims?recipient_id=abc", "shelter").status_code == 400


def test_a_claim_is_rescheduled_then_released_with_a_reason(api, posted, now):
    donation_id, _ = posted()
    claim_id = api.post(f"/api/v1/donations/{donation_id}/claims", "foodbank", json={"kg": 3}).get_json()["id"]
    window = {"start": iso(now + dt.timedelta(hours=5)), "end": iso(now + dt.timedelta(hours=7))}
    assert api.patch(f"/api/v1/claims/{claim_id}", "shelter", json={"delivery_window": window}).status_code == 404
    moved = api.patch(f"/api/v1/claims/{claim_id}", "foodbank", json={"delivery_window": window})
    assert moved.status_code == 200
    assert moved.get_json()["status"] == "scheduled" and moved.get_json()["delivery_window"]["start"] == window["start"]
    assert api.patch(f"/api/v1/claims/{claim_id}", "foodbank", json={}).status_code == 422
    no_reason = api.post(f"/api/v1/claims/{claim_id}/release", "foodbank", json={"reason": "  "})
    assert no_reason.status_code == 422 and "reason" in no_reason.get_json()["fields"]
    released = api.post(f"/api/v1/claims/{claim_id}/release", "foodbank", json={"reason": "van broke down"})
    assert released.status_code == 200 and released.get_json()["status"] == "cancelled"
    line = api.get(f"/api/v1/donations/{donation_id}", "grocer").get_json()["lines"][0]
    assert line["claimed_kg"] == 0
    assert api.post(f"/api/v1/claims/{claim_id}/release", "foodbank", json={"reason": "again"}).status_code == 409


def test_a_mistaken_claim_is_undone_within_the_grace_period_only(api, posted, app, monkeypatch):
    donation_id, _ = posted()
    claim_id = api.post(f"/api/v1/donations/{donation_id}/claims", "foodbank", json={"kg": 3}).get_json()["id"]
    undone = api.post(f"/api/v1/claims/{claim_id}/undo", "foodbank", json={})
    assert undone.status_code == 200 and undone.get_json()["status"] == "undone"
    late_id = api.post(f"/api/v1/donations/{donation_id}/claims", "foodbank", json={"kg": 3}).get_json()["id"]
    monkeypatch.setitem(app.config, "CLAIM_UNDO_GRACE_S", -1)
    late = api.post(f"/api/v1/claims/{late_id}/undo", "foodbank", json={})
    assert late.status_code == 409 and "Release the claim instead" in late.get_json()["error"]


def test_only_the_backbone_reassigns_a_claim(api, posted, org):
    donation_id, _ = posted()
    shelter_id = org("Old Town Night Shelter").id
    claim_id = api.post(f"/api/v1/donations/{donation_id}/claims", "foodbank", json={"kg": 3}).get_json()["id"]
    assert api.post(f"/api/v1/claims/{claim_id}/reassign", "foodbank", json={"recipient_id": shelter_id}).status_code == 403
    moved = api.post(f"/api/v1/claims/{claim_id}/reassign", "coordinator", json={"recipient_id": shelter_id})
    assert moved.status_code == 200 and moved.get_json()["recipient"]["id"] == shelter_id
    grocer_id = org("Hawthorne Green Grocer").id
    assert api.post(f"/api/v1/claims/{claim_id}/reassign", "coordinator", json={"recipient_id": grocer_id}).status_code == 422


def test_unknown_or_out_of_range_claim_ids_are_404(api):
    assert api.get("/api/v1/claims/2147483646", "foodbank").status_code == 404
    assert api.get("/api/v1/claims/2147483648", "foodbank").status_code == 404
    assert api.post("/api/v1/claims/0/undo", "foodbank", json={}).status_code == 404


def test_someone_acting_for_two_recipients_names_one_with_recipient_id(api, posted, org, user, session):
    from coalition.models import Membership, Role

    shelter_id = org("Rose Family Shelter").id
    session.add(Membership(user=user("foodbank@example.org"), organization=org("Rose Family Shelter"), role=Role.STAFF))
    session.commit()
    donation_id, _ = posted()
    ask = api.post(f"/api/v1/donations/{donation_id}/claims", "foodbank", json={"kg": 1})
    assert ask.status_code == 422 and "Rose Family Shelter" in ask.get_json()["fields"]["recipient_id"]
    claim = api.post(f"/api/v1/donations/{donation_id}/claims", "foodbank", json={"kg": 1, "recipient_id": shelter_id})
    assert claim.status_code == 201 and claim.get_json()["recipient"]["id"] == shelter_id


def test_a_claim_may_name_its_own_need_but_not_another_organizations(api, posted, now):
    donation_id, _ = posted()
    need_body = {"category": "bakery", "storage": "ambient", "kg": 50, "needed_by": iso(now + dt.timedelta(days=1))}
    shelter_need = api.post("/api/v1/needs", "shelter", json=need_body).get_json()["id"]
    foodbank_need = api.post("/api/v1/needs", "foodbank", json=need_body).get_json()["id"]
    refused = api.post(f"/api/v1/donations/{donation_id}/claims", "foodbank", json={"kg": 1, "need_id": shelter_need})
    assert refused.status_code == 422 and "need_id" in refused.get_json()["fields"]
    unknown = api.post(f"/api/v1/donations/{donation_id}/claims", "foodbank", json={"kg": 1, "need_id": 10**15})
    assert unknown.status_code == 422 and "need_id" in unknown.get_json()["fields"]
    claim = api.post(f"/api/v1/donations/{donation_id}/claims", "foodbank", json={"kg": 1, "need_id": foodbank_need})
    assert claim.status_code == 201 and claim.get_json()["need_id"] == foodbank_need
