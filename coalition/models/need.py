"""Needs: what a food bank or shelter asks for."""
from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import JSON, CheckConstraint, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from coalition.extensions import db
from coalition.models.base import UTCDateTime, utcnow
from coalition.models.food import KG, FoodCategory, StorageClass, enum_column
from coalition.models.organization import Organization


class NeedStatus(str, enum.Enum):
    OPEN = "open"
    FULFILLED = "fulfilled"
    CANCELLED = "cancelled"


class Need(db.Model):
    """A recipient's request for food of one category and storage class, by a date.

    ``delivery_windows`` is a list of ``{"start": ISO-8601, "end": ISO-8601}``
    in UTC. Receiving capacity is what the site can still take in cold storage.
    """

    __tablename__ = "needs"
    __table_args__ = (
        CheckConstraint("quantity_g > 0", name="quantity_positive"),
        CheckConstraint("people_expected >= 0", name="people_nonnegative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    recipient_id: Mapped[int] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"), index=True)
    category: Mapped[FoodCategory] = mapped_column(enum_column(FoodCategory, "food_category"))
    storage: Mapped[StorageClass] = mapped_column(enum_column(StorageClass, "storage_class"))
    quantity_g: Mapped[int]
    needed_by: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    delivery_windows: Mapped[list] = mapped_column(JSON, default=list)
    refrigerated_free_g: Mapped[int] = mapped_column(default=0)
    frozen_free_g: Mapped[int] = mapped_column(default=0)
    people_expected: Mapped[int] = mapped_column(default=0)
    notes: Mapped[str] = mapped_column(String(300), default="")
    status: Mapped[NeedStatus] = mapped_column(enum_column(NeedStatus, "need_status"), default=NeedStatus.OPEN, index=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)

    recipient: Mapped[Organization] = relationship()

    @property
    def quantity_kg(self) -> float:
        return self.quantity_g / KG
