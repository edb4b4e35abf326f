"""End to end on a 390x844 phone screen: a grocer posts surplus through the three posting screens,
a food bank finds it in open supply and claims part of it, and the grocer sees what is left.

Fields and buttons are found by their accessible labels and roles. Each run uses its own
description, so it can share the browser database with other tests.
"""
from __future__ import annotations

import re
import uuid
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import assert_fits_width, sign_in

pytestmark = pytest.mark.browser


def test_a_grocer_posts_a_donation_and_a_food_bank_claims_part_of_it(new_context, screenshot):
    bread = f"Sourdough loaves {uuid.uuid4().hex[:6]}"

    # The grocer posts 18 kg through the three screens (What food, Pickup, Check and post).
    grocer = new_context().new_page()
    sign_in(grocer, "grocer@example.org")
    grocer.goto("/donations/new")
    expect(grocer.get_by_text("Step 1 of 3")).to_be_visible()
    first_line = grocer.locator("#line-0")
    first_line.get_by_label("Category").select_option("bakery")
    first_line.get_by_label("What is it?").fill(bread)
    first_line.get_by_label("Weight (kg)").fill("18")
    assert_fits_width(grocer)
    grocer.get_by_role("button", name="Next: pickup").click()
    expect(grocer.get_by_text("Step 2 of 3")).to_be_visible()
    grocer.get_by_role("button", name="Next: review").click()
    expect(grocer.get_by_text("Step 3 of 3")).to_be_visible()
    expect(grocer.get_by_text(f"18 kg {bread}")).to_be_visible()
    grocer.get_by_role("button", name="Post donation").click()
    expect(grocer.get_by_role("heading", name="Surplus from Hawthorne Green Grocer")).to_be_visible()
    donation_page = urlsplit(grocer.url).path
    assert re.fullmatch(r"/donations/\d+", donation_page)

    # The food bank finds it in open supply and claims 10 kg with the suggested delivery window.
    food_bank = new_context().new_page()
    sign_in(food_bank, "foodbank@example.org")
    food_bank.get_by_role("link", name="Supply", exact=True).click()
    card = food_bank.locator("li.supply-line", has=food_bank.get_by_role("heading", name=f"18 kg {bread}"))
    expect(card).to_contain_text("Hawthorne Green Grocer")
    expect(card.locator(".time-left")).to_have_text(re.compile(r"^(\d+ days?( \d+ h)?|\d+ h( \d+ min)?|\d+ min)$"))
    assert_fits_width(food_bank)
    screenshot(food_bank, "supply-390")
    card.get_by_role("link", name=f"Claim {bread} from Hawthorne Green Grocer").click()
    expect(food_bank.get_by_text("18 kg left")).to_be_visible()
    expect(food_bank.get_by_label("Deliver from")).not_to_have_value("")
    food_bank.get_by_label("Kilograms to claim").fill("10")
    assert_fits_width(food_bank)
    food_bank.get_by_role("button", name="Claim", exact=True).click()

    assert urlsplit(food_bank.url).path == "/claims/"
    claim = food_bank.locator("li.claim", has=food_bank.get_by_role("heading", name=f"10 kg {bread}"))
    expect(claim).to_contain_text("claimed")
    expect(claim.get_by_role("button", name="Undo")).to_be_visible()
    assert_fits_width(food_bank)
    screenshot(food_bank, "claims-after-claim-390")

    # Asking for more than is left now says so beside the amount, and keeps what was typed.
    food_bank.get_by_role("link", name="Supply", exact=True).click()
    food_bank.locator("li.supply-line", has=food_bank.get_by_role("heading", name=f"8 kg {bread}")) \
        .get_by_role("link", name=f"Claim {bread} from Hawthorne Green Grocer").click()
    food_bank.get_by_label("Kilograms to claim").fill("9")
    food_bank.get_by_role("button", name="Claim", exact=True).click()
    expect(food_bank.locator("#kg-error")).to_have_text(re.compile(r"^Already claimed: only 8 kg"))
    expect(food_bank.get_by_label("Kilograms to claim")).to_have_value("9")

    # The grocer's donation page shows the claim and the kilograms left.
    grocer.goto(donation_page)
    food = grocer.locator("li.card", has=grocer.get_by_role("heading", name=bread))
    expect(food.get_by_role("row", name=re.compile(r"^Claimed "))).to_contain_text("10 kg")
    expect(food.get_by_role("row", name=re.compile(r"^Left "))).to_contain_text("8 kg")
    expect(grocer.get_by_role("cell", name="Columbia Regional Food Bank")).to_be_visible()
    screenshot(grocer, "donation-after-claim-390")
