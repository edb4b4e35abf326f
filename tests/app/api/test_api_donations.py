"""The donations and offers API: the exact example body, bad input, permissions, update and cancel."""
from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from coalition.models import AuditEvent, Donation, Membership, Role


def iso(value: dt.datetime) -> str:
    return value.isoformat()


@pytest.fixture
def example(now):
    """The issue's example body: 100 kg of bread, pickup in 1-3 h, use-by tomorrow."""
    def _body(**overrides):
        body = {
            "pickup_window": {"start": iso(now + dt.timedelta(hours=1)), "end": iso(now + dt.timedelta(hours=3))},
            "lines": [{"category": "bakery", "description": "bread", "kg": 100, "storage": "ambient",
                       "use_by": iso(now + dt.timedelta(days=1))}],
        }
        body.update(overrides)
        return body
    return _body


def donation_count(session) -> int:
    return session.scalar(select(func.count()).select_from(Donation))


def test_the_example_body_creates_a_donation_with_line_ids_and_kg(api, example):
    response = api.post("/api/v1/donations", "grocer", json=example())
    assert response.status_code == 201
    body = response.get_json()
    assert isinstance(body["id"], int)
    assert body["kind"] == "surplus" and body["status"] == "open"
    assert body["donor"]["name"] == "Hawthorne Green Grocer"
    [line] = body["lines"]
    assert isinstance(line["id"], int)
    assert (line["category"], line["description"], line["kg"], line["storage"]) == ("bakery", "bread", 100, "ambient")
    shown = api.get(f"/api/v1/donations/{body['id']}", "foodbank").get_json()
    assert shown["lines"][0] | {} == line
    assert (line["kg"], line["claimed_kg"], line["remaining_kg"]) == (100, 0, 100)


def test_times_with_a_z_or_an_offset_are_accepted_and_answered_in_utc(api, example, now):
    start = (now + dt.timedelta(hours=1)).astimezone(dt.timezone(dt.timedelta(hours=-7)))
    body = example(pickup_window={"start": start.isoformat(), "end": (now + dt.timedelta(hours=3)).strftime("%Y-%m-%dT%H:%M:%SZ")})
    answer = api.post("/api/v1/donations", "grocer", json=body).get_json()
    assert dt.datetime.fromisoformat(answer["pickup_window"]["start"]) == now + dt.timedelta(hours=1)
    assert answer["pickup_window"]["start"].endswith("+00:00")


def test_a_time_without_a_time_zone_is_422_naming_the_field(api, example, now, session):
    before = donation_count(session)
    naive = (now + dt.timedelta(hours=1)).replace(tzinfo=None).isoformat()
    body = example()
    body["pickup_window"]["start"] = naive
    body["lines"][0]["use_by"] = naive
    response = api.post("/api/v1/donations", "grocer", json=body)
    assert response.status_code == 422
    fields = response.get_json()["fields"]
    assert "time zone" in fields["pickup_window.start"]
    assert "time zone" in fields["lines-0-use_by"]
    assert donation_count(session) == before


@pytest.mark.parametrize("payload", ["{not json", "[1, 2]", "null", '"text"', "[" * 100_000 + "]" * 100_000,
                                     '{"kg": ' + "1" * 5000 + "}", "{}{}"])
def test_malformed_json_is_400(api, payload):
    response = api.post("/api/v1/donations", "grocer", data=payload, content_type="application/json")
    assert response.status_code == 400
    assert set(response.get_json()) == {"error", "fields"}


def test_a_body_that_is_not_json_is_400(api):
    response = api.post("/api/v1/donations", "grocer", data={"kg": "5"})
    assert response.status_code == 400
    assert "application/json" in response.get_json()["error"]


