"""Cold chain: the temperature limits in force and every reading a driver takes at a pickup or a drop-off.

Temperatures are stored in tenths of a degree Celsius (``*_dc``), whole
numbers, so a limit and a reading compare exactly; the pages show them in the
coalition's unit.
"""
from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from coalition.extensions import db
from coalition.models.base import UTCDateTime, utcnow
from coalition.models.claim import Claim
from coalition.models.user import User


class ColdChainSetting(db.Model):
    """The backbone's temperature limits (one row; none means the defaults in services/cold_chain.py)."""

    __tablename__ = "cold_chain_settings"

    id: Mapped[int] = mapped_column(primary_key=True)
    refrigerated_max_dc: Mapped[int]
    frozen_max_dc: Mapped[int]
    delivery_grace_dc: Mapped[int]


class TemperatureReading(db.Model):
    """One reading of a claim's food, with the limit it was held to and what was decided."""

    __tablename__ = "temperature_readings"

    id: Mapped[int] = mapped_column(primary_key=True)
    claim_id: Mapped[int] = mapped_column(ForeignKey("claims.id", ondelete="CASCADE"), index=True)
    stop_id: Mapped[int | None] = mapped_column(ForeignKey("stops.id", ondelete="SET NULL"))
    stage: Mapped[str] = mapped_column(String(10))          # pickup, delivery
    storage: Mapped[str] = mapped_column(String(20))        # refrigerated, frozen
    temperature_dc: Mapped[int]
    limit_dc: Mapped[int]
    outcome: Mapped[str] = mapped_column(String(20))        # within, accepted_in_grace, refused, discarded
    reason: Mapped[str] = mapped_column(String(30), default="")
    taken_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), index=True)
    taken_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)

    claim: Mapped[Claim] = relationship()
    taken_by: Mapped[User | None] = relationship()
