"""Every access rule of the coalition, in one place (this package: the coordination rules sit in
``coordination.py`` and are re-exported here, so every rule is ``permissions.<name>``).

Views never test roles themselves: they decorate with ``@login_required`` or
``@requires(predicate)`` and call ``authorize(can_<verb>(user, obj))`` once
they have loaded the object. ``tests/app/pages/test_route_permissions.py`` walks
every URL rule as every demo role against these rules.
"""
from __future__ import annotations

import datetime as dt
from functools import wraps
from typing import Callable

from flask_login import current_user, login_required

from coalition.errors import PermissionDenied
from coalition.models import Claim, Donation, Membership, Need, Organization, OrganizationKind, Role, User

__all__ = [
    "authorize",
    "can_see_location",
    "can_create_organization",
    "can_edit_organization",
    "can_invite",
    "can_manage_people",
    "can_view_organization",
    "can_view_people",
    "invitable_roles",
    "is_backbone_staff",
    "is_coalition_admin",
    "is_signed_in",
    "login_required",
    "requires",
]


def _signed_in(user: User | None) -> bool:
    return user is not None and getattr(user, "is_authenticated", False) and user.is_active


def is_signed_in(user: User | None) -> bool:
    """Pages for every member (home, partners, notifications): an active, signed-in user."""
    return _signed_in(user)


class MemberCapacity:
    """A user seen through one membership only, for asking the rules what that membership allows.

    The home page shows one card per membership; each card offers what the person may do in that
    capacity, so a driver's card does not repeat what the same person may do as staff elsewhere.
    It answers the questions the rules ask of a user, from that one membership.
    """

    is_authenticated = True

    def __init__(self, membership: Membership):
        self.membership = membership
        self.id = membership.user_id

    @property
    def is_active(self) -> bool:
        return self.membership.user.is_active

    @property
    def memberships(self) -> list[Membership]:
        return [self.membership]

    def active_memberships(self) -> list[Membership]:
        membership = self.membership
        return [membership] if membership.active and membership.organization.active else []

    def roles_in(self, organization_id: int) -> set[Role]:
        return {m.role for m in self.active_memberships() if m.organization_id == organization_id}


def has_role(user: User | None, organization_id: int, *roles: Role) -> bool:
    """True when the user holds one of ``roles`` in that organization (active memberships only)."""
    if not _signed_in(user):
        return False
    held = user.roles_in(organization_id)
    return bool(held & set(roles))


def is_coalition_admin(user: User | None) -> bool:
    """Admins of the backbone organization administer the whole coalition."""
    return _signed_in(user) and any(m.is_coalition_admin for m in user.memberships)


def is_backbone_staff(user: User | None) -> bool:
    """Admins and coordinators of the backbone plan and coordinate for everyone."""
    return _signed_in(user) and any(
        m.organization.kind is OrganizationKind.BACKBONE and m.role in (Role.ADMIN, Role.COORDINATOR)
        for m in user.active_memberships()
    )


def can_view_organization(user: User | None, organization: Organization) -> bool:
    """Partners' public profiles (name, kind, address, hours, map) are visible to every member."""
    return _signed_in(user) and (organization.active or is_coalition_admin(user))


def can_see_location(user: User | None, organization: Organization, now: dt.datetime,
                     tz: dt.tzinfo = dt.timezone.utc) -> bool:
    """Whether the user may see the street address and exact point of an organization's site.

    Everyone may for an ordinary partner. For a confidential one (a domestic-violence or youth
    shelter) only its own people, the backbone's staff, and a driver with a stop there on a
    published route, from the route's local day (``now`` in the time zone ``tz``) until the
    stop is finished. Everyone else gets the public place (services/places.py).
    """
    if not organization.confidential:
        return True
    if not _signed_in(user):
        return False
    if any(m.organization_id == organization.id for m in user.active_memberships()) or is_backbone_staff(user):
        return True
    return _drives_open_stop_at(user, organization, now.astimezone(tz).date())


