"""Creating, editing and listing the coalition's partner organizations."""
from __future__ import annotations

import math
import re
from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from coalition import permissions
from coalition.errors import Conflict, NotFound, PermissionDenied, ValidationError
from coalition.models import WEEKDAYS, Membership, Organization, OrganizationKind, User

_TIME = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")


@dataclass
class OrganizationDetails:
    """The editable facts of an organization, as plain values."""

    kind: OrganizationKind
    name: str
    address: str = ""
    latitude: float | None = None
    longitude: float | None = None
    phone: str = ""
    hours: dict[str, list[list[str]]] = field(default_factory=dict)
    refrigerated_capacity_kg: int = 0
    frozen_capacity_kg: int = 0
    # A confidential site shows others only public_alias (or its name) and its neighbourhood.
    confidential: bool = False
    public_alias: str = ""


def parse_hours(text_by_day: dict[str, str]) -> dict[str, list[list[str]]]:
    """Turn ``{"mon": "08:00-12:00, 13:00-17:00", ...}`` into interval lists.

    Raises ValidationError naming the weekday field (``hours_mon``) when a
    day's text is not a list of ``HH:MM-HH:MM`` intervals with start before end.
    """
    hours: dict[str, list[list[str]]] = {}
    errors: dict[str, str] = {}
    for day in WEEKDAYS:
        text = (text_by_day.get(day) or "").strip()
        if not text or text.lower() == "closed":
            continue
        intervals = []
        for part in text.split(","):
            pieces = [p.strip() for p in part.split("-")]
            if len(pieces) != 2 or not all(_TIME.match(p) for p in pieces):
                errors[f"hours_{day}"] = "Write times like 08:00-17:00, separated by commas."
                break
            if pieces[0] >= pieces[1]:
                errors[f"hours_{day}"] = f"{pieces[0]}-{pieces[1]}: the start must be before the end."
                break
            intervals.append(pieces)
        hours[day] = sorted(intervals)
    if errors:
        raise ValidationError("Check the opening hours.", errors)
    return hours


def format_hours(hours: dict[str, list[list[str]]], day: str) -> str:
    return ", ".join(f"{a}-{b}" for a, b in (hours or {}).get(day, []))


def _validate(session: Session, details: OrganizationDetails, existing_id: int | None) -> None:
    errors: dict[str, str] = {}
    details.name = (details.name or "").strip()
    if not details.name:
        errors["name"] = "Give the organization a name."
    elif session.scalar(
        select(Organization.id).where(func.lower(Organization.name) == details.name.lower(), Organization.id != (existing_id or -1))
    ):
        errors["name"] = "Another organization already has this name."
    if (details.latitude is None) != (details.longitude is None):
        errors["latitude"] = "Give both latitude and longitude, or neither."
    if details.latitude is not None and not (math.isfinite(details.latitude) and -90 <= details.latitude <= 90):
        errors["latitude"] = "Latitude must be between -90 and 90."
    if details.longitude is not None and not (math.isfinite(details.longitude) and -180 <= details.longitude <= 180):
        errors["longitude"] = "Longitude must be between -180 and 180."
    details.public_alias = (details.public_alias or "").strip()
    # An alias may be set before the box is ticked; it is shown only while the location is confidential.
    if len(details.public_alias) > 200:
        errors["public_alias"] = "At most 200 characters."
    elif details.public_alias and session.scalar(select(Organization.id).where(
            func.lower(Organization.name) == details.public_alias.lower(), Organization.id != (existing_id or -1))):
        errors["public_alias"] = "Another organization has this name: choose one that cannot be mistaken for it."
    for name in ("refrigerated_capacity_kg", "frozen_capacity_kg"):
        if getattr(details, name) < 0:
            errors[name] = "Capacity cannot be negative."
    if errors:
        raise ValidationError("Please correct the highlighted fields.", errors)


def create_organization(session: Session, actor: User, details: OrganizationDetails) -> Organization:
    """Add a partner organization. Only coalition admins may; raises ValidationError on bad details."""
    if not permissions.can_create_organization(actor):
        raise PermissionDenied("Only coalition administrators add organizations.")
    _validate(session, details, None)
    organization = Organization(**details.__dict__)
    session.add(organization)
    session.flush()
    return organization


def update_organization(session: Session, actor: User, organization: Organization, details: OrganizationDetails) -> Organization:
    """Change an organization's details. Its kind changes only by a coalition admin."""
    if not permissions.can_edit_organization(actor, organization):
        raise PermissionDenied("Only this organization's admins can change it.")
    if details.kind is not organization.kind and not permissions.is_coalition_admin(actor):
        raise ValidationError("Only the backbone can change an organization's kind.", {"kind": "Cannot be changed here."})
    _validate(session, details, organization.id)
    for key, value in details.__dict__.items():
        setattr(organization, key, value)
    session.flush()
    return organization


def get_organization(session: Session, organization_id: int) -> Organization:
    organization = session.get(Organization, organization_id)
    if organization is None:
        raise NotFound("There is no such organization.")
    return organization


def list_organizations(session: Session, include_inactive: bool = False) -> list[Organization]:
    query = select(Organization).order_by(Organization.kind, Organization.name)
    if not include_inactive:
        query = query.where(Organization.active.is_(True))
    return list(session.scalars(query))


def list_members(session: Session, organization: Organization) -> list[Membership]:
    return list(
        session.scalars(
            select(Membership)
            .join(Membership.user)
            .where(Membership.organization_id == organization.id)
            .order_by(Membership.active.desc(), User.display_name, Membership.role)
        )
    )


def set_organization_active(session: Session, actor: User, organization: Organization, active: bool) -> Organization:
    if not permissions.is_coalition_admin(actor):
        raise PermissionDenied("Only coalition administrators deactivate organizations.")
    if organization.kind is OrganizationKind.BACKBONE and not active:
        raise Conflict("The backbone organization cannot be deactivated.")
    organization.active = active
    session.flush()
    return organization
