"""A claim's donor and recipient hear its food move: picked up, on the way (with the plan's estimated
arrival), delivered; nobody else does, and a person who turned these off is not told."""
from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import select

from coalition.models import Membership, NoShow, Notification, NotificationKind
from coalition.services import driving, notifications
from coalition.services.notifications import NOTIFIED_ROLES
from tests.fixtures import driving as f

LA = "America/Los_Angeles"


def _progress(session) -> list[Notification]:
    return list(session.scalars(select(Notification).where(Notification.kind == NotificationKind.CLAIM_PROGRESS)
                                .order_by(Notification.id)))


def _people(session, organization) -> set[int]:
    return set(session.scalars(select(Membership.user_id).where(
        Membership.organization_id == organization.id, Membership.active.is_(True), Membership.role.in_(NOTIFIED_ROLES))))


def _pick_up(session, now):
    route = f.make_route(session, now)
    pickup, delivery = route.stops
    driver = f.user(session, "driver@example.org")
    driving.pick_up(session, driver, pickup.id, str(uuid.uuid4()), now, {"kg": 9.5, "time_zone": LA}, now)
    return driver, pickup, delivery


def test_picked_up_tells_the_donor_and_on_the_way_tells_the_recipient_with_the_planned_arrival(session, now):
    _, pickup, delivery = _pick_up(session, now)
    claim = pickup.claim
    donor, recipient = _people(session, claim.line.donation.donor), _people(session, claim.recipient)
    assert f.user(session, "grocer@example.org").id in donor and f.user(session, "foodbank@example.org").id in recipient
    sent = _progress(session)
    assert {n.user_id for n in sent if n.title.startswith("Picked up: 9.5 kg")} == donor
    eta = delivery.service_start_at.astimezone(f.ZONE).strftime("%H:%M")
    on_the_way = [n for n in sent if n.title.startswith("On the way")]
    assert {n.user_id for n in on_the_way} == recipient
    assert all(n.title.endswith(f"estimated arrival {eta}") for n in on_the_way)
    assert {n.user_id for n in sent} == donor | recipient   # the driver, the backbone, other partners: nobody else
    assert on_the_way[0].link_endpoint == "claims.detail" and on_the_way[0].link_args == {"claim_id": claim.id}


def test_delivered_tells_the_donor_and_the_recipient_only(session, now):
    driver, pickup, delivery = _pick_up(session, now)
    before = {n.id for n in _progress(session)}
    later = now + dt.timedelta(hours=1)
    driving.deliver(session, driver, delivery.id, str(uuid.uuid4()), later, {"kg": 9, "receiver_name": "Sam"}, later)
    delivered = [n for n in _progress(session) if n.id not in before]
    claim = pickup.claim
    assert {n.user_id for n in delivered} == _people(session, claim.line.donation.donor) | _people(session, claim.recipient)
    assert all(n.title.startswith("Delivered: 9 kg") for n in delivered)
    assert {n.body for n in delivered if n.user_id == f.user(session, "foodbank@example.org").id} == {"Received by Sam."}


def test_a_person_who_turned_claim_progress_off_is_not_told(session, now):
    foodbank = f.user(session, "foodbank@example.org")
    notifications.set_preference(session, foodbank, NotificationKind.CLAIM_PROGRESS, in_app=False, email=False, push=False)
    session.flush()
    _pick_up(session, now)
    told = {n.user_id for n in _progress(session)}
    assert foodbank.id not in told and f.user(session, "grocer@example.org").id in told


def test_a_problem_at_a_stop_tells_the_claims_donor_and_recipient_only_without_the_drivers_words(session, now):
    route = f.make_route(session, now, claims=[f.make_claim(session, now), f.make_claim(session, now, recipient="Old Town Night Shelter",
                                                                                          claimant="shelter@example.org")])
    pickup = route.stops[0]
    driver = f.user(session, "driver@example.org")
    driving.report_problem(session, driver, pickup.id, str(uuid.uuid4()), now,
                           {"problem_kind": "not_ready", "note": "Back door code 4411, 12 Elm St"}, now)
    problems = [n for n in _progress(session) if n.title.startswith("Problem:")]
    claim = pickup.claim
    assert {n.user_id for n in problems} == _people(session, claim.line.donation.donor) | _people(session, claim.recipient)
    assert f.user(session, "shelter@example.org").id not in {n.user_id for n in problems}   # the other claim's recipient
    assert all("Not ready at the pickup" in n.body and "4411" not in n.body + n.title for n in problems)


def test_a_missed_pickup_tells_the_donor_and_recipient_of_a_problem(session, now):
    from coalition.services import no_show_records, no_shows

    stop = f.make_route(session, now - dt.timedelta(hours=2)).stops[0]
    no_shows.flag_late_pickups(session, now, no_shows.NoShowRules())
    row = session.scalar(select(NoShow).where(NoShow.claim_id == stop.claim_id))
    no_show_records.record_missed(session, f.user(session, "coordinator@example.org"), row.id, "No driver", now)
    problems = [n for n in _progress(session) if n.title.startswith("Problem:")]
    claim = stop.claim
    assert {n.user_id for n in problems} == _people(session, claim.line.donation.donor) | _people(session, claim.recipient)
    assert all("The pickup was missed" in n.body for n in problems)
