"""The one table of the pages people are pointed to: the menu and the next steps on the home page.

Each entry names an endpoint, the access rule of :mod:`coalition.permissions` that decides who is
pointed there, a title and a blurb. An entry is shown exactly when its rule allows the person to
open the page (``tests/app/pages/test_navigation.py`` walks the table as every demo role against the
route rules). Two refinements may only hide an allowed entry, never show a refused one:

- ``when``: a nudge shown while the organization needs it ("Complete your profile"), or a wording
  for one kind of organization ("Offer produce" for a farm);
- ``unless``: left out where the page that replaces it is shown (the backbone gets the partner
  network on its card and "Coordination" in the menu, instead of an inbox).

A menu entry with a ``bottom_bar`` priority may also be one of the person's shortcuts on a phone's
bottom bar: of the entries the menu shows them, the :data:`BOTTOM_BAR_SIZE` with the lowest numbers
(the table's order breaks ties), so the bar obeys the same rules as the menu.

Home cards are per membership: their rules are asked about the person in that capacity only
(:class:`coalition.permissions.MemberCapacity`), so a driver's card does not repeat what the same
person may do as staff elsewhere. Views and templates turn endpoints into addresses.
"""
from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import dataclass

from coalition import permissions
from coalition.models import Membership, Organization, OrganizationKind, User


class Place(enum.Enum):
    MENU = "menu"
    HOME = "home"


@dataclass(frozen=True)
class CardFacts:
    """What a home card's ``when`` conditions and blurbs may use about its organization."""

    organization: Organization
    members: int            # active memberships of the organization
    profile_complete: bool  # it has a location and opening hours


@dataclass(frozen=True)
class Link:
    endpoint: str
    allows: Callable[..., bool]   # a rule of coalition.permissions: (user) or, per_organization, (user, organization)
    title: str
    blurb: str = ""               # may name {organization}, {kind}, {address} and {members}
    place: Place = Place.HOME
    per_organization: bool = False
    organization_arg: str | None = None   # the endpoint's argument that names the card's organization
    when: Callable[[CardFacts], bool] | None = None
    unless: str | None = None     # an endpoint listed earlier in the same place that replaces this one
    bottom_bar: int | None = None  # menu only: shortcut priority on a phone's bottom bar, 1 first

    def permits(self, user, organization: Organization | None = None) -> bool:
        """Whether the rule lets ``user`` (in a card: in that membership's capacity) open the page."""
        return self.allows(user, organization) if self.per_organization else self.allows(user)

    def args(self, organization: Organization | None = None) -> dict:
        return {self.organization_arg: organization.id} if self.organization_arg and organization else {}


@dataclass(frozen=True)
class Step:
    """One shown entry: a title, its blurb, and the endpoint with its arguments (no address)."""

    title: str
    detail: str
    endpoint: str
    args: dict


def _farm(facts: CardFacts) -> bool:
    return facts.organization.kind is OrganizationKind.FARM


HOME, MENU, ORG = Place.HOME, Place.MENU, "organization_id"
P = permissions
# Four shortcuts keep each one a thumb wide (about 97 px) on a 390 px phone.
BOTTOM_BAR_SIZE = 4

