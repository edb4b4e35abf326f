"""The marketplace rules, through the services: posting, claiming, priority, undo, cancel, expiry."""
from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from coalition.errors import Conflict, PermissionDenied, ValidationError
from coalition.models import AuditEvent, ClaimStatus, Donation, DonationStatus, Notification, NotificationKind
from coalition.services import claims, donations, expiry
from coalition.services.donations import DonationInput, LineInput


def _notifications_for(session, email):
    from coalition.models import User

    return list(session.scalars(select(Notification).join(User, User.id == Notification.user_id).where(User.email == email)))


def test_posting_a_donation_records_lines_in_grams_and_an_audit_event(make_donation, session):
    donation = make_donation(kg=12.5)
    assert donation.lines[0].quantity_g == 12500
    event = session.scalar(select(AuditEvent).where(AuditEvent.entity == "donation", AuditEvent.entity_id == donation.id))
    assert event.action == "posted" and event.changes["kg"] == 12.5


@pytest.mark.parametrize("kg, field", [(0, "lines-0-kg"), (-3, "lines-0-kg"), (50_000, "lines-0-kg"), (float("nan"), "lines-0-kg")])
def test_bad_weights_are_refused_and_nothing_is_saved(make_donation, session, kg, field):
    before = session.scalar(select(func.count()).select_from(Donation))
    with pytest.raises(ValidationError) as error:
        make_donation(kg=kg)
    assert field in error.value.fields
    assert session.scalar(select(func.count()).select_from(Donation)) == before


def test_reversed_past_and_too_early_use_by_windows_are_refused(make_donation):
    with pytest.raises(ValidationError) as error:
        make_donation(start_h=3, end_h=1)
    assert "pickup_end" in error.value.fields
    with pytest.raises(ValidationError) as error:
        make_donation(start_h=-5, end_h=-2)
    assert "already over" in error.value.fields["pickup_end"]
    with pytest.raises(ValidationError) as error:
        make_donation(start_h=5, end_h=6, use_by_h=2)
    assert "before the pickup window" in error.value.fields["lines-0-use_by"]


def test_an_unknown_category_or_storage_is_named_in_the_error(make_donation, now):
    line = LineInput("caviar", "fish eggs", "cryogenic", now + dt.timedelta(days=1), kg=1)
    with pytest.raises(ValidationError) as error:
        make_donation(lines=[line])
    assert "lines-0-category" in error.value.fields and "lines-0-storage" in error.value.fields


def test_only_a_donors_people_post_for_it(session, user, org, now):
    data = DonationInput([LineInput("bakery", "bread", "ambient", now + dt.timedelta(days=1), kg=5)],
                         now + dt.timedelta(hours=1), now + dt.timedelta(hours=2))
    with pytest.raises(PermissionDenied):
        donations.post_donation(session, user("farmer@example.org"), org("Hawthorne Green Grocer"), data, now)
    with pytest.raises(PermissionDenied):
        donations.post_donation(session, user("driver@example.org"), org("Feeding Our City Backbone"), data, now)
    with pytest.raises(PermissionDenied):
        donations.post_donation(session, user("foodbank@example.org"), org("Columbia Regional Food Bank"), data, now)


def test_a_recipient_claims_part_then_the_rest_and_then_nothing_is_left(make_donation, session, user, org, now, window):
    line = make_donation(kg=30).lines[0]
    bank = org("Columbia Regional Food Bank")
    first = claims.claim_line(session, user("foodbank@example.org"), line.id, bank, 12.5, *window, now)
    assert first.quantity_g == 12500 and first.on_behalf is False
    rest = claims.claim_line(session, user("shelter@example.org"), line.id, org("Old Town Night Shelter"), None, *window, now)
    assert rest.quantity_g == 17500
    with pytest.raises(Conflict) as error:
        claims.claim_line(session, user("foodbank@example.org"), line.id, bank, 1, *window, now)
    assert "Already claimed" in error.value.message


def test_claiming_more_than_is_left_says_how_much_is_left(make_donation, session, user, org, now, window):
    line = make_donation(kg=10).lines[0]
    with pytest.raises(Conflict) as error:
        claims.claim_line(session, user("foodbank@example.org"), line.id, org("Columbia Regional Food Bank"), 10.5, *window, now)
    assert "only 10 kg" in error.value.message


def test_a_donor_that_forbids_splitting_only_accepts_whole_line_claims(make_donation, session, user, org, now, window):
    line = make_donation(kg=10, allow_split=False).lines[0]
    with pytest.raises(Conflict):
        claims.claim_line(session, user("foodbank@example.org"), line.id, org("Columbia Regional Food Bank"), 4, *window, now)
    claim = claims.claim_line(session, user("foodbank@example.org"), line.id, org("Columbia Regional Food Bank"), 10, *window, now)
    assert claim.quantity_g == 10000


