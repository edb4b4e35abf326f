"""Every demo login's first screen on a phone: its home page offers a next step with real data behind it.

The app here has a database of its own loaded by ``flask demo load`` itself (the whole demo: the
day's marketplace, the history, today's published routes, the meeting and the project), so what
a newcomer sees after the command is what this test sees. Screenshots: test-artifacts/demo-<role>.png.
"""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import assert_fits_width, serve, sign_in
from tests.fixtures.web import scratch_app

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def demo_app(tmp_path_factory):
    with scratch_app("demoday", tmp_path_factory.mktemp("demo-day-instance"), demo_data=False) as application:
        result = application.test_cli_runner().invoke(args=["demo", "load"])
        assert result.exit_code == 0, result.output
        assert "2 routes published today" in result.output
        yield application


@pytest.fixture(scope="module")
def app_url(demo_app):
    with serve(demo_app) as url:
        yield url


def _count(page: Page, selector: str) -> int:
    return page.locator(selector).count()


def _route(page: Page) -> None:
    heading = page.locator("h2[id^='route-'][id$='-heading']").first
    expect(heading).to_contain_text("stops")
    assert int(re.search(r"(\d+) stops", heading.inner_text()).group(1)) > 0
    assert _count(page, "li.stop") > 0


def _donations(page: Page) -> None:
    expect(page.get_by_role("heading", level=1)).to_have_text("Your donations")
    assert _count(page, "li.card.donation") > 0


def _supply(page: Page) -> None:
    expect(page.get_by_role("heading", level=1)).to_have_text("Open supply")
    assert _count(page, "li.supply-line") > 0


def _planning(page: Page) -> None:
    expect(page.get_by_role("heading", level=1)).to_have_text("Plan routes")
    assert _count(page, "li.person:not(.inactive)") > 0


def _no_missing_figures(page: Page) -> None:
    tiles = page.locator("li.tile strong")
    assert tiles.count() > 0
    assert "n/a" not in tiles.all_inner_texts()


def _progress(page: Page) -> None:
    expect(page.get_by_role("heading", level=1)).to_have_text("Our shared progress")
    _no_missing_figures(page)


def _dashboard(page: Page) -> None:
    expect(page.get_by_role("heading", level=1)).to_have_text("Coalition dashboard")
    _no_missing_figures(page)
    share = page.locator("li.tile", has_text="of posted surplus rescued").locator("strong").inner_text()
    assert float(share.rstrip("%")) > 0


# (login, the home page's step to follow, what its page must show)
FIRST_SCREENS = [
    ("backbone@example.org", "Progress toward the goal", _dashboard),
    ("coordinator@example.org", "Plan routes", _planning),
    ("grocer@example.org", "Your donations", _donations),
    ("grocer.staff@example.org", "Your donations", _donations),
    ("farmer@example.org", "Your donations", _donations),
    ("foodbank@example.org", "Browse open supply", _supply),
    ("shelter@example.org", "Browse open supply", _supply),
    ("city@example.org", "Shared progress", _progress),
    ("driver@example.org", "Today's route", _route),
]


@pytest.mark.parametrize(("email", "step", "check"), FIRST_SCREENS, ids=[row[0].split("@")[0] for row in FIRST_SCREENS])
def test_each_demo_login_lands_on_a_next_step_with_data(page, screenshot, email, step, check):
    sign_in(page, email)
    expect(page.get_by_role("heading", level=1)).to_contain_text("Hello")
    assert_fits_width(page)
    screenshot(page, f"demo-{email.split('@')[0]}")
    page.locator("a.step", has_text=step).first.click()
    check(page)
    screenshot(page, f"demo-{email.split('@')[0]}-{step.lower().replace(' ', '-').replace(chr(39), '')}")


def test_the_backbone_dashboard_says_no_figure_is_missing(page):
    sign_in(page, "backbone@example.org")
    page.goto("/measurement/")
    _dashboard(page)
    assert "n/a" not in page.locator("main").inner_text()
