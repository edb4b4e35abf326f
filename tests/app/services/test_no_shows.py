"""No-show escalation on a fake clock: a late pickup is flagged once, only its driver is asked, only the
coordinators are alerted (after the answer time, at once on "can't make it", or when "on my way" ran out),
with the nearest fitting drivers; a restarted worker sends nothing twice; outcomes are recorded."""
from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select, update

from coalition import jobs
from coalition.errors import Conflict, PermissionDenied, ValidationError
from coalition.models import (
    DriverAnswer,
    NoShow,
    Notification,
    NotificationKind,
    PlanStatus,
    Route,
    StopStatus,
    User,
)
from coalition.models.readiness import DriverProfile
from coalition.models.shift import DriverShift, PlaceKind, ShiftStatus
from coalition.services import no_show_records, no_shows, rescues
from tests.fixtures import driving as f

TZ = f.ZONE
RULES = no_shows.NoShowRules(margin_minutes=15, answer_minutes=10, hold_minutes=20, radius_km=15)
GROCER = (45.5122, -122.6348)
KM_LAT = 1 / 111.2


@pytest.fixture(autouse=True)
def quiet_day(session):
    """Only this test's shifts today: the demo's are cancelled, so the stand-ins are the test's own."""
    session.execute(update(DriverShift).values(status=ShiftStatus.CANCELLED))
    session.flush()


def _ready(session, email):
    driver = f.user(session, email)
    today = f.local_today(dt.datetime.now(dt.timezone.utc))
    session.query(DriverProfile).filter_by(user_id=driver.id).delete()
    session.add(DriverProfile(user_id=driver.id, licence_attested_on=today - dt.timedelta(days=9),
                              insurance_attested_on=today - dt.timedelta(days=9),
                              training_completed_on=today - dt.timedelta(days=400),
                              training_expires_on=today + dt.timedelta(days=300)))
    session.flush()
    return driver


def _stand_in_shift(session, now, email, km):
    """A shift today for ``email`` starting ``km`` north of the grocer (the late pickup's donor)."""
    _ready(session, email)
    shift = DriverShift(driver=f.user(session, email), organization=f.org(session, f.BACKBONE),
                        local_date=f.local_today(now), start_at=now, end_at=now + dt.timedelta(hours=8),
                        start_kind=PlaceKind.HOME, start_latitude=GROCER[0] + km * KM_LAT, start_longitude=GROCER[1],
                        capacity_g=200_000)
    session.add(shift)
    session.flush()
    return shift


@pytest.fixture
def late(session, now):
    """driver@'s published route whose pickup is due at now + 1 h (window opens then too)."""
    route = f.make_route(session, now)
    return route.stops[0]


def _about(session, kind, row) -> list[Notification]:
    """The notifications of ``kind`` about this late pickup (the demo's own routes may be late too)."""
    return [n for n in session.scalars(select(Notification).where(Notification.kind == kind).order_by(Notification.id))
            if n.link_args.get("no_show_id") == row.id]


def _row(session, stop) -> NoShow | None:
    return session.scalar(select(NoShow).where(NoShow.claim_id == stop.claim_id))


def _emails(session, notes) -> set[str]:
    return {session.get(User, n.user_id).email for n in notes}


