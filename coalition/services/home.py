"""What each signed-in person should see first: their organizations and next steps."""
from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from coalition import permissions
from coalition.models import Invitation, Membership, Organization, OrganizationKind, Role, User


@dataclass
class NextStep:
    title: str
    detail: str
    endpoint: str
    args: dict = field(default_factory=dict)


@dataclass
class MembershipCard:
    membership: Membership
    steps: list[NextStep]


@dataclass
class HomeOverview:
    cards: list[MembershipCard]
    coalition_counts: dict[str, int] | None = None


def _steps_for(session: Session, membership: Membership) -> list[NextStep]:
    organization = membership.organization
    org = {"organization_id": organization.id}
    steps: list[NextStep] = []
    if membership.role is Role.ADMIN:
        if not organization.has_location or not organization.hours:
            steps.append(NextStep("Complete your profile", "Add your location and hours so drivers can find you.",
                                  "organizations.edit", org))
        members = session.scalar(
            select(func.count()).select_from(Membership).where(
                Membership.organization_id == organization.id, Membership.active.is_(True))
        )
        if members <= 1:
            steps.append(NextStep("Invite your team", "Invite staff and drivers so they can act for you.",
                                  "organizations.people", org))
        else:
            steps.append(NextStep("Your people", f"{members} active members. Invite or deactivate people.",
                                  "organizations.people", org))
    if permissions.can_post_donation(membership.user, organization) and membership.role is not Role.DRIVER:
        if organization.kind is OrganizationKind.FARM:
            steps.append(NextStep("Offer produce", "Crops, kg available and when they can be picked up: three screens.",
                                  "donations.new", {"org": organization.id}))
        else:
            steps.append(NextStep("Post surplus", "Food you cannot sell: three screens from your phone, under a minute.",
                                  "donations.new", {"org": organization.id}))
        steps.append(NextStep("Your donations", "What is open, what was claimed, recurring pickups and partners.",
                              "donations.index", {"org": organization.id}))
    if organization.kind.is_recipient and permissions.can_act_for(membership.user, organization):
        steps.append(NextStep("Browse open supply", "Surplus near you, nearest first: claim what you can use.",
                              "supply.index", {"org": organization.id}))
        steps.append(NextStep("Post a need", "Tell donors what you need, by when, and how much you can store.",
                              "needs.create", {"org": organization.id}))
    if organization.kind is OrganizationKind.BACKBONE and membership.role in (Role.ADMIN, Role.COORDINATOR):
        steps.append(NextStep("Suggested matches", "Match all open supply to open needs, review and accept as claims.",
                              "matching.index"))
        steps.append(NextStep("Plan routes", "Turn a day's claims and drivers' shifts into routes, review them on a map, "
                              "publish.", "planning.index"))
    if organization.kind is OrganizationKind.BACKBONE and membership.role in (Role.ADMIN, Role.COORDINATOR):
        steps.append(NextStep("Progress toward the goal", "Kg, meals, people served and neighborhoods against the common goal.",
                              "measurement.dashboard"))
    elif organization.kind.is_recipient and permissions.can_act_for(membership.user, organization):
        steps.append(NextStep("Report people served", "Last month's visits, individuals and households: one short form.",
                              "measurement.reports"))
    if membership.role is Role.DRIVER:
        steps.append(NextStep("Today's route", "Your stops in order, a map and big buttons; it keeps working with no signal.",
                              "driver.index"))
        steps.append(NextStep("Shifts, rescues and cover",
                              "Ask for cover, cover a colleague, take a rescue, add your shifts to your calendar.",
                              "driver.shifts"))
        steps.append(NextStep("Post your availability", "When you can drive, from where, how much room and cold chain.",
                              "shifts.index"))
    if organization.kind is OrganizationKind.BACKBONE and membership.role in (Role.ADMIN, Role.COORDINATOR):
        steps.append(NextStep("Uncovered work", "Shifts needing cover, rescues nobody took, claimed food no route carries.",
                              "driver.board"))
    if organization.kind is OrganizationKind.BACKBONE and membership.role in (Role.ADMIN, Role.COORDINATOR):
        steps.append(NextStep("Partner network", "Every partner on a map and a table; ask stale ones to confirm their details.",
                              "directory.index"))
    elif membership.role in (Role.ADMIN, Role.COORDINATOR, Role.STAFF) and organization.active:
        steps.append(NextStep("Inbox", "Announcements from the backbone and your action items.",
                              "communication.organization_inbox", org))
    if membership.role is Role.DRIVER:
        steps.append(NextStep("Your base", f"You drive for {organization.name}. Check its address and hours.",
                              "organizations.detail", org))
    # coordination: receipts, feedback, readiness
    acting = permissions.can_act_for(membership.user, organization) and membership.role is not Role.DRIVER
    if acting and organization.kind.is_donor:
        steps.append(NextStep("Donation receipts", "A PDF of the food you donated in any period, with its estimated value.",
                              "reports.receipts_index"))
    if acting and (organization.kind.is_donor or organization.kind.is_recipient):
        steps.append(NextStep("Feedback", "Rate the food you received, flag pickup problems, see what partners said.",
                              "feedback.index"))
    if membership.role is Role.DRIVER:
        steps.append(NextStep("Your readiness", "Food-safety training, licence, insurance and vehicle: which routes you may take.",
                              "readiness.profile"))
    if organization.kind is OrganizationKind.BACKBONE and membership.role in (Role.ADMIN, Role.COORDINATOR):
        steps.append(NextStep("Recovery report and receipts", "Monthly pounds per donor and recipient (SB 1383 layout), CSV and PDF.",
                              "reports.compliance_index"))
        steps.append(NextStep("Driver readiness", "Expiries in the next 30 days, drivers not ready, mentor pairings.",
                              "readiness.index"))
        steps.append(NextStep("Repeated problems", "Donors and sites with two or more problems in 30 days.", "feedback.repeated"))
    steps.append(NextStep("Your organization", f"{organization.kind.label} · {organization.address or 'no address yet'}",
                          "organizations.detail", org))
    return steps


def build_home(session: Session, user: User) -> HomeOverview:
    """The cards on a user's home page, one per active membership, and coalition counts for admins."""
    cards = [MembershipCard(m, _steps_for(session, m)) for m in user.active_memberships()]
    counts = None
    if permissions.is_coalition_admin(user):
        counts = {kind.label: 0 for kind in OrganizationKind}
        for kind, number in session.execute(
            select(Organization.kind, func.count()).where(Organization.active.is_(True)).group_by(Organization.kind)
        ):
            counts[kind.label] = number
        counts["People"] = session.scalar(select(func.count()).select_from(User).where(User.active.is_(True)))
        counts["Open invitations"] = session.scalar(
            select(func.count()).select_from(Invitation).where(Invitation.accepted_at.is_(None))
        )
    return HomeOverview(cards, counts)
