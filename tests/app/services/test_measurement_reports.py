"""Partner reports: validation, audited corrections, CSV import all-or-nothing, who has not reported."""
from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from coalition.errors import PermissionDenied, ValidationError
from coalition.models import AuditEvent, PartnerReport
from coalition.services import partner_reports
from coalition.services.partner_reports import ReportInput

NOW = dt.datetime(2026, 11, 5, tzinfo=dt.timezone.utc)


def test_a_correction_replaces_the_figures_and_is_audited(session, org, user):
    bank = org("Columbia Regional Food Bank")
    first = partner_reports.submit_report(session, user("foodbank@example.org"), bank, ReportInput("2026-10", 900, 400), NOW)
    again = partner_reports.submit_report(session, user("foodbank@example.org"), bank, ReportInput("2026-10", 950, 420), NOW)
    assert again.id == first.id and (again.visits, again.individuals) == (950, 420)
    assert (again.period_start, again.period_end) == (dt.date(2026, 10, 1), dt.date(2026, 10, 31))
    events = session.scalars(select(AuditEvent).where(AuditEvent.entity == "partner_report",
                                                      AuditEvent.entity_id == first.id).order_by(AuditEvent.id)).all()
    assert [e.action for e in events] == ["submitted", "corrected"]
    assert events[1].changes["changes"] == {"visits": [900, 950], "individuals": [400, 420]}


def test_bad_counts_are_refused_beside_their_fields(session, org, user):
    with pytest.raises(ValidationError) as caught:
        partner_reports.submit_report(session, user("shelter@example.org"), org("Old Town Night Shelter"),
                                      ReportInput("2026-13", -1, None, -2), NOW)
    assert set(caught.value.fields) == {"period", "visits", "households"}
    with pytest.raises(ValidationError) as caught:
        partner_reports.submit_report(session, user("shelter@example.org"), org("Old Town Night Shelter"),
                                      ReportInput("2026-10", 10, 20), NOW)
    assert "individuals" in caught.value.fields  # unduplicated people cannot exceed visits
    assert session.scalar(select(PartnerReport.id)) is None


def test_a_partner_reports_only_for_itself(session, org, user):
    with pytest.raises(PermissionDenied):
        partner_reports.submit_report(session, user("shelter@example.org"), org("Columbia Regional Food Bank"),
                                      ReportInput("2026-10", 10), NOW)
    with pytest.raises(PermissionDenied):  # a grocery does not report people served
        partner_reports.submit_report(session, user("grocer@example.org"), org("Hawthorne Green Grocer"),
                                      ReportInput("2026-10", 10), NOW)


def test_csv_import_saves_every_row(session, user):
    text = ("organization,period,visits,individuals,households,meals_on_site\n"
            "Columbia Regional Food Bank,2026-09,1200,600,250,\n"
            "old town night shelter,2026-09,800,,,2400\n")
    saved = partner_reports.import_csv(session, user("backbone@example.org"), text, NOW)
    assert [(r.organization.name, r.visits, r.meals_on_site) for r in saved] == [
        ("Columbia Regional Food Bank", 1200, None), ("Old Town Night Shelter", 800, 2400)]


@pytest.mark.parametrize("rows, message", [
    ("Nowhere Pantry,2026-09,10,,,\n", "Row 3: unknown partner 'Nowhere Pantry'"),
    ("Old Town Night Shelter,2026-09,-5,,,\n", "Row 3 (Old Town Night Shelter): visits: Counts cannot be negative."),
    ("Old Town Night Shelter,2026-09,many,,,\n", "Row 3: visits must be whole numbers."),
    ("Old Town Night Shelter,Sept,10,,,\n", "Row 3 (Old Town Night Shelter): period:"),
    ("Hawthorne Green Grocer,2026-09,10,,,\n", "Row 3: Hawthorne Green Grocer is not a food bank or shelter."),
])
def test_a_bad_csv_row_is_named_and_nothing_is_imported(session, user, rows, message):
    text = "organization,period,visits,individuals,households,meals_on_site\nColumbia Regional Food Bank,2026-09,1,,,\n" + rows
    with pytest.raises(ValidationError) as caught:
        partner_reports.import_csv(session, user("backbone@example.org"), text, NOW)
    assert message in caught.value.message
    assert session.scalar(select(PartnerReport.id)) is None


def test_a_csv_without_the_needed_columns_is_refused(session, user):
    with pytest.raises(ValidationError) as caught:
        partner_reports.import_csv(session, user("backbone@example.org"), "name,count\nx,1\n", NOW)
    assert "organization, period, visits" in caught.value.message


def test_a_partner_cannot_import_rows_for_another(session, user):
    text = "organization,period,visits\nColumbia Regional Food Bank,2026-09,10\n"
    with pytest.raises(ValidationError) as caught:
        partner_reports.import_csv(session, user("shelter@example.org"), text, NOW)
    assert "you cannot report for Columbia Regional Food Bank" in caught.value.message


def test_the_backbone_sees_who_has_not_reported(session, org, user):
    partner_reports.submit_report(session, user("foodbank@example.org"), org("Columbia Regional Food Bank"),
                                  ReportInput("2026-10", 10), NOW)
    missing = [o.name for o in partner_reports.missing_reports(session, "2026-10")]
    assert "Columbia Regional Food Bank" not in missing
    assert {"Old Town Night Shelter", "Eastside Community Food Bank"} <= set(missing)
    assert all(o.kind.is_recipient for o in partner_reports.missing_reports(session, "2026-10"))