def _drives_open_stop_at(user: User, organization: Organization, today: dt.date) -> bool:
    # A query here rather than in a service: the rule is this module's, and it runs only for
    # confidential sites, which are few.
    from sqlalchemy import and_, or_, select

    from coalition.extensions import db
    from coalition.models import DriverShift, PlanStatus, Route, RoutePlan, Stop, StopStatus

    acting = or_(DriverShift.covered_by_id == user.id,
                 and_(DriverShift.covered_by_id.is_(None), DriverShift.driver_id == user.id))
    return db.session.scalar(
        select(Stop.id).join(Route, Stop.route_id == Route.id).join(RoutePlan, Route.plan_id == RoutePlan.id)
        .join(DriverShift, Route.shift_id == DriverShift.id)
        .where(Stop.organization_id == organization.id, RoutePlan.status == PlanStatus.PUBLISHED,
               RoutePlan.local_date <= today, Stop.status.in_((StopStatus.PENDING, StopStatus.ARRIVED)), acting)
        .limit(1)) is not None


def can_edit_organization(user: User | None, organization: Organization) -> bool:
    return has_role(user, organization.id, Role.ADMIN) or is_coalition_admin(user)


def can_view_people(user: User | None, organization: Organization) -> bool:
    """Who belongs to an organization is private to its admins and the coalition admins."""
    return has_role(user, organization.id, Role.ADMIN) or is_coalition_admin(user)


def can_manage_people(user: User | None, organization: Organization) -> bool:
    """Only an organization's own admins deactivate or re-activate its people."""
    return has_role(user, organization.id, Role.ADMIN)


def invitable_roles(user: User | None, organization: Organization) -> list[Role]:
    """The roles this user may invite people into, in that organization.

    A coalition admin invites an organization's admins (its first one);
    an organization admin invites every role in their own organization.
    """
    if has_role(user, organization.id, Role.ADMIN):
        return list(Role)
    if is_coalition_admin(user):
        return [Role.ADMIN]
    return []


def can_invite(user: User | None, organization: Organization, role: Role) -> bool:
    return role in invitable_roles(user, organization)


def can_create_organization(user: User | None) -> bool:
    return is_coalition_admin(user)


def can_find_places(user: User | None) -> bool:
    """Anyone who enters a place (a partner's site, a driver's start or end) may look addresses up."""
    return _signed_in(user) and bool(user.active_memberships())


def can_import_partners(user: User | None) -> bool:
    """Onboarding a network from a spreadsheet creates organizations: the coalition admins' right."""
    return is_coalition_admin(user)


def can_deactivate_membership(user: User | None, membership: Membership) -> bool:
    return can_manage_people(user, membership.organization) and membership.user_id != user.id


# --- marketplace ------------------------------------------------------------

# Roles that act for an organization in the marketplace (drivers only drive).
ACTING_ROLES = (Role.ADMIN, Role.COORDINATOR, Role.STAFF)


def can_act_for(user: User | None, organization: Organization) -> bool:
    """Admins, coordinators and staff post, claim and cancel for their own organization."""
    return organization.active and has_role(user, organization.id, *ACTING_ROLES)


def can_post_donation(user: User | None, donor: Organization) -> bool:
    return donor.kind.is_donor and can_act_for(user, donor)


def donor_organizations(user: User | None) -> list[Organization]:
    """The groceries and farms this user may post donations for."""
    if not _signed_in(user):
        return []
    found: dict[int, Organization] = {}
    for m in user.active_memberships():
        if m.role in ACTING_ROLES and can_post_donation(user, m.organization):
            found.setdefault(m.organization_id, m.organization)
    return list(found.values())


def can_post_any_donation(user: User | None) -> bool:
    """Donor pages (my donations, posting, schedules, partners) are for people acting for a grocery or farm."""
    return bool(donor_organizations(user))


def can_manage_schedule(user: User | None, schedule) -> bool:
    """A recurring pickup is changed or cancelled by its donor's people."""
    return can_act_for(user, schedule.donor)


def can_manage_donation(user: User | None, donation: Donation) -> bool:
    """Edit, cancel, repost or set up recurrences: the donor's people, or the backbone."""
    return can_act_for(user, donation.donor) or is_backbone_staff(user)


def recipient_organizations(user: User | None) -> list[Organization]:
    """The food banks and shelters this user may claim for."""
    if not _signed_in(user):
        return []
    return [m.organization for m in user.active_memberships()
            if m.organization.kind.is_recipient and m.role in ACTING_ROLES]


def can_browse_supply(user: User | None) -> bool:
    return bool(recipient_organizations(user)) or is_backbone_staff(user)


def can_view_donation(user: User | None, donation: Donation) -> bool:
    """Donors see their own; recipients and the backbone see all supply; claimants see what they claimed."""
    return can_manage_donation(user, donation) or can_browse_supply(user)