@pytest.mark.parametrize("field, value", [
    ("kg", "100"), ("kg", True), ("kg", None), ("description", 5), ("use_by", 12345),
])
def test_a_line_field_of_the_wrong_type_is_400_naming_it(api, example, field, value):
    body = example()
    body["lines"][0][field] = value
    response = api.post("/api/v1/donations", "grocer", json=body)
    expected = 422 if value is None else 400  # null means "missing": a value problem, not a type problem
    assert response.status_code == expected
    assert f"lines-0-{field}" in response.get_json()["fields"]


@pytest.mark.parametrize("body_change", [{"lines": "bread"}, {"pickup_window": "tonight"}, {"lines": [5]}])
def test_wrong_shapes_are_400(api, example, body_change):
    response = api.post("/api/v1/donations", "grocer", json=example(**body_change))
    assert response.status_code == 400


@pytest.mark.parametrize("kg, message", [
    (0, "more than 0"), (-5, "more than 0"), (10_001, "more than we accept"), (1e308, "more than we accept"),
    (10**40, "more than we accept"), (0.0001, "at least 1 gram"),
])
def test_zero_negative_and_absurd_kg_are_422_and_nothing_is_saved(api, example, session, kg, message):
    before = donation_count(session)
    body = example()
    body["lines"][0]["kg"] = kg
    response = api.post("/api/v1/donations", "grocer", json=body)
    assert response.status_code == 422
    assert message in response.get_json()["fields"]["lines-0-kg"]
    assert donation_count(session) == before


def test_every_bad_value_is_named_at_once(api, example, now):
    """Unknown category, reversed window, use-by before pickup: one 422 listing each field."""
    body = example(pickup_window={"start": iso(now + dt.timedelta(hours=3)), "end": iso(now + dt.timedelta(hours=1))})
    body["lines"].append({"category": "gravel", "description": "x", "kg": 1, "storage": "ambient",
                          "use_by": iso(now - dt.timedelta(hours=1))})
    response = api.post("/api/v1/donations", "grocer", json=body)
    assert response.status_code == 422
    fields = response.get_json()["fields"]
    assert "end after it starts" in fields["pickup_window.end"]
    assert "gravel" in fields["lines-1-category"]
    assert "before the pickup window" in fields["lines-1-use_by"]


def test_a_window_in_the_past_is_422(api, example, now):
    body = example(pickup_window={"start": iso(now - dt.timedelta(hours=3)), "end": iso(now - dt.timedelta(hours=1))})
    response = api.post("/api/v1/donations", "grocer", json=body)
    assert response.status_code == 422
    assert "already over" in response.get_json()["fields"]["pickup_window.end"]


@pytest.mark.parametrize("role", ["foodbank", "shelter", "driver", "city", "backbone"])
def test_only_people_acting_for_a_donor_post_donations(api, example, role, session):
    before = donation_count(session)
    assert api.post("/api/v1/donations", role, json=example()).status_code == 403
    assert donation_count(session) == before


def test_a_donor_with_several_organizations_names_one_with_donor_id(api, example, org, user, session):
    grocer = user("grocer@example.org")
    alberta = org("Alberta Street Market")
    alberta_id = alberta.id
    session.add(Membership(user=grocer, organization=alberta, role=Role.STAFF))
    session.commit()
    ask = api.post("/api/v1/donations", "grocer", json=example())
    assert ask.status_code == 422
    assert "Alberta Street Market" in ask.get_json()["fields"]["donor_id"]
    posted = api.post("/api/v1/donations", "grocer", json=example(donor_id=alberta_id))
    assert posted.status_code == 201 and posted.get_json()["donor"]["id"] == alberta_id


def test_another_organizations_donor_id_is_refused(api, example, org):
    sellwood_id = org("Sellwood Fresh Foods").id
    response = api.post("/api/v1/donations", "grocer", json=example(donor_id=sellwood_id))
    assert response.status_code == 403
    assert api.post("/api/v1/donations", "grocer", json=example(donor_id=10**12)).status_code == 404


