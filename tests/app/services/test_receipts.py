"""Donor receipts: what a receipt lists and totals, the $/kg estimates, periods, permissions, and the PDF itself
(rendered to PNG with pdftoppm and its totals read back with pdftotext)."""
from __future__ import annotations

import datetime as dt
import shutil
import subprocess
from zoneinfo import ZoneInfo

import pytest

from coalition.errors import PermissionDenied, ValidationError
from coalition.models import FoodCategory
from coalition.services import receipts
from tests.fixtures.coordination import at, deliver, relogin

TZ = ZoneInfo("America/Los_Angeles")
MARCH = (dt.date(2021, 3, 1), dt.date(2021, 3, 31))
PERIOD = {"start": "2021-03-01", "end": "2021-03-31"}


def _pdf_text(body: bytes, tmp_path) -> str:
    path = tmp_path / "receipt.pdf"
    path.write_bytes(body)
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True).stdout


def test_a_receipt_lists_only_that_donors_deliveries_in_the_period_with_totals(session, org, user):
    deliver(session, org, 12.5, "bakery", when=at(3))
    deliver(session, org, 7.5, "produce", recipient="Old Town Night Shelter", when=at(20))
    deliver(session, org, 100, "bakery", when=dt.datetime(2021, 4, 1, 12, tzinfo=dt.timezone.utc))   # April
    deliver(session, org, 50, "produce", donor="Sauvie Island Growers", when=at(5))                     # another donor
    receipt = receipts.build_receipt(session, user("grocer@example.org"), org("Hawthorne Green Grocer"), *MARCH, TZ)
    assert [(line.delivered_on.day, line.recipient, line.category, line.kg) for line in receipt.lines] == [
        (3, "Columbia Regional Food Bank", FoodCategory.BAKERY, 12.5),
        (20, "Old Town Night Shelter", FoodCategory.PRODUCE, 7.5)]
    assert receipt.total_kg == 20.0
    expected = round(12.5 * receipts.DEFAULT_USD_PER_KG[FoodCategory.BAKERY], 2) + round(
        7.5 * receipts.DEFAULT_USD_PER_KG[FoodCategory.PRODUCE], 2)
    assert receipt.total_value_usd == pytest.approx(expected)


def test_a_delivery_late_in_the_local_evening_counts_on_its_local_day(session, org, user):
    """21:30 in Portland on 31 March is already 1 April in UTC: it belongs to March."""
    deliver(session, org, 4, when=dt.datetime(2021, 4, 1, 4, 30, tzinfo=dt.timezone.utc))
    receipt = receipts.build_receipt(session, user("grocer@example.org"), org("Hawthorne Green Grocer"), *MARCH, TZ)
    assert [line.delivered_on for line in receipt.lines] == [dt.date(2021, 3, 31)]


def test_the_backbones_fair_market_value_replaces_the_estimate(session, org, user, now):
    deliver(session, org, 10, "dairy", when=at(3))
    receipts.set_fair_market_values(session, user("backbone@example.org"), {"dairy": 2.25}, now)
    receipt = receipts.build_receipt(session, user("grocer@example.org"), org("Hawthorne Green Grocer"), *MARCH, TZ)
    assert receipt.total_value_usd == 22.5


@pytest.mark.parametrize("values", [{"dairy": -1}, {"dairy": float("nan")}, {"caviar": 5}, {"dairy": 5000}])
def test_absurd_or_unknown_fair_market_values_are_refused(session, user, now, values):
    with pytest.raises(ValidationError):
        receipts.set_fair_market_values(session, user("backbone@example.org"), values, now)


def test_only_the_backbone_sets_fair_market_values(session, user, now):
    with pytest.raises(PermissionDenied):
        receipts.set_fair_market_values(session, user("grocer@example.org"), {"dairy": 1}, now)


def test_a_reversed_or_unreadable_period_is_refused():
    with pytest.raises(ValidationError) as caught:
        receipts.parse_period("2021-03-31", "2021-03-01", dt.date(2026, 1, 1))
    assert "end" in caught.value.fields
    with pytest.raises(ValidationError) as caught:
        receipts.parse_period("last spring", "", dt.date(2026, 1, 1))
    assert "start" in caught.value.fields
    assert receipts.parse_period("", "", dt.date(2026, 5, 9)) == (dt.date(2026, 1, 1), dt.date(2026, 5, 9))


