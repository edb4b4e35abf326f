"""End-to-end checks of the foundation in real headless Chromium, mostly on a 390x844 phone screen.

Fields and buttons are found by their accessible labels and roles, so these
tests also fail when a form control loses its label.
"""
from __future__ import annotations

import re
import uuid
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import DEMO_PASSWORD, assert_fits_width, open_menu, requests_of, sign_in, sign_out

pytestmark = pytest.mark.browser

INVITATION_LINK = re.compile(r"https?://\S+/invitations/[A-Za-z0-9_\-]+")


def test_grocer_signs_in_on_a_phone_and_sees_their_store_on_the_home_page(page, screenshot):
    """A grocer signs in at 390 px, lands on a home page naming their store, and nothing scrolls sideways."""
    page.goto("/signin")
    assert_fits_width(page)
    screenshot(page, "signin-390")

    response = sign_in(page, "grocer@example.org")

    assert response is not None and response.ok
    assert urlsplit(page.url).path == "/"
    expect(page.get_by_role("heading", level=1)).to_have_text("Hello, Greta Grocer")
    store = page.get_by_role("region", name="Hawthorne Green Grocer")
    expect(store.get_by_role("heading", name="Hawthorne Green Grocer")).to_be_visible()
    expect(store).to_contain_text("you are admin")
    # On a phone, signing out is in the menu behind the header's button.
    expect(page.get_by_role("button", name="Sign out")).to_be_hidden()
    open_menu(page)
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()
    assert_fits_width(page)
    screenshot(page, "grocer-home-390")


def test_wrong_password_shows_an_error_and_leaves_the_user_signed_out(page, screenshot):
    """A wrong password re-shows the form with an error beside it (401); the site still treats us as anonymous."""
    response = sign_in(page, "grocer.staff@example.org", "not-the-password")

    assert response is not None and response.status == 401
    expect(page.get_by_role("alert")).to_have_text("That e-mail and password do not match an active account.")
    expect(page.get_by_label("E-mail", exact=True)).to_have_value("grocer.staff@example.org")
    expect(page.get_by_label("Password", exact=True)).to_have_value("")
    assert_fits_width(page)
    screenshot(page, "signin-wrong-password-390")

    page.goto("/organizations/")
    assert urlsplit(page.url).path == "/signin", "a signed-out visitor must be sent to the sign-in page"
    expect(page.get_by_role("button", name="Sign out")).to_have_count(0)


def test_coalition_admin_invites_an_organization_whose_admin_accepts_once(new_context, screenshot):
    """The invitation link shown to the coalition admin creates the new org's first admin, and works only once."""
    suffix = uuid.uuid4().hex[:8]
    org_name = f"Eastside Pantry {suffix}"
    invitee_email = f"pantry-{suffix}@example.org"
    invitee_name = f"Pat Pantry {suffix}"
    new_password = f"tomatoes-and-{suffix}"

    admin = new_context().new_page()
    sign_in(admin, "backbone@example.org")
    admin.get_by_role("link", name="Add a partner organization").click()
    expect(admin.get_by_role("heading", name="Add a partner organization")).to_be_visible()
    admin.get_by_label("Kind", exact=True).select_option(label="Shelter")
    admin.get_by_label("Name", exact=True).fill(org_name)
    admin.get_by_label("Street address", exact=True).fill("4410 SE Division St, Portland, OR 97206")
    admin.locator("summary", has_text="Coordinates").click()  # typed coordinates sit in a collapsed section
    admin.get_by_label("Latitude", exact=True).fill("45.5048")
    admin.get_by_label("Longitude", exact=True).fill("-122.6166")
    admin.get_by_label("Phone", exact=True).fill("503-555-0199")
    admin.get_by_label("Refrigerated storage (kg)", exact=True).fill("150")
    admin.get_by_label("Frozen storage (kg)", exact=True).fill("40")
    for day in ("Monday", "Wednesday", "Friday"):
        admin.get_by_label(day, exact=True).fill("09:00-12:00, 14:00-18:00")
    admin.get_by_label("E-mail of its first admin", exact=True).fill(invitee_email)
    assert_fits_width(admin)
    screenshot(admin, "admin-new-organization-390")
    admin.get_by_role("button", name="Add and invite").click()

    expect(admin.get_by_role("heading", level=1)).to_have_text(org_name)
    flash = admin.locator(".flash-invite-link")
    expect(flash).to_contain_text(invitee_email)
    link = INVITATION_LINK.search(flash.inner_text())
    assert link, f"no invitation link in {flash.inner_text()!r}"
    invitation_path = urlsplit(link.group(0)).path
    assert_fits_width(admin)
    screenshot(admin, "admin-organization-created-390")
    sign_out(admin)

    # The invitee opens the link on their own phone: a fresh context, no cookies.
    invitee = new_context().new_page()
    invitee.goto(invitation_path)
    expect(invitee.get_by_role("heading", level=1)).to_have_text(f"Join {org_name}")
    invitee.get_by_label("Your name", exact=True).fill(invitee_name)
    invitee.get_by_label("New password", exact=True).fill(new_password)
    invitee.get_by_label("Repeat the password", exact=True).fill(new_password)
    assert_fits_width(invitee)
    screenshot(invitee, "invitee-accept-390")
    invitee.get_by_role("button", name="Create my account").click()

    expect(invitee.get_by_role("heading", level=1)).to_have_text(f"Hello, {invitee_name}")
    assert urlsplit(invitee.url).path == "/"
    expect(invitee.get_by_role("status")).to_contain_text(f"You are now admin of {org_name}")
    card = invitee.get_by_role("region", name=org_name)
    expect(card).to_contain_text("Shelter · you are admin")
    assert_fits_width(invitee)
    screenshot(invitee, "invitee-home-390")

    # The account is real: signing out and in again with the chosen password works.
    sign_out(invitee)
    sign_in(invitee, invitee_email, new_password)
    expect(invitee.get_by_role("heading", level=1)).to_have_text(f"Hello, {invitee_name}")

    # A second use of the link is refused with a clear 4xx message, signed in or not.
    stranger = new_context().new_page()
    response = stranger.goto(invitation_path)
    assert response is not None and response.status == 400
    expect(stranger.get_by_role("heading", level=1)).to_have_text("This link does not work")
    expect(stranger.get_by_text("already been accepted")).to_be_visible()
    expect(stranger.get_by_role("button", name="Create my account")).to_have_count(0)
    screenshot(stranger, "invitation-reused-390")


