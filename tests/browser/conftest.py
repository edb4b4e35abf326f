"""Fixtures for the end-to-end tests: the app served from a thread, driven by Debian's headless Chromium.

The app runs on its own scratch database (SQLite file, or ``<TEST_DATABASE_URL>_browser``
on PostgreSQL) with the demo coalition loaded once. Browser tests commit real
data there, so each test uses its own names and e-mail addresses.

Every browser context is offline apart from the app itself: requests to any
other host (map tiles, a CDN) are aborted, as on a laptop without network.
Pages that answer 5xx, throw a JavaScript error or break the Content-Security-Policy
fail the test that opened them: a blocked script or style breaks a page silently.
"""
from __future__ import annotations

import contextlib
import re
import threading
from pathlib import Path

import pytest
from playwright.sync_api import BrowserContext, ConsoleMessage, Page, Request, Response, expect, sync_playwright
from werkzeug.serving import WSGIRequestHandler, make_server

from tests.fixtures.web import DEMO_PASSWORD, scratch_app

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
PHONE = {"width": 390, "height": 844}
# Short enough that a broken page fails fast, long enough for a loaded CI machine.
TIMEOUT_MS = 10_000


class _QuietHandler(WSGIRequestHandler):
    """No request log lines: a failing test shows the browser's view, not 200 lines of access log."""

    def log_request(self, code="-", size="-"):
        pass

    def connection_dropped(self, error, environ=None):
        # When the browser drops a connection while a file is being sent (a page left before its
        # stylesheet arrived), Werkzeug's server can skip closing the response: the file would be
        # closed only by the garbage collector, a ResourceWarning that the suite turns into an error.
        body = (environ or {}).get(_RESPONSE_KEY)
        if body is not None and hasattr(body, "close"):
            body.close()


_RESPONSE_KEY = "tests.browser.response"


def _keeping_the_response(application):
    """``application``, with each response also kept in its request's environ for connection_dropped."""
    def wsgi(environ, start_response):
        body = application(environ, start_response)
        environ[_RESPONSE_KEY] = body
        return body
    return wsgi


@pytest.fixture(scope="session")
def live_app(tmp_path_factory):
    """The app on its own freshly migrated database holding the demo coalition."""
    with scratch_app("browser", tmp_path_factory.mktemp("browser-instance")) as application:
        yield application


@contextlib.contextmanager
def serve(application):
    """Serve ``application`` with Werkzeug from a background thread on a free port; yields its base URL."""
    server = make_server("127.0.0.1", 0, _keeping_the_response(application), threaded=True,
                         request_handler=_QuietHandler)
    thread = threading.Thread(target=server.serve_forever, name="browser-test-server", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()


@pytest.fixture(scope="session")
def live_server(live_app):
    """Base URL of the demo app, served from a background thread."""
    with serve(live_app) as url:
        yield url


@pytest.fixture(scope="session")
def chromium():
    """One headless Chromium (Debian's package, never a downloaded browser) for the whole session."""
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


class PageProblems:
    """Server errors, JavaScript errors and Content-Security-Policy violations seen by one browser context."""

    def __init__(self):
        self.server_errors: list[str] = []
        self.js_errors: list[str] = []
        self.csp_violations: list[str] = []

    def on_response(self, response: Response) -> None:
        if response.status >= 500:
            self.server_errors.append(f"{response.status} {response.request.method} {response.url}")

    def watch(self, page: Page) -> None:
        page.on("pageerror", lambda error: self.js_errors.append(f"{page.url}: {error}"))
        page.on("console", lambda message: self.on_console(page, message))

    def on_console(self, page: Page, message: ConsoleMessage) -> None:
        # Chromium reports each blocked script, style or image on the console, and nowhere else.
        if "Content Security Policy" in message.text:
            self.csp_violations.append(f"{page.url}: {message.text}")

    def all(self) -> list[str]:
        return self.server_errors + self.js_errors + self.csp_violations


@pytest.fixture
def app_url(live_server):
    """The app that new_context opens; a module serving an app of its own overrides this."""
    return live_server


@pytest.fixture
def new_context(chromium, app_url):
    """Open a fresh browser context (its own cookies) on the app; phone-sized unless told otherwise.

    Other keyword arguments go to Playwright's ``Browser.new_context``.

    Other hosts are unreachable from it. At teardown the test fails if any page
    answered 5xx, raised a JavaScript error or broke the Content-Security-Policy.
    """
    opened: list[tuple[BrowserContext, PageProblems]] = []
    offsite = re.compile(r"^(?!" + re.escape(app_url) + r"(/|$))")

    def _new(viewport: dict | None = None, **options) -> BrowserContext:
        context = chromium.new_context(base_url=app_url, viewport=viewport or PHONE, locale="en-US", **options)
        context.set_default_timeout(TIMEOUT_MS)
        context.route(offsite, lambda route: route.abort("internetdisconnected"))
        problems = PageProblems()
        context.on("response", problems.on_response)
        context.on("page", problems.watch)
        opened.append((context, problems))
        return context

    yield _new
    problems_seen = []
    for context, problems in opened:
        problems_seen += problems.all()
        context.close()
    assert not problems_seen, "the browser saw server, JavaScript or CSP errors:\n" + "\n".join(problems_seen)


@pytest.fixture
def page(new_context) -> Page:
    """A page in a fresh phone-sized (390x844) context."""
    return new_context().new_page()


@pytest.fixture
def screenshot():
    """Save a full-page screenshot to test-artifacts/<name>.png (git-ignored) and return its path."""
    ARTIFACTS.mkdir(exist_ok=True)

    def _shot(page: Page, name: str) -> Path:
        path = ARTIFACTS / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return _shot


def assert_fits_width(page: Page, width: int = PHONE["width"]) -> None:
    """The page scrolls only vertically at this width: nothing sticks out sideways."""
    scroll_width = page.evaluate("document.documentElement.scrollWidth")
    assert scroll_width <= width, f"{page.url} is {scroll_width} px wide at a {width} px viewport"


def sign_in(page: Page, email: str, password: str = DEMO_PASSWORD) -> Response | None:
    """Sign in through the real form, finding fields by their labels; returns the form's response."""
    page.goto("/signin")
    page.get_by_label("E-mail", exact=True).fill(email)
    page.get_by_label("Password", exact=True).fill(password)
    with page.expect_navigation() as navigation:
        page.get_by_role("button", name="Sign in").click()
    return navigation.value


def open_menu(page: Page) -> None:
    """Open the header's menu where a narrow screen folds it behind its button (a wide one shows it)."""
    button = page.locator("#menu-button")
    if button.is_visible() and button.get_attribute("aria-expanded") != "true":
        button.click()


def sign_out(page: Page) -> None:
    open_menu(page)
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()


def requests_of(page: Page) -> list[Request]:
    """Start recording every request the page makes (to check where assets come from)."""
    seen: list[Request] = []
    page.on("request", lambda request: seen.append(request))
    return seen
