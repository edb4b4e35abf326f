"""Web push: storing the browsers people subscribe, and pushing their notifications from the worker.

Sending happens only in the periodic worker (never in a web request): :func:`send_pending_pushes` pushes
each notification that wants it once to every browser its person subscribed. The send is recorded and
committed before it goes out (``PushDelivery``, unique per notification and browser), so a restarted
worker never sends it twice; the cost is that a worker dying in between loses that one push, which the
in-app list and the e-mail still carry. A push service answering 404 or 410 has forgotten the browser:
its subscription is deleted.

During a person's quiet hours only urgent notifications are pushed; the others wait, untouched, and go
out on the first run after the quiet hours end (unless they are older than :data:`MAX_AGE` by then).
"""
from __future__ import annotations

import base64
import binascii
import datetime as dt
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from urllib.parse import urlsplit

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from coalition.errors import NotFound, ValidationError
from coalition.models import Notification, NotificationKind, PushDelivery, PushSubscription, User
from coalition.services.notifications import MailUrl, mail_link

# How long a push service keeps a message for a phone that is off; older news is not worth a buzz.
DEFAULT_TTL_S = 12 * 3600
# Notifications older than this when the worker first sees them (it was stopped) are not pushed at all.
MAX_AGE = dt.timedelta(hours=24)
BATCH = 200
GONE = (404, 410)
BODY_CHARS = 1000   # push payloads are limited to about 4 KB once encrypted


@dataclass(frozen=True)
class PushSettings:
    """VAPID keys (public: base64url; private: a PEM file's path or the raw key, base64url) and the contact subject."""

    public_key: str | None = None
    private_key: str | None = None
    subject: str = ""
    ttl_s: int = DEFAULT_TTL_S
    timeout_s: float = 10.0

    @property
    def enabled(self) -> bool:
        return bool(self.public_key and self.private_key and self.subject)

    @classmethod
    def from_config(cls, config: Mapping) -> "PushSettings":
        return cls(public_key=config.get("VAPID_PUBLIC_KEY"), private_key=config.get("VAPID_PRIVATE_KEY"),
                   subject=config.get("VAPID_SUBJECT") or "", ttl_s=int(config.get("PUSH_TTL_S", DEFAULT_TTL_S)),
                   timeout_s=float(config.get("PUSH_TIMEOUT_S", 10.0)))


@dataclass
class PushResult:
    sent: int = 0
    removed: int = 0   # subscriptions the push service no longer knows
    failed: int = 0


# (subscription, encrypted-to-be payload, settings) -> (HTTP status or None when unreachable, error text)
Sender = Callable[[PushSubscription, str, PushSettings], "tuple[int | None, str]"]


def _decoded(value, size: int) -> bytes | None:
    """The bytes of a base64url key (padding optional) when it has ``size`` bytes, else None."""
    if not isinstance(value, str) or len(value) > 200:
        return None
    try:
        raw = base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))
    except (binascii.Error, ValueError):
        return None
    return raw if len(raw) == size else None


def _minutes(value: str | None) -> int | None:
    """Minutes after midnight of a local "HH:MM", or None when it is not one."""
    try:
        hours, minutes = (int(part) for part in (value or "").split(":"))
    except ValueError:
        return None
    return hours * 60 + minutes if 0 <= hours < 24 and 0 <= minutes < 60 and len(value) == 5 else None


def set_quiet_hours(session: Session, actor: User, start: str, end: str) -> None:
    """Set ``actor``'s quiet hours (local "HH:MM"; both empty: none). They may run past midnight (22:00 to
    07:00). Raises ValidationError naming the field when only one is given or one is not a time."""
    start, end = (start or "").strip(), (end or "").strip()
    errors = {}
    if start or end:
        for name, value in (("quiet_start", start), ("quiet_end", end)):
            if _minutes(value) is None:
                errors[name] = "A time such as 22:00."
    if errors:
        raise ValidationError("Give both times of your quiet hours, or neither.", errors)
    actor.quiet_start, actor.quiet_end = start or None, end or None
    session.flush()


