"""Feedback on food that moved: recipients rate a delivery's condition, drivers flag problems with a donor at pickup."""
from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import CheckConstraint, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from coalition.extensions import db
from coalition.models.base import UTCDateTime, enum_column, utcnow
from coalition.models.measurement import DeliveryRecord
from coalition.models.organization import Organization
from coalition.models.user import User

POOR_RATING = 2  # a rating at or below this counts as a problem with the food's condition


class DeliveryRating(db.Model):
    """A recipient's rating (1-5) of the condition of the food in one delivery record, with an optional note."""

    __tablename__ = "delivery_ratings"
    __table_args__ = (CheckConstraint("rating >= 1 AND rating <= 5", name="rating_range"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    delivery_id: Mapped[int] = mapped_column(ForeignKey("delivery_records.id", ondelete="CASCADE"), unique=True)
    # Copied from the delivery so the repeated-problems report needs no join.
    donor_id: Mapped[int] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"), index=True)
    recipient_id: Mapped[int] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"), index=True)
    rating: Mapped[int]
    note: Mapped[str] = mapped_column(String(500), default="")
    rated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)

    delivery: Mapped[DeliveryRecord] = relationship()
    donor: Mapped[Organization] = relationship(foreign_keys=[donor_id])
    recipient: Mapped[Organization] = relationship(foreign_keys=[recipient_id])
    rated_by: Mapped[User | None] = relationship()

    @property
    def is_poor(self) -> bool:
        return self.rating <= POOR_RATING


class PickupIssue(str, enum.Enum):
    NOT_READY = "not_ready"
    NOTHING_TO_COLLECT = "nothing_to_collect"
    UNSAFE_TEMPERATURE = "unsafe_temperature"
    SPOILED = "spoiled"
    POOR_PACKAGING = "poor_packaging"
    NO_ACCESS = "no_access"
    RUDE_OR_UNSAFE = "rude_or_unsafe"
    NOBODY_THERE = "nobody_there"
    WRONG_AMOUNT = "wrong_amount"
    OTHER = "other"

    @property
    def label(self) -> str:
        return {
            "not_ready": "Food was not ready", "nothing_to_collect": "Nothing to collect",
            "unsafe_temperature": "Cold food was not cold", "spoiled": "Food was spoiled or past use-by",
            "poor_packaging": "Poor or leaking packaging", "no_access": "Could not get in",
            "rude_or_unsafe": "Unwelcoming or unsafe site", "nobody_there": "Nobody there",
            "wrong_amount": "Wrong amount", "other": "Something else",
        }[self.value]


class PickupProblem(db.Model):
    """A driver's flag about a donor after a pickup, on a claim (and the route stop, when there was one)."""

    __tablename__ = "pickup_problems"

    id: Mapped[int] = mapped_column(primary_key=True)
    donor_id: Mapped[int] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"), index=True)
    claim_id: Mapped[int] = mapped_column(ForeignKey("claims.id", ondelete="CASCADE"), index=True)
    stop_id: Mapped[int | None] = mapped_column(ForeignKey("stops.id", ondelete="SET NULL"))
    issue: Mapped[PickupIssue] = mapped_column(enum_column(PickupIssue, "pickup_issue"))
    note: Mapped[str] = mapped_column(String(500), default="")
    reported_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)

    donor: Mapped[Organization] = relationship()
    reported_by: Mapped[User | None] = relationship()