def can_claim_for(user: User | None, recipient: Organization) -> bool:
    """A recipient's people claim for it; the backbone's coordinators claim on anyone's behalf."""
    if not recipient.kind.is_recipient or not recipient.active:
        return False
    return can_act_for(user, recipient) or is_backbone_staff(user)


def can_manage_claim(user: User | None, claim: Claim) -> bool:
    """Undo, release or reschedule: the recipient's people or the backbone."""
    return can_act_for(user, claim.recipient) or is_backbone_staff(user)


def can_view_claim(user: User | None, claim: Claim) -> bool:
    return can_manage_claim(user, claim) or can_act_for(user, claim.line.donation.donor)


def can_reassign_claims(user: User | None) -> bool:
    return is_backbone_staff(user)


def can_post_need(user: User | None, recipient: Organization) -> bool:
    return recipient.kind.is_recipient and (can_act_for(user, recipient) or is_backbone_staff(user))


def can_manage_need(user: User | None, need: Need) -> bool:
    return can_post_need(user, need.recipient)


def can_view_need(user: User | None, need: Need) -> bool:
    """Needs are shared with the coalition's donors and the backbone so supply can meet them."""
    return _signed_in(user) and (can_manage_need(user, need) or is_backbone_staff(user) or any(
        m.organization.kind.is_donor for m in user.active_memberships()))


def can_run_matching(user: User | None) -> bool:
    return is_backbone_staff(user)


# --- dispatch (coordinator side): shifts, planning, food-safety policy ---------

def driver_organizations(user: User | None) -> list[Organization]:
    """The organizations this user drives for (their active driver memberships)."""
    if not _signed_in(user):
        return []
    return [m.organization for m in user.active_memberships() if m.role is Role.DRIVER]


def can_post_shift_for(user: User | None, driver: User, organization: Organization) -> bool:
    """A driver posts their own availability for an organization they drive for; the backbone's staff
    for any driver, and an organization's admins and coordinators for its own drivers."""
    if not _signed_in(user) or not has_role(driver, organization.id, Role.DRIVER):
        return False
    return (user.id == driver.id or is_backbone_staff(user)
            or has_role(user, organization.id, Role.ADMIN, Role.COORDINATOR))


def can_manage_shift(user: User | None, shift) -> bool:
    """Change or cancel a shift: whoever may post it."""
    return can_post_shift_for(user, shift.driver, shift.organization)


def can_use_shifts(user: User | None) -> bool:
    """The shifts pages: drivers, the backbone, and the admins/coordinators of organizations with drivers."""
    if not _signed_in(user):
        return False
    return bool(driver_organizations(user)) or is_backbone_staff(user) or any(
        m.role in (Role.ADMIN, Role.COORDINATOR) and any(o.role is Role.DRIVER and o.active for o in m.organization.memberships)
        for m in user.active_memberships())


def can_plan_routes(user: User | None) -> bool:
    """Planning, reviewing, re-solving and publishing the day's routes is the backbone's."""
    return is_backbone_staff(user)


def can_manage_food_safety(user: User | None) -> bool:
    return is_backbone_staff(user)


# --- recipient-side pages: the needs list, posting needs -----------------------

def can_list_needs(user: User | None) -> bool:
    """Open needs are listed for recipients, donors and the backbone (the same people as can_view_need)."""
    return can_browse_supply(user) or (_signed_in(user) and any(
        m.organization.kind.is_donor for m in user.active_memberships()))


def can_post_any_need(user: User | None) -> bool:
    """Whether the person may post a need for some recipient (their own, or anyone's for the backbone)."""
    return bool(recipient_organizations(user)) or is_backbone_staff(user)


# --- shared measurement: dashboards, goal, partner reports -----------------------

def can_manage_measurement(user: User | None) -> bool:
    """The backbone sets the goal and factors, imports neighborhoods, enters survey values and sees everything."""
    return is_backbone_staff(user)


def can_view_partner_dashboard(user: User | None, organization: Organization) -> bool:
    """A partner sees its own contribution; the backbone sees every partner's."""
    kind = organization.kind
    return (kind.is_donor or kind.is_recipient) and (can_act_for(user, organization) or is_backbone_staff(user))


def can_view_coalition_progress(user: User | None) -> bool:
    """Shared measurement: every member of every partner organization (the city agency and drivers too)
    sees the coalition's aggregate progress toward the common goal, and the neighborhood briefs."""
    return _signed_in(user) and bool(user.active_memberships())


