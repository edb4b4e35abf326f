"""The measurement pages, downloads, CLI and /api/v1/indicators: who sees what, and bad input beside its field."""
from __future__ import annotations

import csv
import datetime as dt
import io
import json

import pytest
from sqlalchemy import func, select

from coalition.models import CoalitionSettings, Goal, Neighborhood, PartnerReport
from coalition.services import deliveries, indicators, measurement_demo
from tests.fixtures.web import csrf_token_from

UTC = dt.timezone.utc


@pytest.fixture
def demo_measurement(session):
    """The demo neighborhoods, goal, survey values and a few deliveries per month (all rolled back after)."""
    summary = measurement_demo.load_demo_measurement(session, dt.datetime.now(UTC), deliveries_per_month=3)
    session.commit()  # a savepoint inside the test's transaction: the requests see it
    return summary


@pytest.fixture
def delivered(session, org):
    """One known delivery this month: 54.4 kg (100 meals) of bread from the grocer to the food bank."""
    record = deliveries.record_delivery(session, delivered_at=dt.datetime.now(UTC) - dt.timedelta(minutes=5), kg=54.4,
                                        category="bakery", storage="ambient", donor=org("Hawthorne Green Grocer"),
                                        recipient=org("Columbia Regional Food Bank"))
    session.commit()
    return record


def test_the_backbone_dashboard_shows_goal_figures_charts_map_and_who_has_not_reported(login_as, demo_measurement):
    page = login_as("backbone").get("/measurement/").get_data(as_text=True)
    assert "Food insecurity down 30.0%" in page and "12.9%" in page
    assert 'id="chart-goal"' in page and 'id="chart-months"' in page and "<rect" in page
    assert 'id="measurement-map"' in page and "Lents &amp; Powellhurst" in page
    assert "Demo data." in page
    assert "Not yet reported for" in page


def test_a_partner_sees_its_own_contribution_beside_the_coalitions(login_as, delivered, org, session):
    bank = org("Columbia Regional Food Bank")
    foodbank = login_as("foodbank")
    response = foodbank.get("/measurement/mine")
    assert response.status_code == 302 and response.headers["Location"].endswith("/measurement/progress")
    page = foodbank.get(f"/measurement/partners/{bank.id}").get_data(as_text=True)
    assert "Columbia Regional Food Bank: our part" in page
    assert "54 kg" in page and "of 54 kg coalition-wide (100.0%)" in page
    # another partner's dashboard is not theirs to see
    shelter = org("Old Town Night Shelter")
    assert foodbank.get(f"/measurement/partners/{shelter.id}").status_code == 404


def test_the_public_page_is_off_until_the_backbone_switches_it_on_and_names_no_partner(client, login_as, session, delivered):
    assert client.get("/measurement/public").status_code == 404
    indicators.get_settings(session).public_dashboard = True
    session.commit()
    page = client.get("/measurement/public").get_data(as_text=True)
    assert "Our progress toward the common goal" in page and "100" in page
    assert "Columbia Regional Food Bank" not in page and "Hawthorne Green Grocer" not in page
    assert client.get("/measurement/public/export/months.csv").status_code == 200


def test_csv_and_geojson_downloads_match_the_dashboard(login_as, delivered, demo_measurement):
    backbone = login_as("backbone")
    response = backbone.get("/measurement/export/partner.csv")
    assert response.mimetype == "text/csv" and "attachment" in response.headers["Content-Disposition"]
    rows = {r["label"]: r for r in csv.DictReader(io.StringIO(response.get_data(as_text=True)))}
    assert float(rows["Columbia Regional Food Bank"]["kg_distributed"]) >= 54.4
    geojson = json.loads(backbone.get("/measurement/neighborhoods.geojson").get_data(as_text=True))
    assert len(geojson["features"]) == 12
    assert {"underserved_score", "meals_per_food_insecure", "distance_km"} <= set(geojson["features"][0]["properties"])
    neighborhoods = list(csv.DictReader(io.StringIO(backbone.get("/measurement/export/neighborhoods.csv").get_data(as_text=True))))
    assert len(neighborhoods) == 12 and neighborhoods[0]["rank"] == "1"


def test_the_goal_form_puts_errors_beside_fields_and_saves_a_good_goal(login_as, session):
    backbone = login_as("backbone")
    token = csrf_token_from(backbone.get("/measurement/goal").get_data(as_text=True))
    bad = backbone.post("/measurement/goal", data={"csrf_token": token, "baseline_value": "15", "baseline_year": "2025",
                                                   "target_reduction_pct": "30", "target_year": "2020", "trajectory": "straight"})
    assert bad.status_code == 422 and 'id="target_year-error"' in bad.get_data(as_text=True)
    assert session.scalar(select(Goal.id)) is None
    good = backbone.post("/measurement/goal", data={"csrf_token": token, "baseline_value": "15", "baseline_year": "2025",
                                                    "target_reduction_pct": "30", "trajectory": "straight"})
    assert good.status_code == 302
    goal = session.scalar(select(Goal))
    assert (goal.baseline_value, goal.target_year) == (15.0, 2030)