def test_the_timeline_flag_ask_alert_then_missed(session, now, late):
    due = now + dt.timedelta(hours=1)
    no_shows.run_escalation(session, due + dt.timedelta(minutes=14), TZ, RULES)
    assert _row(session, late) is None                                   # within the margin: not late yet

    no_shows.run_escalation(session, due + dt.timedelta(minutes=16), TZ, RULES)
    row = _row(session, late)
    assert row is not None and row.driver_id == f.user(session, "driver@example.org").id and row.due_at == due
    asked = _about(session, NotificationKind.NO_SHOW_CHECK, row)
    assert _emails(session, asked) == {"driver@example.org"}
    assert asked[0].link_endpoint == "driver.no_show_question" and "on your way" in asked[0].title
    assert _about(session, NotificationKind.NO_SHOW_ALERT, row) == []    # the driver has time to answer

    no_shows.run_escalation(session, due + dt.timedelta(minutes=25), TZ, RULES)
    assert row.escalated_at is None
    no_shows.run_escalation(session, due + dt.timedelta(minutes=26), TZ, RULES)
    assert row.escalated_at == due + dt.timedelta(minutes=26) and row.escalation_reason == "no_answer"
    alerts = _about(session, NotificationKind.NO_SHOW_ALERT, row)
    assert {n.user_id for n in alerts} == {u.id for u in no_shows.coordinators(session)}
    assert {"coordinator@example.org", "backbone@example.org"} <= _emails(session, alerts)
    assert not {"driver@example.org", "grocer@example.org", "foodbank@example.org"} & _emails(session, alerts)

    coordinator = f.user(session, "coordinator@example.org")
    no_show_records.record_missed(session, coordinator, row.id, "Driver's car broke down", due + dt.timedelta(hours=2))
    outcome = no_show_records.outcome_of(session, row, RULES)
    assert (outcome.kind, outcome.text) == ("missed", "Missed: Driver's car broke down")
    month = no_show_records.missed_by_month(session, TZ)[0]
    assert month.month == due.astimezone(TZ).date().replace(day=1) and month.pickups >= 1
    assert month.grams >= late.claim.quantity_g


@pytest.fixture
def worker_context(app):
    with app.app_context():
        yield


def test_a_restarted_worker_flags_asks_and_alerts_only_once(session, now, late, app, worker_context):
    due = now + dt.timedelta(hours=1)
    session.commit()
    for minutes in (16, 16, 17, 27, 27, 40):         # the same moment twice: a worker restarted mid-run
        assert jobs.run_periodic(session, due + dt.timedelta(minutes=minutes), app.config).errors == []
    row = _row(session, late)
    assert len(_about(session, NotificationKind.NO_SHOW_CHECK, row)) == 1
    assert len(_about(session, NotificationKind.NO_SHOW_ALERT, row)) == len(no_shows.coordinators(session)) > 0
    assert session.scalar(select(NoShow.id).where(NoShow.claim_id == late.claim_id, NoShow.id != row.id)) is None


def test_an_arrived_driver_is_neither_flagged_nor_escalated(session, now, late):
    due = now + dt.timedelta(hours=1)
    late.arrived_at, late.status = due + dt.timedelta(minutes=5), StopStatus.ARRIVED
    no_shows.run_escalation(session, due + dt.timedelta(minutes=40), TZ, RULES)
    assert _row(session, late) is None


def test_on_my_way_holds_the_escalation_then_it_goes_up(session, now, late):
    due = now + dt.timedelta(hours=1)
    no_shows.run_escalation(session, due + dt.timedelta(minutes=16), TZ, RULES)
    row = _row(session, late)
    driver = f.user(session, "driver@example.org")
    no_shows.answer(session, driver, row.id, "on_the_way", due + dt.timedelta(minutes=18), TZ, RULES)
    no_shows.run_escalation(session, due + dt.timedelta(minutes=37), TZ, RULES)
    assert row.escalated_at is None and row.answer is DriverAnswer.ON_THE_WAY
    with pytest.raises(Conflict):
        no_shows.answer(session, driver, row.id, "on_the_way", due + dt.timedelta(minutes=38), TZ, RULES)
    no_shows.run_escalation(session, due + dt.timedelta(minutes=38), TZ, RULES)
    assert row.escalation_reason == "still_not_arrived"


