"""A same-day rescue told to nearby drivers: only those whose shift today, place and cold chain fit, nearest
first, in waves of a few, capped per driver per day, never twice after a worker restart, and no more once taken."""
from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select, update

from coalition import jobs
from coalition.models import Notification, NotificationKind, PlanStatus, RescueAlert, RoutePlan
from coalition.models.readiness import DriverProfile
from coalition.models.shift import ColdChain, DriverShift, PlaceKind, ShiftStatus
from coalition.services import rescues
from coalition.services.rescue_waves import WaveRules, rescue_audience, send_rescue_waves
from tests.fixtures import driving as f

TZ = f.ZONE
GROCER = (45.5122, -122.6348)   # the demo donor's point
KM_LAT = 1 / 111.2              # degrees of latitude in a kilometre


@pytest.fixture(autouse=True)
def quiet_day(session, now):
    """Only this test's shifts and rescues today: the demo's are cancelled and withdrawn."""
    session.execute(update(DriverShift).values(status=ShiftStatus.CANCELLED))
    session.execute(update(RoutePlan).where(RoutePlan.zone == rescues.RESCUE_ZONE, RoutePlan.status == PlanStatus.DRAFT)
                    .values(status=PlanStatus.SUPERSEDED))
    session.flush()


def _ready(session, email, trained=True):
    driver = f.user(session, email)
    today = f.local_today(dt.datetime.now(dt.timezone.utc))
    session.query(DriverProfile).filter_by(user_id=driver.id).delete()
    session.add(DriverProfile(user_id=driver.id, licence_attested_on=today - dt.timedelta(days=9),
                              insurance_attested_on=today - dt.timedelta(days=9),
                              training_completed_on=today - dt.timedelta(days=400),
                              training_expires_on=today + dt.timedelta(days=300 if trained else -1)))
    session.flush()
    return driver


def _shift(session, now, email, km, chain=ColdChain.NONE, start_h=0.0, hours=8.0, trained=True):
    """A shift today for ``email``, starting at home ``km`` north of the grocer."""
    _ready(session, email, trained)
    start = now + dt.timedelta(hours=start_h)
    shift = DriverShift(driver=f.user(session, email), organization=f.org(session, f.BACKBONE),
                        local_date=f.local_today(now), start_at=start, end_at=start + dt.timedelta(hours=hours),
                        start_kind=PlaceKind.HOME, start_latitude=GROCER[0] + km * KM_LAT, start_longitude=GROCER[1],
                        capacity_g=200_000, cold_chain=chain)
    session.add(shift)
    session.flush()
    return shift


def _rescue(session, now, storage="ambient"):
    claim = f.make_claim(session, now, storage=storage, category="bakery" if storage == "ambient" else "dairy")
    return rescues.offer_rescue(session, f.user(session, "coordinator@example.org"), [claim.id], "", f.local_today(now), now)


def _told(session, plan) -> list[str]:
    alerts = session.scalars(select(RescueAlert).where(RescueAlert.plan_id == plan.id).order_by(RescueAlert.id))
    return [session.get(type(f.user(session, "driver@example.org")), a.user_id).email for a in alerts]


def test_only_drivers_whose_shift_today_and_place_fit_nearest_first(session, now):
    _shift(session, now, "driver3@example.org", km=6)
    _shift(session, now, "driver1@example.org", km=2)
    _shift(session, now, "driver2@example.org", km=40)                          # too far
    _shift(session, now, "driver4@example.org", km=1, start_h=4)                # starts after the pickup window
    _shift(session, now, "driver5@example.org", km=1).status = ShiftStatus.CANCELLED
    _shift(session, now, "driver6@example.org", km=4)
    plan = _rescue(session, now)
    audience = rescue_audience(session, plan, now, TZ, radius_km=15)
    assert [c.driver.email for c in audience] == ["driver1@example.org", "driver6@example.org", "driver3@example.org"]
    assert [round(c.distance_km) for c in audience] == [2, 4, 6]


def test_cold_food_needs_a_cold_chain_shift_and_current_training(session, now):
    _shift(session, now, "driver1@example.org", km=1, chain=ColdChain.NONE)
    _shift(session, now, "driver2@example.org", km=2, chain=ColdChain.REFRIGERATED, trained=False)
    _shift(session, now, "driver3@example.org", km=3, chain=ColdChain.INSULATED)
    _shift(session, now, "driver4@example.org", km=4, chain=ColdChain.REFRIGERATED)
    cold = _rescue(session, now, storage="refrigerated")
    assert [c.driver.email for c in rescue_audience(session, cold, now, TZ, 15)] == [
        "driver3@example.org", "driver4@example.org"]
    frozen = _rescue(session, now, storage="frozen")
    assert [c.driver.email for c in rescue_audience(session, frozen, now, TZ, 15)] == ["driver4@example.org"]
    ambient = _rescue(session, now)
    assert len(rescue_audience(session, ambient, now, TZ, 15)) == 4


