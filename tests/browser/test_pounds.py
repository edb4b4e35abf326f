"""A coalition that counts pounds, end to end on a 390x844 phone: a grocer posts 12.5 lb, a food bank reads and
claims 12.5 lb, and once delivered the grocer's receipt PDF and the backbone's compliance CSV say 12.5 lb."""
from __future__ import annotations

import csv
import datetime as dt
import io
import subprocess
import uuid

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from coalition.extensions import db
from coalition.models import Claim, DonationLine
from coalition.services import deliveries
from tests.browser.conftest import assert_fits_width, sign_in

pytestmark = pytest.mark.browser


@pytest.fixture
def pounds(live_app):
    live_app.config["WEIGHT_UNIT"] = "lb"
    yield
    live_app.config["WEIGHT_UNIT"] = "kg"


def _deliver(live_app, description: str, when: dt.datetime) -> None:
    """The claimed line delivered whole (the driver app's part is covered by its own tests)."""
    with live_app.app_context():
        claim = db.session.scalar(select(Claim).join(DonationLine).where(DonationLine.description == description))
        deliveries.record_delivery(db.session, delivered_at=when, kg=claim.quantity_g / 1000, category="bakery",
                                   storage="ambient", donor=claim.line.donation.donor, recipient=claim.recipient,
                                   claim=claim)
        db.session.commit()
        db.session.remove()


def test_a_donation_posted_in_pounds_reads_back_in_pounds_everywhere(pounds, live_app, new_context, screenshot,
                                                                     tmp_path):
    bread = f"Rye loaves {uuid.uuid4().hex[:6]}"
    grocer = new_context().new_page()
    sign_in(grocer, "grocer@example.org")
    grocer.goto("/donations/new")
    line = grocer.locator("#line-0")
    line.get_by_label("Category").select_option("bakery")
    line.get_by_label("What is it?").fill(bread)
    line.get_by_label("Weight (lb)").fill("12.5")
    grocer.get_by_role("button", name="Next: pickup").click()
    grocer.get_by_role("button", name="Next: review").click()
    expect(grocer.get_by_text(f"12.5 lb {bread}")).to_be_visible()
    grocer.get_by_role("button", name="Post donation").click()
    expect(grocer.get_by_role("heading", name="Surplus from Hawthorne Green Grocer")).to_be_visible()

    food_bank = new_context().new_page()
    sign_in(food_bank, "foodbank@example.org")
    food_bank.get_by_role("link", name="Supply", exact=True).click()
    card = food_bank.locator("li.supply-line", has=food_bank.get_by_role("heading", name=f"12.5 lb {bread}"))
    card.get_by_role("link", name=f"Claim {bread} from Hawthorne Green Grocer").click()
    expect(food_bank.get_by_text("12.5 lb left")).to_be_visible()
    expect(food_bank.get_by_label("Pounds to claim")).to_have_value("12.5")
    assert_fits_width(food_bank)
    screenshot(food_bank, "claim-in-pounds-390")
    food_bank.get_by_role("button", name="Claim", exact=True).click()
    expect(food_bank.get_by_role("heading", name=f"12.5 lb {bread}")).to_be_visible()

    _deliver(live_app, bread, dt.datetime(2019, 6, 12, 19, tzinfo=dt.timezone.utc))   # a month no other test uses
    grocer.goto("/reports/receipts")
    grocer.get_by_label("From").fill("2019-06-01")
    grocer.get_by_label("To (included)").fill("2019-06-30")
    with grocer.expect_download() as download_info:
        grocer.get_by_role("button", name="Download receipt (PDF)").click()
    path = tmp_path / "receipt.pdf"
    download_info.value.save_as(path)
    text = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True).stdout
    assert "Total: 12.5 lb" in text

    backbone = new_context().new_page()
    sign_in(backbone, "backbone@example.org")
    response = backbone.request.get("/reports/compliance/2019-06.csv")
    rows = list(csv.DictReader(io.StringIO(response.text())))
    assert [r["pounds_recovered"] for r in rows] == ["12.5"]
