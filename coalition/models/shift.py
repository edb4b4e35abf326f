"""Volunteer drivers' availability: one-off shifts and weekly patterns."""
from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import JSON, CheckConstraint, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from coalition.extensions import db
from coalition.models.base import UTCDateTime, enum_column, utcnow
from coalition.models.organization import Organization
from coalition.models.user import User


class ColdChain(str, enum.Enum):
    """What a driver's vehicle can keep cold; decides which storage classes it may carry (see routing.CAN_CARRY)."""

    NONE = "none"
    INSULATED = "insulated"          # insulated bag or box
    REFRIGERATED = "refrigerated"

    @property
    def label(self) -> str:
        return {"none": "No cold chain", "insulated": "Insulated bag or box", "refrigerated": "Refrigerated"}[self.value]


class PlaceKind(str, enum.Enum):
    HOME = "home"          # a point the driver gives (latitude/longitude)
    DEPOT = "depot"        # an organization's site (a food bank's warehouse)
    ANYWHERE = "anywhere"  # the route starts at its first stop / ends at its last


class ShiftStatus(str, enum.Enum):
    AVAILABLE = "available"
    COVER_REQUESTED = "cover_requested"   # the driver cannot make it and asks for cover
    CANCELLED = "cancelled"


class _ShiftPlace:
    """Start and end places shared by shifts and weekly patterns."""

    start_kind: Mapped[PlaceKind] = mapped_column(enum_column(PlaceKind, "place_kind"), default=PlaceKind.ANYWHERE)
    # The street address of a home place, as the driver typed it (its point is start_latitude/longitude).
    start_address: Mapped[str] = mapped_column(String(300), default="", server_default="")
    start_latitude: Mapped[float | None]
    start_longitude: Mapped[float | None]
    start_organization_id: Mapped[int | None] = mapped_column(ForeignKey("organizations.id", ondelete="SET NULL"))
    end_kind: Mapped[PlaceKind] = mapped_column(enum_column(PlaceKind, "place_kind"), default=PlaceKind.ANYWHERE)
    end_address: Mapped[str] = mapped_column(String(300), default="", server_default="")
    end_latitude: Mapped[float | None]
    end_longitude: Mapped[float | None]
    end_organization_id: Mapped[int | None] = mapped_column(ForeignKey("organizations.id", ondelete="SET NULL"))
    capacity_g: Mapped[int]
    cold_chain: Mapped[ColdChain] = mapped_column(enum_column(ColdChain, "cold_chain"), default=ColdChain.NONE)
    max_stops: Mapped[int | None]


class ShiftPattern(_ShiftPlace, db.Model):
    """Weekly recurring availability ("every Saturday 09:00-12:00"); shifts are created from it ahead of time."""

    __tablename__ = "shift_patterns"
    __table_args__ = (CheckConstraint("capacity_g > 0", name="capacity_positive"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    driver_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"))
    weekdays: Mapped[list] = mapped_column(JSON)       # ["sat"]
    start_time: Mapped[str] = mapped_column(String(5))  # local "HH:MM"
    end_time: Mapped[str] = mapped_column(String(5))
    starts_on: Mapped[dt.date]
    ends_on: Mapped[dt.date | None]
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)

    driver: Mapped[User] = relationship()


class DriverShift(_ShiftPlace, db.Model):
    """A driver's availability on one day: when, from where to where, with what vehicle."""

    __tablename__ = "driver_shifts"
    __table_args__ = (
        CheckConstraint("end_at > start_at", name="shift_ordered"),
        CheckConstraint("capacity_g > 0", name="capacity_positive"),
        CheckConstraint("max_stops IS NULL OR max_stops > 0", name="max_stops_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    driver_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    # The organization the driver drives for (the backbone's volunteer pool, or a food bank's).
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"), index=True)
    local_date: Mapped[dt.date] = mapped_column(index=True)
    start_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    end_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    status: Mapped[ShiftStatus] = mapped_column(enum_column(ShiftStatus, "shift_status"), default=ShiftStatus.AVAILABLE)
    pattern_id: Mapped[int | None] = mapped_column(ForeignKey("shift_patterns.id", ondelete="SET NULL"))
    # A driver who took over this shift when its own driver asked for cover.
    covered_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    notes: Mapped[str] = mapped_column(String(300), default="")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # When the evening-before reminder was made (committed with it, so a restarted worker never repeats it).
    reminded_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())

    driver: Mapped[User] = relationship(foreign_keys=[driver_id])
    covered_by: Mapped[User | None] = relationship(foreign_keys=[covered_by_id])
    organization: Mapped[Organization] = relationship(foreign_keys=[organization_id])
    start_organization: Mapped[Organization | None] = relationship(foreign_keys="DriverShift.start_organization_id")
    end_organization: Mapped[Organization | None] = relationship(foreign_keys="DriverShift.end_organization_id")

    @property
    def acting_driver_id(self) -> int:
        return self.covered_by_id or self.driver_id
