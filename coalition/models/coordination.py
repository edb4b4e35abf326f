"""Coalition coordination: partner profiles in the directory, announcements with read receipts,
meetings with action items, each person's e-mail rhythm, and co-creation projects.
"""
from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import JSON, CheckConstraint, Float, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from coalition.extensions import db
from coalition.models.base import UTCDateTime, enum_column, utcnow
from coalition.models.organization import Organization
from coalition.models.user import User


class PlanRole(str, enum.Enum):
    """What an organization does in the coalition's plan (several may apply)."""

    DONATES = "donates"
    DISTRIBUTES = "distributes"
    STORES = "stores"
    TRANSPORTS = "transports"
    FUNDS = "funds"
    ADVOCATES = "advocates"

    @property
    def label(self) -> str:
        return self.value.capitalize()


class PartnerProfile(db.Model):
    """An organization's entry in the partner directory, beside its site and hours.

    ``roles``, ``accepted_categories`` and ``accepted_storage`` are lists of
    enum values; ``service_neighborhoods`` is free text (names, comma separated).
    ``confirmed_at`` is when one of its admins last said the details are right.
    """

    __tablename__ = "partner_profiles"
    __table_args__ = (
        CheckConstraint("service_radius_km IS NULL OR (service_radius_km >= 0 AND service_radius_km <= 500)",
                        name="service_radius_range"),
    )

    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"), primary_key=True)
    roles: Mapped[list] = mapped_column(JSON, default=list)
    accepted_categories: Mapped[list] = mapped_column(JSON, default=list)
    accepted_storage: Mapped[list] = mapped_column(JSON, default=list)
    service_radius_km: Mapped[int | None]
    service_neighborhoods: Mapped[str] = mapped_column(String(500), default="")
    confirmed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    confirmed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    confirmation_requested_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)

    organization: Mapped[Organization] = relationship()


class Audience(str, enum.Enum):
    ALL = "all"
    KIND = "kind"
    NEIGHBORHOOD = "neighborhood"

    @property
    def label(self) -> str:
        return {"all": "All partners", "kind": "Partners of one kind",
                "neighborhood": "Partners in one neighborhood"}[self.value]


class Announcement(db.Model):
    """A message from the backbone to a set of organizations, fixed when it is posted."""

    __tablename__ = "announcements"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    audience: Mapped[Audience] = mapped_column(enum_column(Audience, "announcement_audience"))
    # The organization kind's value, or the neighborhood's id, the audience was chosen by.
    audience_value: Mapped[str] = mapped_column(String(40), default="")
    audience_label: Mapped[str] = mapped_column(String(200), default="")
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)

    author: Mapped[User | None] = relationship()
    receipts: Mapped[list[AnnouncementReceipt]] = relationship(
        back_populates="announcement", cascade="all, delete-orphan")


class AnnouncementReceipt(db.Model):
    """One addressed organization of an announcement; ``read_at`` is when one of its people first read it."""

    __tablename__ = "announcement_receipts"
    __table_args__ = (UniqueConstraint("announcement_id", "organization_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    announcement_id: Mapped[int] = mapped_column(ForeignKey("announcements.id", ondelete="CASCADE"), index=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"), index=True)
    read_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    read_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    announcement: Mapped[Announcement] = relationship(back_populates="receipts")
    organization: Mapped[Organization] = relationship()
    read_by: Mapped[User | None] = relationship()


class Meeting(db.Model):
    """A coalition meeting: its agenda before, its notes and decisions after."""

    __tablename__ = "meetings"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    starts_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), index=True)
    agenda: Mapped[str] = mapped_column(Text, default="")
    notes: Mapped[str] = mapped_column(Text, default="")
    decisions: Mapped[str] = mapped_column(Text, default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)

    action_items: Mapped[list[ActionItem]] = relationship(
        back_populates="meeting", cascade="all, delete-orphan", order_by="ActionItem.due_on")


class ActionItem(db.Model):
    """Something an organization agreed at a meeting to do by a date (a local calendar date)."""

    __tablename__ = "action_items"

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id", ondelete="CASCADE"), index=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"), index=True)
    description: Mapped[str] = mapped_column(String(300))
    due_on: Mapped[dt.date]
    done_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    done_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    reminded_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)

    meeting: Mapped[Meeting] = relationship(back_populates="action_items")
    organization: Mapped[Organization] = relationship()

    def is_overdue(self, today: dt.date) -> bool:
        return self.done_at is None and self.due_on < today


