"""The funding pages: recording grants and spending (errors beside the field, nothing half-saved), what each
partner's page shows, and the report downloads."""
from __future__ import annotations

import csv
import datetime as dt
import io
import re
import subprocess

import pytest
from sqlalchemy import func, select

from coalition.models import Grant, GrantSpending
from coalition.services import funding
from tests.fixtures.coordination import at, deliver, relogin

CITY = "City Office of Community Food Security"
GRANT_FORM = {"title": "Cold rooms 2021", "funder_organization_id": "0", "funder_name": "Rose City Foundation",
              "amount": "25,000.00", "currency": "USD", "period_start": "2021-01-01", "period_end": "2021-12-31",
              "purpose": "cold_chain", "status": "received", "received_on": "2021-02-01", "supports": "kg_rescued",
              "activity": ""}


def _count(session, model) -> int:
    return session.scalar(select(func.count(model.id)))


def _error_beside(html: str, field: str) -> str:
    """The text of the error shown right after the field ``field``."""
    match = re.search(rf'<p class="error" id="{field}-error">([^<]*)</p>', html)
    assert match, f"no error beside {field}"
    return match.group(1)


@pytest.fixture
def grants(session, org, user, now):
    """A city grant with spending, and an outside funder's grant."""
    backbone = user("backbone@example.org")
    city = funding.create_grant(session, backbone, funding.GrantInput(
        "City fuel fund", org(CITY).id, "", "1000.00", "USD", dt.date(2021, 1, 1), dt.date(2021, 12, 31), "fuel",
        "received", dt.date(2021, 3, 2), "kg_rescued"), now)
    funding.record_spending(session, backbone, city, dt.date(2021, 3, 10), "300.00", "USD", "fuel", "March fuel", now)
    outside = funding.create_grant(session, backbone, funding.GrantInput(
        "Foundation food fund", None, "Rose City Foundation", "5000.00", "USD", dt.date(2021, 1, 1),
        dt.date(2021, 12, 31), "food_purchase", "pledged", None, "meals_distributed"), now)
    session.commit()
    return city.id, outside.id   # ids: the requests end the session the objects belong to


def test_the_backbone_records_a_grant_exactly_as_typed(login_as, post_form, client, session):
    login_as("backbone")
    response = post_form("/funding/grants/new", GRANT_FORM, token_page="/funding/grants/new")
    assert response.status_code == 302
    grant = session.scalar(select(Grant).where(Grant.title == "Cold rooms 2021"))
    assert grant.amount_minor == 2500000 and grant.currency == "USD" and grant.funder == "Rose City Foundation"
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "USD 25,000.00" in page


@pytest.mark.parametrize("change, field", [
    ({"amount": "10.005"}, "amount"), ({"amount": "ten"}, "amount"), ({"period_end": "2020-01-01"}, "period_end"),
    ({"funder_name": ""}, "funder_name"), ({"received_on": ""}, "received_on"), ({"currency": "XYZ"}, "currency"),
    ({"period_start": "2021-02-30"}, "period_start"),
])
def test_bad_grant_input_is_shown_beside_its_field_and_nothing_is_saved(login_as, post_form, session, change, field):
    login_as("coordinator")
    before = _count(session, Grant)
    response = post_form("/funding/grants/new", {**GRANT_FORM, **change}, token_page="/funding/grants/new")
    assert response.status_code == 422
    assert _error_beside(response.get_data(as_text=True), field)
    assert _count(session, Grant) == before


def test_spending_in_another_currency_is_refused_beside_the_currency(login_as, post_form, session, grants):
    city, _ = grants
    login_as("backbone")
    page = f"/funding/grants/{city}"
    response = post_form(f"{page}/spending", {"spent_on": "2021-03-12", "amount": "20.00", "currency": "EUR",
                                              "purpose": "fuel", "note": ""}, token_page=page)
    assert response.status_code == 422
    assert "USD" in _error_beside(response.get_data(as_text=True), "currency")
    assert _count(session, GrantSpending) == 1


def test_spending_is_recorded_and_shown_with_what_remains(login_as, post_form, client, session, grants):
    city, _ = grants
    login_as("backbone")
    page = f"/funding/grants/{city}"
    response = post_form(f"{page}/spending", {"spent_on": "2021-03-12", "amount": "0.10", "currency": "USD",
                                              "purpose": "fuel", "note": "<b>tolls</b>"}, token_page=page)
    assert response.status_code == 302
    html = client.get(page).get_data(as_text=True)
    assert "remaining USD 699.90" in html
    assert "&lt;b&gt;tolls&lt;/b&gt;" in html and "<b>tolls</b>" not in html


