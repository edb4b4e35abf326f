"""One action, sent at the same moment from several connections (two tabs, the online event and the retry
timer of a flaky phone), is recorded once: the others replay it.

Runs on its own scratch database (SQLite by default, PostgreSQL in CI's second pass) so the sends really
commit on separate connections; on PostgreSQL the losers meet the unique index on client_action_id.
"""
from __future__ import annotations

import datetime as dt
import threading
import uuid

import pytest
from sqlalchemy import func, select

from coalition.extensions import db
from coalition.models import DeliveryRecord, StopAction
from coalition.services import driving
from tests.fixtures import driving as f
from tests.fixtures.web import scratch_app

SENDERS = 8


@pytest.fixture
def session():
    """Override the per-test rollback: the sends must commit on their own connections."""
    yield None


@pytest.fixture(scope="module")
def race_app(tmp_path_factory):
    with scratch_app("driving_race", tmp_path_factory.mktemp("driving-race")) as application:
        yield application


def test_concurrent_sends_of_one_delivery_record_it_once(race_app):
    now = dt.datetime.now(dt.timezone.utc).replace(microsecond=0)
    with race_app.app_context():
        route = f.make_route(db.session, now)
        pickup, delivery = route.stops
        driver = f.user(db.session, "driver@example.org")
        driving.pick_up(db.session, driver, pickup.id, uuid.uuid4().hex, now, {"kg": 10}, now)
        db.session.commit()
        ids = (delivery.id, pickup.claim_id)
        db.session.remove()
    action_id = uuid.uuid4().hex
    barrier = threading.Barrier(SENDERS)
    outcomes: list[str] = []
    lock = threading.Lock()

    def sender():
        with race_app.app_context():
            actor = f.user(db.session, "driver@example.org")
            db.session.commit()
            barrier.wait()
            try:
                result = driving.deliver(db.session, actor, ids[0], action_id, now, {"kg": 10, "receiver_name": "Ana"}, now)
                db.session.commit()
                outcome = "replayed" if result.replayed else "recorded"
            except Exception as error:  # anything but a replay is a bug the test must show
                db.session.rollback()
                outcome = f"error: {error!r}"
            finally:
                db.session.remove()
            with lock:
                outcomes.append(outcome)

    threads = [threading.Thread(target=sender) for _ in range(SENDERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(outcomes) == ["recorded"] + ["replayed"] * (SENDERS - 1), outcomes
    with race_app.app_context():
        assert db.session.scalar(select(func.count()).select_from(StopAction).where(StopAction.client_action_id == action_id)) == 1
        assert db.session.scalar(select(func.count()).select_from(DeliveryRecord).where(DeliveryRecord.claim_id == ids[1])) == 1
        db.session.remove()
