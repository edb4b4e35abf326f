"""The cold chain: limits per storage class, readings at pickup and on arrival, refusals and discards.

Hand-checked figures: 41 °F is 5.0 °C (limit 50 tenths); 0 °F is -17.8 °C, at or
below the -18 °C frozen limit only when colder; 6.0 °C is 1.0 °C above the
refrigerated limit (within the default 1 °C grace); 6.1 °C is beyond it.
"""
from __future__ import annotations

import datetime as dt
import uuid

import pytest
from sqlalchemy import func, select

from coalition.errors import ValidationError
from coalition.models import ClaimStatus, DeliveryRecord, Notification, StopAction, StopStatus
from coalition.models.cold_chain import TemperatureReading
from coalition.services import cold_chain, driving, indicators
from tests.fixtures import driving as f


def aid() -> str:
    return uuid.uuid4().hex


@pytest.fixture
def driver(session):
    return f.user(session, "driver@example.org")


@pytest.fixture
def cold_route(session, now):
    claim = f.make_claim(session, now, kg=12, storage="refrigerated", category="dairy", description="yogurt")
    return f.make_route(session, now, claims=[claim])


def readings(session, claim) -> list[TemperatureReading]:
    return list(session.scalars(select(TemperatureReading).where(TemperatureReading.claim_id == claim.id)
                                .order_by(TemperatureReading.id)))


def test_units_convert_both_ways_to_tenths_of_a_degree_celsius():
    assert cold_chain.to_dc(41, "F") == 50 and cold_chain.to_dc(0, "F") == -178 and cold_chain.to_dc(5, "C") == 50
    assert cold_chain.from_dc(50, "F") == 41.0 and cold_chain.from_dc(-180, "F") == -0.4
    assert cold_chain.format_dc(10, "F", delta=True) == "1.8 °F" and cold_chain.format_dc(-180, "C") == "-18 °C"
    assert cold_chain.parse_reading("5,5", "C") == 55
    with pytest.raises(ValidationError):
        cold_chain.parse_reading("warm", "C")
    with pytest.raises(ValidationError):
        cold_chain.parse_reading("500", "F")          # a typing mistake, not food


def test_default_limits_are_5_and_minus_18_celsius_with_a_1_degree_grace(session):
    limits = cold_chain.load_limits(session)
    assert (limits.limit_dc("refrigerated"), limits.limit_dc("frozen"), limits.delivery_grace_dc) == (50, -180, 10)
    assert limits.limit_dc("ambient") is None


def test_the_backbone_sets_limits_in_its_unit_and_bad_values_save_nothing(session, user):
    coordinator = user("coordinator@example.org")
    limits = cold_chain.set_limits(session, coordinator, {"refrigerated_max": "40", "delivery_grace": "0.9"}, "F")
    assert (limits.refrigerated_max_dc, limits.frozen_max_dc, limits.delivery_grace_dc) == (44, -180, 5)
    with pytest.raises(ValidationError) as error:
        cold_chain.set_limits(session, coordinator, {"refrigerated_max": "20", "frozen_max": "cold"}, "C")
    assert set(error.value.fields) == {"refrigerated_max", "frozen_max"}
    assert cold_chain.load_limits(session).refrigerated_max_dc == 44
    with pytest.raises(Exception) as refused:
        cold_chain.set_limits(session, user("grocer@example.org"), {}, "C")
    assert refused.value.status_code == 403


def test_a_reading_within_the_limit_is_picked_up_and_logged(session, now, driver, cold_route):
    pickup = cold_route.stops[0]
    driving.pick_up(session, driver, pickup.id, aid(), now, {"kg": 12, "temperature": "41", "temperature_unit": "F"}, now)
    [reading] = readings(session, pickup.claim)
    assert (reading.stage, reading.temperature_dc, reading.limit_dc, reading.outcome) == ("pickup", 50, 50, "within")
    assert reading.taken_by_id == driver.id and reading.taken_at == now and pickup.temperature_c == 5.0


def test_a_warm_line_at_pickup_must_be_refused_with_a_reason(session, now, driver, cold_route):
    pickup, delivery = cold_route.stops
    claim = pickup.claim
    with pytest.raises(cold_chain.ColdChainDecision) as asked:
        driving.pick_up(session, driver, pickup.id, aid(), now, {"kg": 12, "temperature": "5.1"}, now)
    assert asked.value.status_code == 409 and "refuse_reason" in asked.value.fields
    with pytest.raises(ValidationError):
        driving.pick_up(session, driver, pickup.id, aid(), now, {"kg": 12, "temperature": "9", "refuse_reason": "meh"}, now)
    driving.pick_up(session, driver, pickup.id, aid(), now,
                    {"kg": 12, "temperature": "9", "refuse_reason": "too_warm"}, now)
    assert pickup.status is StopStatus.PROBLEM and claim.picked_up_g == 0
    # The rest of the route goes on without this line: its drop-off is dropped.
    assert delivery.status is StopStatus.PROBLEM and "Not picked up" in delivery.note
    [record] = session.scalars(select(DeliveryRecord).where(DeliveryRecord.claim_id == claim.id)).all()
    assert (record.outcome, record.loss_reason, record.quantity_g) == ("refused", "too_warm", 12000)
    [reading] = readings(session, claim)
    assert (reading.temperature_dc, reading.outcome, reading.reason) == (90, "refused", "too_warm")
    told = session.scalars(select(Notification).where(Notification.user_id == f.user(session, "foodbank@example.org").id)).all()
    assert any("refused" in n.title and n.link_endpoint == "claims.detail" for n in told)


