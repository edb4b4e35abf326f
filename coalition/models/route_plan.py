"""A day's plan: routes of ordered stops, built from claims and shifts by routing/, then driven."""
from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import JSON, CheckConstraint, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from coalition.extensions import db
from coalition.models.base import UTCDateTime, enum_column, utcnow
from coalition.models.claim import Claim
from coalition.models.organization import Organization
from coalition.models.shift import DriverShift
from coalition.models.user import User


class PlanStatus(str, enum.Enum):
    DRAFT = "draft"            # created; no solve yet
    SOLVING = "solving"        # a background job is running
    READY = "ready"            # solved; the coordinator reviews it
    FAILED = "failed"          # the job crashed or was killed; the previous plan stands
    PUBLISHED = "published"    # drivers, donors and recipients were told
    SUPERSEDED = "superseded"  # a newer plan for the same day was published


class RoutePlan(db.Model):
    __tablename__ = "route_plans"

    id: Mapped[int] = mapped_column(primary_key=True)
    local_date: Mapped[dt.date] = mapped_column(index=True)
    zone: Mapped[str] = mapped_column(String(60), default="")      # "" = the whole city
    status: Mapped[PlanStatus] = mapped_column(enum_column(PlanStatus, "plan_status"), default=PlanStatus.DRAFT, index=True)
    # Optional time range of the day the plan covers (UTC); None = the whole day.
    window_start: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    window_end: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    # Background job bookkeeping: the page polls these.
    job_id: Mapped[str] = mapped_column(String(100), default="")
    progress_pct: Mapped[int] = mapped_column(default=0)
    message: Mapped[str] = mapped_column(Text, default="")          # what happened (errors in words)
    params: Mapped[dict] = mapped_column(JSON, default=dict)        # time limit, objective ...
    figures: Mapped[dict] = mapped_column(JSON, default=dict)       # kg moved, km, volunteer hours, share served
    solution: Mapped[dict | None] = mapped_column(JSON)             # routing.Solution.to_dict(), for re-optimization
    # Where the travel times came from: "osrm" (roads), "straight_line" (no road server configured) or
    # "straight_line_fallback" (configured but unreachable): the pages and the CLI say which.
    travel: Mapped[str] = mapped_column(String(30), default="straight_line", server_default="straight_line")
    based_on_id: Mapped[int | None] = mapped_column(ForeignKey("route_plans.id", ondelete="SET NULL"))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    solved_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    published_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())

    created_by: Mapped[User | None] = relationship()
    routes: Mapped[list[Route]] = relationship(back_populates="plan", cascade="all, delete-orphan", order_by="Route.id")
    drops: Mapped[list[PlanDrop]] = relationship(back_populates="plan", cascade="all, delete-orphan")


class Route(db.Model):
    """One driver's route in a plan."""

    __tablename__ = "routes"

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("route_plans.id", ondelete="CASCADE"), index=True)
    shift_id: Mapped[int] = mapped_column(ForeignKey("driver_shifts.id", ondelete="CASCADE"), index=True)
    driver_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    start_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    end_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    distance_m: Mapped[int] = mapped_column(default=0)
    duration_s: Mapped[int] = mapped_column(default=0)
    started_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    finished_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())

    plan: Mapped[RoutePlan] = relationship(back_populates="routes")
    shift: Mapped[DriverShift] = relationship()
    driver: Mapped[User] = relationship()
    stops: Mapped[list[Stop]] = relationship(back_populates="route", cascade="all, delete-orphan", order_by="Stop.position")


class StopKind(str, enum.Enum):
    PICKUP = "pickup"
    DELIVERY = "delivery"


class StopStatus(str, enum.Enum):
    PENDING = "pending"
    ARRIVED = "arrived"
    DONE = "done"             # picked up (pickup stop) or delivered (delivery stop)
    PROBLEM = "problem"       # not ready, nothing to collect, refused, no access
    SKIPPED = "skipped"       # moved to another route by re-planning


