"""Web push from the periodic worker, against a loopback push service: the encrypted payload round trip,
forgotten browsers removed on 404/410, and never a second send (worker restarted, or died mid-send)."""
from __future__ import annotations

import base64
import datetime as dt
import json

import pytest
from sqlalchemy import func, select

from coalition import jobs
from coalition.errors import ValidationError
from coalition.models import NotificationKind, PushDelivery, PushSubscription
from coalition.services import notifications, push
from coalition.services.notifications import Page
from tests.fixtures.push_service import browser_keys, vapid_keys


@pytest.fixture
def push_config(app):
    public, private = vapid_keys()
    return {**app.config, "VAPID_PUBLIC_KEY": public, "VAPID_PRIVATE_KEY": private,
            "VAPID_SUBJECT": "mailto:dispatch@example.org"}


@pytest.fixture(autouse=True)
def worker_context(app):
    """The worker runs in the app's context (it builds the pages' addresses from BASE_URL)."""
    with app.app_context():
        yield


@pytest.fixture
def driver(user):
    return user("driver@example.org")


def _subscribe(session, person, service, path="/push/phone-1"):
    """A browser of ``person`` whose push service is the loopback one (a real browser's is https; the
    subscribe service insists on that, so the row is written directly)."""
    keys = browser_keys()
    row = PushSubscription(user_id=person.id, endpoint=f"{service.url}{path}", p256dh=keys.p256dh, auth=keys.auth,
                           user_agent="Test phone")
    session.add(row)
    session.commit()
    return row, keys


def _notify(session, person, now, title="Your route changed", body="Stop 2 now at 10:40 <b>not bold</b>"):
    notification = notifications.notify_user(session, person, NotificationKind.PICKUP_SCHEDULED, title, body,
                                             Page("driver.index"), now)
    session.commit()
    return notification


def _count(session, model) -> int:
    return session.scalar(select(func.count()).select_from(model))


def test_a_notification_reaches_the_browser_encrypted_and_decrypts_to_its_text_and_page(
        app, session, driver, now, push_service, push_config):
    _subscription, keys = _subscribe(session, driver, push_service)
    _notify(session, driver, now)
    result = jobs.send_pushes(session, now, push_config)
    assert result.sent == 1 and len(push_service.received) == 1
    received = push_service.received[0]
    assert received.path == "/push/phone-1"
    assert received.headers["content-encoding"] == "aes128gcm"
    assert b"Your route changed" not in received.body           # encrypted on the wire
    message = json.loads(keys.decrypt(received.body))
    assert message["title"] == "Your route changed"
    assert message["body"] == "Stop 2 now at 10:40 <b>not bold</b>"   # text, shown as text by the worker
    assert message["url"] == app.config["BASE_URL"].rstrip("/") + "/driver/"
    # Signed with the configured VAPID key, for this push service.
    authorization = received.headers["authorization"]
    assert authorization.startswith("vapid t=") and f"k={push_config['VAPID_PUBLIC_KEY']}" in authorization
    claims = json.loads(base64.urlsafe_b64decode(authorization.split("t=")[1].split(",")[0].split(".")[1] + "=="))
    assert claims["aud"] == push_service.url and claims["sub"] == "mailto:dispatch@example.org"
    assert int(received.headers["ttl"]) == push.DEFAULT_TTL_S


def test_every_browser_of_the_person_gets_it_and_nobody_else(session, driver, user, now, push_service, push_config):
    _subscribe(session, driver, push_service, "/push/phone")
    _subscribe(session, driver, push_service, "/push/tablet")
    _subscribe(session, user("grocer@example.org"), push_service, "/push/grocer")
    _notify(session, driver, now)
    jobs.send_pushes(session, now, push_config)
    assert sorted(r.path for r in push_service.received) == ["/push/phone", "/push/tablet"]


@pytest.mark.parametrize("status", [404, 410])
def test_a_browser_the_push_service_forgot_is_unsubscribed(session, driver, now, push_service, push_config, status):
    gone, _ = _subscribe(session, driver, push_service, "/push/old-phone")
    kept, _ = _subscribe(session, driver, push_service, "/push/new-phone")
    gone_id, kept_id = gone.id, kept.id
    push_service.answer("/push/old-phone", status)
    _notify(session, driver, now)
    result = jobs.send_pushes(session, now, push_config)
    assert (result.sent, result.removed) == (1, 1)
    assert session.get(PushSubscription, gone_id) is None
    assert session.get(PushSubscription, kept_id).last_used_at == now


def test_another_failure_keeps_the_browser_and_records_the_status(session, driver, now, push_service, push_config):
    row, _ = _subscribe(session, driver, push_service)
    push_service.answer("/push/phone-1", 500)
    _notify(session, driver, now)
    result = jobs.send_pushes(session, now, push_config)
    assert (result.sent, result.failed, result.removed) == (0, 1, 0)
    assert session.scalar(select(PushDelivery.status).where(PushDelivery.subscription_id == row.id)) == 500