def test_refused_kg_are_lost_to_the_cold_chain_never_distributed(session, now, driver, cold_route):
    pickup = cold_route.stops[0]
    before = indicators.totals(session, indicators.Filters())
    driving.pick_up(session, driver, pickup.id, aid(), now, {"kg": 12, "temperature": "9", "refuse_reason": "too_warm"}, now)
    after = indicators.totals(session, indicators.Filters())
    assert after.kg_lost_cold_chain - before.kg_lost_cold_chain == 12
    assert (after.kg_distributed, after.kg_rescued, after.deliveries) == (before.kg_distributed, before.kg_rescued,
                                                                         before.deliveries)


def test_any_reason_refuses_a_cold_line_even_within_the_limit(session, now, driver, cold_route):
    pickup = cold_route.stops[0]
    driving.pick_up(session, driver, pickup.id, aid(), now,
                    {"kg": 12, "temperature": "2", "refuse_reason": "packaging_damaged"}, now)
    assert readings(session, pickup.claim)[0].reason == "packaging_damaged" and pickup.status is StopStatus.PROBLEM


def deliver(session, driver, route, now, reading, decision=None):
    pickup, delivery = route.stops
    kg = pickup.claim.quantity_g / 1000
    if pickup.status is StopStatus.PENDING:
        driving.pick_up(session, driver, pickup.id, aid(), now, {"kg": kg, "temperature": "3"}, now)
    payload = {"kg": kg, "receiver_name": "Sam", "temperature": reading}
    if decision:
        payload["cold_decision"] = decision
    return driving.deliver(session, driver, delivery.id, aid(), now + dt.timedelta(hours=1), payload,
                           now + dt.timedelta(hours=1))


def test_on_arrival_a_reading_within_the_grace_margin_may_be_accepted(session, now, driver, cold_route):
    with pytest.raises(cold_chain.ColdChainDecision) as asked:
        deliver(session, driver, cold_route, now, "6.0")
    assert "cold_decision" in asked.value.fields
    deliver(session, driver, cold_route, now, "6.0", "accept")
    claim = cold_route.stops[0].claim
    assert claim.status is ClaimStatus.DELIVERED and claim.delivered_g == 12000
    assert [r.outcome for r in readings(session, claim)] == ["within", "accepted_in_grace"]


def test_beyond_the_grace_margin_the_food_can_only_be_discarded(session, now, driver, cold_route):
    with pytest.raises(ValidationError) as refused:
        deliver(session, driver, cold_route, now, "6.1", "accept")
    assert "cold_decision" in refused.value.fields
    before = indicators.totals(session, indicators.Filters())
    deliver(session, driver, cold_route, now, "6.1", "discard")
    claim = cold_route.stops[0].claim
    [record] = session.scalars(select(DeliveryRecord).where(DeliveryRecord.claim_id == claim.id)).all()
    assert (record.outcome, record.loss_reason, record.quantity_g) == ("discarded", "too_warm", 12000)
    after = indicators.totals(session, indicators.Filters())
    assert after.kg_distributed == before.kg_distributed and after.kg_lost_cold_chain - before.kg_lost_cold_chain == 12
    assert cold_route.finished_at is not None


def test_frozen_food_is_held_to_minus_18(session, now, driver):
    claim = f.make_claim(session, now, kg=5, storage="frozen", category="frozen", description="peas")
    route = f.make_route(session, now, claims=[claim])
    with pytest.raises(cold_chain.ColdChainDecision):
        driving.pick_up(session, driver, route.stops[0].id, aid(), now, {"kg": 5, "temperature": "0", "temperature_unit": "F"}, now)
    driving.pick_up(session, driver, route.stops[0].id, aid(), now, {"kg": 5, "temperature": "-18"}, now)
    assert readings(session, claim)[0].outcome == "within"


def test_ambient_food_asks_for_no_reading(session, now, driver):
    route = f.make_route(session, now)
    driving.pick_up(session, driver, route.stops[0].id, aid(), now, {"kg": 10}, now)
    assert readings(session, route.stops[0].claim) == []


def test_a_replayed_reading_is_recorded_once(session, now, driver, cold_route):
    pickup = cold_route.stops[0]
    action_id = aid()
    payload = {"kg": 12, "temperature": "9", "refuse_reason": "too_warm"}
    first = driving.pick_up(session, driver, pickup.id, action_id, now, dict(payload), now)
    again = driving.pick_up(session, driver, pickup.id, action_id, now, dict(payload), now + dt.timedelta(minutes=2))
    assert again.replayed and again.result == first.result
    assert len(readings(session, pickup.claim)) == 1
    assert session.scalar(select(func.count()).select_from(DeliveryRecord)
                          .where(DeliveryRecord.claim_id == pickup.claim_id)) == 1
    assert session.scalar(select(func.count()).select_from(StopAction).where(StopAction.stop_id == pickup.id)) == 1


