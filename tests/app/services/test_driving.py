"""services/driving.py: the driver's actions on a published route, idempotency, measurement, corrections."""
from __future__ import annotations

import datetime as dt
import uuid

import pytest
from sqlalchemy import func, select

from coalition.errors import Conflict, NotFound, PermissionDenied, ValidationError
from coalition.models import (
    AuditEvent,
    ClaimStatus,
    DeliveryRecord,
    PlanStatus,
    StopAction,
    StopStatus,
)
from coalition.services import driving
from tests.fixtures import driving as f


def aid() -> str:
    return uuid.uuid4().hex


@pytest.fixture
def driver(session):
    return f.user(session, "driver@example.org")


@pytest.fixture
def route(session, now):
    return f.make_route(session, now)


def records_of(session, claim) -> list[DeliveryRecord]:
    return list(session.scalars(select(DeliveryRecord).where(DeliveryRecord.claim_id == claim.id)))


def test_a_driver_sees_only_their_published_routes(session, now, driver):
    mine = f.make_route(session, now)
    f.make_route(session, now, status=PlanStatus.READY)                  # not published yet
    f.make_route(session, now, driver="driver1@example.org")             # someone else's
    f.make_route(session, now, local_date=f.local_today(now) + dt.timedelta(days=1))  # another day
    assert driving.list_driver_routes(session, driver, f.local_today(now)) == [mine]


def test_a_covering_driver_sees_the_route_and_its_own_driver_no_longer_does(session, now, driver):
    route = f.make_route(session, now)
    other = f.user(session, "driver1@example.org")
    route.shift.covered_by_id = other.id
    session.flush()
    assert driving.list_driver_routes(session, driver, f.local_today(now)) == []
    assert driving.list_driver_routes(session, other, f.local_today(now)) == [route]


def test_the_whole_route_records_each_stop_and_one_delivery_record(session, now, driver, route):
    pickup, delivery = route.stops
    claim = pickup.claim
    driving.arrive(session, driver, pickup.id, aid(), now, {}, now)
    assert pickup.status is StopStatus.ARRIVED and pickup.arrived_at == now
    driving.pick_up(session, driver, pickup.id, aid(), now + dt.timedelta(minutes=5), {"kg": 9.5}, now + dt.timedelta(minutes=5))
    assert pickup.status is StopStatus.DONE and pickup.actual_g == 9500
    assert claim.status is ClaimStatus.PICKED_UP and claim.picked_up_g == 9500
    assert records_of(session, claim) == []
    done_at = now + dt.timedelta(hours=3)
    result = driving.deliver(session, driver, delivery.id, aid(), done_at, {"kg": "9", "receiver_name": "Sam"}, done_at)
    assert result.result["status"] == "done" and result.result["route_finished"] is True
    assert claim.status is ClaimStatus.DELIVERED and claim.delivered_g == 9000
    [record] = records_of(session, claim)
    assert (record.quantity_g, record.picked_up_g, record.route_id, record.driver_id) == (9000, 9500, route.id, driver.id)
    assert record.delivered_at == done_at and record.recipient_id == claim.recipient_id
    assert (record.latitude, record.longitude) == (claim.recipient.latitude, claim.recipient.longitude)
    # The route finished: 3 h of stops plus the planned hour from its start to the first stop.
    assert record.volunteer_minutes == 240 and record.distance_m == 12_000
    assert route.finished_at == done_at


def test_a_double_tap_or_a_replay_is_recorded_once_and_returns_the_first_result(session, now, driver, route):
    pickup, delivery = route.stops
    driving.pick_up(session, driver, pickup.id, aid(), now, {"kg": 10}, now)
    action_id = aid()
    first = driving.deliver(session, driver, delivery.id, action_id, now, {"kg": 10, "receiver_name": "Sam"}, now)
    again = driving.deliver(session, driver, delivery.id, action_id, now, {"kg": 12, "receiver_name": "Other"},
                            now + dt.timedelta(minutes=1))
    assert not first.replayed and again.replayed and again.result == first.result
    assert len(records_of(session, pickup.claim)) == 1 and records_of(session, pickup.claim)[0].quantity_g == 10000
    assert session.scalar(select(func.count()).select_from(StopAction).where(StopAction.stop_id == delivery.id)) == 1
    # A second, different tap on a finished stop is refused rather than recorded twice.
    with pytest.raises(Conflict):
        driving.deliver(session, driver, delivery.id, aid(), now, {"kg": 10, "receiver_name": "Sam"}, now)


