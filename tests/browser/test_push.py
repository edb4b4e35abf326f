"""Web push in Chromium: the push service worker shows a pushed message, and the control runs under the CSP."""
from __future__ import annotations

import json

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import sign_in
from tests.fixtures.push_service import vapid_keys

WORKER = "/notifications/push/sw.js"
SCOPE = "/notifications/push/"


def _registration_id(cdp, page) -> str:
    """The push worker's registration id, as the DevTools protocol names it."""
    seen: list[dict] = []
    cdp.on("ServiceWorker.workerRegistrationUpdated", lambda event: seen.extend(event["registrations"]))
    cdp.send("ServiceWorker.enable")
    page.wait_for_function("() => navigator.serviceWorker.getRegistration('%s').then(r => Boolean(r && r.active))"
                           % SCOPE)
    page.wait_for_timeout(200)   # the protocol's events arrive a moment after the worker activates
    return next(r["registrationId"] for r in seen if r["scopeURL"].endswith(SCOPE) and not r["isDeleted"])


def _shown(page, title: str, seconds: float = 5) -> dict | None:
    """The worker's shown notification titled ``title``, polled for up to ``seconds`` (page.wait_for_function
    would take the pending promise itself as its truthy answer); None if it did not show."""
    for _ in range(int(seconds * 10)):
        found = page.evaluate("""title => navigator.serviceWorker.getRegistration('%s')
            .then(r => r.getNotifications())
            .then(list => list.filter(n => n.title === title)
                              .map(n => ({title: n.title, body: n.body, url: n.data && n.data.url}))[0] || null)"""
                              % SCOPE, title)
        if found:
            return found
        page.wait_for_timeout(100)
    return None


def _push(cdp, page, app_url: str, registration: str, message: dict) -> dict:
    """Delivers ``message`` to the push worker and returns the notification it showed.

    On a loaded machine the DevTools protocol's delivery to a worker that is still starting can be lost
    (seen once in a full run), so it is delivered again every few seconds, up to 20 s: the message's tag makes
    a second delivery replace the first notification rather than add one."""
    for _ in range(5):
        cdp.send("ServiceWorker.deliverPushMessage",
                 {"origin": app_url, "registrationId": registration, "data": json.dumps(message)})
        found = _shown(page, message["title"], seconds=4)
        if found:
            return found
    raise AssertionError(f"the push worker showed no notification titled {message['title']!r}")


def test_the_push_worker_shows_a_pushed_message_as_text_with_its_page(new_context, app_url):
    context = new_context()
    context.grant_permissions(["notifications"], origin=app_url)
    page = context.new_page()
    page.goto("/signin")
    page.evaluate(f"() => navigator.serviceWorker.register('{WORKER}', {{scope: '{SCOPE}'}})")
    cdp = context.new_cdp_session(page)
    registration = _registration_id(cdp, page)

    shown = _push(cdp, page, app_url, registration, {"title": "Your route changed", "body": "Stop 2 <b>now</b> at 10:40",
                                                     "url": f"{app_url}/driver/", "tag": "notification-1"})
    assert shown == {"title": "Your route changed", "body": "Stop 2 <b>now</b> at 10:40", "url": f"{app_url}/driver/"}
    # A link to another site is never opened on tap: the notification list is.
    shown = _push(cdp, page, app_url, registration, {"title": "Elsewhere", "body": "", "url": "https://evil.example/",
                                                     "tag": "notification-2"})
    assert shown["url"] == f"{app_url}/notifications/"


def test_the_push_worker_shows_a_late_pickups_two_answer_buttons_and_no_others(new_context, app_url):
    """A late pickup's question carries "on my way" / "can't make it"; the worker keeps at most two well-formed
    actions and remembers them, so a tap on one opens the question page with that answer chosen."""
    context = new_context()
    context.grant_permissions(["notifications"], origin=app_url)
    page = context.new_page()
    page.goto("/signin")
    page.evaluate(f"() => navigator.serviceWorker.register('{WORKER}', {{scope: '{SCOPE}'}})")
    cdp = context.new_cdp_session(page)
    registration = _registration_id(cdp, page)
    actions = [{"action": "<img src=x>", "title": "Bad"}, {"action": "on_the_way", "title": "Yes, on my way"},
               {"action": "cant_make_it", "title": "Can't make it"}]
    _push(cdp, page, app_url, registration, {"title": "Are you on your way?", "body": "",
                                             "url": f"{app_url}/driver/no-shows/7/question", "tag": "notification-3",
                                             "actions": actions})
    shown = page.evaluate("""() => navigator.serviceWorker.getRegistration('%s')
        .then(r => r.getNotifications())
        .then(list => list.filter(n => n.title === "Are you on your way?")
                          .map(n => ({buttons: n.actions.map(a => [a.action, a.title]), kept: n.data.actions}))[0])"""
                          % SCOPE)
    assert shown == {"buttons": [["on_the_way", "Yes, on my way"], ["cant_make_it", "Can't make it"]],
                     "kept": ["on_the_way", "cant_make_it"]}


@pytest.fixture
def push_configured(live_app):
    public, private = vapid_keys()
    keep = {key: live_app.config.get(key) for key in ("VAPID_PUBLIC_KEY", "VAPID_PRIVATE_KEY")}
    live_app.config.update(VAPID_PUBLIC_KEY=public, VAPID_PRIVATE_KEY=private)
    try:
        yield public
    finally:
        live_app.config.update(keep)


def test_the_driver_page_offers_to_notify_this_phone(new_context, push_configured):
    page = new_context().new_page()
    sign_in(page, "driver@example.org")
    page.goto("/driver/")
    expect(page.get_by_role("button", name="Notify this phone")).to_be_visible()
    expect(page.locator("#push-status")).to_have_text("This phone does not receive notifications.")
    expect(page.get_by_role("button", name="Stop")).to_be_hidden()
