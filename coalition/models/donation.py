"""Donations: surplus posted by grocery stores and produce offered by farms, line by line."""
from __future__ import annotations

import datetime as dt
import enum
from typing import TYPE_CHECKING

from sqlalchemy import JSON, CheckConstraint, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from coalition.extensions import db
from coalition.models.base import UTCDateTime, utcnow
from coalition.models.food import KG, FoodCategory, StorageClass, enum_column
from coalition.models.organization import Organization
from coalition.models.user import User

if TYPE_CHECKING:
    from coalition.models.claim import Claim


class DonationKind(str, enum.Enum):
    SURPLUS = "surplus"   # a store's surplus, posted for a pickup window
    PRODUCE = "produce"   # a farm's produce offer, available over a period


class DonationStatus(str, enum.Enum):
    OPEN = "open"
    CANCELLED = "cancelled"
    EXPIRED = "expired"
    SKIPPED = "skipped"   # an occurrence of a recurring pickup the donor skipped


class RecurringSchedule(db.Model):
    """A standing pickup (every Tuesday and Friday at 21:00) or a weekly produce offer.

    Occurrences are created ahead of time as ordinary donations linked back
    here, so each can be claimed, skipped or cancelled on its own.
    ``template`` holds the lines to copy: a list of dicts with category,
    description, quantity_g, storage, shelf_life_h and (produce) pack_type.
    """

    __tablename__ = "recurring_schedules"
    __table_args__ = (CheckConstraint("pickup_minutes > 0", name="pickup_minutes_positive"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    donor_id: Mapped[int] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"), index=True)
    kind: Mapped[DonationKind] = mapped_column(enum_column(DonationKind, "donation_kind"))
    weekdays: Mapped[list] = mapped_column(JSON)          # e.g. ["tue", "fri"]
    pickup_time: Mapped[str] = mapped_column(String(5))    # local "HH:MM"
    pickup_minutes: Mapped[int]
    template: Mapped[list] = mapped_column(JSON)
    notes: Mapped[str] = mapped_column(Text, default="")
    allow_split: Mapped[bool] = mapped_column(default=True)
    starts_on: Mapped[dt.date]
    ends_on: Mapped[dt.date | None]
    active: Mapped[bool] = mapped_column(default=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)

    donor: Mapped[Organization] = relationship()
    donations: Mapped[list[Donation]] = relationship(back_populates="schedule")


class Donation(db.Model):
    """One posting by a donor: one or more lines to be picked up in one window."""

    __tablename__ = "donations"
    __table_args__ = (
        CheckConstraint("pickup_end > pickup_start", name="pickup_window_ordered"),
        UniqueConstraint("schedule_id", "occurrence_date"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    donor_id: Mapped[int] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"), index=True)
    kind: Mapped[DonationKind] = mapped_column(enum_column(DonationKind, "donation_kind"))
    status: Mapped[DonationStatus] = mapped_column(enum_column(DonationStatus, "donation_status"), default=DonationStatus.OPEN, index=True)
    pickup_start: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    pickup_end: Mapped[dt.datetime] = mapped_column(UTCDateTime(), index=True)
    # Produce offers: the period the produce is available (pickup windows fall inside it).
    available_from: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    available_until: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    notes: Mapped[str] = mapped_column(Text, default="")
    allow_split: Mapped[bool] = mapped_column(default=True)
    # Stored under UPLOAD_FOLDER with a random name; served only through a permission check.
    photo_filename: Mapped[str | None] = mapped_column(String(100))
    # First right to claim: one partner recipient at a time until priority_until.
    priority_recipient_id: Mapped[int | None] = mapped_column(ForeignKey("organizations.id", ondelete="SET NULL"))
    priority_until: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    schedule_id: Mapped[int | None] = mapped_column(ForeignKey("recurring_schedules.id", ondelete="SET NULL"))
    occurrence_date: Mapped[dt.date | None]
    posted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    cancelled_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    cancel_reason: Mapped[str] = mapped_column(String(300), default="")

    donor: Mapped[Organization] = relationship(foreign_keys=[donor_id])
    priority_recipient: Mapped[Organization | None] = relationship(foreign_keys=[priority_recipient_id])
    posted_by: Mapped[User | None] = relationship()
    schedule: Mapped[RecurringSchedule | None] = relationship(back_populates="donations")
    lines: Mapped[list[DonationLine]] = relationship(
        back_populates="donation", cascade="all, delete-orphan", order_by="DonationLine.position"
    )

    @property
    def is_open(self) -> bool:
        return self.status is DonationStatus.OPEN

    @property
    def total_g(self) -> int:
        return sum(line.quantity_g for line in self.lines)


class DonationLine(db.Model):
    """One kind of food in a donation. Its remaining weight is derived from its active claims."""

    __tablename__ = "donation_lines"
    __table_args__ = (
        CheckConstraint("quantity_g > 0", name="quantity_positive"),
        CheckConstraint("units IS NULL OR units > 0", name="units_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    donation_id: Mapped[int] = mapped_column(ForeignKey("donations.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(default=0)
    category: Mapped[FoodCategory] = mapped_column(enum_column(FoodCategory, "food_category"))
    description: Mapped[str] = mapped_column(String(200))
    quantity_g: Mapped[int]
    units: Mapped[int | None]        # when counted in units, quantity_g is the donor's estimate
    storage: Mapped[StorageClass] = mapped_column(enum_column(StorageClass, "storage_class"))
    use_by: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    pack_type: Mapped[str] = mapped_column(String(60), default="")
    # Bumped by every claim: the write takes the row lock that serializes claimers.
    claim_version: Mapped[int] = mapped_column(default=0)

    donation: Mapped[Donation] = relationship(back_populates="lines")
    claims: Mapped[list[Claim]] = relationship(back_populates="line")

    @property
    def quantity_kg(self) -> float:
        return self.quantity_g / KG


class PriorityPartner(db.Model):
    """A donor's partner recipient, offered its donations first, in rank order."""

    __tablename__ = "priority_partners"
    __table_args__ = (UniqueConstraint("donor_id", "recipient_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    donor_id: Mapped[int] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"), index=True)
    recipient_id: Mapped[int] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"))
    rank: Mapped[int] = mapped_column(default=0)

    donor: Mapped[Organization] = relationship(foreign_keys=[donor_id])
    recipient: Mapped[Organization] = relationship(foreign_keys=[recipient_id])


class DonationDecline(db.Model):
    """A priority recipient passed on a donation; the offer moves to the next in line."""

    __tablename__ = "donation_declines"
    __table_args__ = (UniqueConstraint("donation_id", "recipient_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    donation_id: Mapped[int] = mapped_column(ForeignKey("donations.id", ondelete="CASCADE"), index=True)
    recipient_id: Mapped[int] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"))
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
