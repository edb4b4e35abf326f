"""Indicator arithmetic on hand-checked fixtures: kg, meals, CO2e, breakdowns, people served, goal progress."""
from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from coalition.errors import ValidationError
from coalition.models import DeliveryRecord
from coalition.services import claims, deliveries, indicators, partner_reports
from coalition.services.indicators import Filters

UTC = dt.timezone.utc
MARCH = Filters(dt.datetime(2026, 3, 1, tzinfo=UTC), dt.datetime(2026, 4, 1, tzinfo=UTC))


@pytest.fixture
def deliver(session, org):
    """Record a delivery with defaults: bread from the grocer to the food bank on 2026-03-10."""

    def _deliver(kg=10.0, category="bakery", storage="ambient", donor="Hawthorne Green Grocer",
                 recipient="Columbia Regional Food Bank", at=dt.datetime(2026, 3, 10, 18, tzinfo=UTC), **extra):
        return deliveries.record_delivery(session, delivered_at=at, kg=kg, category=category, storage=storage,
                                          donor=org(donor), recipient=org(recipient), **extra)

    return _deliver


@pytest.fixture
def march(deliver):
    """Three March deliveries (10 + 5.44 + 20 kg delivered; 10 + 5.44 + 25 kg picked up) and one in April."""
    deliver(10)
    deliver(5.44, category="dairy", storage="refrigerated", recipient="Old Town Night Shelter",
            at=dt.datetime(2026, 3, 20, 9, tzinfo=UTC))
    deliver(20, picked_up_kg=25, category="produce", donor="Sauvie Island Growers",
            at=dt.datetime(2026, 3, 31, 23, 59, tzinfo=UTC))
    deliver(100, at=dt.datetime(2026, 4, 1, 0, 0, tzinfo=UTC))


def test_kg_meals_and_co2e_come_from_delivery_records_in_the_period(session, march):
    """35.44 kg delivered in March -> 65.15 meals at 0.544 kg/meal, 88.6 kg CO2e at 2.5; April's 100 kg excluded."""
    totals = indicators.totals(session, MARCH)
    assert totals.deliveries == 3
    assert totals.kg_distributed == pytest.approx(35.44)
    assert totals.kg_rescued == pytest.approx(40.44)
    assert totals.meals == pytest.approx(35.44 / 0.544)
    assert totals.co2e_kg == pytest.approx(88.6)
    assert totals.volunteer_hours is None and totals.driver_km is None  # nothing recorded until dispatch


def test_meals_follow_the_configured_kg_per_meal(session, march, user):
    indicators.update_settings(session, user("backbone@example.org"), dt.datetime.now(UTC), 0.5, 1.0, False)
    totals = indicators.totals(session, MARCH)
    assert totals.meals == pytest.approx(70.88)
    assert totals.co2e_kg == pytest.approx(35.44)


def test_settings_refuse_absurd_factors(session, user):
    with pytest.raises(ValidationError) as caught:
        indicators.update_settings(session, user("backbone@example.org"), dt.datetime.now(UTC), 0, -1, False)
    assert set(caught.value.fields) == {"kg_per_meal", "co2e_per_kg"}


def test_breakdowns_by_category_storage_donor_kind_partner_and_month(session, march):
    by_category = {r.key: r.kg_distributed for r in indicators.breakdown(session, MARCH, "category")}
    assert by_category == pytest.approx({"produce": 20, "bakery": 10, "dairy": 5.44})
    by_storage = {r.key: r.kg_distributed for r in indicators.breakdown(session, MARCH, "storage")}
    assert by_storage == pytest.approx({"ambient": 30, "refrigerated": 5.44})
    by_kind = {r.key: (r.kg_rescued, r.kg_distributed) for r in indicators.breakdown(session, MARCH, "donor_kind")}
    assert by_kind == {"grocery": pytest.approx((15.44, 15.44)), "farm": pytest.approx((25, 20))}
    by_partner = {r.label: r.kg_distributed for r in indicators.breakdown(session, MARCH, "partner")}
    assert by_partner == pytest.approx({"Columbia Regional Food Bank": 30, "Old Town Night Shelter": 5.44})
    months = indicators.breakdown(session, Filters(), "month")
    assert [(r.key, r.kg_distributed) for r in months] == [("2026-03", pytest.approx(35.44)), ("2026-04", 100)]
    assert months[0].meals == pytest.approx(35.44 / 0.544)


