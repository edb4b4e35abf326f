"""Computed indicators stored as monthly time series; the series download; in-app report reminders."""
from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from coalition.models import IndicatorValue, Neighborhood, Notification, NotificationKind
from coalition.services import deliveries, indicator_snapshots, indicators, partner_reports
from tests.fixtures.web import ROLE_EMAILS, sign_in

UTC = dt.timezone.utc
NOW = dt.datetime(2026, 3, 15, 12, tzinfo=UTC)


@pytest.fixture
def two_months(session, org, user):
    """February: 10 kg and 5.44 kg delivered (10 + 8 kg picked up), 10 kg of it in "Test Hill".
    March: 27.2 kg delivered (= 50 meals at 0.544 kg), 90 volunteer minutes, 12 km; the food bank reports 40 visits."""
    donor, bank = org("Hawthorne Green Grocer"), org("Columbia Regional Food Bank")
    hill = Neighborhood(name="Test Hill", population=1000, food_insecurity_pct=10.0, geometry="{}", min_lon=0,
                        min_lat=0, max_lon=1, max_lat=1, centroid_lat=0.5, centroid_lon=0.5)
    session.add(hill)
    session.flush()

    def deliver(kg, at, **extra):
        return deliveries.record_delivery(session, delivered_at=at, kg=kg, category="bakery", storage="ambient",
                                          donor=donor, recipient=bank, **extra)

    deliver(10, dt.datetime(2026, 2, 3, 10, tzinfo=UTC)).neighborhood_id = hill.id
    deliver(5.44, dt.datetime(2026, 2, 28, 23, 59, tzinfo=UTC), picked_up_kg=8)
    deliver(27.2, dt.datetime(2026, 3, 1, 0, 0, tzinfo=UTC), volunteer_minutes=90, distance_m=12000)
    partner_reports.submit_report(session, user("foodbank@example.org"), bank,
                                  partner_reports.ReportInput("2026-03", 40), NOW)
    session.flush()
    return hill


def _stored(session):
    return {(v.indicator, v.period_start.isoformat(), v.neighborhood_id): v.value
            for v in session.scalars(select(IndicatorValue).where(IndicatorValue.entered_by_id.is_(None)))}


def test_a_snapshot_stores_one_value_per_indicator_per_month_with_hand_checked_figures(session, two_months):
    """Rule: each computed indicator is stored per calendar month, city-wide, kg and meals also per neighborhood."""
    result = indicator_snapshots.snapshot_indicators(session, NOW, months=2)
    assert result.months == ["2026-02", "2026-03"]
    stored = _stored(session)
    feb, mar = "2026-02-01", "2026-03-01"
    assert stored[("kg_distributed", feb, None)] == pytest.approx(15.44)
    assert stored[("kg_rescued", feb, None)] == pytest.approx(18.0)
    assert stored[("meals_distributed", feb, None)] == pytest.approx(15.44 / 0.544, abs=1e-3)
    assert stored[("co2e_avoided", feb, None)] == pytest.approx(38.6)
    assert stored[("kg_distributed", mar, None)] == pytest.approx(27.2)
    assert stored[("meals_distributed", mar, None)] == pytest.approx(50.0)
    assert stored[("volunteer_hours", mar, None)] == pytest.approx(1.5)
    assert stored[("driver_km", mar, None)] == pytest.approx(12.0)
    assert stored[("people_served", mar, None)] == 40
    # No routes, no reports in February: no invented zeros.
    assert ("volunteer_hours", feb, None) not in stored and ("people_served", feb, None) not in stored
    hill = two_months.id
    assert stored[("kg_distributed", feb, hill)] == pytest.approx(10.0)
    assert stored[("meals_distributed", feb, hill)] == pytest.approx(10 / 0.544, abs=1e-3)
    assert ("kg_distributed", mar, hill) not in stored
    row = session.scalar(select(IndicatorValue).where(IndicatorValue.indicator == "people_served"))
    assert (row.unit, row.source) == ("visits", "Partner reports")
    assert row.period_end == dt.date(2026, 3, 31)
    # Two months of the same indicator city-wide: exactly two rows.
    city_kg = session.scalars(select(IndicatorValue).where(
        IndicatorValue.indicator == "kg_distributed", IndicatorValue.neighborhood_id.is_(None))).all()
    assert len(city_kg) == 2


