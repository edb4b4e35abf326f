"""Subscribing a phone to push: the control on the settings and driver pages, and the JSON endpoints."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from coalition.models import NotificationKind, PushSubscription
from coalition.services import notifications
from tests.fixtures.push_service import browser_keys, vapid_keys
from tests.fixtures.web import csrf_token_from


@pytest.fixture
def push_on(app, monkeypatch):
    public, private = vapid_keys()
    monkeypatch.setitem(app.config, "VAPID_PUBLIC_KEY", public)
    monkeypatch.setitem(app.config, "VAPID_PRIVATE_KEY", private)
    return public


def _post(client, url, body, page="/notifications/settings"):
    token = csrf_token_from(client.get(page).get_data(as_text=True))
    return client.post(url, json=body, headers={"X-CSRFToken": token, "Accept": "application/json"})


def _browser(endpoint="https://fcm.googleapis.com/fcm/send/abc123"):
    keys = browser_keys()
    return {"endpoint": endpoint, "expirationTime": None, "keys": {"p256dh": keys.p256dh, "auth": keys.auth}}


def _subscriptions(session) -> int:
    return session.scalar(select(func.count()).select_from(PushSubscription))


@pytest.mark.parametrize("role, page", [("grocer", "/notifications/settings"), ("driver", "/driver/")])
def test_the_pages_offer_to_notify_this_phone_when_push_is_set_up(login_as, push_on, role, page):
    html = login_as(role).get(page).get_data(as_text=True)
    assert f'data-vapid-key="{push_on}"' in html and "Notify this phone" in html and "Stop" in html
    assert 'src="/static/js/push.js' in html


@pytest.mark.parametrize("role, page", [("grocer", "/notifications/settings"), ("driver", "/driver/")])
def test_the_pages_say_push_is_off_without_keys(login_as, role, page):
    html = login_as(role).get(page).get_data(as_text=True)
    assert "Notifications to phones are not set up on this site" in html and "data-vapid-key" not in html


def test_a_phone_subscribes_and_stops(session, login_as, user, push_on):
    client = login_as("driver")
    browser = _browser()
    response = _post(client, "/notifications/push/subscribe", browser, page="/driver/")
    assert response.status_code == 200 and response.get_json() == {"subscribed": True}
    row = session.scalar(select(PushSubscription))
    assert row.user_id == user("driver@example.org").id and row.endpoint == browser["endpoint"]
    assert "Phones and browsers receiving notifications: 1" in client.get("/notifications/settings").get_data(as_text=True)
    response = _post(client, "/notifications/push/unsubscribe", {"endpoint": browser["endpoint"]})
    assert response.get_json() == {"removed": 1} and _subscriptions(session) == 0


def test_an_unusable_subscription_is_refused_with_the_field_and_nothing_saved(session, login_as, push_on):
    response = _post(login_as("grocer"), "/notifications/push/subscribe", _browser("http://evil.example/x"))
    assert response.status_code == 422
    assert "endpoint" in response.get_json()["fields"] and _subscriptions(session) == 0


def test_subscribing_without_push_keys_is_a_clear_409(session, login_as):
    response = _post(login_as("grocer"), "/notifications/push/subscribe", _browser())
    assert response.status_code == 409 and "not set up" in response.get_json()["error"]
    assert _subscriptions(session) == 0


def test_subscribing_needs_the_csrf_header(session, login_as, push_on):
    response = login_as("grocer").post("/notifications/push/subscribe", json=_browser(),
                                       headers={"Accept": "application/json"})
    assert response.status_code == 400 and _subscriptions(session) == 0


def test_the_push_choice_is_saved_per_kind(session, login_as, user):
    client = login_as("grocer")
    token = csrf_token_from(client.get("/notifications/settings").get_data(as_text=True))
    form = {"csrf_token": token}
    for kind in NotificationKind:
        form[f"{kind.value}_in_app"] = "y"
        if kind is not NotificationKind.NEW_SURPLUS:
            form[f"{kind.value}_push"] = "y"
    assert client.post("/notifications/settings", data=form).status_code == 302
    choices = notifications.get_preferences(session, user("grocer@example.org"))
    assert choices[NotificationKind.NEW_SURPLUS].push is False and choices[NotificationKind.CANCELLED].push is True
    assert choices[NotificationKind.CANCELLED].email is False


def test_the_push_worker_is_served_as_javascript(client):
    response = client.get("/notifications/push/sw.js")
    assert response.status_code == 200 and response.mimetype == "text/javascript"
    assert "notificationclick" in response.get_data(as_text=True)


def test_a_lost_phone_is_removed_from_the_settings_page_and_only_by_its_owner(session, login_as, user, push_on, now):
    from coalition.services import push

    phone = push.subscribe(session, user("driver@example.org"), _browser(), "Lost phone", now)
    phone_id = phone.id
    session.commit()
    grocer = login_as("grocer")
    token = csrf_token_from(grocer.get("/notifications/settings").get_data(as_text=True))
    assert grocer.post(f"/notifications/push/{phone_id}/remove", data={"csrf_token": token}).status_code == 404
    assert _subscriptions(session) == 1
    grocer.post("/signout", data={"csrf_token": token})
    driver = login_as("driver")
    html = driver.get("/notifications/settings").get_data(as_text=True)
    assert "Lost phone" in html
    response = driver.post(f"/notifications/push/{phone_id}/remove", data={"csrf_token": csrf_token_from(html)})
    assert response.status_code == 302 and _subscriptions(session) == 0
