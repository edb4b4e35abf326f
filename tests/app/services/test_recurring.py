"""Recurring pickups: occurrences created ahead in local wall-clock time, idempotently; skip one; stop them all."""
from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from coalition.errors import Conflict, PermissionDenied, ValidationError
from coalition.models import ClaimStatus, Donation, DonationKind, DonationStatus, Notification, RecurringSchedule
from coalition.services import claims, recurring

TZ = ZoneInfo("America/Los_Angeles")
UTC = dt.timezone.utc


def schedule_input(**overrides) -> recurring.ScheduleInput:
    values = dict(
        weekdays=["tue", "fri"], pickup_time="21:00", pickup_minutes=60,
        lines=[recurring.TemplateLine("bakery", "day-old bread", "ambient", kg=15, shelf_life_h=18)],
        starts_on=dt.date(2026, 10, 19), notes="Loading dock", allow_split=True,
    )
    values.update(overrides)
    return recurring.ScheduleInput(**values)


@pytest.fixture
def grocer_schedule(session, org, user):
    """Tuesdays and Fridays at 21:00, set up on Monday 19 Oct 2026 at noon local time."""

    def _make(now=dt.datetime(2026, 10, 19, 19, 0, tzinfo=UTC), **overrides):
        return recurring.create_schedule(session, user("grocer@example.org"), org("Hawthorne Green Grocer"),
                                         schedule_input(**overrides), now, TZ)

    return _make


def occurrences(session, schedule) -> list[Donation]:
    return list(session.scalars(select(Donation).where(Donation.schedule_id == schedule.id)
                                .order_by(Donation.occurrence_date)))


def test_creating_a_schedule_posts_the_next_two_weeks_at_local_time(grocer_schedule, session):
    schedule = grocer_schedule()
    found = occurrences(session, schedule)
    # Mon 19 Oct through Mon 2 Nov: Tue 20, Fri 23, Tue 27, Fri 30 Oct.
    assert [d.occurrence_date for d in found] == [
        dt.date(2026, 10, 20), dt.date(2026, 10, 23), dt.date(2026, 10, 27), dt.date(2026, 10, 30)]
    first = found[0]
    assert first.pickup_start.astimezone(TZ).strftime("%a %H:%M") == "Tue 21:00"
    assert first.pickup_end - first.pickup_start == dt.timedelta(minutes=60)
    assert first.lines[0].quantity_g == 15_000 and first.lines[0].use_by == first.pickup_start + dt.timedelta(hours=18)
    assert first.status is DonationStatus.OPEN and first.kind is DonationKind.SURPLUS and first.notes == "Loading dock"


def test_generation_is_idempotent(grocer_schedule, session):
    schedule = grocer_schedule()
    same_day = dt.datetime(2026, 10, 19, 23, 0, tzinfo=UTC)
    assert recurring.generate_occurrences(session, same_day, TZ) == []
    assert len(occurrences(session, schedule)) == 4
    # A day later the horizon reaches Tue 3 Nov: exactly one new occurrence, then none on a second run.
    next_day = dt.datetime(2026, 10, 20, 19, 0, tzinfo=UTC)
    assert [d.occurrence_date for d in recurring.generate_occurrences(session, next_day, TZ)] == [dt.date(2026, 11, 3)]
    assert recurring.generate_occurrences(session, next_day, "America/Los_Angeles") == []
    assert len(occurrences(session, schedule)) == 5


def test_the_daylight_saving_week_keeps_the_wall_clock_time(grocer_schedule, session):
    """Clocks go back on Sun 1 Nov 2026 in Portland: 21:00 is 04:00 UTC before and 05:00 UTC after."""
    schedule = grocer_schedule()
    recurring.generate_occurrences(session, dt.datetime(2026, 10, 20, 19, 0, tzinfo=UTC), TZ)
    found = {d.occurrence_date: d for d in occurrences(session, schedule)}
    before, after = found[dt.date(2026, 10, 30)], found[dt.date(2026, 11, 3)]
    assert before.pickup_start == dt.datetime(2026, 10, 31, 4, 0, tzinfo=UTC)
    assert after.pickup_start == dt.datetime(2026, 11, 4, 5, 0, tzinfo=UTC)
    assert before.pickup_start.astimezone(TZ).hour == after.pickup_start.astimezone(TZ).hour == 21