def in_quiet_hours(user: User, local: dt.time) -> bool:
    """Whether ``local`` (the coalition's local time) falls in the person's quiet hours [start, end)."""
    start, end = _minutes(user.quiet_start), _minutes(user.quiet_end)
    if start is None or end is None or start == end:
        return False
    at = local.hour * 60 + local.minute
    return start <= at < end if start < end else (at >= start or at < end)


def subscribe(session: Session, actor: User, data: Mapping, user_agent: str, now: dt.datetime) -> PushSubscription:
    """Store the browser's subscription (``PushSubscription.toJSON()``: endpoint and keys) for ``actor``.

    The same endpoint again updates its keys; an endpoint another person subscribed moves to ``actor``
    (one browser, now signed in as someone else). Raises ValidationError naming the unusable field.
    """
    endpoint = data.get("endpoint")
    keys = data.get("keys") if isinstance(data.get("keys"), Mapping) else {}
    errors = {}
    parts = urlsplit(endpoint) if isinstance(endpoint, str) else None
    if parts is None or parts.scheme != "https" or not parts.netloc or len(endpoint) > 1000:
        errors["endpoint"] = "The push service's https address."
    p256dh = _decoded(keys.get("p256dh"), 65)
    if p256dh is None or p256dh[0] != 4:
        errors["keys.p256dh"] = "The browser's P-256 public key (65 bytes, base64url)."
    if _decoded(keys.get("auth"), 16) is None:
        errors["keys.auth"] = "The browser's 16-byte secret (base64url)."
    if errors:
        raise ValidationError("This browser's push subscription cannot be used.", errors)
    row = session.scalar(select(PushSubscription).where(PushSubscription.endpoint == endpoint))
    if row is None:
        row = PushSubscription(endpoint=endpoint, created_at=now)
        session.add(row)
    row.user_id, row.p256dh, row.auth = actor.id, keys["p256dh"], keys["auth"]
    row.user_agent = (user_agent or "")[:300]
    session.flush()
    return row


def unsubscribe(session: Session, actor: User, endpoint) -> int:
    """Forget ``actor``'s subscription with this endpoint; returns how many were removed (0 or 1)."""
    if not isinstance(endpoint, str):
        raise ValidationError("Say which browser to stop.", {"endpoint": "The subscription's endpoint."})
    row = session.scalar(select(PushSubscription).where(
        PushSubscription.endpoint == endpoint, PushSubscription.user_id == actor.id))
    if row is None:
        return 0
    _remove(session, row)
    return 1


def remove_subscription(session: Session, actor: User, subscription_id: int) -> None:
    """Forget one of ``actor``'s browsers by id (a lost phone, from another device); raises NotFound for
    anyone else's, as for one that does not exist."""
    row = session.get(PushSubscription, subscription_id)
    if row is None or row.user_id != actor.id:
        raise NotFound("No such phone or browser.")
    _remove(session, row)


def list_subscriptions(session: Session, user: User) -> list[PushSubscription]:
    return list(session.scalars(select(PushSubscription).where(PushSubscription.user_id == user.id)
                                .order_by(PushSubscription.created_at, PushSubscription.id)))


def _remove(session: Session, subscription: PushSubscription) -> None:
    # Its deliveries go with it explicitly: SQLite enforces ON DELETE CASCADE only when told to.
    session.execute(delete(PushDelivery).where(PushDelivery.subscription_id == subscription.id))
    session.delete(subscription)
    session.flush()


# Buttons on the notification itself: tapping one opens the notification's page with ``?answer=<action>``,
# where the answer is confirmed with one more tap (a service worker holds no CSRF token to post it itself).
ACTIONS = {NotificationKind.NO_SHOW_CHECK: ({"action": "on_the_way", "title": "Yes, on my way"},
                                            {"action": "cant_make_it", "title": "Can't make it"})}