class ProblemKind(str, enum.Enum):
    NOT_READY = "not_ready"
    NOTHING_TO_COLLECT = "nothing_to_collect"
    REFUSED = "refused"
    NO_ACCESS = "no_access"


class Stop(db.Model):
    """A pickup or delivery of one claim on a route, with its planned times and what really happened."""

    __tablename__ = "stops"
    __table_args__ = (
        UniqueConstraint("route_id", "position"),
        CheckConstraint("actual_g IS NULL OR actual_g >= 0", name="actual_nonnegative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    route_id: Mapped[int] = mapped_column(ForeignKey("routes.id", ondelete="CASCADE"), index=True)
    position: Mapped[int]
    kind: Mapped[StopKind] = mapped_column(enum_column(StopKind, "stop_kind"))
    claim_id: Mapped[int] = mapped_column(ForeignKey("claims.id", ondelete="CASCADE"), index=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"))
    latitude: Mapped[float]
    longitude: Mapped[float]
    arrival_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    service_start_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    departure_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    load_after_g: Mapped[int] = mapped_column(default=0)
    # Food safety: the latest time this food may still be on the road (pickup + max ride, capped by use-by).
    safe_until: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    locked: Mapped[bool] = mapped_column(default=False)   # the coordinator pinned it to this route
    status: Mapped[StopStatus] = mapped_column(enum_column(StopStatus, "stop_status"), default=StopStatus.PENDING)
    arrived_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    completed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    actual_g: Mapped[int | None]
    temperature_c: Mapped[float | None]
    receiver_name: Mapped[str] = mapped_column(String(120), default="")
    problem_kind: Mapped[ProblemKind | None] = mapped_column(enum_column(ProblemKind, "problem_kind"))
    note: Mapped[str] = mapped_column(String(500), default="")
    photo_filename: Mapped[str | None] = mapped_column(String(100))

    route: Mapped[Route] = relationship(back_populates="stops")
    claim: Mapped[Claim] = relationship()
    organization: Mapped[Organization] = relationship()


class PlanDrop(db.Model):
    """A claim the plan could not serve, with routing's reason in words a coordinator understands."""

    __tablename__ = "plan_drops"

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("route_plans.id", ondelete="CASCADE"), index=True)
    claim_id: Mapped[int] = mapped_column(ForeignKey("claims.id", ondelete="CASCADE"))
    reason: Mapped[str] = mapped_column(String(40))
    message: Mapped[str] = mapped_column(String(500))

    plan: Mapped[RoutePlan] = relationship(back_populates="drops")
    claim: Mapped[Claim] = relationship()


class StopAction(db.Model):
    """Every driver action on a stop, keyed by the phone's own id so a retried or replayed action counts once."""

    __tablename__ = "stop_actions"

    id: Mapped[int] = mapped_column(primary_key=True)
    client_action_id: Mapped[str] = mapped_column(String(64), unique=True)
    stop_id: Mapped[int] = mapped_column(ForeignKey("stops.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    action: Mapped[str] = mapped_column(String(20))     # arrived, picked_up, delivered, problem
    payload: Mapped[dict] = mapped_column(JSON, default=dict)
    performed_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())   # on the phone (may be offline)
    received_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)


class FoodSafetyRule(db.Model):
    """How long food of a storage class may travel on a vehicle of a cold-chain capability.

    No row for a pair means the built-in default (services/food_safety.py):
    ambient 8 h; cold food 2 h out of refrigeration (the danger-zone rule),
    4 h when it starts cold and travels insulated (FDA Food Code time as a
    public health control), the whole shift when refrigerated; never past use-by.
    """

    __tablename__ = "food_safety_rules"
    __table_args__ = (UniqueConstraint("storage", "cold_chain"), CheckConstraint("max_minutes > 0", name="max_minutes_positive"))

    id: Mapped[int] = mapped_column(primary_key=True)
    storage: Mapped[str] = mapped_column(String(20))
    cold_chain: Mapped[str] = mapped_column(String(20))
    max_minutes: Mapped[int]