LINKS: tuple[Link, ...] = (
    # --- the menu, in its order -----------------------------------------------------------------
    # Bottom-bar priorities: each role's own work first (a driver's route, a donor's postings, the
    # coordinator's routes, the backbone's coordination), then what it checks daily.
    Link("main.home", P.is_signed_in, "Home", place=MENU),
    Link("organizations.index", P.is_signed_in, "Partners", place=MENU),
    Link("supply.index", P.can_browse_supply, "Supply", place=MENU, bottom_bar=2),
    Link("claims.index", P.can_browse_supply, "Claims", place=MENU, bottom_bar=3),
    Link("needs.index", P.can_list_needs, "Needs", place=MENU, bottom_bar=3),
    Link("matching.index", P.can_run_matching, "Matching", place=MENU, bottom_bar=2),
    Link("planning.index", P.can_plan_routes, "Routes", place=MENU, bottom_bar=1),
    Link("shifts.index", P.can_use_shifts, "Shifts", place=MENU, bottom_bar=3),
    Link("driver.index", P.is_driver, "My route", place=MENU, bottom_bar=1),
    Link("communication.announcements", P.can_broadcast, "Coordination", place=MENU, bottom_bar=1),
    Link("communication.inbox", P.can_use_inbox, "Inbox", place=MENU, unless="communication.announcements",
         bottom_bar=6),
    Link("notifications.index", P.is_signed_in, "Notifications", place=MENU, bottom_bar=4),
    Link("donations.index", P.can_post_any_donation, "Donate", place=MENU, bottom_bar=1),
    Link("measurement.mine", P.can_view_coalition_progress, "Progress", place=MENU, bottom_bar=5),
    Link("funding.index", P.can_view_funding, "Funding", place=MENU, bottom_bar=5),

    # --- each membership's card on the home page, in its order -----------------------------------
    Link("organizations.edit", P.can_edit_organization, "Complete your profile",
         "Add your location and hours so drivers can find you.",
         per_organization=True, organization_arg=ORG, when=lambda facts: not facts.profile_complete),
    Link("organizations.people", P.can_view_people, "Invite your team",
         "Invite staff and drivers so they can act for you.",
         per_organization=True, organization_arg=ORG, when=lambda facts: facts.members <= 1),
    Link("organizations.people", P.can_view_people, "Your people",
         "{members} active members. Invite or deactivate people.",
         per_organization=True, organization_arg=ORG, when=lambda facts: facts.members > 1),
    Link("donations.new", P.can_post_donation, "Offer produce",
         "Crops, kg available and when they can be picked up: three screens.",
         per_organization=True, organization_arg="org", when=_farm),
    Link("donations.new", P.can_post_donation, "Post surplus",
         "Food you cannot sell: three screens from your phone, under a minute.",
         per_organization=True, organization_arg="org", when=lambda facts: not _farm(facts)),
    Link("donations.index", P.can_post_donation, "Your donations",
         "What is open, what was claimed, recurring pickups and partners.",
         per_organization=True, organization_arg="org"),
    Link("supply.index", P.can_claim_for, "Browse open supply",
         "Surplus near you, nearest first: claim what you can use.", per_organization=True, organization_arg="org"),
    Link("needs.create", P.can_post_need, "Post a need",
         "Tell donors what you need, by when, and how much you can store.",
         per_organization=True, organization_arg="org"),
    Link("matching.index", P.can_run_matching, "Suggested matches",
         "Match all open supply to open needs, review and accept as claims."),
    Link("planning.index", P.can_plan_routes, "Plan routes",
         "Turn a day's claims and drivers' shifts into routes, review them on a map, publish."),
    Link("measurement.dashboard", P.can_manage_measurement, "Progress toward the goal",
         "Kg, meals, people served and neighborhoods against the common goal."),
    Link("measurement.progress_page", P.can_view_own_part, "Shared progress",
         "The coalition's goal and where it stands, and {organization}'s part of it.",
         per_organization=True, organization_arg="organization_id", unless="measurement.dashboard"),
    Link("measurement.reports", P.can_report_for_any, "Report people served",
         "Last month's visits, individuals and households: one short form.", unless="measurement.dashboard"),
    Link("driver.index", P.is_driver, "Today's route",
         "Your stops in order, a map and big buttons; it keeps working with no signal."),
    Link("driver.shifts", P.is_driver, "Shifts, rescues and cover",
         "Ask for cover, cover a colleague, take a rescue, add your shifts to your calendar."),
    # Coordinators of organizations with drivers may open the shifts too; on the home page it is a driver's step.
    Link("shifts.index", P.is_driver, "Post your availability",
         "When you can drive, from where, how much room and cold chain."),
    Link("driver.board", P.can_dispatch, "Uncovered work",
         "Shifts needing cover, rescues nobody took, claimed food no route carries."),
    Link("directory.index", P.can_view_network, "Partner network",
         "Every partner on a map and a table; ask stale ones to confirm their details."),
    Link("communication.organization_inbox", P.can_view_inbox, "Inbox",
         "Announcements from the backbone and your action items.",
         per_organization=True, organization_arg=ORG, unless="directory.index"),
    Link("organizations.detail", P.is_driver, "Your base", "You drive for {organization}. Check its address and hours.",
         organization_arg=ORG),
    Link("reports.receipts_index", P.can_view_receipts, "Donation receipts",
         "A PDF of the food you donated in any period, with its estimated value.", per_organization=True),
    Link("feedback.index", P.can_give_feedback, "Feedback",
         "Rate the food you received, flag pickup problems, see what partners said.", per_organization=True),
    Link("readiness.profile", P.is_driver, "Your readiness",
         "Food-safety training, licence, insurance and vehicle: which routes you may take."),
    Link("reports.compliance_index", P.can_view_compliance_reports, "Recovery report and receipts",
         "Monthly pounds per donor and recipient (SB 1383 layout), CSV and PDF."),
    Link("reports.cold_chain_patterns", P.can_view_compliance_reports, "Cold-chain patterns",
         "Donors with repeated warm readings, drivers whose cold food arrives warm, time out of refrigeration."),
    Link("readiness.index", P.can_manage_readiness, "Driver readiness",
         "Expiries in the next 30 days, drivers not ready, mentor pairings."),
    Link("feedback.repeated", P.can_view_repeated_problems, "Repeated problems",
         "Donors and sites with two or more problems in 30 days."),
    Link("funding.index", P.can_manage_funding, "Grants and spending",
         "Record grants and pledges, spending against them, and funder reports."),
    Link("funding.report", P.can_view_funder_reports, "Funder report",
         "Money received and spent by purpose, food delivered, cost per meal.", unless="funding.index"),
    Link("organizations.detail", P.can_view_organization, "Your organization", "{kind} · {address}",
         per_organization=True, organization_arg=ORG),
)