def test_snapshotting_again_replaces_a_month_and_keeps_entered_values(session, two_months, user):
    """Rule: recomputing a month replaces its rows (no duplicates); entered survey values are left alone."""
    indicators.record_value(session, user("backbone@example.org"), NOW, "food_insecurity_rate", 2026, 12.5, "Survey")
    indicator_snapshots.snapshot_indicators(session, NOW, months=2)
    first = _stored(session)
    count = len(session.scalars(select(IndicatorValue)).all())
    indicator_snapshots.snapshot_indicators(session, NOW, months=2)
    assert _stored(session) == first
    assert len(session.scalars(select(IndicatorValue)).all()) == count
    assert indicators.city_series(session)[-1].value == 12.5
    # A new delivery changes the month on the next run.
    deliveries.record_delivery(session, delivered_at=dt.datetime(2026, 3, 2, tzinfo=UTC), kg=0.8, category="bakery",
                               storage="ambient", donor=two_months.deliveries[0].donor,
                               recipient=two_months.deliveries[0].recipient)
    indicator_snapshots.snapshot_indicators(session, NOW, months=1)
    assert _stored(session)[("kg_distributed", "2026-03-01", None)] == pytest.approx(28.0)


def test_the_periodic_step_snapshots_at_most_daily(session, two_months):
    """Rule: the periodic job refreshes the series once a day, not on every run."""
    assert indicator_snapshots.periodic_snapshot(session, NOW) > 0
    assert indicator_snapshots.periodic_snapshot(session, NOW + dt.timedelta(hours=1)) == 0
    assert indicator_snapshots.periodic_snapshot(session, NOW + dt.timedelta(days=1)) > 0


def test_the_periodic_job_runs_the_snapshot_step(app, session, two_months):
    """Rule: the periodic job (coalition/jobs.py) stores the series without anyone running the command."""
    from coalition import jobs

    result = jobs.run_periodic(session, NOW, app.config)
    assert not [e for e in result.errors if e.startswith("indicator snapshots")]
    assert _stored(session)[("meals_distributed", "2026-03-01", None)] == pytest.approx(50.0)


def test_the_snapshot_command_stores_the_series(app, session, org, now):
    """Rule: `flask measurement snapshot --months N` stores N months ending with the current one."""
    deliveries.record_delivery(session, delivered_at=now, kg=5.44, category="bakery", storage="ambient",
                               donor=org("Hawthorne Green Grocer"), recipient=org("Columbia Regional Food Bank"))
    session.commit()
    result = app.test_cli_runner().invoke(args=["measurement", "snapshot", "--months", "3"])
    assert result.exit_code == 0, result.output
    assert "Stored" in result.output
    month = now.replace(day=1).date()
    meals = session.scalar(select(IndicatorValue.value).where(
        IndicatorValue.indicator == "meals_distributed", IndicatorValue.period_start == month,
        IndicatorValue.neighborhood_id.is_(None)))
    assert meals == pytest.approx(10.0)
    bad = app.test_cli_runner().invoke(args=["measurement", "snapshot", "--months", "0"])
    assert bad.exit_code != 0 and "months" in bad.output


def test_the_series_download_is_for_the_backbone_only(app, session, two_months, login_as):
    """Rule: the stored series downloads as CSV for the backbone; partners are refused."""
    indicator_snapshots.snapshot_indicators(session, NOW, months=2)
    session.commit()
    backbone = login_as("backbone")
    assert "/measurement/series.csv" in backbone.get("/measurement/").get_data(as_text=True)
    response = backbone.get("/measurement/series.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    lines = response.get_data(as_text=True).splitlines()
    assert lines[0] == "indicator,name,period_start,period_end,neighborhood,value,unit,source,entered"
    assert "meals_distributed,Meals distributed,2026-03-01,2026-03-31,,50,meals,Delivery records,no" in lines
    assert any(line.startswith("kg_distributed,Food distributed,2026-02-01,2026-02-28,Test Hill,10,") for line in lines)
    partner = app.test_client()
    assert sign_in(partner, ROLE_EMAILS["foodbank"]).status_code == 302
    assert partner.get("/measurement/series.csv").status_code == 403


def test_a_report_reminder_also_notifies_the_partners_people_in_the_app(session, org, user):
    """Rule: partners missing the month get a `report_due` notification in the app (the e-mail is sent once, by the caller)."""
    bank, shelter = org("Columbia Regional Food Bank"), org("Old Town Night Shelter")
    partner_reports.submit_report(session, user("foodbank@example.org"), bank,
                                  partner_reports.ReportInput("2026-09", 10), dt.datetime(2026, 10, 2, tzinfo=UTC))
    partner_reports.remind_missing(session, user("backbone@example.org"), "2026-09",
                                   dt.datetime(2026, 10, 5, tzinfo=UTC), "/measurement/reports")
    notes = session.scalars(select(Notification).where(Notification.kind == NotificationKind.REPORT_DUE)).all()
    recipients = {n.user_id for n in notes}
    assert user("shelter@example.org").id in recipients
    assert user("foodbank@example.org").id not in recipients
    assert all("2026-09" in n.title and n.show_in_app and not n.send_email for n in notes)
    assert NotificationKind.REPORT_DUE.label == "A partner report is due"
