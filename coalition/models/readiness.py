"""Volunteer readiness: what a driver has attested (food-safety training, licence, insurance, vehicle)
and who mentors a new driver on their first runs.
"""
from __future__ import annotations

import datetime as dt

from sqlalchemy import CheckConstraint, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from coalition.extensions import db
from coalition.models.base import UTCDateTime, utcnow
from coalition.models.user import User


class DriverProfile(db.Model):
    """One driver's readiness record. Each item is a date it was done or attested and the date it expires;
    an item with no date is missing, one whose expiry has passed is expired (see services/readiness.py).

    ``mentor_id``: an experienced driver the coordinator pairs with this one for their first runs,
    until ``mentoring_until`` (inclusive; no date = until the coordinator ends it).
    """

    __tablename__ = "driver_profiles"
    __table_args__ = (
        CheckConstraint("training_expires_on IS NULL OR training_completed_on IS NULL "
                        "OR training_expires_on >= training_completed_on", name="training_ordered"),
        CheckConstraint("licence_expires_on IS NULL OR licence_attested_on IS NULL "
                        "OR licence_expires_on >= licence_attested_on", name="licence_ordered"),
        CheckConstraint("insurance_expires_on IS NULL OR insurance_attested_on IS NULL "
                        "OR insurance_expires_on >= insurance_attested_on", name="insurance_ordered"),
        CheckConstraint("mentor_id IS NULL OR mentor_id <> user_id", name="not_own_mentor"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), unique=True)
    training_completed_on: Mapped[dt.date | None]
    training_expires_on: Mapped[dt.date | None]
    training_provider: Mapped[str] = mapped_column(String(120), default="")
    licence_attested_on: Mapped[dt.date | None]
    licence_expires_on: Mapped[dt.date | None]
    insurance_attested_on: Mapped[dt.date | None]
    insurance_expires_on: Mapped[dt.date | None]
    vehicle: Mapped[str] = mapped_column(String(120), default="")        # make, model, colour
    vehicle_plate: Mapped[str] = mapped_column(String(20), default="")
    mentor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    mentoring_until: Mapped[dt.date | None]
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    user: Mapped[User] = relationship(foreign_keys=[user_id])
    mentor: Mapped[User | None] = relationship(foreign_keys=[mentor_id])