def test_waves_of_the_configured_size_after_the_interval(session, now):
    for number in range(1, 6):
        _shift(session, now, f"driver{number}@example.org", km=number)
    plan = _rescue(session, now)
    rules = WaveRules(size=2, minutes=10, per_driver_day=3)
    told = [send_rescue_waves(session, now + dt.timedelta(minutes=m), TZ, rules) for m in (0, 5, 10, 19, 20, 30)]
    assert told == [2, 0, 2, 0, 1, 0]
    assert _told(session, plan) == [f"driver{n}@example.org" for n in range(1, 6)]
    waves = session.scalars(select(RescueAlert.wave).where(RescueAlert.plan_id == plan.id).order_by(RescueAlert.id))
    assert list(waves) == [1, 1, 2, 2, 3]
    notices = session.scalars(select(Notification).where(Notification.kind == NotificationKind.RESCUE_NEARBY,
                                                         Notification.user_id == f.user(session, "driver1@example.org").id))
    [notice] = list(notices)
    assert "1.0 km away" in notice.title and notice.link_endpoint == "driver.shifts"


def test_a_driver_is_told_at_most_the_daily_cap(session, now):
    _shift(session, now, "driver1@example.org", km=1)
    _shift(session, now, "driver2@example.org", km=2)
    rules = WaveRules(size=1, minutes=10, per_driver_day=2)
    plans = [_rescue(session, now) for _ in range(3)]
    assert send_rescue_waves(session, now, TZ, rules) == 3
    # driver1 (nearest) got the first two, driver2 the third; every wave later, only driver2 has room left.
    assert [_told(session, p) for p in plans] == [["driver1@example.org"], ["driver1@example.org"], ["driver2@example.org"]]
    assert send_rescue_waves(session, now + dt.timedelta(minutes=10), TZ, rules) == 1
    assert send_rescue_waves(session, now + dt.timedelta(minutes=20), TZ, rules) == 0
    counts = session.scalars(select(RescueAlert.user_id).where(RescueAlert.plan_id.in_([p.id for p in plans])))
    assert sorted(counts) == sorted([f.user(session, "driver1@example.org").id] * 2 + [f.user(session, "driver2@example.org").id] * 2)


def test_no_more_waves_once_the_rescue_is_taken(session, now):
    for number in range(1, 4):
        _shift(session, now, f"driver{number}@example.org", km=number)
    plan = _rescue(session, now)
    rules = WaveRules(size=1, minutes=10, per_driver_day=3)
    assert send_rescue_waves(session, now, TZ, rules) == 1
    rescues.take_rescue(session, f.user(session, "driver1@example.org"), plan.id, TZ, now + dt.timedelta(minutes=3))
    assert send_rescue_waves(session, now + dt.timedelta(minutes=10), TZ, rules) == 0
    assert _told(session, plan) == ["driver1@example.org"]


@pytest.fixture
def worker_context(app):
    with app.app_context():
        yield


def test_the_periodic_job_sends_each_wave_once_even_when_rerun(session, now, app, worker_context):
    for number in range(1, 5):
        _shift(session, now, f"driver{number}@example.org", km=number)
    plan = _rescue(session, now)
    session.commit()
    config = {**app.config, "RESCUE_WAVE_SIZE": 3, "RESCUE_WAVE_MINUTES": 10}
    first = jobs.run_periodic(session, now, config)
    again = jobs.run_periodic(session, now + dt.timedelta(minutes=1), config)   # a restarted worker
    assert (first.rescue_alerts, again.rescue_alerts) == (3, 0) and first.errors == again.errors == []
    assert _told(session, plan) == ["driver1@example.org", "driver2@example.org", "driver3@example.org"]
    told = session.scalars(select(Notification.user_id).where(Notification.kind == NotificationKind.RESCUE_NEARBY))
    assert len(list(told)) == 3


def test_rescue_alerts_are_not_urgent_they_wait_out_quiet_hours(session, now, app, worker_context, push_service):
    """Only "your route changed in the next two hours" breaks quiet hours; a nearby rescue waits for them to end."""
    import json

    from coalition.models import PushSubscription
    from coalition.services import push
    from tests.fixtures.push_service import browser_keys, vapid_keys

    _shift(session, now, "driver1@example.org", km=2)
    driver = f.user(session, "driver1@example.org")
    local = now.astimezone(TZ)
    push.set_quiet_hours(session, driver, f"{(local - dt.timedelta(hours=1)):%H:%M}", f"{(local + dt.timedelta(hours=1)):%H:%M}")
    keys = browser_keys()
    session.add(PushSubscription(user_id=driver.id, endpoint=f"{push_service.url}/push/phone", p256dh=keys.p256dh,
                                 auth=keys.auth, user_agent="Test phone"))
    _rescue(session, now)
    assert send_rescue_waves(session, now, TZ, WaveRules()) == 1
    alert = session.scalar(select(Notification).where(Notification.kind == NotificationKind.RESCUE_NEARBY,
                                                      Notification.user_id == driver.id))
    assert alert.urgent is False
    session.commit()
    public, private = vapid_keys()
    config = {**app.config, "VAPID_PUBLIC_KEY": public, "VAPID_PRIVATE_KEY": private,
              "VAPID_SUBJECT": "mailto:dispatch@example.org", "COALITION_TIMEZONE": str(TZ)}
    assert jobs.send_pushes(session, now + dt.timedelta(minutes=5), config).sent == 0          # quiet: held
    assert push_service.received == []
    assert jobs.send_pushes(session, now + dt.timedelta(hours=1, minutes=1), config).sent == 1  # after them
    assert json.loads(keys.decrypt(push_service.received[0].body))["title"].startswith("Rescue near you")