def test_spring_forward_week_also_keeps_21_00(session, org, user):
    """Clocks go forward on Sun 14 Mar 2027: 21:00 is 05:00 UTC before and 04:00 UTC after."""
    schedule = recurring.create_schedule(
        session, user("grocer@example.org"), org("Hawthorne Green Grocer"),
        schedule_input(weekdays=["sat", "mon"], starts_on=dt.date(2027, 3, 8)),
        dt.datetime(2027, 3, 8, 19, 0, tzinfo=UTC), TZ, horizon_days=10)
    starts = {d.occurrence_date: d.pickup_start for d in occurrences(session, schedule)}
    assert starts == {
        dt.date(2027, 3, 8): dt.datetime(2027, 3, 9, 5, 0, tzinfo=UTC),
        dt.date(2027, 3, 13): dt.datetime(2027, 3, 14, 5, 0, tzinfo=UTC),
        dt.date(2027, 3, 15): dt.datetime(2027, 3, 16, 4, 0, tzinfo=UTC),
    }


def test_skipping_one_occurrence_leaves_the_others_and_tells_claimants(grocer_schedule, session, user, org):
    now = dt.datetime(2026, 10, 19, 19, 0, tzinfo=UTC)
    schedule = grocer_schedule(now=now)
    first, second, *_ = occurrences(session, schedule)
    bank = org("Columbia Regional Food Bank")
    claim = claims.claim_line(session, user("foodbank@example.org"), first.lines[0].id, bank, 5,
                              first.pickup_start + dt.timedelta(hours=1), first.pickup_start + dt.timedelta(hours=3), now)
    recurring.skip_occurrence(session, user("grocer.staff@example.org"), first, now)
    assert first.status is DonationStatus.SKIPPED and second.status is DonationStatus.OPEN
    assert claim.status is ClaimStatus.CANCELLED
    skipped = session.scalars(select(Notification).where(Notification.link_endpoint == "donations.detail",
                                                         Notification.title.like("Pickup skipped%")))
    assert any(n.link_args == {"donation_id": first.id} for n in skipped)
    # The job does not bring a skipped date back.
    assert recurring.generate_occurrences(session, now, TZ) == []
    assert first.status is DonationStatus.SKIPPED
    with pytest.raises(Conflict):
        recurring.skip_occurrence(session, user("grocer@example.org"), first, now)


def test_only_occurrences_can_be_skipped_and_only_by_the_donor(grocer_schedule, make_donation, session, user):
    with pytest.raises(Conflict):
        recurring.skip_occurrence(session, user("grocer@example.org"), make_donation(), dt.datetime.now(UTC))
    first = occurrences(session, grocer_schedule())[0]
    with pytest.raises(PermissionDenied):
        recurring.skip_occurrence(session, user("farmer@example.org"), first, dt.datetime(2026, 10, 19, 19, tzinfo=UTC))


def test_stopping_a_schedule_cancels_future_unclaimed_occurrences_only(grocer_schedule, session, user, org):
    now = dt.datetime(2026, 10, 19, 19, 0, tzinfo=UTC)
    schedule = grocer_schedule(now=now)
    first, *rest = occurrences(session, schedule)
    claims.claim_line(session, user("foodbank@example.org"), first.lines[0].id, org("Columbia Regional Food Bank"), 5,
                      first.pickup_start + dt.timedelta(hours=1), first.pickup_start + dt.timedelta(hours=3), now)
    cancelled, kept = recurring.cancel_schedule(session, user("grocer@example.org"), schedule, now)
    assert kept == [first] and first.status is DonationStatus.OPEN
    assert cancelled == rest and all(d.status is DonationStatus.CANCELLED for d in rest)
    assert schedule.active is False
    assert recurring.generate_occurrences(session, now + dt.timedelta(days=7), TZ) == []
    with pytest.raises(Conflict):
        recurring.cancel_schedule(session, user("grocer@example.org"), schedule, now)


def test_another_donor_cannot_stop_a_schedule(grocer_schedule, user, session):
    schedule = grocer_schedule()
    with pytest.raises(PermissionDenied):
        recurring.cancel_schedule(session, user("farmer@example.org"), schedule, dt.datetime(2026, 10, 19, 19, tzinfo=UTC))
    assert schedule.active is True


def test_an_end_date_stops_generation(grocer_schedule, session):
    schedule = grocer_schedule(ends_on=dt.date(2026, 10, 24))
    assert [d.occurrence_date for d in occurrences(session, schedule)] == [dt.date(2026, 10, 20), dt.date(2026, 10, 23)]


