"""End to end: the backbone posts an announcement to the shelters, a shelter admin reads it on a 390x844 phone
from the organization's inbox, and the backbone then sees the shelter's read receipt.

Fields and buttons are found by their accessible labels and roles; each run uses its own title.
"""
from __future__ import annotations

import uuid

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import assert_fits_width, open_menu, sign_in

pytestmark = pytest.mark.browser


def test_the_backbone_announces_a_shelter_reads_it_on_a_phone_and_the_receipt_shows(new_context, screenshot):
    title = f"Cold snap tonight {uuid.uuid4().hex[:6]}"

    backbone = new_context().new_page()
    sign_in(backbone, "backbone@example.org")
    backbone.get_by_role("link", name="Coordination", exact=True).click()
    backbone.get_by_role("link", name="New announcement").click()
    backbone.get_by_label("Send to").select_option(label="Shelters")
    backbone.get_by_label("Title").fill(title)
    backbone.get_by_label("Message").fill("Warming centres open at 19:00. Please tell your guests.")
    assert_fits_width(backbone)
    backbone.get_by_role("button", name="Send").click()
    expect(backbone.get_by_text("Sent to 4 organizations.")).to_be_visible()
    expect(backbone.locator(".receipts-unread")).to_contain_text("Old Town Night Shelter")
    announcement_url = backbone.url

    shelter = new_context().new_page()   # phone-sized
    sign_in(shelter, "shelter@example.org")
    open_menu(shelter)
    shelter.get_by_role("link", name="Inbox", exact=True).click()
    expect(shelter.get_by_role("heading", name="Announcements 1 unread")).to_be_visible()
    assert_fits_width(shelter)
    shelter.get_by_role("link", name=title).click()
    expect(shelter.get_by_role("heading", name=title)).to_be_visible()
    expect(shelter.get_by_text("Warming centres open at 19:00.")).to_be_visible()
    assert_fits_width(shelter)
    screenshot(shelter, "announcement-390")

    backbone.goto(announcement_url)
    expect(backbone.get_by_text("Read by 1 of 4 organizations.")).to_be_visible()
    expect(backbone.locator(".receipts-read")).to_contain_text("Old Town Night Shelter — Shay Shelter")
    expect(backbone.locator(".receipts-unread")).not_to_contain_text("Old Town Night Shelter")