def test_the_monthly_summary_counts_each_line_once_by_its_last_decision(session, now, driver):
    """Three cold lines of the grocer: one within limits, one refused (packaging), one discarded (too warm)."""
    from coalition.services import cold_chain_records

    routes = [f.make_route(session, now, claims=[f.make_claim(session, now, kg=kg, storage="refrigerated",
                                                              category="dairy", description=f"Line {kg}")])
              for kg in (4, 5, 6)]
    kept, refused, discarded = routes
    deliver(session, driver, kept, now, "4")
    driving.pick_up(session, driver, refused.stops[0].id, aid(), now,
                    {"kg": 5, "temperature": "3", "refuse_reason": "packaging_damaged"}, now)
    deliver(session, driver, discarded, now, "9", "discard")
    donor_id = kept.stops[0].claim.line.donation.donor_id
    summary, records = cold_chain_records.summarize(session, now - dt.timedelta(hours=1), now + dt.timedelta(hours=1),
                                                    donor_id=donor_id)
    assert (summary.lines_checked, summary.within, summary.refused, summary.discarded) == (3, 1, 1, 1)
    assert summary.reasons == {"Packaging damaged": 1, "Too warm": 1} and summary.kg_lost == 11
    assert [r.out_of_refrigeration_s for r in records] == [3600, None, 3600]
    assert cold_chain_records.summary_lines(summary)[0] == (
        "3 cold lines checked: 1 within limits, 1 refused at pickup, 1 discarded on arrival.")
    # Another period, or another recipient, sees none of them.
    assert cold_chain_records.summarize(session, now + dt.timedelta(hours=2), now + dt.timedelta(hours=3))[0].lines_checked == 0
    other = f.org(session, "Old Town Night Shelter").id
    assert cold_chain_records.summarize(session, now - dt.timedelta(hours=1), now + dt.timedelta(hours=1),
                                        recipient_id=other)[0].lines_checked == 0


def test_problem_with_this_pickup_is_the_feedback_flag_recorded_once_and_the_stop_stays_open(session, now, driver):
    from coalition.models import PickupIssue, PickupProblem

    route = f.make_route(session, now)
    pickup = route.stops[0]
    action_id = aid()
    for _ in range(2):     # the offline queue sends it again
        driving.flag_pickup(session, driver, pickup.id, action_id, now, {"issue": "nobody_there", "note": "Rang twice"}, now)
    [problem] = session.scalars(select(PickupProblem).where(PickupProblem.claim_id == pickup.claim_id)).all()
    assert (problem.issue, problem.note, problem.stop_id, problem.reported_by_id) == (
        PickupIssue.NOBODY_THERE, "Rang twice", pickup.id, driver.id)
    assert pickup.status is StopStatus.PENDING
    with pytest.raises(ValidationError) as refused:
        driving.flag_pickup(session, driver, pickup.id, aid(), now, {"issue": "other"}, now)
    assert "note" in refused.value.fields
    with pytest.raises(ValidationError):
        driving.flag_pickup(session, driver, pickup.id, aid(), now, {"issue": "late"}, now)


def test_the_donors_receipt_shows_the_cold_chain_summary_and_excludes_refused_food(session, now, driver, tmp_path):
    """One line delivered within limits (12 kg), one refused (5 kg): the receipt lists 12 kg and the summary."""
    import subprocess

    from coalition.services import receipts

    deliver(session, driver, f.make_route(session, now, claims=[f.make_claim(
        session, now, kg=12, storage="refrigerated", category="dairy", description="kefir")]), now, "4")
    refused = f.make_route(session, now, claims=[f.make_claim(session, now, kg=5, storage="refrigerated",
                                                              category="dairy", description="cream")])
    driving.pick_up(session, driver, refused.stops[0].id, aid(), now,
                    {"kg": 5, "temperature": "9", "refuse_reason": "too_warm"}, now)
    day = now.astimezone(f.ZONE).date()
    receipt = receipts.build_receipt(session, f.user(session, "grocer@example.org"), f.org(session, "Hawthorne Green Grocer"),
                                     day - dt.timedelta(days=1), day + dt.timedelta(days=1), f.ZONE)
    assert receipt.total_kg == 12
    assert (receipt.cold_chain.lines_checked, receipt.cold_chain.within, receipt.cold_chain.refused) == (2, 1, 1)
    path = tmp_path / "receipt.pdf"
    path.write_bytes(receipts.render_receipt_pdf(receipt, "Feeding Our City", now))
    text = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True).stdout
    assert "2 cold lines checked: 1 within limits, 1 refused at pickup, 0 discarded on arrival." in text
    assert "too warm (1)" in text
