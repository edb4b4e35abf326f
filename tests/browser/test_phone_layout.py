"""On a 390x844 phone, as every demo role: the header is one line (name, unread count, menu button), the
button opens the menu, and the bottom bar offers the role's shortcuts from the links table. On a laptop
the menu stays in view with no button and no bar."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

from coalition.extensions import db
from coalition.services import navigation
from tests.browser.conftest import assert_fits_width, sign_in
from tests.fixtures.web import ROLE_EMAILS

pytestmark = pytest.mark.browser

# One line of 44 px touch targets with its padding; the menu wrapped onto three lines used to take ~200 px.
ONE_LINE_PX = 64


def _shortcuts(live_app, email: str) -> list[str]:
    with live_app.app_context():
        titles = [step.title for step in navigation.bottom_bar_for(db.session.scalar(
            db.select(navigation.User).where(navigation.User.email == email)))]
        db.session.remove()
    return titles


@pytest.mark.parametrize("role", list(ROLE_EMAILS))
def test_on_a_phone_the_header_is_one_line_the_menu_opens_and_the_bar_has_the_roles_shortcuts(
        new_context, live_app, screenshot, role):
    page = new_context().new_page()
    sign_in(page, ROLE_EMAILS[role])
    header = page.locator("header.topbar")
    height = header.bounding_box()["height"]
    print(f"\n{role}: header {height:.0f} px high at 390 px")
    assert height < ONE_LINE_PX, f"the {role}'s header is {height:.0f} px high"
    menu, button = page.locator("#main-nav"), page.get_by_role("button", name="Menu")
    expect(menu).to_be_hidden()

    shortcuts = _shortcuts(live_app, ROLE_EMAILS[role])
    bar = page.get_by_role("navigation", name="Shortcuts")
    expect(bar.get_by_role("link")).to_have_text(shortcuts)
    bar_box = bar.bounding_box()
    assert bar_box["y"] + bar_box["height"] == pytest.approx(844, abs=1), "the bar is not at the bottom of the screen"
    assert_fits_width(page)
    screenshot(page, f"phone-header-{role}-390")

    button.click()
    expect(button).to_have_attribute("aria-expanded", "true")
    expect(menu).to_be_visible()
    expect(menu.get_by_role("button", name="Sign out")).to_be_visible()
    screenshot(page, f"phone-menu-open-{role}-390")
    page.keyboard.press("Escape")
    expect(menu).to_be_hidden()

    bar.get_by_role("link").first.click()
    expect(bar.locator("a[aria-current=page]")).to_have_text(shortcuts[0])


def test_on_a_laptop_the_menu_stays_in_view_with_no_button_and_no_bar(new_context, screenshot):
    page = new_context({"width": 1366, "height": 768}).new_page()
    sign_in(page, "driver@example.org")
    expect(page.locator("#main-nav").get_by_role("link", name="My route")).to_be_visible()
    expect(page.locator("#menu-button")).to_be_hidden()
    expect(page.get_by_role("navigation", name="Shortcuts")).to_be_hidden()
    screenshot(page, "laptop-header-driver-1366")
