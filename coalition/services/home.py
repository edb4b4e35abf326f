"""What each signed-in person should see first: their organizations and, from the links table
(:mod:`coalition.services.navigation`), the next steps each membership allows."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from coalition import permissions
from coalition.models import Invitation, Membership, Organization, OrganizationKind, User
from coalition.services import navigation


@dataclass
class MembershipCard:
    membership: Membership
    steps: list[navigation.Step]


@dataclass
class HomeOverview:
    cards: list[MembershipCard]
    coalition_counts: dict[str, int] | None = None


def _card(session: Session, membership: Membership) -> MembershipCard:
    organization = membership.organization
    members = session.scalar(select(func.count()).select_from(Membership).where(
        Membership.organization_id == organization.id, Membership.active.is_(True)))
    facts = navigation.CardFacts(organization, members, organization.has_location and bool(organization.hours))
    return MembershipCard(membership, navigation.card_steps(membership, facts))


def build_home(session: Session, user: User) -> HomeOverview:
    """The cards on a user's home page, one per active membership, and coalition counts for admins."""
    cards = [_card(session, m) for m in user.active_memberships()]
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
