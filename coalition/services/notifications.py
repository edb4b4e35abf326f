"""Notifications: in-app rows, e-mail when configured, each person's preferences respected."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Callable

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from coalition.errors import NotFound
from coalition.models import Membership, Notification, NotificationKind, NotificationPreference, Organization, Role, User
from coalition.services.mail import MailSettings, send_mail

# Who hears about an organization's marketplace events: the people who act for it.
NOTIFIED_ROLES = (Role.ADMIN, Role.COORDINATOR, Role.STAFF)


@dataclass(frozen=True)
class Page:
    """The page of the app a notification is about: a Flask endpoint and its arguments (ids), never a path.

    Views and templates turn it into an address with ``url_for``; e-mails with the absolute-address
    function the caller hands to :func:`send_pending_emails`.
    """

    endpoint: str
    args: dict = field(default_factory=dict)


# (endpoint, args) -> the absolute address of that page, for a link in an e-mail.
MailUrl = Callable[[str, dict], str]


@dataclass(frozen=True)
class Preference:
    in_app: bool = True
    email: bool = True
    push: bool = True   # to the browsers the person subscribed (none: nothing is pushed)


def get_preferences(session: Session, user: User) -> dict[NotificationKind, Preference]:
    """Every kind with this user's choice (default: in-app, e-mail and push)."""
    chosen = {p.kind: Preference(p.in_app, p.email, p.push) for p in session.scalars(
        select(NotificationPreference).where(NotificationPreference.user_id == user.id))}
    return {kind: chosen.get(kind, Preference()) for kind in NotificationKind}


def set_preference(session: Session, user: User, kind: NotificationKind, in_app: bool, email: bool,
                   push: bool = True) -> None:
    row = session.scalar(select(NotificationPreference).where(
        NotificationPreference.user_id == user.id, NotificationPreference.kind == kind))
    if row is None:
        row = NotificationPreference(user_id=user.id, kind=kind)
        session.add(row)
    row.in_app, row.email, row.push = in_app, email, push
    session.flush()


def notify_user(session: Session, user: User, kind: NotificationKind, title: str, body: str, page: Page | None,
                now: dt.datetime, urgent: bool = False) -> Notification | None:
    """Create a notification unless the user turned this kind off entirely; ``page`` is what it links to
    (None: nothing to open); ``urgent`` ones are pushed even in the person's quiet hours. E-mail and push go out later from the periodic worker
    (:func:`send_pending_emails`, ``services/push.py``), after the caller has committed."""
    if not user.active:
        return None
    preference = get_preferences(session, user)[kind]
    if not (preference.in_app or preference.email or preference.push):
        return None
    notification = Notification(
        user_id=user.id, kind=kind, title=title[:200], body=body, created_at=now,
        link_endpoint=page.endpoint if page else "", link_args=dict(page.args) if page else {},
        show_in_app=preference.in_app, send_email=preference.email, send_push=preference.push, urgent=urgent,
    )
    session.add(notification)
    return notification


def notify_organization(session: Session, organization: Organization, kind: NotificationKind, title: str,
                        body: str, page: Page | None, now: dt.datetime) -> list[Notification]:
    """Notify everyone who acts for the organization (admins, coordinators, staff)."""
    users = session.scalars(
        select(User).join(Membership).where(
            Membership.organization_id == organization.id, Membership.active.is_(True),
            Membership.role.in_(NOTIFIED_ROLES), User.active.is_(True),
        ).distinct()
    )
    created = [notify_user(session, user, kind, title, body, page, now) for user in users]
    session.flush()
    return [n for n in created if n is not None]


def list_notifications(session: Session, user: User, limit: int = 50) -> list[Notification]:
    return list(session.scalars(
        select(Notification).where(Notification.user_id == user.id, Notification.show_in_app.is_(True))
        .order_by(Notification.created_at.desc(), Notification.id.desc()).limit(limit)))


def count_unread(session: Session, user: User) -> int:
    return session.scalar(select(func.count()).select_from(Notification).where(
        Notification.user_id == user.id, Notification.show_in_app.is_(True), Notification.read_at.is_(None))) or 0


def mark_read(session: Session, user: User, notification_id: int | None, now: dt.datetime) -> int:
    """Mark one notification (or, with None, all) of this user as read; returns how many changed."""
    query = select(Notification).where(Notification.user_id == user.id, Notification.read_at.is_(None))
    if notification_id is not None:
        query = query.where(Notification.id == notification_id)
    rows = list(session.scalars(query))
    if notification_id is not None and not rows and session.get(Notification, notification_id) is None:
        raise NotFound("No such notification.")
    for row in rows:
        row.read_at = now
    session.flush()
    return len(rows)


def mail_link(notification: Notification, mail_url: MailUrl) -> str:
    """The absolute address a notification's e-mail links to: '' when it links nowhere, or to a page
    the app no longer has (``mail_url`` raises a LookupError, as werkzeug's BuildError is)."""
    if not notification.link_endpoint:
        return ""
    try:
        return mail_url(notification.link_endpoint, notification.link_args)
    except LookupError:
        return ""


def send_pending_emails(session: Session, settings: MailSettings, mail_url: MailUrl, now: dt.datetime) -> int:
    """E-mail every notification that wants it and has not gone out; returns how many were sent.
    ``mail_url`` turns a notification's (endpoint, args) into the absolute address its e-mail shows.

    Without SMTP nothing is marked sent, so the messages go out once mail is configured; without BASE_URL
    ``mail_url`` raises MailLinksNotConfigured and nothing is marked sent either (no link is guessed).
    """
    if not settings.server:
        return 0
    pending = session.scalars(select(Notification).where(
        Notification.send_email.is_(True), Notification.emailed_at.is_(None)).order_by(Notification.id))
    sent = 0
    for notification in pending:
        user = session.get(User, notification.user_id)
        link = mail_link(notification, mail_url)
        body = f"{notification.body}\n\n{link}\n\nChange what you receive in your notification settings."
        if send_mail(settings, user.email, notification.title, body):
            notification.emailed_at = now
            sent += 1
    session.flush()
    return sent