def test_unknown_grouping_is_refused(session):
    with pytest.raises(ValidationError):
        indicators.breakdown(session, Filters(), "colour")


def test_a_partner_filter_counts_only_its_own_deliveries(session, march, org):
    shelter = org("Old Town Night Shelter")
    assert indicators.totals(session, Filters(MARCH.start, MARCH.end, shelter.id)).kg_distributed == pytest.approx(5.44)


def test_volunteer_hours_driver_km_and_time_to_pickup(session, deliver):
    """90 + 30 minutes = 2 h; 12.5 + 7.5 km = 20 km; waits of 1 h and 3 h average 2 h."""
    posted = dt.datetime(2026, 3, 10, 12, tzinfo=UTC)
    deliver(5, volunteer_minutes=90, distance_m=12500, posted_at=posted, picked_up_at=posted + dt.timedelta(hours=1))
    deliver(5, volunteer_minutes=30, distance_m=7500, posted_at=posted, picked_up_at=posted + dt.timedelta(hours=3))
    totals = indicators.totals(session, MARCH)
    assert totals.volunteer_hours == pytest.approx(2)
    assert totals.driver_km == pytest.approx(20)
    assert totals.hours_to_pickup == pytest.approx(2)


def test_a_delivered_claim_records_one_delivery_and_a_correction_replaces_it(session, make_donation, org, user, window, now):
    """The claim's delivered kg become the delivery record; share rescued = 8 of 20 posted kg = 40%."""
    donation = make_donation(kg=20)
    claim = claims.claim_line(session, user("foodbank@example.org"), donation.lines[0].id,
                              org("Columbia Regional Food Bank"), 10, *window, now)
    claims.record_movement(session, user("foodbank@example.org"), claim, 9, None, "", now)
    assert session.scalar(select(DeliveryRecord).where(DeliveryRecord.claim_id == claim.id)) is None
    claims.record_movement(session, user("foodbank@example.org"), claim, None, 8, "", now + dt.timedelta(hours=1))
    record = session.scalar(select(DeliveryRecord).where(DeliveryRecord.claim_id == claim.id))
    assert (record.quantity_g, record.picked_up_g, record.category.value) == (8000, 9000, "bakery")
    assert record.posted_at == donation.created_at and record.picked_up_at == now
    around = Filters(now - dt.timedelta(days=1), now + dt.timedelta(days=1))
    assert indicators.share_rescued(session, around) == 40.0
    assert indicators.totals(session, around).hours_to_pickup == pytest.approx(
        (now - donation.created_at).total_seconds() / 3600)

    claims.record_movement(session, user("foodbank@example.org"), claim, None, 6, "", now + dt.timedelta(hours=2))
    records = session.scalars(select(DeliveryRecord).where(DeliveryRecord.claim_id == claim.id)).all()
    assert [r.quantity_g for r in records] == [6000]


def test_record_delivery_names_each_bad_field(session, org):
    with pytest.raises(ValidationError) as caught:
        deliveries.record_delivery(session, delivered_at=dt.datetime(2026, 3, 1), kg=0, category="gravel",
                                   storage="ambient", donor=org("Columbia Regional Food Bank"),
                                   recipient=org("Hawthorne Green Grocer"))
    assert {"kg", "category", "delivered_at", "donor_id", "recipient_id"} <= set(caught.value.fields)
    assert session.scalar(select(DeliveryRecord.id)) is None


def test_people_served_sums_reports_and_keeps_unknown_counts_empty(session, org, user):
    backbone = user("backbone@example.org")
    now = dt.datetime(2026, 5, 2, tzinfo=UTC)
    partner_reports.submit_report(session, backbone, org("Columbia Regional Food Bank"),
                                  partner_reports.ReportInput("2026-03", 1200, 700, 300, None), now)
    partner_reports.submit_report(session, backbone, org("Old Town Night Shelter"),
                                  partner_reports.ReportInput("2026-03", 800), now)
    partner_reports.submit_report(session, backbone, org("Old Town Night Shelter"),
                                  partner_reports.ReportInput("2026-04", 50), now)
    served = indicators.people_served(session, dt.date(2026, 3, 1), dt.date(2026, 4, 1))
    assert (served.visits, served.individuals, served.households, served.meals_on_site, served.reports) == (
        2000, 700, 300, None, 2)