def test_a_claim_notifies_the_donor(make_donation, session, user, org, now, window):
    line = make_donation().lines[0]
    claims.claim_line(session, user("foodbank@example.org"), line.id, org("Columbia Regional Food Bank"), 5, *window, now)
    kinds = [n.kind for n in _notifications_for(session, "grocer@example.org")]
    assert NotificationKind.CLAIM_ON_DONATION in kinds


def test_people_cannot_claim_for_an_organization_they_do_not_belong_to(make_donation, session, user, org, now, window):
    line = make_donation().lines[0]
    with pytest.raises(PermissionDenied):
        claims.claim_line(session, user("shelter@example.org"), line.id, org("Columbia Regional Food Bank"), 5, *window, now)
    with pytest.raises(PermissionDenied):
        claims.claim_line(session, user("grocer@example.org"), line.id, org("Hawthorne Green Grocer"), 5, *window, now)


def test_a_backbone_coordinator_claims_on_behalf_and_reassigns(make_donation, session, user, org, now, window):
    line = make_donation().lines[0]
    coordinator = user("coordinator@example.org")
    claim = claims.claim_line(session, coordinator, line.id, org("Rose Family Shelter"), 5, *window, now)
    assert claim.on_behalf is True
    claims.reassign_claim(session, coordinator, claim, org("Kenton Women's Shelter"), now)
    assert claim.recipient.name == "Kenton Women's Shelter"
    with pytest.raises(PermissionDenied):
        claims.reassign_claim(session, user("foodbank@example.org"), claim, org("Columbia Regional Food Bank"), now)


def _partners(session, user, org, names):
    donations.set_priority_partners(session, user("grocer@example.org"), org("Hawthorne Green Grocer"), [org(n) for n in names])


def test_a_priority_partner_gets_the_first_right_to_claim(make_donation, session, user, org, now, window):
    _partners(session, user, org, ["Old Town Night Shelter", "Rose Family Shelter"])
    line = make_donation().lines[0]
    assert line.donation.priority_recipient.name == "Old Town Night Shelter"
    assert line.donation.priority_until == now + dt.timedelta(minutes=30)
    with pytest.raises(Conflict) as error:
        claims.claim_line(session, user("foodbank@example.org"), line.id, org("Columbia Regional Food Bank"), 5, *window, now)
    assert "Reserved for a partner" in error.value.message
    assert [i.line.id for i in donations.list_open_supply(session, org("Columbia Regional Food Bank"), now)].count(line.id) == 0
    assert any(n.kind is NotificationKind.NEW_SURPLUS for n in _notifications_for(session, "shelter@example.org"))
    claims.claim_line(session, user("shelter@example.org"), line.id, org("Old Town Night Shelter"), 5, *window, now)
    # Once the priority time is over, everyone may claim.
    later = now + dt.timedelta(minutes=31)
    claims.claim_line(session, user("foodbank@example.org"), line.id, org("Columbia Regional Food Bank"), 5, *window, later)


def test_a_declined_offer_passes_to_the_next_partner_then_to_everyone(make_donation, session, user, org, now):
    _partners(session, user, org, ["Old Town Night Shelter"])
    donation = make_donation()
    following = donations.decline_priority(session, user("shelter@example.org"), donation, org("Old Town Night Shelter"), now)
    assert following is None and donation.priority_recipient_id is None
    assert any(i.donation.id == donation.id for i in donations.list_open_supply(session, org("Columbia Regional Food Bank"), now))


def test_undo_within_the_grace_period_returns_the_kilograms(make_donation, session, user, org, now, window):
    line = make_donation(kg=10).lines[0]
    bank = org("Columbia Regional Food Bank")
    claim = claims.claim_line(session, user("foodbank@example.org"), line.id, bank, 10, *window, now)
    claims.undo_claim(session, user("foodbank@example.org"), claim, now + dt.timedelta(minutes=5), grace_s=600)
    assert claim.status is ClaimStatus.UNDONE
    assert donations.remaining_g(session, line) == 10000
    again = claims.claim_line(session, user("foodbank@example.org"), line.id, bank, 10, *window, now)
    with pytest.raises(Conflict):
        claims.undo_claim(session, user("foodbank@example.org"), again, now + dt.timedelta(minutes=11), grace_s=600)


def test_releasing_a_claim_needs_a_reason(make_donation, session, user, org, now, window):
    line = make_donation(kg=10).lines[0]
    claim = claims.claim_line(session, user("foodbank@example.org"), line.id, org("Columbia Regional Food Bank"), 4, *window, now)
    with pytest.raises(ValidationError):
        claims.release_claim(session, user("foodbank@example.org"), claim, " ", now)
    claims.release_claim(session, user("foodbank@example.org"), claim, "Our van broke down", now)
    assert claim.status is ClaimStatus.CANCELLED and donations.remaining_g(session, line) == 10000


