"""Organizations: the coalition's partners and the backbone that coordinates them."""
from __future__ import annotations

import datetime as dt
import enum
from typing import TYPE_CHECKING

from sqlalchemy import JSON, CheckConstraint, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from coalition.extensions import db
from coalition.models.base import UTCDateTime, enum_column, utcnow

if TYPE_CHECKING:
    from coalition.models.funding import Grant
    from coalition.models.user import Membership

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


class OrganizationKind(str, enum.Enum):
    GROCERY = "grocery"
    FARM = "farm"
    FOOD_BANK = "food_bank"
    SHELTER = "shelter"
    GOVERNMENT = "government"
    BACKBONE = "backbone"

    @property
    def label(self) -> str:
        return {
            "grocery": "Grocery store",
            "farm": "Farm",
            "food_bank": "Food bank",
            "shelter": "Shelter",
            "government": "Government agency",
            "backbone": "Backbone organization",
        }[self.value]

    @property
    def is_donor(self) -> bool:
        return self in (OrganizationKind.GROCERY, OrganizationKind.FARM)

    @property
    def is_recipient(self) -> bool:
        return self in (OrganizationKind.FOOD_BANK, OrganizationKind.SHELTER)


class Organization(db.Model):
    """A partner of the coalition, with its site, hours and cold storage.

    ``hours`` maps a weekday key (``mon`` .. ``sun``) to a list of
    ``["HH:MM", "HH:MM"]`` opening (or receiving) intervals in the
    coalition's local time; a missing or empty day means closed.
    """

    __tablename__ = "organizations"
    __table_args__ = (
        CheckConstraint("latitude IS NULL OR (latitude >= -90 AND latitude <= 90)", name="latitude_range"),
        CheckConstraint("longitude IS NULL OR (longitude >= -180 AND longitude <= 180)", name="longitude_range"),
        CheckConstraint("refrigerated_capacity_kg >= 0", name="refrigerated_capacity_nonnegative"),
        CheckConstraint("frozen_capacity_kg >= 0", name="frozen_capacity_nonnegative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[OrganizationKind] = mapped_column(
        enum_column(OrganizationKind, "organization_kind")
    )
    name: Mapped[str] = mapped_column(String(200), unique=True)
    address: Mapped[str] = mapped_column(String(300), default="")
    latitude: Mapped[float | None]
    longitude: Mapped[float | None]
    phone: Mapped[str] = mapped_column(String(40), default="")
    hours: Mapped[dict] = mapped_column(JSON, default=dict)
    refrigerated_capacity_kg: Mapped[int] = mapped_column(default=0)
    frozen_capacity_kg: Mapped[int] = mapped_column(default=0)
    active: Mapped[bool] = mapped_column(default=True)
    # A confidential site (a domestic-violence or youth shelter) keeps its address and point from
    # everyone but its own people, the backbone and the driver on the way there
    # (permissions.can_see_location); outsiders see public_alias (when set) and the neighbourhood.
    confidential: Mapped[bool] = mapped_column(default=False)
    public_alias: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)

    memberships: Mapped[list[Membership]] = relationship(
        back_populates="organization", cascade="all, delete-orphan"
    )
    grants_funded: Mapped[list[Grant]] = relationship(back_populates="funder_organization")

    @property
    def has_location(self) -> bool:
        return self.latitude is not None and self.longitude is not None

    def hours_for(self, weekday: str) -> list[list[str]]:
        """The opening intervals for a weekday key, empty when closed."""
        return list(self.hours.get(weekday, [])) if self.hours else []

    def __repr__(self) -> str:
        return f"<Organization {self.id} {self.kind.value} {self.name!r}>"
