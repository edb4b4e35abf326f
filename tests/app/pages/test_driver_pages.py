"""The driver app's pages and its JSON endpoint: what a driver sees, the offline queue's sends, corrections."""
from __future__ import annotations

import base64
import io
import re
import uuid
from types import SimpleNamespace

import pytest
from PIL import Image
from sqlalchemy import func, select

from coalition.models import AuditEvent, DeliveryRecord, Stop, StopStatus
from tests.fixtures import driving as f
from tests.fixtures.web import csrf_token_from


@pytest.fixture
def route(session, now):
    claim = f.make_claim(session, now, kg=10, description="Crate of yogurt", storage="refrigerated", category="dairy")
    route = f.make_route(session, now, claims=[claim])
    session.commit()
    # Plain values: each request ends the test session's scope, detaching the models.
    stops = [SimpleNamespace(id=s.id, claim_id=s.claim_id, latitude=s.latitude, longitude=s.longitude) for s in route.stops]
    return SimpleNamespace(id=route.id, stops=stops)


def send(client, stop_id, action, payload=None, action_id=None, token=None):
    """POST one queued action the way driver.js does (JSON, CSRF token in a header)."""
    if token is None:
        token = csrf_token_from(client.get("/driver/").get_data(as_text=True))
    return client.post("/driver/actions", json={
        "client_action_id": action_id or uuid.uuid4().hex, "stop_id": stop_id, "action": action,
        "performed_at": None, "payload": payload or {}}, headers={"X-CSRFToken": token, "Accept": "application/json"})


def delivery_records(session, claim_id) -> int:
    return session.scalar(select(func.count()).select_from(DeliveryRecord).where(DeliveryRecord.claim_id == claim_id))


def test_the_driver_sees_todays_route_with_what_to_do_at_each_stop(login_as, route):
    page = login_as("driver").get("/driver/").get_data(as_text=True)
    pickup, delivery = route.stops
    assert f'id="stop-{pickup.id}"' in page and f'id="stop-{delivery.id}"' in page
    assert "1. Pick up at Hawthorne Green Grocer" in page and "2. Deliver to Columbia Regional Food Bank" in page
    assert "10 kg Crate of yogurt" in page and "Temperature (°C)" in page and 'inputmode="decimal"' in page
    # The countdown for refrigerated food, at its pickup and (food on board) at its drop-off.
    assert page.count("Cold food: safe until") == 2
    assert f"geo:{pickup.latitude},{pickup.longitude}" in page              # opens the phone's navigation app
    assert "/vendor/leaflet/leaflet.js" in page and "unpkg" not in page and "cdn" not in page.lower()


def test_another_driver_does_not_see_the_route(client, route):
    from tests.fixtures.web import sign_in

    sign_in(client, "driver1@example.org")
    page = client.get("/driver/").get_data(as_text=True)
    assert "Crate of yogurt" not in page and "No route for you today" in page


def test_a_queued_delivery_sent_twice_is_recorded_once(login_as, session, route):
    client = login_as("driver")
    pickup, delivery = route.stops
    assert send(client, pickup.id, "picked_up", {"kg": "10", "temperature_c": "3"}).status_code == 200
    action_id = uuid.uuid4().hex
    first = send(client, delivery.id, "delivered", {"kg": "10", "receiver_name": "Ana", "temperature": "4"}, action_id)
    again = send(client, delivery.id, "delivered", {"kg": "10", "receiver_name": "Ana", "temperature": "4"}, action_id)
    assert first.status_code == again.status_code == 200
    assert first.json["replayed"] is False and again.json["replayed"] is True and again.json["stop"] == first.json["stop"]
    assert first.json["stop"]["status"] == "done" and first.json["stop"]["route_finished"] is True
    assert delivery_records(session, pickup.claim_id) == 1


def test_the_json_endpoint_needs_the_csrf_token(login_as, route):
    client = login_as("driver")
    response = client.post("/driver/actions", json={"client_action_id": uuid.uuid4().hex, "stop_id": route.stops[0].id,
                                                    "action": "arrived"}, headers={"Accept": "application/json"})
    assert response.status_code == 400
    assert send(client, route.stops[0].id, "arrived").status_code == 200


def test_someone_elses_stop_is_403_and_unchanged(client, session, route):
    from tests.fixtures.web import sign_in

    sign_in(client, "driver1@example.org")
    response = send(client, route.stops[0].id, "arrived")
    assert response.status_code == 403 and response.json["error"]
    assert session.get(Stop, route.stops[0].id).status is StopStatus.PENDING