def test_settings_and_survey_values_are_the_backbones(login_as, login_fresh, session):
    backbone = login_as("backbone")
    token = csrf_token_from(backbone.get("/measurement/settings").get_data(as_text=True))
    assert backbone.post("/measurement/settings", data={"csrf_token": token, "kg_per_meal": "0",
                                                        "co2e_per_kg": "2"}).status_code == 422
    assert backbone.post("/measurement/settings", data={"csrf_token": token, "kg_per_meal": "0.6", "co2e_per_kg": "2",
                                                        "public_dashboard": "y"}).status_code == 302
    settings = session.get(CoalitionSettings, 1)
    assert (settings.kg_per_meal, settings.public_dashboard) == (0.6, True)
    response = backbone.post("/measurement/rates", data={"csrf_token": token, "rate-year": "2026", "rate-value": "120",
                                                         "rate-source": "Survey", "rate-neighborhood_id": ""})
    assert response.status_code == 422 and 'id="rate-value-error"' in response.get_data(as_text=True)
    assert backbone.post("/measurement/rates", data={"csrf_token": token, "rate-year": "2026", "rate-value": "12.5",
                                                     "rate-source": "Survey", "rate-neighborhood_id": ""}).status_code == 302
    assert [v.value for v in indicators.city_series(session)] == [12.5]
    assert login_fresh("foodbank").get("/measurement/settings").status_code == 403


def _geojson_bytes(props):
    return json.dumps({"type": "FeatureCollection", "features": [{"type": "Feature", "properties": props, "geometry": {
        "type": "Polygon", "coordinates": [[[-122.7, 45.5], [-122.6, 45.5], [-122.6, 45.6], [-122.7, 45.6], [-122.7, 45.5]]]}}]}).encode()


def test_the_upload_page_names_the_bad_feature_and_imports_a_good_file(login_as, session):
    backbone = login_as("backbone")
    token = csrf_token_from(backbone.get("/measurement/neighborhoods/import").get_data(as_text=True))
    bad = backbone.post("/measurement/neighborhoods/import", content_type="multipart/form-data", data={
        "csrf_token": token, "file": (io.BytesIO(_geojson_bytes({"name": "Pearl", "population": "lots",
                                                                 "food_insecurity_pct": 9})), "n.geojson")})
    assert bad.status_code == 422
    assert "feature 1 (Pearl): column &#39;population&#39; &#39;lots&#39; is not a number." in bad.get_data(as_text=True)
    good = backbone.post("/measurement/neighborhoods/import", content_type="multipart/form-data", data={
        "csrf_token": token, "year": "2025", "source": "County",
        "file": (io.BytesIO(_geojson_bytes({"name": "Pearl", "population": 6000, "food_insecurity_pct": 9})), "n.geojson")})
    assert good.status_code == 302
    assert session.scalar(select(Neighborhood.name)) == "Pearl"


def test_a_shelter_reports_by_form_and_bad_counts_stay_beside_the_field(login_as, org, session):
    shelter = login_as("shelter")
    page = shelter.get("/measurement/reports").get_data(as_text=True)
    token = csrf_token_from(page)
    assert "Columbia Regional Food Bank" not in page.split("<h2>Reports</h2>")[0]  # it reports only for itself
    shelter_id = str(org("Old Town Night Shelter").id)
    bad = shelter.post("/measurement/reports", data={"csrf_token": token, "organization_id": shelter_id,
                                                     "period": "2026-01", "visits": "-4"})
    assert bad.status_code == 422 and 'id="visits-error"' in bad.get_data(as_text=True)
    good = shelter.post("/measurement/reports", data={"csrf_token": token, "organization_id": shelter_id,
                                                      "period": "2026-01", "visits": "640", "households": ""})
    assert good.status_code == 302
    assert session.scalar(select(PartnerReport.visits)) == 640
    other = shelter.post("/measurement/reports", data={"csrf_token": token, "organization_id": str(org("Columbia Regional Food Bank").id),
                                                       "period": "2026-01", "visits": "1"})
    assert other.status_code == 422  # not a choice for the shelter


def test_a_csv_upload_with_an_unknown_partner_names_the_row(login_as, session):
    backbone = login_as("backbone")
    token = csrf_token_from(backbone.get("/measurement/reports").get_data(as_text=True))
    text = b"organization,period,visits\nOld Town Night Shelter,2026-01,10\nGhost Pantry,2026-01,5\n"
    response = backbone.post("/measurement/reports/upload", content_type="multipart/form-data",
                             data={"csrf_token": token, "csv-file": (io.BytesIO(text), "r.csv")})
    assert response.status_code == 422 and "Row 3: unknown partner &#39;Ghost Pantry&#39;." in response.get_data(as_text=True)
    assert session.scalar(select(func.count()).select_from(PartnerReport)) == 0


