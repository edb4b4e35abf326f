"""Funding: grants and pledges from partner organizations or outside funders, and spending against them.

Money is an integer count of the currency's minor units (cents for USD) beside its ISO 4217 code,
never a float: sums and reports stay exact to the cent.
"""
from __future__ import annotations

import datetime as dt
import enum
from typing import TYPE_CHECKING

from sqlalchemy import BigInteger, CheckConstraint, Date, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from coalition.extensions import db
from coalition.models.base import UTCDateTime, enum_column, utcnow

if TYPE_CHECKING:
    from coalition.models.organization import Organization


class FundingPurpose(str, enum.Enum):
    FUEL = "fuel"
    COLD_CHAIN = "cold_chain"
    STAFF_TIME = "staff_time"
    FOOD_PURCHASE = "food_purchase"
    OTHER = "other"

    @property
    def label(self) -> str:
        return {
            "fuel": "Fuel reimbursement",
            "cold_chain": "Cold-chain equipment",
            "staff_time": "Staff time",
            "food_purchase": "Food purchase",
            "other": "Other",
        }[self.value]


class GrantStatus(str, enum.Enum):
    PLEDGED = "pledged"
    RECEIVED = "received"

    @property
    def label(self) -> str:
        return {"pledged": "Pledged", "received": "Received"}[self.value]


class Grant(db.Model):
    """A grant or pledge: who gives it (a partner organization, or a named outside funder), how much, for
    which period and purpose, and which coalition indicator or activity it supports."""

    __tablename__ = "grants"
    __table_args__ = (
        CheckConstraint("amount_minor > 0", name="amount_positive"),
        CheckConstraint("period_end >= period_start", name="period_ordered"),
        # A funder: a partner organization or an outside funder's name (the services allow only one of them;
        # when both are set the organization is the funder).
        CheckConstraint("funder_organization_id IS NOT NULL OR funder_name IS NOT NULL", name="has_funder"),
        CheckConstraint("status <> 'received' OR received_on IS NOT NULL", name="received_has_date"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    funder_organization_id: Mapped[int | None] = mapped_column(
        ForeignKey("organizations.id", ondelete="RESTRICT"), index=True)
    funder_name: Mapped[str | None] = mapped_column(String(200))
    amount_minor: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    period_start: Mapped[dt.date] = mapped_column(Date)
    period_end: Mapped[dt.date] = mapped_column(Date)
    purpose: Mapped[FundingPurpose] = mapped_column(enum_column(FundingPurpose, "funding_purpose"))
    status: Mapped[GrantStatus] = mapped_column(enum_column(GrantStatus, "grant_status"))
    received_on: Mapped[dt.date | None] = mapped_column(Date)
    supports: Mapped[str] = mapped_column(String(40))          # an indicator key, or "activity"
    activity: Mapped[str] = mapped_column(String(300), default="")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)

    funder_organization: Mapped[Organization | None] = relationship(back_populates="grants_funded")
    spending: Mapped[list[GrantSpending]] = relationship(
        back_populates="grant", cascade="all, delete-orphan", order_by="GrantSpending.spent_on")

    @property
    def funder(self) -> str:
        """The funder's name, whichever kind of funder it is."""
        return self.funder_organization.name if self.funder_organization is not None else (self.funder_name or "")

    @property
    def spent_minor(self) -> int:
        return sum(entry.amount_minor for entry in self.spending)

    @property
    def remaining_minor(self) -> int:
        return self.amount_minor - self.spent_minor

    def __repr__(self) -> str:
        return f"<Grant {self.id} {self.amount_minor} {self.currency} {self.title!r}>"


class GrantSpending(db.Model):
    """Money spent from a grant, in the grant's own currency."""

    __tablename__ = "grant_spending"
    __table_args__ = (CheckConstraint("amount_minor > 0", name="amount_positive"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    grant_id: Mapped[int] = mapped_column(ForeignKey("grants.id", ondelete="CASCADE"), index=True)
    spent_on: Mapped[dt.date] = mapped_column(Date, index=True)
    amount_minor: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    purpose: Mapped[FundingPurpose] = mapped_column(enum_column(FundingPurpose, "funding_purpose"))
    note: Mapped[str] = mapped_column(String(500), default="")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    grant: Mapped[Grant] = relationship(back_populates="spending")