def test_an_action_id_cannot_be_reused_for_another_stop(session, now, driver, route):
    pickup, delivery = route.stops
    action_id = aid()
    driving.arrive(session, driver, pickup.id, action_id, now, {}, now)
    with pytest.raises(Conflict):
        driving.arrive(session, driver, delivery.id, action_id, now, {}, now)


def test_a_driver_cannot_complete_someone_elses_stop(session, now, route):
    pickup = route.stops[0]
    for email in ("driver1@example.org", "coordinator@example.org", "foodbank@example.org"):
        with pytest.raises(PermissionDenied):
            driving.pick_up(session, f.user(session, email), pickup.id, aid(), now, {"kg": 10}, now)
    assert pickup.status is StopStatus.PENDING
    with pytest.raises(NotFound):
        driving.arrive(session, f.user(session, "driver@example.org"), 10**9, aid(), now, {}, now)


def test_stops_of_an_unpublished_plan_cannot_be_completed(session, now, driver):
    route = f.make_route(session, now, status=PlanStatus.READY)
    with pytest.raises(PermissionDenied):
        driving.arrive(session, driver, route.stops[0].id, aid(), now, {}, now)


def test_more_kg_than_claimed_asks_for_confirmation(session, now, driver, route):
    pickup, delivery = route.stops
    with pytest.raises(Conflict) as asked:
        driving.pick_up(session, driver, pickup.id, aid(), now, {"kg": 12}, now)
    assert "confirm_over" in asked.value.fields and asked.value.status_code == 409
    assert pickup.status is StopStatus.PENDING and session.scalar(select(func.count()).select_from(StopAction)
                                                                   .where(StopAction.stop_id == pickup.id)) == 0
    driving.pick_up(session, driver, pickup.id, aid(), now, {"kg": 12, "confirm_over": True}, now)
    assert pickup.claim.picked_up_g == 12000
    # Delivering is compared with what was picked up: 12 kg needs no new confirmation, 13 does.
    with pytest.raises(Conflict):
        driving.deliver(session, driver, delivery.id, aid(), now, {"kg": 13, "receiver_name": "Sam"}, now)
    driving.deliver(session, driver, delivery.id, aid(), now, {"kg": 12, "receiver_name": "Sam"}, now)
    assert records_of(session, pickup.claim)[0].quantity_g == 12000


def test_a_zero_needs_a_reason_through_a_problem(session, now, driver, route):
    pickup, delivery = route.stops
    with pytest.raises(ValidationError) as refused:
        driving.pick_up(session, driver, pickup.id, aid(), now, {"kg": 0}, now)
    assert "kg" in refused.value.fields
    with pytest.raises(ValidationError) as no_kind:
        driving.report_problem(session, driver, pickup.id, aid(), now, {"note": "closed"}, now)
    assert "problem_kind" in no_kind.value.fields
    driving.report_problem(session, driver, pickup.id, aid(), now, {"problem_kind": "nothing_to_collect", "note": "sold out"}, now)
    claim = pickup.claim
    assert pickup.status is StopStatus.PROBLEM and claim.picked_up_g == 0
    assert claim.shortfall_reason == "Nothing to collect: sold out"
    # Nothing is on board, so its drop-off is closed too and the route is finished; no kg are recorded.
    assert delivery.status is StopStatus.PROBLEM and route.finished_at is not None
    assert records_of(session, claim) == []


def test_cold_food_needs_a_temperature_check(session, now, driver):
    route = f.make_route(session, now, claims=[f.make_claim(session, now, storage="refrigerated", category="dairy")])
    pickup = route.stops[0]
    with pytest.raises(ValidationError) as refused:
        driving.pick_up(session, driver, pickup.id, aid(), now, {"kg": 10}, now)
    assert "temperature" in refused.value.fields
    driving.pick_up(session, driver, pickup.id, aid(), now, {"kg": 10, "temperature_c": "4"}, now)
    assert pickup.temperature_c == 4 and pickup.status is StopStatus.DONE


def test_a_delivery_needs_the_pickup_first_and_a_receiver(session, now, driver, route):
    pickup, delivery = route.stops
    with pytest.raises(Conflict):
        driving.deliver(session, driver, delivery.id, aid(), now, {"kg": 10, "receiver_name": "Sam"}, now)
    driving.pick_up(session, driver, pickup.id, aid(), now, {"kg": 10}, now)
    with pytest.raises(ValidationError) as refused:
        driving.deliver(session, driver, delivery.id, aid(), now, {"kg": 10}, now)
    assert "receiver_name" in refused.value.fields


