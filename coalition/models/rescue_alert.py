"""Who was told of which same-day rescue, and when: the record that keeps the rescue waves idempotent
and each driver's daily cap countable."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from coalition.extensions import db
from coalition.models.base import UTCDateTime


class RescueAlert(db.Model):
    __tablename__ = "rescue_alerts"
    # One alert per driver and rescue: a restarted worker that runs a wave again cannot tell anyone twice.
    __table_args__ = (UniqueConstraint("plan_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("route_plans.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    wave: Mapped[int]
    # The driver's local date when told: the daily cap counts alerts per driver and local date.
    local_date: Mapped[dt.date]
    distance_km: Mapped[float]
    sent_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