def test_cant_make_it_alerts_the_coordinators_at_once_with_the_nearest_fitting_drivers(session, now, late):
    due = now + dt.timedelta(hours=1)
    _stand_in_shift(session, now, "driver3@example.org", km=6)
    near = _stand_in_shift(session, now, "driver1@example.org", km=2)
    _stand_in_shift(session, now, "driver2@example.org", km=40)          # too far
    # driver1 drives a route of the same plan: the re-plan can move the pickup onto it.
    session.add(Route(plan=late.route.plan, shift=near, driver_id=near.driver_id, start_at=now))
    session.flush()
    no_shows.run_escalation(session, due + dt.timedelta(minutes=16), TZ, RULES)
    row = _row(session, late)
    no_shows.answer(session, f.user(session, "driver@example.org"), row.id, "cant_make_it",
                    due + dt.timedelta(minutes=17), TZ, RULES)
    assert row.escalation_reason == "cant_make_it" and row.escalated_at == due + dt.timedelta(minutes=17)
    alert = _about(session, NotificationKind.NO_SHOW_ALERT, row)[0]
    assert f"{f.user(session, 'driver1@example.org').display_name} (2.0 km)" in alert.body
    candidates = no_shows.stand_ins(session, row, due + dt.timedelta(minutes=17), TZ, RULES)
    assert [c.driver.email for c in candidates] == ["driver1@example.org", "driver3@example.org"]
    assert candidates[0].route_id is not None and candidates[1].route_id is None
    alerts_before = len(_about(session, NotificationKind.NO_SHOW_ALERT, row))
    no_shows.run_escalation(session, due + dt.timedelta(minutes=40), TZ, RULES)
    assert len(_about(session, NotificationKind.NO_SHOW_ALERT, row)) == alerts_before   # not told twice


def test_only_the_late_driver_answers_and_a_bad_answer_changes_nothing(session, now, late):
    due = now + dt.timedelta(hours=1)
    no_shows.run_escalation(session, due + dt.timedelta(minutes=16), TZ, RULES)
    row = _row(session, late)
    with pytest.raises(PermissionDenied):
        no_shows.answer(session, f.user(session, "driver1@example.org"), row.id, "cant_make_it", due, TZ, RULES)
    with pytest.raises(ValidationError) as error:
        no_shows.answer(session, f.user(session, "driver@example.org"), row.id, "maybe", due, TZ, RULES)
    assert "answer" in error.value.fields
    assert row.answer is DriverAnswer.NONE and row.escalated_at is None


def test_one_tap_replan_moves_the_pickup_onto_the_stand_ins_route(session, now, late):
    due = now + dt.timedelta(hours=1)
    near = _stand_in_shift(session, now, "driver1@example.org", km=2)
    other = Route(plan=late.route.plan, shift=near, driver_id=near.driver_id, start_at=now)
    session.add(other)
    session.flush()
    no_shows.run_escalation(session, due + dt.timedelta(minutes=30), TZ, RULES)
    row = _row(session, late)
    coordinator = f.user(session, "coordinator@example.org")
    with pytest.raises(ValidationError):
        no_shows.replan_to(session, coordinator, row.id, late.route_id, due + dt.timedelta(minutes=31))
    with pytest.raises(PermissionDenied):
        no_shows.replan_to(session, f.user(session, "driver1@example.org"), row.id, other.id, due)
    plan = no_shows.replan_to(session, coordinator, row.id, other.id, due + dt.timedelta(minutes=31))
    assert plan.status is PlanStatus.SOLVING and plan.based_on_id == late.route.plan_id
    assert plan.params["pins"][str(late.claim_id)] == near.id


def test_one_tap_rescue_takes_the_pickup_off_the_route_and_offers_it(session, now, late):
    due = now + dt.timedelta(hours=1)
    no_shows.run_escalation(session, due + dt.timedelta(minutes=30), TZ, RULES)
    row = _row(session, late)
    coordinator = f.user(session, "coordinator@example.org")
    at = due + dt.timedelta(minutes=31)
    offer = no_shows.offer_as_rescue(session, coordinator, row.id, at, TZ)
    assert offer.status is PlanStatus.DRAFT and rescues.rescue_claims(session, offer) == [late.claim]
    assert {s.status for s in late.route.stops} == {StopStatus.SKIPPED}
    assert offer in rescues.list_open_rescues(session, at)
    assert no_show_records.outcome_of(session, row, RULES).kind == "open"
    with pytest.raises(Conflict):
        no_shows.offer_as_rescue(session, coordinator, row.id, at, TZ)   # already handed over
    # A driver takes it: the pickup is re-assigned.
    taker = _ready(session, "driver2@example.org")
    rescues.take_rescue(session, taker, offer.id, TZ, at)
    assert no_show_records.outcome_of(session, row, RULES).kind == "reassigned"


