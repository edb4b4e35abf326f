"""Claims: a recipient takes some kilograms of a donation line, for a delivery window."""
from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import CheckConstraint, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from coalition.extensions import db
from coalition.models.base import UTCDateTime, utcnow
from coalition.models.donation import DonationLine
from coalition.models.food import KG, enum_column
from coalition.models.need import Need
from coalition.models.organization import Organization
from coalition.models.user import User


class ClaimStatus(str, enum.Enum):
    CLAIMED = "claimed"
    SCHEDULED = "scheduled"
    PICKED_UP = "picked_up"
    DELIVERED = "delivered"
    CANCELLED = "cancelled"   # by the donor cancelling, or the recipient releasing it
    UNDONE = "undone"         # withdrawn within the grace period as a mistake
    EXPIRED = "expired"       # use-by passed or pickup window missed

    @property
    def holds_food(self) -> bool:
        """Whether the claim still takes its kilograms from the line."""
        return self in ACTIVE_CLAIM_STATUSES


ACTIVE_CLAIM_STATUSES = (ClaimStatus.CLAIMED, ClaimStatus.SCHEDULED, ClaimStatus.PICKED_UP, ClaimStatus.DELIVERED)


class Claim(db.Model):
    __tablename__ = "claims"
    __table_args__ = (
        CheckConstraint("quantity_g > 0", name="quantity_positive"),
        CheckConstraint("delivery_end > delivery_start", name="delivery_window_ordered"),
        CheckConstraint("picked_up_g IS NULL OR picked_up_g >= 0", name="picked_up_nonnegative"),
        CheckConstraint("delivered_g IS NULL OR delivered_g >= 0", name="delivered_nonnegative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    line_id: Mapped[int] = mapped_column(ForeignKey("donation_lines.id", ondelete="CASCADE"), index=True)
    recipient_id: Mapped[int] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"), index=True)
    need_id: Mapped[int | None] = mapped_column(ForeignKey("needs.id", ondelete="SET NULL"))
    quantity_g: Mapped[int]
    delivery_start: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    delivery_end: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    status: Mapped[ClaimStatus] = mapped_column(enum_column(ClaimStatus, "claim_status"), default=ClaimStatus.CLAIMED, index=True)
    claimed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    on_behalf: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    ended_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    end_reason: Mapped[str] = mapped_column(String(300), default="")
    # What actually moved: may differ from quantity_g; zero needs a reason.
    picked_up_g: Mapped[int | None]
    delivered_g: Mapped[int | None]
    shortfall_reason: Mapped[str] = mapped_column(String(300), default="")

    line: Mapped[DonationLine] = relationship(back_populates="claims")
    recipient: Mapped[Organization] = relationship()
    need: Mapped[Need | None] = relationship()
    claimed_by: Mapped[User | None] = relationship()

    @property
    def quantity_kg(self) -> float:
        return self.quantity_g / KG
