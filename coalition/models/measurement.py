"""Shared measurement: delivery records (the one source of kg), the goal, indicator time series,
partner reports, neighborhoods and the coalition's measurement settings.
"""
from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import JSON, CheckConstraint, Float, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from coalition.extensions import db
from coalition.models.base import UTCDateTime, enum_column, utcnow
from coalition.models.food import KG, FoodCategory, StorageClass
from coalition.models.organization import Organization
from coalition.models.user import User

DEFAULT_KG_PER_MEAL = 0.544        # Feeding America: 1.2 lb of food per meal
DEFAULT_CO2E_PER_KG = 2.5          # kg CO2e avoided per kg of food kept out of landfill (configurable)
FOOD_INSECURITY = "food_insecurity_rate"


class DeliveryRecord(db.Model):
    """Food that reached a recipient: the one source of every kg, meal and CO2e figure.

    ``quantity_g`` is what was delivered; ``picked_up_g`` what was collected
    from the donor (kg rescued), at least the delivered weight. Route and
    driver columns stay empty until dispatch records deliveries itself.
    """

    __tablename__ = "delivery_records"
    __table_args__ = (
        CheckConstraint("quantity_g > 0", name="quantity_positive"),
        CheckConstraint("picked_up_g >= quantity_g", name="picked_up_covers_delivered"),
        CheckConstraint("volunteer_minutes IS NULL OR volunteer_minutes >= 0", name="volunteer_minutes_nonnegative"),
        CheckConstraint("distance_m IS NULL OR distance_m >= 0", name="distance_nonnegative"),
        CheckConstraint("latitude IS NULL OR (latitude >= -90 AND latitude <= 90)", name="latitude_range"),
        CheckConstraint("longitude IS NULL OR (longitude >= -180 AND longitude <= 180)", name="longitude_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    delivered_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), index=True)
    quantity_g: Mapped[int]
    picked_up_g: Mapped[int]
    category: Mapped[FoodCategory] = mapped_column(enum_column(FoodCategory, "food_category"))
    storage: Mapped[StorageClass] = mapped_column(enum_column(StorageClass, "storage_class"))
    donor_id: Mapped[int] = mapped_column(ForeignKey("organizations.id", ondelete="RESTRICT"), index=True)
    recipient_id: Mapped[int] = mapped_column(ForeignKey("organizations.id", ondelete="RESTRICT"), index=True)
    claim_id: Mapped[int | None] = mapped_column(ForeignKey("claims.id", ondelete="SET NULL"), unique=True)
    latitude: Mapped[float | None]
    longitude: Mapped[float | None]
    neighborhood_id: Mapped[int | None] = mapped_column(ForeignKey("neighborhoods.id", ondelete="SET NULL"), index=True)
    posted_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    picked_up_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    # Filled by dispatch (a later issue); no foreign key to tables that do not exist yet.
    route_id: Mapped[int | None]
    driver_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    volunteer_minutes: Mapped[int | None]
    distance_m: Mapped[int | None]
    # delivered, or food lost to the cold chain: refused at pickup or discarded at the door (never distributed).
    outcome: Mapped[str] = mapped_column(String(20), default="delivered", server_default="delivered", index=True)
    loss_reason: Mapped[str] = mapped_column(String(40), default="", server_default="")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)

    donor: Mapped[Organization] = relationship(foreign_keys=[donor_id])
    recipient: Mapped[Organization] = relationship(foreign_keys=[recipient_id])
    neighborhood: Mapped[Neighborhood | None] = relationship(back_populates="deliveries")

    @property
    def quantity_kg(self) -> float:
        return self.quantity_g / KG


class Trajectory(str, enum.Enum):
    STRAIGHT = "straight"
    CUSTOM = "custom"

    @property
    def label(self) -> str:
        return {"straight": "Straight line", "custom": "Custom yearly milestones"}[self.value]


class Goal(db.Model):
    """The common agenda: an indicator brought down by a share from its baseline by a target year.

    ``milestones`` (custom trajectory) maps a year (as a string) to the value
    expected that year; a straight trajectory interpolates between baseline
    and target.
    """

    __tablename__ = "goals"
    __table_args__ = (
        CheckConstraint("target_reduction_pct > 0 AND target_reduction_pct <= 100", name="reduction_range"),
        CheckConstraint("target_year > baseline_year", name="target_after_baseline"),
        CheckConstraint("baseline_value >= 0", name="baseline_nonnegative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    indicator: Mapped[str] = mapped_column(String(40), unique=True)
    baseline_value: Mapped[float] = mapped_column(Float)
    baseline_year: Mapped[int]
    target_reduction_pct: Mapped[float] = mapped_column(Float, default=30.0)
    target_year: Mapped[int]
    trajectory: Mapped[Trajectory] = mapped_column(enum_column(Trajectory, "goal_trajectory"), default=Trajectory.STRAIGHT)
    milestones: Mapped[dict] = mapped_column(JSON, default=dict)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)

    @property
    def target_value(self) -> float:
        return self.baseline_value * (1 - self.target_reduction_pct / 100)

    def milestone_for(self, year: int) -> float | None:
        """The value expected in ``year`` (None outside baseline..target)."""
        if year < self.baseline_year or year > self.target_year:
            return None
        if self.trajectory is Trajectory.CUSTOM and str(year) in (self.milestones or {}):
            return float(self.milestones[str(year)])
        share = (year - self.baseline_year) / (self.target_year - self.baseline_year)
        return self.baseline_value - (self.baseline_value - self.target_value) * share


class Neighborhood(db.Model):
    """A neighborhood's boundary (GeoJSON in WGS84, with its bounding box), population and need.

    The geometry is kept as GeoJSON text so the same schema works on SQLite and
    on PostgreSQL without PostGIS; the bbox columns let a point lookup skip most
    polygons in SQL. ``centroid_*`` is the population centre used for distances.
    """

    __tablename__ = "neighborhoods"
    __table_args__ = (
        CheckConstraint("population >= 0", name="population_nonnegative"),
        CheckConstraint("food_insecurity_pct >= 0 AND food_insecurity_pct <= 100", name="rate_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    population: Mapped[int]
    food_insecurity_pct: Mapped[float] = mapped_column(Float)
    source: Mapped[str] = mapped_column(String(300), default="")
    year: Mapped[int | None]
    geometry: Mapped[str] = mapped_column(Text)
    min_lon: Mapped[float] = mapped_column(Float)
    min_lat: Mapped[float] = mapped_column(Float)
    max_lon: Mapped[float] = mapped_column(Float)
    max_lat: Mapped[float] = mapped_column(Float)
    centroid_lat: Mapped[float] = mapped_column(Float)
    centroid_lon: Mapped[float] = mapped_column(Float)
    is_demo: Mapped[bool] = mapped_column(default=False)
    imported_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)

    deliveries: Mapped[list[DeliveryRecord]] = relationship(back_populates="neighborhood")

    @property
    def food_insecure_residents(self) -> float:
        return self.population * self.food_insecurity_pct / 100


class IndicatorValue(db.Model):
    """One value of an entered indicator (e.g. the food-insecurity rate) for a period, city-wide or per neighborhood."""

    __tablename__ = "indicator_values"
    __table_args__ = (CheckConstraint("period_end >= period_start", name="period_ordered"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    indicator: Mapped[str] = mapped_column(String(40), index=True)
    period_start: Mapped[dt.date]
    period_end: Mapped[dt.date]
    value: Mapped[float] = mapped_column(Float)
    unit: Mapped[str] = mapped_column(String(20))
    source: Mapped[str] = mapped_column(String(300))
    neighborhood_id: Mapped[int | None] = mapped_column(ForeignKey("neighborhoods.id", ondelete="CASCADE"), index=True)
    entered_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)

    neighborhood: Mapped[Neighborhood | None] = relationship()


class PartnerReport(db.Model):
    """A food bank's or shelter's aggregate count of people served in one period (never client data)."""

    __tablename__ = "partner_reports"
    __table_args__ = (
        UniqueConstraint("organization_id", "period_start"),
        CheckConstraint("period_end >= period_start", name="period_ordered"),
        CheckConstraint("visits >= 0", name="visits_nonnegative"),
        CheckConstraint("individuals IS NULL OR individuals >= 0", name="individuals_nonnegative"),
        CheckConstraint("households IS NULL OR households >= 0", name="households_nonnegative"),
        CheckConstraint("meals_on_site IS NULL OR meals_on_site >= 0", name="meals_nonnegative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"), index=True)
    period_start: Mapped[dt.date]
    period_end: Mapped[dt.date]
    visits: Mapped[int]                      # duplicated count: every visit counts
    individuals: Mapped[int | None]          # unduplicated, when the partner has it
    households: Mapped[int | None]
    meals_on_site: Mapped[int | None]
    submitted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    submitted_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())

    organization: Mapped[Organization] = relationship()
    submitted_by: Mapped[User | None] = relationship()


class CoalitionSettings(db.Model):
    """The coalition's measurement settings: a single row (id 1), created with defaults on first use."""

    __tablename__ = "coalition_settings"
    __table_args__ = (
        CheckConstraint("kg_per_meal > 0", name="kg_per_meal_positive"),
        CheckConstraint("co2e_per_kg >= 0", name="co2e_nonnegative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kg_per_meal: Mapped[float] = mapped_column(Float, default=DEFAULT_KG_PER_MEAL)
    co2e_per_kg: Mapped[float] = mapped_column(Float, default=DEFAULT_CO2E_PER_KG)
    public_dashboard: Mapped[bool] = mapped_column(default=False)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
