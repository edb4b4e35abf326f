"""Donor receipts: the coalition's estimated fair-market value of donated food, per category."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import CheckConstraint, Float, ForeignKey
from sqlalchemy.orm import Mapped, mapped_column

from coalition.extensions import db
from coalition.models.base import UTCDateTime, enum_column, utcnow
from coalition.models.food import FoodCategory


class FairMarketValue(db.Model):
    """The coalition's estimated fair-market value of donated food of one category, in US dollars per kg.

    No row for a category means the built-in estimate (services/receipts.py DEFAULT_USD_PER_KG).
    """

    __tablename__ = "fair_market_values"
    __table_args__ = (CheckConstraint("usd_per_kg >= 0 AND usd_per_kg <= 1000", name="usd_per_kg_range"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    category: Mapped[FoodCategory] = mapped_column(enum_column(FoodCategory, "food_category"), unique=True)
    usd_per_kg: Mapped[float] = mapped_column(Float)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
