"""Access rules of coordination: volunteer readiness, receipts and compliance reports, feedback,
the partner directory, announcements, meetings, inboxes, projects and funding.

Part of :mod:`coalition.permissions`, which re-exports every rule here: callers and templates use
``permissions.can_<verb>`` and never import this module themselves.
"""
from __future__ import annotations

from coalition.models import Claim, Organization, Role, User
from coalition.permissions import (
    ACTING_ROLES,
    _signed_in,
    can_act_for,
    can_edit_organization,
    donor_organizations,
    has_role,
    is_backbone_staff,
    recipient_organizations,
)

# --- coordination: volunteer readiness, donor receipts and compliance, feedback -------------

def can_manage_readiness(user: User | None) -> bool:
    """The backbone sees every driver's readiness and expiries, and pairs new drivers with mentors."""
    return is_backbone_staff(user)


def can_edit_driver_profile(user: User | None, driver: User) -> bool:
    """A driver records their own readiness; the backbone, or the admins and coordinators of an
    organization they drive for, may record it for them."""
    if not _signed_in(user) or not any(m.role is Role.DRIVER for m in driver.active_memberships()):
        return False
    return user.id == driver.id or is_backbone_staff(user) or any(
        has_role(user, m.organization_id, Role.ADMIN, Role.COORDINATOR)
        for m in driver.active_memberships() if m.role is Role.DRIVER)


def receipt_organizations(user: User | None) -> list[Organization]:
    """The groceries and farms whose donation receipts this user may download (those they act for)."""
    return donor_organizations(user)


def can_view_receipts(user: User | None, donor: Organization) -> bool:
    """A donor's receipts are its own people's; the backbone sees every donor's."""
    return donor.kind.is_donor and (can_act_for(user, donor) or is_backbone_staff(user))


def can_view_any_receipts(user: User | None) -> bool:
    return bool(receipt_organizations(user)) or is_backbone_staff(user)


def can_view_cold_chain_report(user: User | None, organization: Organization) -> bool:
    """A donor's or recipient's monthly cold-chain report is its own people's; the backbone sees every partner's."""
    return (organization.kind.is_donor or organization.kind.is_recipient) and (
        can_act_for(user, organization) or is_backbone_staff(user))


def can_view_compliance_reports(user: User | None) -> bool:
    """The monthly per-donor and per-recipient weight report (SB 1383 layout) and the $/kg estimates."""
    return is_backbone_staff(user)


def can_rate_any_delivery(user: User | None) -> bool:
    return bool(recipient_organizations(user))


def can_rate_delivery(user: User | None, recipient: Organization) -> bool:
    """Only the receiving food bank's or shelter's own people rate the food it received."""
    return recipient.kind.is_recipient and can_act_for(user, recipient)


def can_give_feedback(user: User | None, organization: Organization) -> bool:
    """Donors and recipients take part in feedback (rate deliveries, flag pickups, read what partners said)
    through the people who act for them."""
    return (organization.kind.is_donor or organization.kind.is_recipient) and can_act_for(user, organization)


def can_flag_any_pickup(user: User | None) -> bool:
    drives = _signed_in(user) and any(m.role is Role.DRIVER for m in user.active_memberships())
    return drives or bool(recipient_organizations(user)) or is_backbone_staff(user)


def can_flag_pickup(user: User | None, claim: Claim, drove_it: bool) -> bool:
    """Who collected the food flags a problem with its donor: the driver who did the pickup
    (``drove_it``, decided by the service), the claiming recipient's people (they often collect
    themselves), or the backbone."""
    return _signed_in(user) and (drove_it or can_act_for(user, claim.recipient) or is_backbone_staff(user))


def can_view_repeated_problems(user: User | None) -> bool:
    return is_backbone_staff(user)


# --- coordination: directory, announcements, meetings, inboxes, projects --------------

def acting_organizations(user: User | None) -> list[Organization]:
    """Every organization this user acts for (admin, coordinator or staff), once each."""
    if not _signed_in(user):
        return []
    found: dict[int, Organization] = {}
    for m in user.active_memberships():
        if m.role in ACTING_ROLES:
            found.setdefault(m.organization_id, m.organization)
    return list(found.values())


def can_view_network(user: User | None) -> bool:
    """The whole partner network (map, table, CSV, stale details) is the backbone's view."""
    return is_backbone_staff(user)


def can_edit_partner_profile(user: User | None, organization: Organization) -> bool:
    """Directory details (role in the plan, what it accepts, service area): its admins or a coalition admin."""
    return can_edit_organization(user, organization)


def can_confirm_partner_details(user: User | None, organization: Organization) -> bool:
    """Only the organization's own admins vouch that its details are still right."""
    return organization.active and has_role(user, organization.id, Role.ADMIN)


def can_request_confirmation(user: User | None) -> bool:
    return is_backbone_staff(user)


def can_broadcast(user: User | None) -> bool:
    """Only the backbone posts announcements, to everyone or to a group."""
    return is_backbone_staff(user)


def can_view_announcement(user: User | None, announcement) -> bool:
    """The backbone sees every announcement with its receipts; a partner sees those addressed to it."""
    if is_backbone_staff(user):
        return True
    mine = {o.id for o in acting_organizations(user)}
    return any(r.organization_id in mine for r in announcement.receipts)


def can_view_inbox(user: User | None, organization: Organization) -> bool:
    """An organization's inbox is read only by its own people."""
    return can_act_for(user, organization)


def can_use_inbox(user: User | None) -> bool:
    return bool(acting_organizations(user))


def can_manage_meetings(user: User | None) -> bool:
    """The backbone schedules meetings, writes notes and decisions and assigns action items."""
    return is_backbone_staff(user)


def can_view_meetings(user: User | None) -> bool:
    """Meetings, notes and decisions are shared with every partner's people."""
    return is_backbone_staff(user) or bool(acting_organizations(user))


def can_complete_action_item(user: User | None, item) -> bool:
    return can_act_for(user, item.organization) or is_backbone_staff(user)


def can_create_project(user: User | None) -> bool:
    return is_backbone_staff(user) or bool(acting_organizations(user))


def can_view_project(user: User | None, project) -> bool:
    """A project is seen, and worked on (updates, progress, tasks), by its partners' people and the backbone."""
    return is_backbone_staff(user) or any(o.id in project.partner_ids for o in acting_organizations(user))


def can_contribute_to_project(user: User | None, project) -> bool:
    return can_view_project(user, project)


# --- funding: grants, spending and funder reports -------------------------------------

def can_manage_funding(user: User | None) -> bool:
    """The backbone records grants and pledges, edits them and records spending."""
    return is_backbone_staff(user)


def funding_organizations(user: User | None) -> list[Organization]:
    """The organizations this user acts for that fund at least one grant (the city agency, a partner funder)."""
    return [o for o in acting_organizations(user) if o.grants_funded]


def can_view_funding(user: User | None) -> bool:
    """Every partner's people see the coalition's funding totals; who funds what is for the backbone and funders."""
    return is_backbone_staff(user) or bool(acting_organizations(user))


def can_view_grant(user: User | None, grant) -> bool:
    """A grant's details and spending: the backbone, and the people of the organization that funds it."""
    if is_backbone_staff(user):
        return True
    funder = grant.funder_organization
    return funder is not None and can_act_for(user, funder)


def can_view_funder_reports(user: User | None) -> bool:
    """Funder reports: the backbone (every grant) and funders (the grants they fund)."""
    return is_backbone_staff(user) or bool(funding_organizations(user))