class CommunicationPreference(db.Model):
    """How a person wants coordination e-mail: at once (no row, the default) or in one daily digest."""

    __tablename__ = "communication_preferences"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    daily_digest: Mapped[bool] = mapped_column(default=False)
    last_digest_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())


class ProjectIndicator(str, enum.Enum):
    """The shared indicators a project's goals are measured in."""

    KG_GROWN = "kg_grown"
    KG_DISTRIBUTED = "kg_distributed"
    PEOPLE_FED = "people_fed"
    MEALS_SERVED = "meals_served"
    VOLUNTEER_HOURS = "volunteer_hours"

    @property
    def label(self) -> str:
        return {"kg_grown": "Food grown", "kg_distributed": "Food distributed", "people_fed": "People fed",
                "meals_served": "Meals served", "volunteer_hours": "Volunteer hours"}[self.value]

    @property
    def unit(self) -> str:
        return {"kg_grown": "kg", "kg_distributed": "kg", "people_fed": "people", "meals_served": "meals",
                "volunteer_hours": "hours"}[self.value]


class Project(db.Model):
    """A co-creation project several partners run together (a community garden, a cooking class...)."""

    __tablename__ = "projects"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    description: Mapped[str] = mapped_column(Text, default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)

    partners: Mapped[list[ProjectPartner]] = relationship(back_populates="project", cascade="all, delete-orphan")
    goals: Mapped[list[ProjectGoal]] = relationship(back_populates="project", cascade="all, delete-orphan",
                                                    order_by="ProjectGoal.id")
    tasks: Mapped[list[ProjectTask]] = relationship(back_populates="project", cascade="all, delete-orphan",
                                                    order_by="ProjectTask.id")
    updates: Mapped[list[ProjectUpdate]] = relationship(back_populates="project", cascade="all, delete-orphan",
                                                        order_by="ProjectUpdate.created_at.desc()")

    @property
    def partner_ids(self) -> set[int]:
        return {p.organization_id for p in self.partners}


class ProjectPartner(db.Model):
    __tablename__ = "project_partners"
    __table_args__ = (UniqueConstraint("project_id", "organization_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"), index=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"), index=True)

    project: Mapped[Project] = relationship(back_populates="partners")
    organization: Mapped[Organization] = relationship()


class ProjectGoal(db.Model):
    """A target in one shared indicator; progress is the sum of what partners entered."""

    __tablename__ = "project_goals"
    __table_args__ = (
        UniqueConstraint("project_id", "indicator"),
        CheckConstraint("target_value > 0", name="target_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"), index=True)
    indicator: Mapped[ProjectIndicator] = mapped_column(enum_column(ProjectIndicator, "project_indicator"))
    target_value: Mapped[float] = mapped_column(Float)

    project: Mapped[Project] = relationship(back_populates="goals")
    progress: Mapped[list[ProjectProgress]] = relationship(back_populates="goal", cascade="all, delete-orphan",
                                                           order_by="ProjectProgress.entered_at")

    @property
    def unit(self) -> str:
        return self.indicator.unit

    @property
    def achieved(self) -> float:
        return sum(p.value for p in self.progress)

    @property
    def percent(self) -> float:
        return min(100.0, 100.0 * self.achieved / self.target_value)


class ProjectProgress(db.Model):
    __tablename__ = "project_progress"
    __table_args__ = (CheckConstraint("value > 0", name="value_positive"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    goal_id: Mapped[int] = mapped_column(ForeignKey("project_goals.id", ondelete="CASCADE"), index=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"))
    value: Mapped[float] = mapped_column(Float)
    note: Mapped[str] = mapped_column(String(300), default="")
    entered_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    entered_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)

    goal: Mapped[ProjectGoal] = relationship(back_populates="progress")
    organization: Mapped[Organization] = relationship()


class ProjectTask(db.Model):
    __tablename__ = "project_tasks"

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"), index=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"))
    title: Mapped[str] = mapped_column(String(300))
    due_on: Mapped[dt.date | None]
    done_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)

    project: Mapped[Project] = relationship(back_populates="tasks")
    organization: Mapped[Organization] = relationship()


class ProjectUpdate(db.Model):
    """One entry of a project's timeline, written by a partner's person."""

    __tablename__ = "project_updates"

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"), index=True)
    organization_id: Mapped[int | None] = mapped_column(ForeignKey("organizations.id", ondelete="SET NULL"))
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)

    project: Mapped[Project] = relationship(back_populates="updates")
    organization: Mapped[Organization | None] = relationship()
    author: Mapped[User | None] = relationship()