def test_over_claimed_kg_is_a_409_asking_to_confirm(login_as, route):
    client = login_as("driver")
    refused = send(client, route.stops[0].id, "picked_up", {"kg": "14", "temperature_c": "2"})
    assert refused.status_code == 409 and "confirm_over" in refused.json["fields"]
    confirmed = send(client, route.stops[0].id, "picked_up", {"kg": "14", "temperature_c": "2", "confirm_over": True})
    assert confirmed.status_code == 200 and confirmed.json["stop"]["actual_kg"] == 14


def test_bad_input_is_a_clear_json_error(login_as, route):
    client = login_as("driver")
    zero = send(client, route.stops[0].id, "picked_up", {"kg": "0", "temperature_c": "2"})
    assert zero.status_code == 422 and "kg" in zero.json["fields"]
    assert send(client, route.stops[0].id, "dance").status_code == 422
    assert send(client, "x", "arrived").status_code == 404
    token = csrf_token_from(client.get("/driver/").get_data(as_text=True))
    assert client.post("/driver/actions", data="[1]", content_type="application/json",
                       headers={"X-CSRFToken": token, "Accept": "application/json"}).status_code == 400


def test_the_html_form_submitted_twice_records_once_and_shows_errors_beside_fields(login_as, session, route):
    client = login_as("driver")
    page = client.get("/driver/").get_data(as_text=True)
    pickup = route.stops[0]
    form = re.search(rf'action="/driver/stops/{pickup.id}/picked_up".*?name="client_action_id" value="(\w+)"', page, re.S)
    data = {"csrf_token": csrf_token_from(page), "client_action_id": form.group(1), "kg": "10"}
    missing = client.post(f"/driver/stops/{pickup.id}/picked_up", data=data)
    assert missing.status_code == 422
    assert 'id="temperature-%d-error"' % pickup.id in missing.get_data(as_text=True)
    data["temperature"] = "4"
    assert client.post(f"/driver/stops/{pickup.id}/picked_up", data=data).status_code == 302
    assert client.post(f"/driver/stops/{pickup.id}/picked_up", data=data).status_code == 302   # the double tap
    assert session.scalar(select(func.count()).select_from(AuditEvent).where(
        AuditEvent.entity == "claim", AuditEvent.entity_id == pickup.claim_id, AuditEvent.action == "picked_up")) == 1


def test_a_pickup_photo_is_checked_stored_and_shown_to_the_driver(login_as, session, route):
    client = login_as("driver")
    image = io.BytesIO()
    Image.new("RGB", (40, 30), "orange").save(image, format="PNG")
    photo = "data:image/png;base64," + base64.b64encode(image.getvalue()).decode()
    not_a_photo = send(client, route.stops[0].id, "picked_up", {"kg": "10", "temperature_c": "2", "photo": "data:image/png;base64,aGVsbG8="})
    assert not_a_photo.status_code == 422 and "photo" in not_a_photo.json["fields"]
    assert send(client, route.stops[0].id, "picked_up", {"kg": "10", "temperature_c": "2", "photo": photo}).status_code == 200
    response = client.get(f"/driver/stops/{route.stops[0].id}/photo")
    assert response.status_code == 200 and response.mimetype == "image/png"
    response.close()


def test_the_service_worker_covers_the_driver_pages(client):
    response = client.get("/driver/sw.js")
    assert response.status_code == 200 and "javascript" in response.mimetype
    assert response.headers["Service-Worker-Allowed"] == "/driver/"
    assert '"/driver/"' in response.get_data(as_text=True)


def test_a_coordinator_corrects_a_delivered_weight_and_it_is_audited(login_as, client, session, route, post_form):
    driver = login_as("driver")
    pickup, delivery = route.stops
    send(driver, pickup.id, "picked_up", {"kg": "10", "temperature_c": "2"})
    send(driver, delivery.id, "delivered", {"kg": "10", "receiver_name": "Ana", "temperature": "4"})
    client.delete_cookie("session")
    login_as("coordinator")
    assert "Correct the weight" in client.get("/driver/board").get_data(as_text=True)
    missing = post_form(f"/driver/stops/{delivery.id}/correct", {"kg": "9"}, token_page="/driver/board")
    assert missing.status_code == 422 and 'id="reason-error"' in missing.get_data(as_text=True)
    done = post_form(f"/driver/stops/{delivery.id}/correct", {"kg": "9", "reason": "Scale at the food bank"},
                     token_page="/driver/board")
    assert done.status_code == 302
    record = session.scalar(select(DeliveryRecord).where(DeliveryRecord.claim_id == pickup.claim_id))
    assert record.quantity_g == 9000
    assert session.scalar(select(AuditEvent).where(AuditEvent.entity == "delivery", AuditEvent.entity_id == record.id,
                                                   AuditEvent.action == "corrected")).changes["reason"] == "Scale at the food bank"