def test_a_restarted_worker_never_sends_twice(app, session, driver, now, push_service, push_config):
    _subscribe(session, driver, push_service)
    _notify(session, driver, now)
    first = jobs.run_periodic(session, now, push_config)
    second = jobs.run_periodic(session, now + dt.timedelta(minutes=1), push_config)
    assert (first.pushes_sent, second.pushes_sent) == (1, 0) and first.errors == second.errors == []
    assert len(push_service.received) == 1


def test_a_worker_dying_mid_send_does_not_resend_after_restart(session, driver, now, push_service, push_config):
    """The send is committed as claimed before it leaves: what a dead worker claimed is not sent again."""
    _subscribe(session, driver, push_service)
    _notify(session, driver, now)

    def dies(*_args):
        raise SystemExit("worker killed")

    settings = push.PushSettings.from_config(push_config)
    with pytest.raises(SystemExit):
        push.send_pending_pushes(session, settings, lambda e, a: "", now, checkpoint=session.commit, send=dies)
    session.rollback()
    assert _count(session, PushDelivery) == 1
    assert jobs.send_pushes(session, now, push_config).sent == 0
    assert push_service.received == []


def test_a_browser_subscribed_later_gets_only_new_notifications(session, driver, now, push_service, push_config):
    _notify(session, driver, now, title="Before")
    jobs.send_pushes(session, now, push_config)            # nobody subscribed yet: marked, nothing sent
    _, keys = _subscribe(session, driver, push_service)
    _notify(session, driver, now, title="After")
    jobs.send_pushes(session, now, push_config)
    assert [json.loads(keys.decrypt(r.body))["title"] for r in push_service.received] == ["After"]


def test_push_turned_off_for_a_kind_is_not_pushed(session, driver, now, push_service, push_config):
    _subscribe(session, driver, push_service)
    notifications.set_preference(session, driver, NotificationKind.PICKUP_SCHEDULED, True, True, push=False)
    notification = _notify(session, driver, now)
    assert notification.send_push is False and notification.show_in_app is True
    assert jobs.send_pushes(session, now, push_config).sent == 0 and push_service.received == []


def test_push_alone_still_makes_a_notification(session, driver, now):
    notifications.set_preference(session, driver, NotificationKind.PICKUP_SCHEDULED, False, False, push=True)
    notification = _notify(session, driver, now)
    assert notification is not None and notification.send_push and not notification.send_email


def test_without_vapid_keys_nothing_is_sent_or_marked(app, session, driver, now, push_service):
    _subscribe(session, driver, push_service)
    notification = _notify(session, driver, now)
    assert jobs.send_pushes(session, now, app.config).sent == 0
    assert notification.pushed_at is None and push_service.received == []


def test_news_older_than_a_day_is_not_pushed(session, driver, now, push_service, push_config):
    _subscribe(session, driver, push_service)
    notification = _notify(session, driver, now - dt.timedelta(hours=25))
    assert jobs.send_pushes(session, now, push_config).sent == 0
    assert notification.pushed_at == now and push_service.received == []


def _browser_json(endpoint="https://push.example.net/send/abc"):
    keys = browser_keys()
    return {"endpoint": endpoint, "keys": {"p256dh": keys.p256dh, "auth": keys.auth}}


def test_subscribing_stores_the_browser_and_the_same_browser_moves_to_whoever_signs_in(session, driver, user, now):
    data = _browser_json()
    first = push.subscribe(session, driver, data, "Firefox on Android", now)
    again = push.subscribe(session, user("grocer@example.org"), data, "Firefox on Android", now)
    assert first.id == again.id and again.user_id == user("grocer@example.org").id
    assert _count(session, PushSubscription) == 1


@pytest.mark.parametrize("change, field", [
    ({"endpoint": "http://push.example.net/x"}, "endpoint"),
    ({"endpoint": "javascript:alert(1)"}, "endpoint"),
    ({"keys": {"p256dh": "AAAA", "auth": base64.urlsafe_b64encode(bytes(16)).decode()}}, "keys.p256dh"),
    ({"keys": {"p256dh": "not base64!", "auth": "x"}}, "keys.auth"),
])
def test_an_unusable_subscription_is_refused_naming_the_field(session, driver, now, change, field):
    with pytest.raises(ValidationError) as error:
        push.subscribe(session, driver, {**_browser_json(), **change}, "", now)
    assert field in error.value.fields
    assert _count(session, PushSubscription) == 0


def test_unsubscribing_removes_only_ones_own_browser(session, driver, user, now):
    data = _browser_json()
    push.subscribe(session, driver, data, "", now)
    assert push.unsubscribe(session, user("grocer@example.org"), data["endpoint"]) == 0
    assert push.unsubscribe(session, driver, data["endpoint"]) == 1
    assert _count(session, PushSubscription) == 0