def test_another_organizations_donation_is_never_shown_to_a_donor(api, make_donation, session):
    """A store sees its own donations, not another store's, by id or in its list."""
    theirs = make_donation(donor="Sauvie Island Growers", actor="farmer@example.org").id
    ours = make_donation().id
    session.commit()
    refused = api.get(f"/api/v1/donations/{theirs}", "grocer")
    assert refused.status_code == 404 and "lines" not in refused.get_json()
    assert api.get(f"/api/v1/donations/{theirs}/lines", "grocer").status_code == 404
    listed = [d["id"] for d in api.get("/api/v1/donations", "grocer").get_json()["donations"]]
    assert ours in listed and theirs not in listed
    assert api.get("/api/v1/donations/2147483647", "grocer").status_code == 404
    assert api.get("/api/v1/donations/99999999999999999999", "grocer").status_code == 404


def test_recipients_list_open_supply_and_agencies_see_none(api, make_donation, session):
    donation_id = make_donation().id
    session.commit()
    assert donation_id in [d["id"] for d in api.get("/api/v1/donations", "shelter").get_json()["donations"]]
    assert api.get("/api/v1/donations", "city").get_json() == {"donations": []}
    assert api.get(f"/api/v1/donations/{donation_id}", "city").status_code == 404


def test_lines_are_listed_and_read_one_by_one(api, make_donation, session):
    donation = make_donation()
    donation_id, line_id = donation.id, donation.lines[0].id
    session.commit()
    lines = api.get(f"/api/v1/donations/{donation_id}/lines", "grocer").get_json()["lines"]
    assert [line["id"] for line in lines] == [line_id]
    line = api.get(f"/api/v1/lines/{line_id}", "foodbank").get_json()
    assert line["remaining_kg"] == 20 and line["donation_id"] == donation_id
    assert api.get(f"/api/v1/lines/{line_id}", "driver").status_code == 404
    assert api.get("/api/v1/lines/2147483600", "driver").status_code == 404


def test_a_farm_posts_a_produce_offer_that_defaults_to_produce(api, now):
    body = {
        "pickup_window": {"start": iso(now + dt.timedelta(days=1)), "end": iso(now + dt.timedelta(days=3))},
        "available": {"start": iso(now + dt.timedelta(days=1)), "end": iso(now + dt.timedelta(days=6))},
        "lines": [{"description": "kale", "kg": 40, "storage": "refrigerated", "pack_type": "crates",
                   "use_by": iso(now + dt.timedelta(days=7))}],
    }
    response = api.post("/api/v1/offers", "farmer", json=body)
    assert response.status_code == 201
    offer = response.get_json()
    assert offer["kind"] == "produce" and offer["lines"][0]["category"] == "produce"
    assert offer["lines"][0]["pack_type"] == "crates" and offer["available_until"] is not None
    assert api.get(f"/api/v1/offers/{offer['id']}", "foodbank").status_code == 200
    assert offer["id"] in [o["id"] for o in api.get("/api/v1/offers", "farmer").get_json()["offers"]]
    assert offer["id"] in [o["id"] for o in api.get("/api/v1/donations?kind=produce", "coordinator").get_json()["donations"]]
    assert api.get("/api/v1/donations?kind=gravel", "coordinator").status_code == 422


def test_a_store_donation_is_not_an_offer(api, make_donation, session):
    donation_id = make_donation().id
    session.commit()
    assert api.get(f"/api/v1/offers/{donation_id}", "grocer").status_code == 404
    assert api.post(f"/api/v1/offers/{donation_id}/cancel", "grocer", json={}).status_code == 404


def test_the_pickup_window_and_notes_change_while_nothing_is_claimed(api, make_donation, session, now):
    donation_id = make_donation().id
    session.commit()
    window = {"start": iso(now + dt.timedelta(hours=2)), "end": iso(now + dt.timedelta(hours=4))}
    response = api.patch(f"/api/v1/donations/{donation_id}", "grocer_staff", json={"pickup_window": window, "notes": "Back door"})
    assert response.status_code == 200
    body = response.get_json()
    assert dt.datetime.fromisoformat(body["pickup_window"]["end"]) == now + dt.timedelta(hours=4)
    assert body["notes"] == "Back door"
    assert session.scalar(select(AuditEvent).where(AuditEvent.entity == "donation", AuditEvent.entity_id == donation_id,
                                                   AuditEvent.action == "updated")) is not None