def payload(notification: Notification, page_url: MailUrl) -> dict:
    """What the service worker shows: title and body as text, the absolute address opened on tap ('' when
    the notification links nowhere: the worker opens the notification list), and its action buttons."""
    data = {"title": notification.title, "body": (notification.body or "")[:BODY_CHARS],
            "url": mail_link(notification, page_url), "tag": f"notification-{notification.id}"}
    if notification.kind in ACTIONS and data["url"]:
        data["actions"] = list(ACTIONS[notification.kind])
    return data


def send_web_push(subscription: PushSubscription, data: str, settings: PushSettings) -> tuple[int | None, str]:
    """Encrypt ``data`` for the browser and POST it to its push service (pywebpush, VAPID-signed)."""
    import requests
    from pywebpush import WebPushException, webpush

    info = {"endpoint": subscription.endpoint, "keys": {"p256dh": subscription.p256dh, "auth": subscription.auth}}
    try:
        response = webpush(info, data=data, vapid_private_key=settings.private_key,
                           vapid_claims={"sub": settings.subject}, ttl=settings.ttl_s, timeout=settings.timeout_s)
        return response.status_code, ""
    except WebPushException as error:
        status = error.response.status_code if error.response is not None else None
        return status, str(error)[:300]
    except requests.RequestException as error:
        return None, f"{type(error).__name__}: {error}"[:300]


def _claim(session: Session, notification: Notification, now: dt.datetime) -> list[PushDelivery]:
    """Record a delivery for each browser of the person not yet sent this notification; mark it pushed."""
    notification.pushed_at = now
    if now - notification.created_at > MAX_AGE:
        session.flush()
        return []
    done = set(session.scalars(select(PushDelivery.subscription_id).where(
        PushDelivery.notification_id == notification.id)))
    deliveries = [PushDelivery(notification_id=notification.id, subscription_id=s.id, created_at=now, error="")
                  for s in session.scalars(select(PushSubscription).where(
                      PushSubscription.user_id == notification.user_id).order_by(PushSubscription.id))
                  if s.id not in done]
    session.add_all(deliveries)
    session.flush()
    return deliveries


def _deliver(session: Session, delivery: PushDelivery, data: str, settings: PushSettings, send: Sender,
             now: dt.datetime, result: PushResult) -> None:
    subscription = session.get(PushSubscription, delivery.subscription_id)
    if subscription is None:   # unsubscribed since it was claimed
        return
    status, error = send(subscription, data, settings)
    if status in GONE:
        _remove(session, subscription)
        result.removed += 1
        return
    delivery.status, delivery.error = status, error
    if status is not None and 200 <= status < 300:
        subscription.last_used_at = now
        result.sent += 1
    else:
        result.failed += 1
    session.flush()


def send_pending_pushes(session: Session, settings: PushSettings, page_url: MailUrl, now: dt.datetime,
                        checkpoint: Callable[[], None], send: Sender = send_web_push,
                        tz: dt.tzinfo = dt.timezone.utc) -> PushResult:
    """Push every notification that wants it and has not been pushed, to each browser of its person.

    ``page_url`` turns a notification's (endpoint, args) into the absolute address opened on tap;
    ``checkpoint`` commits (the worker's commit): it runs after the sends are recorded and before they go
    out, so a restart never repeats one. ``send`` is the transport (pywebpush by default); ``tz`` the
    coalition's time zone, in which quiet hours are read. Without VAPID keys nothing is marked, so the
    pushes go out once push is configured.
    """
    result = PushResult()
    if not settings.enabled:
        return result
    local = now.astimezone(tz).time()
    pending = session.execute(select(Notification, User).join(User, User.id == Notification.user_id).where(
        Notification.send_push.is_(True), Notification.pushed_at.is_(None)).order_by(Notification.id)).all()
    # Held news stays pending: it is skipped here rather than limited in the query, so it never fills a batch.
    due = [n for n, person in pending if n.urgent or now - n.created_at > MAX_AGE or not in_quiet_hours(person, local)]
    for notification in due[:BATCH]:
        data = json.dumps(payload(notification, page_url))
        deliveries = _claim(session, notification, now)
        checkpoint()
        for delivery in deliveries:
            _deliver(session, delivery, data, settings, send, now, result)
        checkpoint()
    return result