def can_view_own_part(user: User | None, organization: Organization) -> bool:
    """An organization's own part of the progress is for its members, and for the backbone."""
    return _signed_in(user) and (bool(user.roles_in(organization.id)) or is_backbone_staff(user))


def can_download_all_briefs(user: User | None) -> bool:
    """Every neighborhood's brief at once is for policy work: the city agency's people and the backbone."""
    return is_backbone_staff(user) or (_signed_in(user) and any(
        m.organization.kind is OrganizationKind.GOVERNMENT and m.role in ACTING_ROLES for m in user.active_memberships()))


def can_submit_partner_report(user: User | None, organization: Organization) -> bool:
    """Food banks and shelters report the people they served; the backbone may enter or correct it for them."""
    return organization.kind.is_recipient and (can_act_for(user, organization) or is_backbone_staff(user))


def can_report_for_any(user: User | None) -> bool:
    return bool(recipient_organizations(user)) or is_backbone_staff(user)


# --- dispatch, driver side: the driver app, rescues, cover, corrections --------------

def is_driver(user: User | None) -> bool:
    """Volunteer drivers (an active driver membership anywhere) use the driver app, take rescues and cover shifts."""
    return _signed_in(user) and any(m.role is Role.DRIVER for m in user.active_memberships())


def can_drive_stop(user: User | None, stop) -> bool:
    """Only the acting driver of a published route (the shift's cover, else its own driver) records its stops."""
    from coalition.models import PlanStatus

    route = stop.route
    return (_signed_in(user) and route.plan.status is PlanStatus.PUBLISHED
            and route.shift.acting_driver_id == user.id)


def can_request_cover(user: User | None, shift) -> bool:
    return _signed_in(user) and shift.driver_id == user.id and shift.covered_by_id is None


def can_cover_shift(user: User | None, shift) -> bool:
    return is_driver(user) and shift.driver_id != user.id


def can_dispatch(user: User | None) -> bool:
    """The backbone offers rescues, sees uncovered work and corrects delivered kg after the fact."""
    return is_backbone_staff(user)


def can_answer_no_show(user: User | None, no_show) -> bool:
    """"Are you on your way?" is answered by the late pickup's own driver only."""
    return _signed_in(user) and no_show.driver_id == user.id


def can_handle_no_shows(user: User | None) -> bool:
    """The coordinators who plan routes follow late pickups: re-plan, offer as a rescue, record a missed one."""
    return can_plan_routes(user)


def can_view_reliability(user: User | None) -> bool:
    """A driver's record of late and missed pickups is for the coordinators only: never other drivers, nor
    the partners they drive for."""
    return can_plan_routes(user)


def authorize(allowed: bool, message: str = "You do not have permission to do that.") -> None:
    """Raise PermissionDenied unless ``allowed``; views call it after loading the object."""
    if not allowed:
        raise PermissionDenied(message)


def requires(predicate: Callable[[User], bool]):
    """Decorator: the signed-in user must satisfy ``predicate`` (anonymous users are sent to sign in)."""

    def decorator(view):
        @wraps(view)
        @login_required
        def wrapped(*args, **kwargs):
            authorize(predicate(current_user))
            return view(*args, **kwargs)

        return wrapped

    return decorator


# The coordination rules live in their own module (the seam keeps each file readable); they are
# imported here, after the rules they build on, so every rule is still ``permissions.<name>``.
from coalition.permissions.coordination import (  # noqa: E402, F401  (re-exported; needs the rules above)
    can_manage_readiness,
    can_edit_driver_profile,
    receipt_organizations,
    can_view_receipts,
    can_view_any_receipts,
    can_view_cold_chain_report,
    can_view_compliance_reports,
    can_rate_any_delivery,
    can_rate_delivery,
    can_give_feedback,
    can_flag_any_pickup,
    can_flag_pickup,
    can_view_repeated_problems,
    acting_organizations,
    can_view_network,
    can_edit_partner_profile,
    can_confirm_partner_details,
    can_request_confirmation,
    can_broadcast,
    can_view_announcement,
    can_view_inbox,
    can_use_inbox,
    can_manage_meetings,
    can_view_meetings,
    can_complete_action_item,
    can_create_project,
    can_view_project,
    can_contribute_to_project,
    can_manage_funding,
    funding_organizations,
    can_view_funding,
    can_view_grant,
    can_view_funder_reports,
)