def test_a_claimed_donation_cannot_be_moved(api, make_donation, session, now):
    donation_id = make_donation().id
    session.commit()
    assert api.post(f"/api/v1/donations/{donation_id}/claims", "foodbank", json={"kg": 5}).status_code == 201
    response = api.patch(f"/api/v1/donations/{donation_id}", "grocer", json={"notes": "x"})
    assert response.status_code == 409
    assert "already claimed" in response.get_json()["error"]


def test_an_update_is_checked_like_a_post(api, make_donation, session, now):
    donation_id = make_donation(use_by_h=5).id
    session.commit()
    late = {"start": iso(now + dt.timedelta(hours=6)), "end": iso(now + dt.timedelta(hours=8))}
    response = api.patch(f"/api/v1/donations/{donation_id}", "grocer", json={"pickup_window": late})
    assert response.status_code == 422
    assert "use-by" in response.get_json()["fields"]["lines-0-use_by"]
    naive = {"start": (now + dt.timedelta(hours=1)).replace(tzinfo=None).isoformat(), "end": iso(now + dt.timedelta(hours=2))}
    assert "pickup_window.start" in api.patch(f"/api/v1/donations/{donation_id}", "grocer",
                                              json={"pickup_window": naive}).get_json()["fields"]
    assert api.patch(f"/api/v1/donations/{donation_id}", "foodbank", json={"notes": "mine now"}).status_code == 403


def test_cancelling_tells_claimants_and_cannot_happen_twice(api, make_donation, session):
    donation_id = make_donation().id
    session.commit()
    claim = api.post(f"/api/v1/donations/{donation_id}/claims", "foodbank", json={"kg": 5}).get_json()
    assert api.post(f"/api/v1/donations/{donation_id}/cancel", "foodbank", json={}).status_code == 403
    cancelled = api.post(f"/api/v1/donations/{donation_id}/cancel", "grocer", json={"reason": "freezer broke"})
    assert cancelled.status_code == 200 and cancelled.get_json()["status"] == "cancelled"
    assert api.get(f"/api/v1/claims/{claim['id']}", "foodbank").get_json()["status"] == "cancelled"
    again = api.post(f"/api/v1/donations/{donation_id}/cancel", "grocer", json={})
    assert again.status_code == 409 and "already cancelled" in again.get_json()["error"]


def test_an_offer_is_moved_and_cancelled_through_the_offers_routes(api, now):
    body = {"pickup_window": {"start": iso(now + dt.timedelta(days=1)), "end": iso(now + dt.timedelta(days=2))},
            "lines": [{"description": "apples", "kg": 300, "storage": "ambient", "use_by": iso(now + dt.timedelta(days=20))}]}
    offer_id = api.post("/api/v1/offers", "farmer", json=body).get_json()["id"]
    later = {"start": iso(now + dt.timedelta(days=3)), "end": iso(now + dt.timedelta(days=4))}
    assert api.patch(f"/api/v1/offers/{offer_id}", "grocer", json={"pickup_window": later}).status_code == 404
    moved = api.patch(f"/api/v1/offers/{offer_id}", "farmer", json={"pickup_window": later})
    assert moved.status_code == 200 and moved.get_json()["pickup_window"]["start"] == later["start"]
    cancelled = api.post(f"/api/v1/offers/{offer_id}/cancel", "farmer", json={"reason": "hail"})
    assert cancelled.status_code == 200 and cancelled.get_json()["status"] == "cancelled"
    assert offer_id not in [o["id"] for o in api.get("/api/v1/offers", "farmer").get_json()["offers"]]
    assert offer_id in [o["id"] for o in api.get("/api/v1/offers?include_closed=true", "farmer").get_json()["offers"]]
