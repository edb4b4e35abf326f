"""The demo's realistic day: surplus tonight, produce offers, needs everywhere, partners, a few claims."""
from __future__ import annotations

import datetime as dt
from collections import Counter
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from coalition.models import (
    Claim,
    Donation,
    DonationKind,
    DonationLine,
    DonationStatus,
    Need,
    NeedStatus,
    Organization,
    OrganizationKind,
    PriorityPartner,
    RecurringSchedule,
)
from coalition.services import demo, matching

LA = ZoneInfo("America/Los_Angeles")
# A Tuesday, 10:00 in Portland.
MORNING = dt.datetime(2026, 11, 24, 10, 0, tzinfo=LA).astimezone(dt.timezone.utc)


@pytest.fixture
def day(session):
    return demo.load_day(session, MORNING, LA)


def _open_surplus(session):
    return list(session.scalars(select(Donation).where(
        Donation.status == DonationStatus.OPEN, Donation.kind == DonationKind.SURPLUS)))


def test_most_groceries_post_surplus_for_pickup_tonight(session, day):
    surplus = _open_surplus(session)
    groceries = session.scalar(select(func.count()).select_from(Organization).where(Organization.kind == OrganizationKind.GROCERY))
    assert day.donations == len(surplus) >= groceries - 1 >= 5
    for donation in surplus:
        assert donation.pickup_start.astimezone(LA) == dt.datetime(2026, 11, 24, 20, 0, tzinfo=LA)
        assert donation.pickup_end.astimezone(LA) == dt.datetime(2026, 11, 24, 22, 0, tzinfo=LA)
        assert "Demo data" in donation.notes
    lines = [line for donation in surplus for line in donation.lines]
    assert all(5_000 <= line.quantity_g <= 80_000 for line in lines)
    assert {"bakery", "produce", "dairy", "prepared"} <= {line.category.value for line in lines}
    assert len({line.storage for line in lines}) == 3


def test_late_in_the_evening_the_pickup_moves_to_tomorrow_night(session):
    late = dt.datetime(2026, 11, 24, 21, 30, tzinfo=LA).astimezone(dt.timezone.utc)
    demo.load_day(session, late, LA)
    assert {d.pickup_start.astimezone(LA) for d in _open_surplus(session)} == {dt.datetime(2026, 11, 25, 20, 0, tzinfo=LA)}
    # The needs follow that day: none is due before the food could reach it.
    assert min(session.scalars(select(Need.needed_by))) > dt.datetime(2026, 11, 26, 9, 0, tzinfo=LA)


def test_farms_offer_produce_including_a_weekly_offer(session, day):
    offers = list(session.scalars(select(Donation).where(Donation.kind == DonationKind.PRODUCE)))
    assert 2 <= day.offers <= 3
    assert all(line.pack_type for offer in offers for line in offer.lines)
    weekly = session.scalar(select(RecurringSchedule).where(RecurringSchedule.kind == DonationKind.PRODUCE))
    assert weekly is not None and len(weekly.weekdays) == 1
    assert any(offer.schedule_id == weekly.id for offer in offers)


def test_every_food_bank_and_shelter_has_open_needs(session, day):
    recipients = session.scalars(select(Organization).where(
        Organization.kind.in_((OrganizationKind.FOOD_BANK, OrganizationKind.SHELTER))))
    for recipient in recipients:
        needs = list(session.scalars(select(Need).where(Need.recipient_id == recipient.id, Need.status == NeedStatus.OPEN)))
        assert needs, recipient.name
        assert all(n.people_expected > 0 and n.needed_by > MORNING and n.delivery_windows for n in needs)


def test_two_stores_have_priority_partners_and_their_surplus_is_reserved(session, day, org):
    stores = Counter(session.scalars(select(PriorityPartner.donor_id)))
    assert len(stores) >= 2
    hawthorne = session.scalar(select(Donation).where(
        Donation.donor_id == org("Hawthorne Green Grocer").id, Donation.status == DonationStatus.OPEN))
    assert hawthorne.priority_recipient.name == "Old Town Night Shelter"


def test_a_few_claims_are_made_linked_to_needs(session, day):
    made = list(session.scalars(select(Claim)))
    assert day.claims == len(made) >= 3
    assert all(claim.need is not None and claim.need.recipient_id == claim.recipient_id for claim in made)
    assert any(claim.on_behalf for claim in made)


def test_the_day_gives_matching_something_to_suggest_in_time(session, day):
    plan = matching.build_plan(session, MORNING, LA)
    assert plan.matched_g > 100_000 and plan.matched_g <= min(plan.supply_g, plan.wanted_g)
    late = [s.explanation for s in plan.suggestions if "arrives after" in s.explanation]
    assert len(late) <= len(plan.suggestions) // 4, late


def test_loading_the_day_again_adds_nothing(session, day):
    counts = lambda: [session.scalar(select(func.count()).select_from(t)) for t in (Donation, DonationLine, Need, Claim)]  # noqa: E731
    before = counts()
    assert demo.load_day(session, MORNING, LA).skipped
    assert counts() == before


def test_flask_demo_load_adds_the_day(app, session):
    result = app.test_cli_runner().invoke(args=["demo", "load"])
    assert result.exit_code == 0, result.output
    assert "Demo day: 6 surplus donations" in result.output
    again = app.test_cli_runner().invoke(args=["demo", "load"])
    assert "no demo day added" in again.output