def test_an_offline_action_keeps_the_phones_time_but_never_a_future_one(session, now, driver, route):
    pickup = route.stops[0]
    earlier = now - dt.timedelta(minutes=40)
    driving.arrive(session, driver, pickup.id, aid(), earlier, {}, now)
    assert pickup.arrived_at == earlier
    with pytest.raises(ValidationError):
        driving.arrive(session, driver, pickup.id, aid(), dt.datetime(2026, 1, 1), {}, now)   # no time zone


def test_a_coordinators_correction_updates_the_delivery_record_and_is_audited(session, now, driver, route):
    pickup, delivery = route.stops
    driving.pick_up(session, driver, pickup.id, aid(), now, {"kg": 10}, now)
    driving.deliver(session, driver, delivery.id, aid(), now, {"kg": 10, "receiver_name": "Sam"}, now)
    [record] = records_of(session, pickup.claim)
    coordinator = f.user(session, "coordinator@example.org")
    with pytest.raises(PermissionDenied):
        driving.correct_delivery(session, driver, delivery.id, 8, "scale", now)
    with pytest.raises(ValidationError):
        driving.correct_delivery(session, coordinator, delivery.id, 8, "", now)
    driving.correct_delivery(session, coordinator, delivery.id, 8, "The shelter weighed 8 kg", now)
    assert [r.id for r in records_of(session, pickup.claim)] == [record.id] and record.quantity_g == 8000
    assert pickup.claim.delivered_g == 8000 and delivery.actual_g == 8000
    event = session.scalar(select(AuditEvent).where(AuditEvent.entity == "delivery", AuditEvent.entity_id == record.id,
                                                    AuditEvent.action == "corrected"))
    assert event.actor_id == coordinator.id and event.changes["from_kg"] == 10 and event.changes["to_kg"] == 8
    with pytest.raises(Conflict):
        driving.correct_delivery(session, coordinator, pickup.id, 8, "not a delivery", now)


def test_an_action_queued_before_a_replan_lands_on_the_same_visit_of_the_new_plan(session, now, driver, route):
    """Re-planning supersedes the plan while a phone is offline: its queued action still counts, once."""
    from coalition.models import Route, RoutePlan, Stop, StopKind

    old_pickup = route.stops[0]
    route.plan.status = PlanStatus.SUPERSEDED
    plan = RoutePlan(local_date=route.plan.local_date, status=PlanStatus.PUBLISHED)
    new_route = Route(plan=plan, shift=route.shift, driver_id=driver.id, start_at=now)
    new_route.stops.append(Stop(position=0, kind=StopKind.PICKUP, claim=old_pickup.claim, organization=old_pickup.organization,
                                latitude=1.0, longitude=1.0, arrival_at=now, service_start_at=now, departure_at=now))
    session.add(plan)
    session.flush()
    action_id = aid()
    result = driving.pick_up(session, driver, old_pickup.id, action_id, now, {"kg": 10}, now)
    assert result.stop is new_route.stops[0] and new_route.stops[0].status is StopStatus.DONE
    assert old_pickup.status is StopStatus.PENDING
    assert driving.pick_up(session, driver, old_pickup.id, action_id, now, {"kg": 10}, now).replayed
    # Another driver's stale stop does not become theirs.
    new_route.shift.covered_by_id = f.user(session, "driver1@example.org").id
    session.flush()
    with pytest.raises(Conflict):
        driving.arrive(session, driver, route.stops[1].id, aid(), now, {}, now)


def test_a_problem_is_shown_to_the_backbone(session, now, driver, route):
    from coalition.models import Notification

    driving.report_problem(session, driver, route.stops[0].id, aid(), now, {"problem_kind": "not_ready", "note": "come at 5"}, now)
    coordinator = f.user(session, "coordinator@example.org")
    assert session.scalar(select(func.count()).select_from(Notification).where(
        Notification.user_id == coordinator.id, Notification.title.like("Problem at Hawthorne Green Grocer%"))) == 1
    # The drop-off cannot happen on this route either: both show, the pickup first.
    assert driving.list_problems_on(session, f.local_today(now)) == route.stops
    assert route.stops[0].claim.status is ClaimStatus.CLAIMED      # not ready: the food can still be fetched later