def test_missed_needs_a_reason_and_a_coordinator(session, now, late):
    due = now + dt.timedelta(hours=1)
    no_shows.run_escalation(session, due + dt.timedelta(minutes=16), TZ, RULES)
    row = _row(session, late)
    with pytest.raises(ValidationError) as error:
        no_show_records.record_missed(session, f.user(session, "coordinator@example.org"), row.id, "  ", due)
    assert "reason" in error.value.fields
    with pytest.raises(PermissionDenied):
        no_show_records.record_missed(session, f.user(session, "driver1@example.org"), row.id, "gone", due)
    assert row.missed_at is None and row.missed_reason == ""


def test_reliability_counts_on_time_late_missed_and_cant_make_it(session, now):
    driver = f.user(session, "driver@example.org")
    on_time, late_one, missed = (f.make_route(session, now).stops[0] for _ in range(3))
    due = now + dt.timedelta(hours=1)
    on_time.arrived_at = due + dt.timedelta(minutes=5)
    late_one.arrived_at = due + dt.timedelta(minutes=25)
    on_time.status = late_one.status = StopStatus.ARRIVED
    no_shows.run_escalation(session, due + dt.timedelta(minutes=16), TZ, RULES)
    row = _row(session, missed)
    no_shows.answer(session, driver, row.id, "cant_make_it", due + dt.timedelta(minutes=17), TZ, RULES)
    no_show_records.record_missed(session, f.user(session, "coordinator@example.org"), row.id, "No driver",
                                  due + dt.timedelta(hours=1))
    record = no_show_records.reliability(session, driver, due + dt.timedelta(hours=1), TZ, RULES)
    assert record.counts["late"] >= 1 and record.counts["on_time"] >= 1
    assert record.counts["missed"] == 1 and record.counts["cant_make_it"] == 1
    texts = [text for _when, _what, text in record.entries]
    assert "Missed: No driver (said they could not make it)" in texts and "Late" in texts


def test_missed_csv_in_the_coalitions_unit(session, app):
    months = [no_show_records.MissedMonth(dt.date(2026, 11, 1), 2, 5_670)]
    with app.app_context():
        assert no_show_records.missed_csv(months).splitlines() == ["month,missed_pickups,kg_not_collected",
                                                                   "2026-11,2,5.67"]
        app.config["WEIGHT_UNIT"] = "lb"
        try:
            assert no_show_records.missed_csv(months).splitlines()[1] == "2026-11,2,12.5"
        finally:
            app.config["WEIGHT_UNIT"] = "kg"


def test_the_question_is_pushed_with_two_answer_buttons_to_the_drivers_phone_only(session, now, late, app,
                                                                                  worker_context, push_service):
    import json

    from coalition.models import PushSubscription
    from tests.fixtures.push_service import browser_keys, vapid_keys

    driver = f.user(session, "driver@example.org")
    keys = browser_keys()
    session.add(PushSubscription(user_id=driver.id, endpoint=f"{push_service.url}/push/driver", p256dh=keys.p256dh,
                                 auth=keys.auth, user_agent="Test phone"))
    due = now + dt.timedelta(hours=1)
    no_shows.flag_late_pickups(session, due + dt.timedelta(minutes=16), RULES)
    row = _row(session, late)
    session.commit()
    public, private = vapid_keys()
    config = {**app.config, "VAPID_PUBLIC_KEY": public, "VAPID_PRIVATE_KEY": private,
              "VAPID_SUBJECT": "mailto:dispatch@example.org"}
    jobs.send_pushes(session, due + dt.timedelta(minutes=16), config)
    messages = [json.loads(keys.decrypt(r.body)) for r in push_service.received]
    question = [m for m in messages if m["url"].endswith(f"/driver/no-shows/{row.id}/question")]
    assert len(question) == 1 and question[0]["title"].startswith("Are you on your way")
    assert [a["action"] for a in question[0]["actions"]] == ["on_the_way", "cant_make_it"]