def links_in(place: Place) -> list[Link]:
    return [link for link in LINKS if link.place is place]


def menu_for(user: User) -> list[Step]:
    """The menu entries the user's rules allow, in the table's order."""
    shown: list[Step] = []
    for link in links_in(Place.MENU):
        if link.permits(user) and not any(step.endpoint == link.unless for step in shown):
            shown.append(Step(link.title, link.blurb, link.endpoint, link.args()))
    return shown


def bottom_bar_for(user: User) -> list[Step]:
    """The phone's shortcuts: the menu entries shown to ``user`` that have a bottom-bar priority, the
    :data:`BOTTOM_BAR_SIZE` most important first."""
    priority = {link.endpoint: link.bottom_bar for link in links_in(Place.MENU) if link.bottom_bar is not None}
    ranked = sorted((step for step in menu_for(user) if step.endpoint in priority),
                    key=lambda step: priority[step.endpoint])   # sorted() is stable: the table's order breaks ties
    return ranked[:BOTTOM_BAR_SIZE]


def card_steps(membership: Membership, facts: CardFacts) -> list[Step]:
    """The next steps on a membership's home card: what the rules allow the person in that capacity."""
    capacity = permissions.MemberCapacity(membership)
    organization = membership.organization
    words = {"organization": organization.name, "kind": organization.kind.label,
             "address": organization.address or "no address yet", "members": facts.members}
    shown: list[Step] = []
    for link in links_in(Place.HOME):
        if not link.permits(capacity, organization) or (link.when is not None and not link.when(facts)):
            continue
        if any(step.endpoint == link.unless for step in shown):
            continue
        shown.append(Step(link.title, link.blurb.format(**words), link.endpoint, link.args(organization)))
    return shown
