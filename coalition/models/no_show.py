"""A pickup whose driver had not arrived in time, and what became of it: the escalation's state, kept so that
a restarted worker never flags a pickup, asks its driver or tells the coordinators twice.

One row per claim and driver (a driver is asked once about a pickup; a pickup handed to another driver who is
late too starts a row of its own). Done, late and re-assigned are read from the stops (their times and who
drives them); only "missed" is recorded here, by a coordinator, with its reason.
"""
from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from coalition.extensions import db
from coalition.models.base import UTCDateTime, enum_column
from coalition.models.claim import Claim
from coalition.models.route_plan import Stop
from coalition.models.user import User


class DriverAnswer(str, enum.Enum):
    NONE = "none"
    ON_THE_WAY = "on_the_way"
    CANT_MAKE_IT = "cant_make_it"


class NoShow(db.Model):
    __tablename__ = "no_shows"
    __table_args__ = (UniqueConstraint("claim_id", "driver_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    claim_id: Mapped[int] = mapped_column(ForeignKey("claims.id", ondelete="CASCADE"), index=True)
    driver_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    # The pickup stop the driver was late for (None once a re-plan has deleted its plan).
    stop_id: Mapped[int | None] = mapped_column(ForeignKey("stops.id", ondelete="SET NULL"), index=True)
    # When the driver was due: the later of the pickup window's opening and the stop's planned start.
    due_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    flagged_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), index=True)
    answer: Mapped[DriverAnswer] = mapped_column(enum_column(DriverAnswer, "driver_answer"), default=DriverAnswer.NONE)
    answered_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    # "On my way" holds the escalation until then.
    hold_until: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    escalated_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    escalation_reason: Mapped[str] = mapped_column(String(20), default="")
    # Recorded by a coordinator: the food was not collected.
    missed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    missed_reason: Mapped[str] = mapped_column(String(300), default="")
    missed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    claim: Mapped[Claim] = relationship()
    driver: Mapped[User] = relationship(foreign_keys=[driver_id])
    stop: Mapped[Stop | None] = relationship()