@pytest.mark.parametrize("overrides, field", [
    ({"weekdays": []}, "weekdays"),
    ({"weekdays": ["tue", "someday"]}, "weekdays"),
    ({"pickup_time": "25:00"}, "pickup_time"),
    ({"pickup_minutes": 0}, "pickup_minutes"),
    ({"starts_on": dt.date(2026, 1, 1)}, "starts_on"),
    ({"ends_on": dt.date(2026, 10, 1)}, "ends_on"),
    ({"lines": []}, "lines"),
    ({"lines": [recurring.TemplateLine("bakery", "bread", "ambient", kg=-3, shelf_life_h=10)]}, "lines-0-kg"),
    ({"lines": [recurring.TemplateLine("caviar", "bread", "ambient", kg=3, shelf_life_h=10)]}, "lines-0-category"),
    ({"lines": [recurring.TemplateLine("bakery", "bread", "ambient", kg=3, shelf_life_h=0)]}, "lines-0-shelf_life_h"),
])
def test_bad_schedules_are_refused_and_nothing_saved(grocer_schedule, session, overrides, field):
    before = session.scalars(select(RecurringSchedule)).all()
    with pytest.raises(ValidationError) as raised:
        grocer_schedule(**overrides)
    assert field in raised.value.fields
    assert session.scalars(select(RecurringSchedule)).all() == before


def test_weekly_produce_offer_becomes_one_offer_per_week(session, org, user):
    now = dt.datetime(2026, 10, 19, 19, 0, tzinfo=UTC)
    schedule = recurring.create_schedule(
        session, user("farmer@example.org"), org("Sauvie Island Growers"), schedule_input(
            weekdays=["sat"], pickup_time="08:00", pickup_minutes=240, kind=DonationKind.PRODUCE,
            lines=[recurring.TemplateLine("produce", "kale", "refrigerated", kg=120, shelf_life_h=96, pack_type="crates")]),
        now, TZ)
    offers = occurrences(session, schedule)
    assert [o.occurrence_date for o in offers] == [dt.date(2026, 10, 24), dt.date(2026, 10, 31)]
    assert all(o.kind is DonationKind.PRODUCE and o.lines[0].pack_type == "crates" for o in offers)
    assert offers[0].available_from == offers[0].pickup_start


# --- pages ---------------------------------------------------------------------------

def test_schedule_pages_create_list_skip_and_stop(login_as, client, post_form, session, org):
    login_as("grocer")
    assert "Set up a recurring pickup" in client.get("/donations/schedules").get_data(as_text=True)
    form = client.get("/donations/schedules/new").get_data(as_text=True)
    assert 'value="21:00"' in form
    store = org("Hawthorne Green Grocer")
    today = dt.datetime.now(TZ).date()
    created = post_form("/donations/schedules/new", {
        "donor_id": store.id, "weekdays": ["mon", "tue", "wed", "thu", "fri", "sat", "sun"], "pickup_time": "23:30",
        "pickup_minutes": "30", "starts_on": today.isoformat(), "lines-0-category": "bakery",
        "lines-0-description": "bagels", "lines-0-kg": "6", "lines-0-storage": "ambient", "lines-0-shelf_life_h": "12",
    })
    assert created.status_code == 302, created.get_data(as_text=True)
    schedule = session.scalars(select(RecurringSchedule).where(RecurringSchedule.donor_id == store.id)).one()
    schedule_id = schedule.id
    upcoming = occurrences(session, schedule)
    assert len(upcoming) >= 14
    first_id, second_id = upcoming[0].id, upcoming[1].id
    listing = client.get("/donations/schedules").get_data(as_text=True)
    assert f"/donations/{first_id}" in listing
    page = client.get(f"/donations/{first_id}").get_data(as_text=True)
    assert "Skip this pickup" in page
    assert post_form(f"/donations/{first_id}/skip", {}).status_code == 302
    assert session.get(Donation, first_id).status is DonationStatus.SKIPPED
    assert post_form(f"/donations/schedules/{schedule_id}/cancel", {}).status_code == 302
    assert session.get(Donation, second_id).status is DonationStatus.CANCELLED
    assert session.get(RecurringSchedule, schedule_id).active is False


def test_schedule_form_shows_errors_beside_fields(login_as, post_form, org, session):
    login_as("grocer")
    response = post_form("/donations/schedules/new", {
        "donor_id": org("Hawthorne Green Grocer").id, "pickup_time": "21:00", "pickup_minutes": "60",
        "starts_on": dt.datetime.now(TZ).date().isoformat(), "lines-0-description": "bread", "lines-0-kg": "0",
        "lines-0-category": "bakery", "lines-0-storage": "ambient", "lines-0-shelf_life_h": "10"})
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Choose at least one day" in page and 'id="lines-0-kg-error"' in page
    assert session.scalars(select(RecurringSchedule)).all() == []


def test_another_donor_cannot_stop_a_schedule_through_the_page(login_as, post_form, grocer_schedule, session):
    schedule = grocer_schedule(now=dt.datetime.now(UTC), starts_on=dt.datetime.now(TZ).date())
    session.commit()
    schedule_id = schedule.id
    login_as("farmer")
    assert post_form(f"/donations/schedules/{schedule_id}/cancel", {}).status_code == 403
    assert session.get(RecurringSchedule, schedule_id).active is True