def test_cancelling_a_donation_cancels_claims_and_tells_the_claimants(make_donation, session, user, org, now, window):
    donation = make_donation()
    claim = claims.claim_line(session, user("foodbank@example.org"), donation.lines[0].id, org("Columbia Regional Food Bank"), 5, *window, now)
    ended = donations.cancel_donation(session, user("grocer@example.org"), donation, "Fridge failure", now)
    assert ended == [claim] and claim.status is ClaimStatus.CANCELLED
    assert donation.status is DonationStatus.CANCELLED
    assert any(n.kind is NotificationKind.CANCELLED for n in _notifications_for(session, "foodbank@example.org"))
    with pytest.raises(Conflict):
        claims.claim_line(session, user("foodbank@example.org"), donation.lines[0].id, org("Columbia Regional Food Bank"), 1, *window, now)


def test_the_sweep_expires_missed_pickups_and_warns_once_about_unclaimed_food(make_donation, session, user, org, now, window):
    missed = make_donation(start_h=1, end_h=2)
    claim = claims.claim_line(session, user("foodbank@example.org"), missed.lines[0].id, org("Columbia Regional Food Bank"), 5, *window, now)
    at_risk = make_donation(start_h=1, end_h=5, use_by_h=4)
    later = now + dt.timedelta(hours=2, minutes=30)
    result = expiry.sweep(session, later, warning_hours=3)
    assert missed.status is DonationStatus.EXPIRED and claim.status is ClaimStatus.EXPIRED
    assert result.donations_expired >= 1 and result.claims_expired >= 1
    assert at_risk.status is DonationStatus.OPEN
    assert result.warnings_sent >= 1
    assert expiry.sweep(session, later, warning_hours=3).warnings_sent == 0
    assert any(n.kind is NotificationKind.EXPIRED for n in _notifications_for(session, "foodbank@example.org"))


def test_a_lapsed_priority_opens_the_offer_to_matching_recipients(make_donation, session, user, org, now):
    _partners(session, user, org, ["Old Town Night Shelter"])
    donation = make_donation()
    result = expiry.sweep(session, now + dt.timedelta(minutes=31))
    assert result.priorities_opened == 1 and donation.priority_recipient_id is None


def test_a_recorded_zero_needs_a_reason(make_donation, session, user, org, now, window):
    line = make_donation().lines[0]
    claim = claims.claim_line(session, user("foodbank@example.org"), line.id, org("Columbia Regional Food Bank"), 5, *window, now)
    with pytest.raises(ValidationError):
        claims.record_movement(session, None, claim, 0, None, "", now)
    claims.record_movement(session, None, claim, 0, None, "Nothing to collect", now)
    assert claim.picked_up_g == 0 and claim.status is ClaimStatus.PICKED_UP


def test_post_again_keeps_the_lines_and_shifts_use_by(make_donation, session, user, now):
    original = make_donation(kg=7)
    copy = donations.repost_donation(session, user("grocer@example.org"), original,
                                     original.pickup_start + dt.timedelta(days=1), original.pickup_end + dt.timedelta(days=1), now)
    assert copy.id != original.id and copy.lines[0].quantity_g == 7000
    assert copy.lines[0].use_by == original.lines[0].use_by + dt.timedelta(days=1)


def test_open_supply_is_sorted_by_distance_and_filtered_by_category(make_donation, session, org, user, now):
    from coalition.models import Membership, Role

    session.add(Membership(user=user("grocer@example.org"), organization=org("Alberta Street Market"), role=Role.STAFF))
    session.flush()
    far = make_donation(donor="Hawthorne Green Grocer")                     # about 3.7 km from the shelter
    near = make_donation(donor="Alberta Street Market", category="dairy", storage="refrigerated")  # about 2.3 km
    viewer = org("Rose Family Shelter")
    ids = [i.donation.id for i in donations.list_open_supply(session, viewer, now)]
    assert ids.index(near.id) < ids.index(far.id)
    dairy = donations.list_open_supply(session, viewer, now, category=donations.FoodCategory.DAIRY)
    assert [i.donation.id for i in dairy] == [near.id]
    assert dairy[0].time_left == near.pickup_end - now


@pytest.mark.parametrize("kg", [1e306, 10_001, float("inf")])
def test_an_absurd_claim_is_a_validation_error_not_a_crash(make_donation, session, user, org, now, window, kg):
    line = make_donation(kg=10).lines[0]
    with pytest.raises(ValidationError) as error:
        claims.claim_line(session, user("foodbank@example.org"), line.id, org("Columbia Regional Food Bank"), kg, *window, now)
    assert "kg" in error.value.fields


def test_an_absurd_recorded_weight_is_a_validation_error(make_donation, session, user, org, now, window):
    line = make_donation(kg=10).lines[0]
    claim = claims.claim_line(session, user("foodbank@example.org"), line.id, org("Columbia Regional Food Bank"), 5, *window, now)
    with pytest.raises(ValidationError):
        claims.record_movement(session, None, claim, 1e306, None, "", now)