def test_organization_map_draws_its_marker_offline_with_leaflet_served_by_the_app(page, live_server, screenshot):
    """With map tiles unreachable, the profile map still draws its vector marker; Leaflet comes from /vendor/leaflet/."""
    requests = requests_of(page)
    sign_in(page, "farmer@example.org")
    card = page.get_by_role("region", name="Sauvie Island Growers")
    card.get_by_role("link", name=re.compile("^Your organization")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Sauvie Island Growers")

    map_box = page.get_by_role("img", name="Map showing Sauvie Island Growers")
    expect(map_box).to_be_visible()
    expect(map_box.locator("path.leaflet-interactive")).to_have_count(1)
    expect(map_box).to_have_attribute("data-markers", "1")
    assert page.evaluate("typeof L !== 'undefined' && typeof L.map === 'function'")

    scripts = [r.url for r in requests if r.resource_type == "script"]
    leaflet = [url for url in scripts if url.endswith("/leaflet.js")]
    assert [urlsplit(url).path for url in leaflet] == ["/vendor/leaflet/leaflet.js"]
    assert all(url.startswith(live_server + "/") for url in scripts), f"scripts from elsewhere: {scripts}"
    assert any(r.url.startswith(live_server + "/vendor/leaflet/leaflet.css") for r in requests)
    # The tile server was asked (and unreachable): the marker did not depend on it.
    assert any(not r.url.startswith(live_server) for r in requests if r.resource_type == "image")
    assert_fits_width(page)
    screenshot(page, "farm-profile-map-390")


def test_sign_in_works_from_the_keyboard_alone(page, screenshot):
    """Tab walks e-mail, password, 'keep me signed in' and the button in that order; Enter submits."""
    page.goto("/signin")
    email = page.get_by_label("E-mail", exact=True)
    password = page.get_by_label("Password", exact=True)
    remember = page.get_by_label("Keep me signed in on this device", exact=True)
    button = page.get_by_role("button", name="Sign in")

    # Before the form only the skip link and the site name take focus.
    for _ in range(3):
        page.keyboard.press("Tab")
        if email.evaluate("element => element === document.activeElement"):
            break
    expect(email).to_be_focused()
    page.keyboard.type("driver@example.org")
    page.keyboard.press("Tab")
    expect(password).to_be_focused()
    page.keyboard.type(DEMO_PASSWORD)
    page.keyboard.press("Tab")
    expect(remember).to_be_focused()
    page.keyboard.press("Space")
    expect(remember).to_be_checked()
    page.keyboard.press("Tab")
    expect(button).to_be_focused()
    screenshot(page, "signin-keyboard-390")

    with page.expect_navigation():
        page.keyboard.press("Enter")

    expect(page.get_by_role("heading", level=1)).to_have_text("Hello, Dana Driver")
    cookies = {cookie["name"] for cookie in page.context.cookies()}
    assert "remember_token" in cookies, "the ticked checkbox must keep the driver signed in"
