"""In-app notifications and each person's choice of what to receive, and how."""
from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import JSON, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy import false as sa_false
from sqlalchemy.orm import Mapped, mapped_column

from coalition.extensions import db
from coalition.models.base import UTCDateTime, utcnow
from coalition.models.food import enum_column


class NotificationKind(str, enum.Enum):
    NEW_SURPLUS = "new_surplus"             # matching surplus posted near a recipient
    CLAIM_ON_DONATION = "claim_on_donation"
    PICKUP_SCHEDULED = "pickup_scheduled"
    USE_BY_APPROACHING = "use_by_approaching"
    CANCELLED = "cancelled"
    EXPIRED = "expired"
    ANNOUNCEMENT = "announcement"          # coordination: from the backbone
    ACTION_ITEM = "action_item"
    ACTION_REMINDER = "action_reminder"
    DETAILS_CHECK = "details_check"        # please confirm your directory details
    PROJECT = "project"
    REPORT_DUE = "report_due"              # measurement: a partner report of people served is missing
    ROUTE_CHANGED = "route_changed"        # a re-published plan changed the driver's stops
    SHIFT_REMINDER = "shift_reminder"      # the evening before a shift
    RESCUE_NEARBY = "rescue_nearby"        # a same-day rescue a driver's shift, place and cold chain fit
    CLAIM_PROGRESS = "claim_progress"      # a claim's food picked up, on the way, delivered, or a problem
    NO_SHOW_CHECK = "no_show_check"        # the driver is late for a pickup: are you on your way?
    NO_SHOW_ALERT = "no_show_alert"        # coordinators: a pickup's driver did not come or cannot make it

    @property
    def label(self) -> str:
        return {
            "new_surplus": "New surplus near you that matches your needs",
            "claim_on_donation": "Someone claimed your donation",
            "pickup_scheduled": "A pickup or delivery was scheduled",
            "use_by_approaching": "Use-by approaching with nothing claimed",
            "cancelled": "A donation or claim was cancelled",
            "expired": "A donation or claim expired",
            "announcement": "Announcements from the backbone",
            "action_item": "An action item assigned to your organization",
            "action_reminder": "Reminders of overdue action items",
            "details_check": "Requests to confirm your directory details",
            "project": "Updates and tasks in your projects",
            "report_due": "A partner report is due",
            "route_changed": "Your route changed after it was published",
            "shift_reminder": "The evening before your shift",
            "rescue_nearby": "A same-day rescue near you that you could take",
            "claim_progress": "Your food was picked up, is on the way, was delivered, or met a problem",
            "no_show_check": "You are late for a pickup: are you on your way?",
            "no_show_alert": "The driver of a pickup has not come or cannot make it",
        }[self.value]


class Notification(db.Model):
    __tablename__ = "notifications"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    kind: Mapped[NotificationKind] = mapped_column(enum_column(NotificationKind, "notification_kind"))
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text, default="")
    # What it is about, as a page of the app: its endpoint and the endpoint's arguments (never a
    # path), so the in-app list and the e-mails build the address with the app's own routes.
    # An empty endpoint means there is nothing to open.
    link_endpoint: Mapped[str] = mapped_column(String(80), default="")
    link_args: Mapped[dict] = mapped_column(JSON, default=dict)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    read_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    # Copied from the preferences when created: where this one should appear.
    show_in_app: Mapped[bool] = mapped_column(default=True)
    send_email: Mapped[bool] = mapped_column(default=True)
    emailed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    send_push: Mapped[bool] = mapped_column(default=False)
    # Set once the worker has handed it to every subscribed browser (or found none).
    pushed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    # Pushed even during the person's quiet hours (a route change within the next two hours).
    urgent: Mapped[bool] = mapped_column(default=False, server_default=sa_false())


class NotificationPreference(db.Model):
    """One row per (user, kind) the user changed; no row means the default (in-app, e-mail and push on:
    push reaches only the browsers a person subscribed, so subscribing is the choice that matters)."""

    __tablename__ = "notification_preferences"
    __table_args__ = (UniqueConstraint("user_id", "kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    kind: Mapped[NotificationKind] = mapped_column(enum_column(NotificationKind, "notification_kind"))
    in_app: Mapped[bool] = mapped_column(default=True)
    email: Mapped[bool] = mapped_column(default=True)
    push: Mapped[bool] = mapped_column(default=True)
