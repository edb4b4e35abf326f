"""The monthly food-recovery report in the SB 1383 record-keeping layout: grouping, pounds, CSV, PDF, empty months."""
from __future__ import annotations

import csv
import datetime as dt
import io
import subprocess
from zoneinfo import ZoneInfo

import pytest

from coalition.errors import NotFound, PermissionDenied
from coalition.services import compliance
from tests.fixtures.coordination import MARCH, at, deliver, relogin

TZ = ZoneInfo("America/Los_Angeles")


def test_the_month_is_grouped_per_generator_and_recovery_organization(session, org, user):
    deliver(session, org, 10, "bakery", when=at(2))
    deliver(session, org, 5, "dairy", when=at(9))
    deliver(session, org, 20, "produce", donor="Sauvie Island Growers", recipient="Old Town Night Shelter", when=at(12))
    deliver(session, org, 99, "produce", when=dt.datetime(2021, 2, 27, 12, tzinfo=dt.timezone.utc))   # February
    report = compliance.monthly_report(session, user("backbone@example.org"), MARCH, TZ)
    rows = {(r.donor.name, r.recipient.name): r for r in report.rows}
    grocer = rows[("Hawthorne Green Grocer", "Columbia Regional Food Bank")]
    assert grocer.kg == 15.0 and grocer.pounds == round(15 * compliance.LB_PER_KG, 1) == 33.1
    assert grocer.food_types == "Bakery, Dairy" and grocer.deliveries == 2
    assert report.total_kg == 35.0 and len(report.rows) == 2
    assert [r.recipient.name for r in report.by_recovery_organization] == ["Columbia Regional Food Bank", "Old Town Night Shelter"]


def test_only_the_backbone_produces_the_report(session, user):
    with pytest.raises(PermissionDenied):
        compliance.monthly_report(session, user("grocer@example.org"), MARCH, TZ)


@pytest.mark.parametrize("text", ["2026-13", "2026-00", "soon", "26-1", ""])
def test_an_unknown_month_is_not_found(text):
    with pytest.raises(NotFound):
        compliance.parse_month(text)


def test_the_csv_has_a_row_per_pair_with_pounds_and_kg(login_as, session, org):
    deliver(session, org, 10, "bakery", when=at(2))
    session.commit()
    response = login_as("backbone").get("/reports/compliance/2021-03.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert rows == [{**rows[0], "month": "2021-03", "edible_food_generator": "Hawthorne Green Grocer",
                     "food_recovery_organization": "Columbia Regional Food Bank", "types_of_food": "Bakery",
                     "pounds_recovered": "22.0", "kg_recovered": "10.0", "deliveries": "1"}]


def test_an_empty_month_is_a_labelled_csv_and_pdf(login_as, tmp_path):
    client = login_as("coordinator")
    rows = list(csv.DictReader(io.StringIO(client.get("/reports/compliance/2020-01.csv").get_data(as_text=True))))
    assert len(rows) == 1 and rows[0]["edible_food_generator"] == compliance.EMPTY and rows[0]["pounds_recovered"] == "0.0"
    response = client.get("/reports/compliance/2020-01.pdf")
    assert response.status_code == 200 and response.get_data().startswith(b"%PDF")
    path = tmp_path / "report.pdf"
    path.write_bytes(response.get_data())
    text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout
    assert "No donations in this period (January 2020)" in text and "Total recovered: 0.0 lb (0.0 kg)" in text


def test_the_pdf_report_carries_both_sections_and_the_total(login_as, session, org, tmp_path):
    deliver(session, org, 10, "bakery", when=at(2))
    session.commit()
    path = tmp_path / "report.pdf"
    path.write_bytes(login_as("backbone").get("/reports/compliance/2021-03.pdf").get_data())
    text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout
    assert "By edible food generator" in text and "By food recovery organization" in text
    assert "Total recovered: 22.0 lb (10.0 kg)" in text


def test_pages_refuse_unknown_months_and_other_roles(client, login_as):
    client = login_as("backbone")
    assert client.get("/reports/compliance/2026-13.csv").status_code == 404
    assert client.get("/reports/compliance?month=nope").status_code == 404
    assert "No donations in this period" in client.get("/reports/compliance?month=2020-01").get_data(as_text=True)
    assert relogin(client, login_as, "grocer").get("/reports/compliance/2021-03.csv").status_code == 403
