"""A grocer downloads a donation receipt on a phone (390x844): the file is a PDF whose text carries the total."""
from __future__ import annotations

import datetime as dt
import subprocess

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from coalition.extensions import db
from coalition.models import Organization
from coalition.services import deliveries
from tests.browser.conftest import assert_fits_width, sign_in

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def grocer_deliveries(live_app):
    """Two deliveries of the grocer's food in May 2022 (a month no other browser test uses)."""
    with live_app.app_context():
        def org(name):
            return db.session.scalar(select(Organization).where(Organization.name == name))

        for day, kg, category in ((4, 16.0, "bakery"), (18, 9.5, "produce")):
            deliveries.record_delivery(db.session, delivered_at=dt.datetime(2022, 5, day, 19, tzinfo=dt.timezone.utc),
                                       kg=kg, category=category, storage="ambient", donor=org("Hawthorne Green Grocer"),
                                       recipient=org("Old Town Night Shelter"))
        db.session.commit()
        db.session.remove()


def test_a_grocer_downloads_a_pdf_receipt_on_a_phone(page, screenshot, grocer_deliveries, tmp_path):
    sign_in(page, "grocer@example.org")
    page.get_by_role("link", name="Donation receipts").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Donation receipts")
    page.get_by_label("From").fill("2022-05-01")
    page.get_by_label("To (included)").fill("2022-05-31")
    assert_fits_width(page)
    screenshot(page, "receipt-form-390")
    with page.expect_download() as download_info:
        page.get_by_role("button", name="Download receipt (PDF)").click()
    download = download_info.value
    assert download.suggested_filename == "donation-receipt-hawthorne-green-grocer-2022-05-01-to-2022-05-31.pdf"
    path = tmp_path / download.suggested_filename
    download.save_as(path)
    assert path.read_bytes().startswith(b"%PDF")
    text = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True).stdout
    assert "Total: 25.5 kg" in text and "Old Town Night Shelter" in text
