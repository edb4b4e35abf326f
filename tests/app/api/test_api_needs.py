"""The needs API: food banks and shelters post what they need; donors and the backbone read it; only the owner changes it."""
from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from coalition.models import Need


def iso(value: dt.datetime) -> str:
    return value.isoformat()


@pytest.fixture
def need_body(now):
    def _body(**overrides):
        body = {"category": "produce", "storage": "refrigerated", "kg": 200, "needed_by": iso(now + dt.timedelta(days=2)),
                "delivery_windows": [{"start": iso(now + dt.timedelta(days=1)), "end": iso(now + dt.timedelta(days=1, hours=3))}],
                "refrigerated_free_kg": 150, "people_expected": 120, "notes": "Loading dock on 6th"}
        body.update(overrides)
        return body
    return _body


def need_count(session) -> int:
    return session.scalar(select(func.count()).select_from(Need))


def test_a_shelter_posts_a_need_and_donors_and_the_backbone_see_it(api, need_body):
    response = api.post("/api/v1/needs", "shelter", json=need_body())
    assert response.status_code == 201
    need = response.get_json()
    assert (need["category"], need["storage"], need["kg"], need["people_expected"]) == ("produce", "refrigerated", 200, 120)
    assert need["recipient"]["name"] == "Old Town Night Shelter" and need["refrigerated_free_kg"] == 150
    assert len(need["delivery_windows"]) == 1
    for role, status in [("farmer", 200), ("coordinator", 200), ("shelter", 200), ("foodbank", 404), ("driver", 404)]:
        assert api.get(f"/api/v1/needs/{need['id']}", role).status_code == status, role
    assert need["id"] in [n["id"] for n in api.get("/api/v1/needs", "grocer").get_json()["needs"]]
    assert need["id"] not in [n["id"] for n in api.get("/api/v1/needs", "foodbank").get_json()["needs"]]
    assert api.get("/api/v1/needs", "city").status_code == 403


def test_bad_need_values_are_422_naming_each_field_and_nothing_is_saved(api, need_body, now, session):
    before = need_count(session)
    body = need_body(kg=-1, category="gravel", needed_by=iso(now - dt.timedelta(days=1)),
                     delivery_windows=[{"start": iso(now + dt.timedelta(hours=5)), "end": iso(now + dt.timedelta(hours=4))}])
    response = api.post("/api/v1/needs", "shelter", json=body)
    assert response.status_code == 422
    fields = response.get_json()["fields"]
    assert {"kg", "category", "needed_by", "delivery_windows-0-end"} <= set(fields)
    naive = api.post("/api/v1/needs", "shelter", json=need_body(needed_by=(now + dt.timedelta(days=1)).replace(tzinfo=None).isoformat()))
    assert naive.status_code == 422 and "time zone" in naive.get_json()["fields"]["needed_by"]
    assert api.post("/api/v1/needs", "shelter", json=need_body(kg="lots")).status_code == 400
    assert api.post("/api/v1/needs", "shelter", json=need_body(kg=1e12)).status_code == 422
    assert need_count(session) == before


def test_only_recipients_and_the_backbone_post_needs_for_their_own(api, need_body, org):
    shelter_id = org("Old Town Night Shelter").id
    assert api.post("/api/v1/needs", "grocer", json=need_body()).status_code == 403
    assert api.post("/api/v1/needs", "foodbank", json=need_body(recipient_id=shelter_id)).status_code == 403
    ask = api.post("/api/v1/needs", "coordinator", json=need_body())
    assert ask.status_code == 422 and "recipient_id" in ask.get_json()["fields"]
    posted = api.post("/api/v1/needs", "coordinator", json=need_body(recipient_id=shelter_id))
    assert posted.status_code == 201 and posted.get_json()["recipient"]["id"] == shelter_id


def test_a_need_is_updated_field_by_field_then_cancelled_once(api, need_body):
    need_id = api.post("/api/v1/needs", "shelter", json=need_body()).get_json()["id"]
    assert api.patch(f"/api/v1/needs/{need_id}", "foodbank", json={"kg": 1}).status_code == 404
    changed = api.patch(f"/api/v1/needs/{need_id}", "shelter", json={"kg": 80, "notes": "Side door"})
    assert changed.status_code == 200
    body = changed.get_json()
    assert (body["kg"], body["notes"], body["people_expected"], body["category"]) == (80, "Side door", 120, "produce")
    assert len(body["delivery_windows"]) == 1
    assert api.patch(f"/api/v1/needs/{need_id}", "shelter", json={"kg": 0}).status_code == 422
    assert api.post(f"/api/v1/needs/{need_id}/cancel", "grocer", json={}).status_code == 403
    cancelled = api.post(f"/api/v1/needs/{need_id}/cancel", "shelter", json={})
    assert cancelled.status_code == 200 and cancelled.get_json()["status"] == "cancelled"
    assert api.post(f"/api/v1/needs/{need_id}/cancel", "shelter", json={}).status_code == 409
    assert api.patch(f"/api/v1/needs/{need_id}", "shelter", json={"kg": 5}).status_code == 409


def test_unknown_need_ids_are_404(api):
    assert api.get("/api/v1/needs/2147483000", "shelter").status_code == 404
    assert api.get("/api/v1/needs/9999999999999", "shelter").status_code == 404