def test_a_reported_problem_shows_on_the_backbones_board(login_as, client, route):
    send(login_as("driver"), route.stops[0].id, "problem", {"problem_kind": "no_access", "note": "Gate locked"})
    client.delete_cookie("session")
    page = login_as("coordinator").get("/driver/board").get_data(as_text=True)
    assert "No access at Hawthorne Green Grocer" in page and "Gate locked" in page


def test_a_replanned_route_says_so(login_as, session, now, route):
    """Drivers are told when the day's published plan was replaced by a re-plan (not on a first publication)."""
    from coalition.models import PlanStatus, Route, RoutePlan

    client = login_as("driver")
    assert "re-planned this route" not in client.get("/driver/").get_data(as_text=True)
    plan = session.get(Route, route.id).plan
    session.add(RoutePlan(local_date=plan.local_date, zone=plan.zone, status=PlanStatus.SUPERSEDED))
    session.commit()
    assert "re-planned this route" in client.get("/driver/").get_data(as_text=True)


def test_readings_queued_offline_are_recorded_once_when_the_phone_sends_them_again(login_as, session, route, app,
                                                                                  monkeypatch):
    """The phone typed °F (the coalition's unit); the queue sends the pickup and the delivery twice each."""
    from coalition.models.cold_chain import TemperatureReading

    monkeypatch.setitem(app.config, "TEMPERATURE_UNIT", "F")
    client = login_as("driver")
    pickup, delivery = route.stops
    page = client.get("/driver/").get_data(as_text=True)
    assert "Temperature (°F)" in page and 'name="temperature_unit" value="F"' in page
    picked, dropped = uuid.uuid4().hex, uuid.uuid4().hex
    for _ in range(2):
        assert send(client, pickup.id, "picked_up", {"kg": "10", "temperature": "38"}, picked).status_code == 200
        assert send(client, delivery.id, "delivered", {"kg": "10", "receiver_name": "Ana", "temperature": "42",
                                                       "cold_decision": "accept"}, dropped).status_code == 200
    readings = session.scalars(select(TemperatureReading).where(TemperatureReading.claim_id == pickup.claim_id)
                               .order_by(TemperatureReading.id)).all()
    assert [(r.stage, r.temperature_dc, r.outcome) for r in readings] == [
        ("pickup", 33, "within"), ("delivery", 56, "accepted_in_grace")]          # 38 °F = 3.3 °C, 42 °F = 5.6 °C
    assert delivery_records(session, pickup.claim_id) == 1


def test_a_warm_pickup_without_a_reason_answers_409_beside_the_reason_field(login_as, route):
    client = login_as("driver")
    answer = send(client, route.stops[0].id, "picked_up", {"kg": "10", "temperature": "7"})
    assert answer.status_code == 409 and "refuse_reason" in answer.get_json()["fields"]


def test_problem_with_this_pickup_from_the_route_screen_flags_the_donor(login_as, session, route):
    from coalition.models import PickupProblem

    client = login_as("driver")
    page = client.get("/driver/").get_data(as_text=True)
    pickup = route.stops[0]
    assert "Problem with this pickup" in page and 'value="nobody_there"' in page and 'value="wrong_amount"' in page
    form = re.search(rf'action="/driver/stops/{pickup.id}/flag".*?name="client_action_id" value="(\w+)"', page, re.S)
    data = {"csrf_token": csrf_token_from(page), "client_action_id": form.group(1), "issue": ""}
    missing = client.post(f"/driver/stops/{pickup.id}/flag", data=data)
    assert missing.status_code == 422 and "Choose what went wrong." in missing.get_data(as_text=True)
    data["issue"] = "wrong_amount"
    assert client.post(f"/driver/stops/{pickup.id}/flag", data=data).status_code == 302
    assert send(client, pickup.id, "flag", {"issue": "not_ready"}).status_code == 200
    issues = sorted(p.issue.value for p in session.scalars(select(PickupProblem).where(PickupProblem.claim_id == pickup.claim_id)))
    assert issues == ["not_ready", "wrong_amount"]
    assert session.get(Stop, pickup.id).status is StopStatus.PENDING
