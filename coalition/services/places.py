"""Where an organization is, as one person may see it: its exact place, or its public place.

Every page, export, feed and message that shows a partner's site goes through ``place_for`` (or a
``Places`` made for the viewer), so the rule of ``permissions.can_see_location`` decides it in one
spot. The public place of a confidential site (a domestic-violence or youth shelter) is its chosen
alias (or name) and the imported neighbourhood containing it: no street address, no coordinates,
and no exact distance, since distances from a few known sites would give the point away.

Routing, matching and the indicators keep reading ``Organization.latitude``/``longitude`` directly:
they need the exact point and show no one the coordinates.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy.orm import Session

from coalition import permissions
from coalition.models import Neighborhood, Organization, User
from coalition.services import geo


@dataclass(frozen=True)
class Place:
    """An organization's site as shown to one viewer.

    ``exact`` is False for the public place of a confidential site: then ``address`` is empty,
    ``latitude``/``longitude`` are None and ``neighborhood`` names the area ("" when the site
    lies outside every imported neighbourhood). An exact place leaves ``neighborhood`` empty.
    """

    organization_id: int
    name: str
    address: str
    latitude: float | None
    longitude: float | None
    neighborhood: str
    exact: bool

    @property
    def has_location(self) -> bool:
        return self.latitude is not None and self.longitude is not None

    @property
    def area(self) -> str:
        """The words shown where the address would be, for a public place."""
        return f"{self.neighborhood} neighbourhood" if self.neighborhood else "Location kept confidential"


def public_name(organization: Organization) -> str:
    """The name anyone may read: a confidential site's alias when it chose one (for messages sent to others)."""
    return (organization.public_alias or organization.name) if organization.confidential else organization.name


def exact_place(organization: Organization) -> Place:
    return Place(organization.id, organization.name, organization.address, organization.latitude,
                 organization.longitude, "", True)


def neighborhood_name(session: Session, organization: Organization) -> str:
    """The name of the imported neighbourhood containing the site, "" when none does (or no point)."""
    if not organization.has_location:
        return ""
    neighborhood_id = geo.neighborhood_id_at(session, organization.latitude, organization.longitude)
    neighborhood = session.get(Neighborhood, neighborhood_id) if neighborhood_id is not None else None
    return neighborhood.name if neighborhood is not None else ""


def public_place(session: Session, organization: Organization) -> Place:
    """What anyone may know of a site: the alias (or name) and the neighbourhood, for a confidential one."""
    if not organization.confidential:
        return exact_place(organization)
    return Place(organization.id, public_name(organization), "", None, None,
                 neighborhood_name(session, organization), False)


def place_for(session: Session, viewer: User | None, organization: Organization, now: dt.datetime,
              tz: dt.tzinfo = dt.timezone.utc) -> Place:
    """The exact place when ``permissions.can_see_location`` allows the viewer, else the public one."""
    if permissions.can_see_location(viewer, organization, now, tz):
        return exact_place(organization)
    return public_place(session, organization)


class Places:
    """``place_for`` bound to one viewer and moment, remembering each organization's answer.

    Lists and reports ask for the same organizations many times; each is decided once.
    Call it with an organization: ``places(organization)``.
    """

    def __init__(self, session: Session, viewer: User | None, now: dt.datetime, tz: dt.tzinfo = dt.timezone.utc):
        self._session, self._viewer, self._now, self._tz = session, viewer, now, tz
        self._seen: dict[int, Place] = {}

    def __call__(self, organization: Organization) -> Place:
        place = self._seen.get(organization.id)
        if place is None:
            place = self._seen[organization.id] = place_for(self._session, self._viewer, organization, self._now, self._tz)
        return place