def test_an_edit_that_breaks_a_rule_changes_nothing(login_as, post_form, session, grants):
    city, _ = grants
    login_as("backbone")
    page = f"/funding/grants/{city}/edit"
    response = post_form(page, {**GRANT_FORM, "funder_organization_id": "0", "title": "Renamed", "amount": "100.00"},
                         token_page=page)
    assert response.status_code == 422 and "already spent" in _error_beside(response.get_data(as_text=True), "amount")
    session.expire_all()
    assert session.get(Grant, city).title == "City fuel fund"


def test_the_city_sees_its_grant_and_not_the_outside_funders(login_as, post_form, session, grants):
    city, outside = grants
    client = login_as("city")
    html = client.get("/funding/").get_data(as_text=True)
    assert "City fuel fund" in html and "Foundation food fund" not in html and "Rose City Foundation" not in html
    assert client.get(f"/funding/grants/{city}").status_code == 200
    assert client.get(f"/funding/grants/{outside}").status_code == 404
    assert client.get(f"/funding/report?grant={outside}").status_code == 404
    response = post_form(f"/funding/grants/{city}/spending", {"spent_on": "2021-03-12", "amount": "1.00",
                                                              "currency": "USD", "purpose": "fuel"})
    assert response.status_code == 403 and _count(session, GrantSpending) == 1


def test_other_partners_see_totals_by_purpose_without_names(login_as, grants):
    client = login_as("grocer")
    html = client.get("/funding/").get_data(as_text=True)
    assert "USD 1,000.00" in html and "USD 5,000.00" in html and "USD 300.00" in html
    for secret in ("City fuel fund", "Foundation food fund", "Rose City Foundation", CITY):
        assert secret not in html
    assert client.get("/funding/report").status_code == 403


def test_the_report_downloads_as_csv_and_pdf_for_the_funder(login_as, session, org, grants, tmp_path):
    deliver(session, org, 544, when=at(3))
    session.commit()
    client = login_as("city")
    response = client.get("/funding/report.csv?start=2021-03-01&end=2021-03-31")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    rows = {(r["section"], r["item"]): r["value"] for r in csv.DictReader(io.StringIO(response.get_data(as_text=True)))}
    assert rows[("spent_total", "All purposes")] == "300.00" and rows[("cost_per_meal", "")] == "0.30"
    assert rows[("delivered", "meals")] == "1000"
    response = client.get("/funding/report.pdf?start=2021-03-01&end=2021-03-31")
    path = tmp_path / "report.pdf"
    path.write_bytes(response.get_data())
    text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout
    assert "Cost per meal: USD 0.30" in text


def test_a_coalition_in_pounds_reports_food_and_cost_per_pound(pounds, login_as, session, org, grants, tmp_path):
    deliver(session, org, 544, when=at(3))   # 1,199.315 lb
    session.commit()
    client = login_as("city")
    response = client.get("/funding/report.csv?start=2021-03-01&end=2021-03-31")
    rows = {(r["section"], r["item"]): r["value"] for r in csv.DictReader(io.StringIO(response.get_data(as_text=True)))}
    assert rows[("delivered", "lb_distributed")] == "1199.315" and rows[("delivered", "lb_per_meal")] == "1.2"
    assert rows[("cost_per_lb_rescued", "")] == "0.25" and ("delivered", "kg_distributed") not in rows
    response = client.get("/funding/report.pdf?start=2021-03-01&end=2021-03-31")
    path = tmp_path / "report.pdf"
    path.write_bytes(response.get_data())
    text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout
    assert "Cost per lb of food rescued: USD 0.25" in text and "1,199.3" in text


def test_a_bad_report_period_is_shown_beside_the_field(login_as, grants):
    response = login_as("backbone").get("/funding/report.pdf?start=2021-03-31&end=2021-03-01")
    assert response.status_code == 422
    assert "on or after" in _error_beside(response.get_data(as_text=True), "end")


def test_funding_is_in_the_menu_of_partners_and_the_funder_report_on_the_citys_home(login_as, client, grants):
    assert "/funding/" in login_as("grocer").get("/").get_data(as_text=True)
    relogin(client, login_as, "city")
    assert "/funding/report" in client.get("/").get_data(as_text=True)


def test_an_unknown_grant_is_not_found_never_an_error(login_as):
    client = login_as("backbone")
    for address in ("/funding/grants/999999", "/funding/grants/999999/edit", "/funding/report?grant=999999"):
        assert client.get(address).status_code == 404