def test_the_indicators_api_returns_the_goal_kg_meals_people_and_rate(login_as, demo_measurement, delivered):
    data = login_as("city").get("/api/v1/indicators?group_by=month,category").get_json()
    assert set(data["goal"]) >= {"indicator", "baseline_value", "baseline_year", "target_reduction_pct", "target_year"}
    assert data["goal"]["target_reduction_pct"] == 30.0 and data["goal"]["target_year"] == data["goal"]["baseline_year"] + 5
    assert data["kg_per_meal"] == 0.544
    assert data["meals_distributed"] == pytest.approx(data["kg_distributed"] / 0.544, abs=0.1)
    assert isinstance(data["people_served"], int) and data["people_served"] > 0
    rate = data["food_insecurity_rate"]
    assert (rate["value"], rate["year"]) == (12.9, dt.datetime.now(UTC).year)
    assert rate["progress_pct"] == pytest.approx((13.6 - 12.9) / (13.6 * 0.3) * 100, abs=0.1)
    assert len(data["groups"]["month"]) >= 1 and data["groups"]["category"]


def test_the_indicators_api_checks_its_parameters_and_who_asks(client, login_as, login_fresh):
    assert login_fresh("backbone").get("/api/v1/indicators?group_by=partner").status_code == 200
    assert client.get("/api/v1/indicators").status_code == 401
    city = login_as("city")
    bad = city.get("/api/v1/indicators?group_by=colour")
    assert bad.status_code == 422 and bad.get_json()["fields"] == {"group_by": "Unknown grouping."}
    assert city.get("/api/v1/indicators?from=2026-13").status_code == 422
    assert city.get("/api/v1/indicators?group_by=partner").status_code == 403


def test_the_cli_imports_neighborhoods_and_reports_a_bad_file(app, session, tmp_path):
    good, bad = tmp_path / "good.geojson", tmp_path / "bad.geojson"
    good.write_bytes(_geojson_bytes({"name": "Pearl", "population": 6000, "food_insecurity_pct": 9}))
    bad.write_bytes(_geojson_bytes({"name": "Pearl", "food_insecurity_pct": 9}))
    runner = app.test_cli_runner()
    result = runner.invoke(args=["measurement", "import-neighborhoods", str(bad)])
    assert result.exit_code != 0 and "Missing column: population" in result.output
    result = runner.invoke(args=["measurement", "import-neighborhoods", str(good), "--year", "2025"])
    assert result.exit_code == 0, result.output
    assert "Imported 1 new" in result.output


def test_home_pages_point_the_backbone_to_progress_and_recipients_to_reporting(login_as, login_fresh):
    assert "Progress toward the goal" in login_as("backbone").get("/").get_data(as_text=True)
    shelter_home = login_fresh("shelter").get("/").get_data(as_text=True)
    assert "Report people served" in shelter_home and 'href="/measurement/reports"' in shelter_home
    assert "Report people served" not in login_fresh("grocer").get("/").get_data(as_text=True)


def test_the_backbone_emails_a_reminder_to_partners_that_have_not_reported(login_as, app, monkeypatch, org, session, user):
    """Only partners missing the month are written to, at their people's addresses; each reminder is audited."""
    from coalition.models import AuditEvent
    from coalition.services import partner_reports
    from tests.smtp_server import SMTPTestServer

    reported = org("Columbia Regional Food Bank")
    reported_id, shelter_id = reported.id, org("Old Town Night Shelter").id
    partner_reports.submit_report(session, user("foodbank@example.org"), reported,
                                  partner_reports.ReportInput("2026-09", 10), dt.datetime(2026, 10, 2, tzinfo=UTC))
    session.commit()
    backbone = login_as("backbone")
    page = backbone.get("/measurement/reports?period=2026-09").get_data(as_text=True)
    assert "E-mail a reminder to these" in page
    with SMTPTestServer() as server:
        monkeypatch.setitem(app.config, "MAIL_SERVER", "127.0.0.1")
        monkeypatch.setitem(app.config, "MAIL_PORT", server.port)
        response = backbone.post("/measurement/reports/remind", data={"csrf_token": csrf_token_from(page),
                                                                      "period": "2026-09"}, follow_redirects=True)
    assert response.status_code == 200
    recipients = {r for rs, _message in server.messages for r in rs}
    assert "shelter@example.org" in recipients and "foodbank@example.org" not in recipients
    assert all("2026-09" in message["Subject"] for _rs, message in server.messages)
    reminded = session.scalars(select(AuditEvent.organization_id).where(AuditEvent.action == "report_reminded")).all()
    assert reported_id not in reminded and shelter_id in reminded
    assert "Reminded" in response.get_data(as_text=True)