def test_a_donor_cannot_build_another_donors_receipt(session, org, user):
    with pytest.raises(PermissionDenied):
        receipts.build_receipt(session, user("farmer@example.org"), org("Hawthorne Green Grocer"), *MARCH, TZ)


def test_the_pdf_receipt_renders_and_states_its_totals(login_as, session, org, tmp_path):
    """The grocer's PDF turns into a PNG page with pdftoppm, and its text carries the rows and totals."""
    deliver(session, org, 12.5, "bakery", when=at(3))
    deliver(session, org, 7.5, "produce", recipient="Old Town Night Shelter", when=at(20))
    session.commit()
    response = login_as("grocer").get(f"/reports/receipts/{org('Hawthorne Green Grocer').id}.pdf", query_string=PERIOD)
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert "attachment" in response.headers["Content-Disposition"]
    body = response.get_data()
    assert body.startswith(b"%PDF")
    text = _pdf_text(body, tmp_path)
    value = 12.5 * receipts.DEFAULT_USD_PER_KG[FoodCategory.BAKERY] + 7.5 * receipts.DEFAULT_USD_PER_KG[FoodCategory.PRODUCE]
    assert f"Total: 20 kg, estimated value ${value:,.2f}" in text
    assert "Old Town Night Shelter" in text and "2021-03-20" in text
    assert "food delivered to the recipients" in text
    subprocess.run(["pdftoppm", "-png", "-r", "60", "-f", "1", "-l", "1", str(tmp_path / "receipt.pdf"), str(tmp_path / "page")],
                   check=True)
    png = next(tmp_path.glob("page*.png")).read_bytes()
    assert png.startswith(b"\x89PNG") and len(png) > 2000


def test_an_empty_period_is_still_a_labelled_pdf(login_as, org, tmp_path):
    response = login_as("grocer").get(f"/reports/receipts/{org('Hawthorne Green Grocer').id}.pdf",
                                      query_string={"start": "2020-01-01", "end": "2020-01-31"})
    assert response.status_code == 200
    text = _pdf_text(response.get_data(), tmp_path)
    assert "No donations in this period." in text and "Total: 0 kg, estimated value $0.00" in text


def test_reversed_dates_on_the_download_are_a_422_beside_the_field(login_as, org):
    response = login_as("grocer").get(f"/reports/receipts/{org('Hawthorne Green Grocer').id}.pdf",
                                      query_string={"start": "2021-03-31", "end": "2021-03-01"})
    assert response.status_code == 422
    assert "on or after its start" in response.get_data(as_text=True)


def test_another_organizations_receipt_is_not_found_and_recipients_are_refused(client, login_as, org):
    grocer_store, food_bank = org("Hawthorne Green Grocer").id, org("Columbia Regional Food Bank").id
    assert login_as("farmer").get(f"/reports/receipts/{grocer_store}.pdf").status_code == 404
    assert relogin(client, login_as, "shelter").get(f"/reports/receipts/{grocer_store}.pdf").status_code == 403
    assert relogin(client, login_as, "backbone").get(f"/reports/receipts/{grocer_store}.pdf").status_code == 200
    # a food bank is not a donor: no receipt even for the backbone
    assert client.get(f"/reports/receipts/{food_bank}.pdf").status_code == 404


def test_the_backbone_edits_values_on_the_page_and_bad_input_stays_beside_the_field(login_as, post_form, session):
    login_as("backbone")
    good = {c.value: 3 for c in FoodCategory}
    assert post_form("/reports/values", good, "/reports/values").status_code == 302
    assert receipts.fair_market_values(session)[FoodCategory.MEAT_FISH] == 3
    response = post_form("/reports/values", good | {"dairy": "-4"}, "/reports/values")
    assert response.status_code == 422 and 'id="dairy-error"' in response.get_data(as_text=True)


@pytest.mark.skipif(shutil.which("pdftoppm") is None, reason="poppler-utils (make browser-deps installs it)")
def test_poppler_is_available_for_the_render_check():
    assert shutil.which("pdftotext")