def test_goal_progress_on_a_straight_trajectory(session, user):
    """Baseline 15% in 2025, -30% -> 10.5% in 2030; 13.2% in 2027 is 40% of the way and exactly on the milestone."""
    backbone = user("backbone@example.org")
    now = dt.datetime(2027, 6, 1, tzinfo=UTC)
    goal = indicators.set_goal(session, backbone, now, 15.0, 2025)
    assert (goal.target_year, goal.target_reduction_pct, goal.target_value) == (2030, 30.0, pytest.approx(10.5))
    indicators.record_value(session, backbone, now, "food_insecurity_rate", 2025, 15.0, "County survey 2025")
    indicators.record_value(session, backbone, now, "food_insecurity_rate", 2027, 13.2, "County survey 2027")
    progress = indicators.goal_progress(session)
    assert (progress.latest_value, progress.latest_year, progress.progress_pct) == (13.2, 2027, 40.0)
    assert progress.milestone == pytest.approx(13.2) and progress.on_track is True
    assert progress.trajectory[0] == (2025, 15.0) and progress.trajectory[-1] == (2030, 10.5)


def test_goal_progress_on_custom_milestones(session, user):
    backbone = user("backbone@example.org")
    now = dt.datetime(2027, 6, 1, tzinfo=UTC)
    indicators.set_goal(session, backbone, now, 15.0, 2025, 30, 2030, "custom", indicators.parse_milestones("2027=14, 2028=12.5"))
    indicators.record_value(session, backbone, now, "food_insecurity_rate", 2027, 14.2, "County survey")
    progress = indicators.goal_progress(session)
    assert progress.milestone == 14.0 and progress.on_track is False
    assert dict(progress.trajectory)[2026] == pytest.approx(14.1)  # years without a milestone stay on the straight line


def test_goal_input_is_checked(session, user):
    now = dt.datetime(2026, 1, 1, tzinfo=UTC)
    with pytest.raises(ValidationError) as caught:
        indicators.set_goal(session, user("backbone@example.org"), now, 140.0, 2025, 0, 2024)
    assert set(caught.value.fields) == {"baseline_value", "target_reduction_pct", "target_year"}
    with pytest.raises(ValidationError) as caught:
        indicators.set_goal(session, user("backbone@example.org"), now, 15.0, 2025, 30, 2030, "custom", {"2031": 9})
    assert "milestones" in caught.value.fields
    with pytest.raises(ValidationError):
        indicators.parse_milestones("2027: 14")


def test_the_dashboards_one_scan_breakdowns_equal_the_single_breakdowns(session, march):
    combined = indicators.breakdowns(session, MARCH, indicators.COMBINABLE)
    for grouping in indicators.COMBINABLE:
        assert combined[grouping] == indicators.breakdown(session, MARCH, grouping), grouping


def test_the_one_scan_totals_equal_the_totals_query(session, deliver, march):
    posted = dt.datetime(2026, 3, 10, 12, tzinfo=UTC)
    deliver(5, volunteer_minutes=90, distance_m=12500, posted_at=posted, picked_up_at=posted + dt.timedelta(hours=1))
    _by, scanned = indicators.scan(session, MARCH, ())
    expected = indicators.totals(session, MARCH)
    assert scanned.deliveries == expected.deliveries == 4
    for name in ("kg_rescued", "kg_distributed", "meals", "co2e_kg", "volunteer_hours", "driver_km", "hours_to_pickup"):
        assert getattr(scanned, name) == pytest.approx(getattr(expected, name)), name
    _by, empty = indicators.scan(session, Filters(dt.datetime(2020, 1, 1, tzinfo=UTC), dt.datetime(2020, 2, 1, tzinfo=UTC)), ())
    assert (empty.deliveries, empty.kg_distributed, empty.volunteer_hours, empty.hours_to_pickup) == (0, 0, None, None)
