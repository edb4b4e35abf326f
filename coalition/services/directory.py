"""The partner directory: each organization's role in the plan, what it accepts, its service area and
its contribution so far; which partners' details are stale, and asking them to confirm.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Callable

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from coalition import permissions
from coalition.errors import PermissionDenied, ValidationError
from coalition.models import (
    KG,
    DeliveryRecord,
    FoodCategory,
    NotificationKind,
    Organization,
    OrganizationKind,
    PartnerProfile,
    PlanRole,
    StorageClass,
    User,
)
from coalition.services import communication, units
from coalition.services.csv_export import write_csv
from coalition.services.notifications import Page
from coalition.services.places import Place


@dataclass
class ProfileInput:
    """The directory details of an organization, as plain values (enum values as strings)."""

    roles: list[str]
    accepted_categories: list[str]
    accepted_storage: list[str]
    service_radius_km: int | None = None
    service_neighborhoods: str = ""


def get_profile(session: Session, organization: Organization) -> PartnerProfile | None:
    return session.get(PartnerProfile, organization.id)


def _enum_values(values: list[str], enum_class, field: str, errors: dict) -> list[str]:
    known = {member.value for member in enum_class}
    chosen = [v for v in dict.fromkeys(values or []) if v]
    if any(v not in known for v in chosen):
        errors[field] = "Choose from the list."
    return [m.value for m in enum_class if m.value in chosen]   # stored in the enum's order


def update_profile(session: Session, actor: User, organization: Organization, data: ProfileInput,
                   now: dt.datetime) -> PartnerProfile:
    """Save an organization's directory details; saving them also confirms they are current.

    Raises PermissionDenied unless its admin or a coalition admin; ValidationError for unknown roles,
    categories or storage classes, a radius outside 0-500 km or over-long neighborhoods.
    """
    if not permissions.can_edit_partner_profile(actor, organization):
        raise PermissionDenied("Only this organization's admins can change its directory details.")
    errors: dict[str, str] = {}
    roles = _enum_values(data.roles, PlanRole, "roles", errors)
    categories = _enum_values(data.accepted_categories, FoodCategory, "accepted_categories", errors)
    storage = _enum_values(data.accepted_storage, StorageClass, "accepted_storage", errors)
    if data.service_radius_km is not None and not 0 <= data.service_radius_km <= 500:
        errors["service_radius_km"] = "Between 0 and 500 km."
    neighborhoods = ", ".join(p.strip() for p in (data.service_neighborhoods or "").split(",") if p.strip())
    if len(neighborhoods) > 500:
        errors["service_neighborhoods"] = "At most 500 characters."
    if errors:
        raise ValidationError("Please correct the highlighted fields.", errors)
    profile = get_profile(session, organization)
    if profile is None:
        profile = PartnerProfile(organization_id=organization.id)
        session.add(profile)
    profile.roles, profile.accepted_categories, profile.accepted_storage = roles, categories, storage
    profile.service_radius_km, profile.service_neighborhoods = data.service_radius_km, neighborhoods
    profile.updated_at = profile.confirmed_at = now
    profile.confirmed_by_id = actor.id
    session.flush()
    return profile


def confirm_details(session: Session, actor: User, organization: Organization, now: dt.datetime) -> PartnerProfile:
    """An organization admin says, in one click, that the directory details are still right."""
    if not permissions.can_confirm_partner_details(actor, organization):
        raise PermissionDenied("Only this organization's admins confirm its details.")
    profile = get_profile(session, organization)
    if profile is None:
        profile = PartnerProfile(organization_id=organization.id, roles=[], accepted_categories=[], accepted_storage=[],
                                 updated_at=now)
        session.add(profile)
    profile.confirmed_at, profile.confirmed_by_id = now, actor.id
    session.flush()
    return profile


def is_stale(profile: PartnerProfile | None, now: dt.datetime, stale_days: int) -> bool:
    """Never confirmed, or confirmed more than ``stale_days`` ago."""
    return profile is None or profile.confirmed_at is None or profile.confirmed_at < now - dt.timedelta(days=stale_days)


def request_confirmation(session: Session, actor: User, organization: Organization, now: dt.datetime) -> int:
    """Ask the organization's people (notification, and e-mail through the job) to confirm its details.

    Returns how many people were notified.
    """
    if not permissions.can_request_confirmation(actor):
        raise PermissionDenied("Only the backbone asks partners to confirm their details.")
    profile = get_profile(session, organization)
    if profile is None:
        profile = PartnerProfile(organization_id=organization.id, roles=[], accepted_categories=[], accepted_storage=[],
                                 updated_at=now)
        session.add(profile)
    profile.confirmation_requested_at = now
    created = communication.notify_organization(
        session, organization, NotificationKind.DETAILS_CHECK, f"Please confirm {organization.name}'s details",
        "The coalition's directory lists your role, what you accept, your hours and service area. "
        "Check them and confirm in one click, or correct them.", Page("directory.detail", {"organization_id": organization.id}), now)
    session.flush()
    return len(created)


def request_all_stale(session: Session, actor: User, now: dt.datetime, stale_days: int) -> int:
    """Ask every active partner with stale details to confirm; returns how many organizations were asked."""
    stale = [e.organization for e in list_directory(session, now, stale_days) if e.stale]
    for organization in stale:
        request_confirmation(session, actor, organization, now)
    return len(stale)


@dataclass
class Entry:
    organization: Organization
    profile: PartnerProfile | None
    donated_g: int
    received_g: int
    stale: bool

    @property
    def donated_kg(self) -> float:
        return self.donated_g / KG

    @property
    def received_kg(self) -> float:
        return self.received_g / KG

    @property
    def roles(self) -> list[PlanRole]:
        return [PlanRole(v) for v in (self.profile.roles if self.profile else [])]

    @property
    def categories(self) -> list[FoodCategory]:
        return [FoodCategory(v) for v in (self.profile.accepted_categories if self.profile else [])]

    @property
    def storage(self) -> list[StorageClass]:
        return [StorageClass(v) for v in (self.profile.accepted_storage if self.profile else [])]


def contributions(session: Session, organization_ids: list[int] | None = None) -> dict[int, tuple[int, int]]:
    """Grams delivered from each organization as donor and to it as recipient: ``{id: (donated_g, received_g)}``."""
    totals: dict[int, list[int]] = {}
    for column, index in ((DeliveryRecord.donor_id, 0), (DeliveryRecord.recipient_id, 1)):
        query = select(column, func.sum(DeliveryRecord.quantity_g)).where(
            DeliveryRecord.outcome == "delivered").group_by(column)
        if organization_ids is not None:
            query = query.where(column.in_(organization_ids))
        for organization_id, grams in session.execute(query):
            totals.setdefault(organization_id, [0, 0])[index] = int(grams or 0)
    return {k: (v[0], v[1]) for k, v in totals.items()}


def entry_for(session: Session, organization: Organization, now: dt.datetime, stale_days: int) -> Entry:
    donated, received = contributions(session, [organization.id]).get(organization.id, (0, 0))
    profile = get_profile(session, organization)
    return Entry(organization, profile, donated, received, is_stale(profile, now, stale_days))


def list_directory(session: Session, now: dt.datetime, stale_days: int, only_stale: bool = False,
                   role: str | None = None) -> list[Entry]:
    """Every active partner (not the backbone) with its profile, contribution and staleness, by kind and name.

    ``role`` (a PlanRole value) keeps the partners that play it; an unknown role keeps none.
    """
    organizations = list(session.scalars(select(Organization).where(
        Organization.active.is_(True), Organization.kind != OrganizationKind.BACKBONE)
        .order_by(Organization.kind, Organization.name)))
    profiles = {p.organization_id: p for p in session.scalars(select(PartnerProfile))}
    totals = contributions(session)
    entries = [Entry(o, profiles.get(o.id), *totals.get(o.id, (0, 0)), is_stale(profiles.get(o.id), now, stale_days))
               for o in organizations]
    if role:
        entries = [e for e in entries if e.profile is not None and role in (e.profile.roles or [])]
    return [e for e in entries if e.stale] if only_stale else entries


CSV_COLUMNS = ("organization", "kind", "roles", "accepts_categories", "accepts_storage", "address", "latitude",
               "longitude", "phone", "service_radius_km", "service_neighborhoods", "{unit}_donated", "{unit}_received",
               "confirmed_at", "stale")


def csv_columns() -> list[str]:
    """The CSV header, weights named in the coalition's unit (lb_donated or kg_donated)."""
    return [column.format(unit=units.label()) for column in CSV_COLUMNS]


def directory_csv(entries: list[Entry], place: Callable[[Organization], Place]) -> str:
    """The directory as CSV (one row per partner; a header alone when there are none).

    ``place`` gives each site as the downloading person may see it (a ``places.Places``).
    """
    rows = []
    for e in entries:
        o, p, site = e.organization, e.profile, place(e.organization)
        rows.append([
            site.name, o.kind.value, " ".join(r.value for r in e.roles), " ".join(c.value for c in e.categories),
            " ".join(s.value for s in e.storage), site.address if site.exact else site.area,
            site.latitude if site.latitude is not None else "",
            site.longitude if site.longitude is not None else "", o.phone,
            p.service_radius_km if p and p.service_radius_km is not None else "",
            p.service_neighborhoods if p else "", units.kg_number(e.donated_kg, grouped=False), units.kg_number(e.received_kg, grouped=False),
            p.confirmed_at.isoformat() if p and p.confirmed_at else "", "yes" if e.stale else "no",
        ])
    return write_csv(csv_columns(), rows)
