"""People and their roles in organizations."""
from __future__ import annotations

import datetime as dt
import enum

from flask_login import UserMixin
from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from coalition.extensions import db
from coalition.models.base import UTCDateTime, enum_column, utcnow
from coalition.models.organization import Organization, OrganizationKind


class Role(str, enum.Enum):
    ADMIN = "admin"
    COORDINATOR = "coordinator"
    STAFF = "staff"
    DRIVER = "driver"

    @property
    def label(self) -> str:
        return self.value.capitalize()


def normalize_email(email: str) -> str:
    """E-mail addresses are compared case-insensitively: store them lower-cased."""
    return email.strip().lower()


class User(UserMixin, db.Model):
    """A person who signs in. What they may do comes from their memberships."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    # Always stored lower-cased (see the validator), so the unique constraint
    # is a case-insensitive one.
    email: Mapped[str] = mapped_column(String(254), unique=True)
    password_hash: Mapped[str | None] = mapped_column(String(255))
    display_name: Mapped[str] = mapped_column(String(120))
    phone: Mapped[str] = mapped_column(String(40), default="")
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    last_login_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    # Part of every session and remember-me cookie (see get_id): raising it ends them all at once.
    session_generation: Mapped[int] = mapped_column(default=0, server_default="0")
    # Quiet hours, local "HH:MM" (the coalition's time zone): nothing is pushed from start to end except
    # urgent news. Either empty, or start equal to end, means none.
    quiet_start: Mapped[str | None] = mapped_column(String(5))
    quiet_end: Mapped[str | None] = mapped_column(String(5))

    memberships: Mapped[list[Membership]] = relationship(
        back_populates="user", cascade="all, delete-orphan"
    )

    @validates("email")
    def _normalize_email(self, _key: str, email: str) -> str:
        return normalize_email(email)

    @property
    def is_active(self) -> bool:  # Flask-Login refuses inactive users
        return self.active

    def get_id(self) -> str:
        """Flask-Login's "alternative id": the user id and the session generation, as ``"<id>.<generation>"``.

        It is what sessions and remember-me cookies store, so a cookie signed before the generation was
        raised (sign-out, new password, deactivation) names no one any more.
        """
        return f"{self.id}.{self.session_generation or 0}"

    def active_memberships(self) -> list[Membership]:
        return [m for m in self.memberships if m.active and m.organization.active]

    def roles_in(self, organization_id: int) -> set[Role]:
        return {m.role for m in self.active_memberships() if m.organization_id == organization_id}

    def __repr__(self) -> str:
        return f"<User {self.id} {self.email}>"


class Membership(db.Model):
    """A user's role in one organization. A user may hold several."""

    __tablename__ = "memberships"
    __table_args__ = (UniqueConstraint("user_id", "organization_id", "role"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    organization_id: Mapped[int] = mapped_column(
        ForeignKey("organizations.id", ondelete="CASCADE"), index=True
    )
    role: Mapped[Role] = mapped_column(
        enum_column(Role, "membership_role")
    )
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)

    user: Mapped[User] = relationship(back_populates="memberships")
    organization: Mapped[Organization] = relationship(back_populates="memberships")

    @property
    def is_coalition_admin(self) -> bool:
        return (
            self.active
            and self.role is Role.ADMIN
            and self.organization.kind is OrganizationKind.BACKBONE
            and self.organization.active
        )

    def __repr__(self) -> str:
        return f"<Membership user={self.user_id} org={self.organization_id} {self.role.value}>"
