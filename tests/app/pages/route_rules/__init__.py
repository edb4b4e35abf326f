"""Access rules for every URL rule of the app, one module per area, merged here.

Each module defines ``RULES``: endpoint -> (method, path template, roles allowed,
statuses that mean "allowed"). Path templates may use the ids from
``build_values``: {org} (the grocer's store), {staff_membership}, {donation},
{line}, {claim} (the food bank's claim on that line), {need} (the shelter's need).
"""
from __future__ import annotations

import datetime as dt
import importlib
import pkgutil

from sqlalchemy import select

from tests.fixtures.web import ROLE_EMAILS

ROLES = ["anonymous", *ROLE_EMAILS]

PUBLIC = set(ROLES)
SIGNED_IN = set(ROLE_EMAILS)
COALITION_ADMIN = {"backbone"}
BACKBONE_STAFF = {"backbone", "coordinator"}
# Roles acting for the organizations of the fixtures below.
TARGET_ADMIN = {"grocer"}
TARGET_ADMIN_OR_COALITION_ADMIN = {"grocer", "backbone"}
DONOR_PEOPLE = {"grocer", "grocer_staff"}                 # act for the grocer's store (the donation's donor)
DONORS = {"grocer", "grocer_staff", "farmer"}             # act for some grocery or farm
RECIPIENTS = {"foodbank", "shelter"}                      # act for some food bank or shelter
CLAIMANT_PEOPLE = {"foodbank"}                            # act for the food bank holding the claim
NEED_OWNER_PEOPLE = {"shelter"}                           # act for the shelter that posted the need

# Signed-in visitors to the sign-in page are sent home rather than refused.
SIGNED_IN_REDIRECTS = {"auth.sign_in"}


# Area modules may define ``build_values(session, values) -> dict`` to add ids of their own objects.
EXTRA_VALUES: list = []


def _collect() -> dict:
    merged: dict = {}
    for module_info in pkgutil.iter_modules(__path__):
        module = importlib.import_module(f"{__name__}.{module_info.name}")
        overlap = set(merged) & set(module.RULES)
        assert not overlap, f"endpoints with two rules: {overlap}"
        merged.update(module.RULES)
        if hasattr(module, "build_values"):
            EXTRA_VALUES.append(module.build_values)
    return merged


def build_values(session) -> dict[str, int]:
    """Objects the walk targets: a donation of the grocer's, a claim by the food bank, a need of the shelter."""
    from coalition.models import Membership, Need, Organization, Role, User
    from coalition.services import claims, donations

    def org(name):
        return session.scalar(select(Organization).where(Organization.name == name))

    def user(email):
        return session.scalar(select(User).where(User.email == email))

    now = dt.datetime.now(dt.timezone.utc)
    store = org("Hawthorne Green Grocer")
    staff = session.scalar(select(Membership).where(Membership.organization_id == store.id, Membership.role == Role.STAFF))
    donation = donations.post_donation(session, user("grocer@example.org"), store, donations.DonationInput(
        [donations.LineInput("bakery", "bread", "ambient", now + dt.timedelta(days=1), kg=50)],
        now + dt.timedelta(hours=1), now + dt.timedelta(hours=3)), now)
    line = donation.lines[0]
    claim = claims.claim_line(session, user("foodbank@example.org"), line.id, org("Columbia Regional Food Bank"), 5,
                              now + dt.timedelta(hours=4), now + dt.timedelta(hours=6), now)
    need = Need(recipient=org("Old Town Night Shelter"), category="bakery", storage="ambient", quantity_g=20000,
                needed_by=now + dt.timedelta(days=2), people_expected=80)
    session.add(need)
    session.commit()
    values = {"org": store.id, "staff_membership": staff.id, "donation": donation.id, "line": line.id,
              "claim": claim.id, "need": need.id}
    for extra in EXTRA_VALUES:
        values.update(extra(session, values))
    return values


RULES = None  # filled below, after the area modules can import the role sets above
RULES = _collect()
