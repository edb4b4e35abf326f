"""No double allocation: truly concurrent claims on separate connections take exactly what is there.

Runs against whichever database the suite uses (SQLite by default, PostgreSQL
in CI's second pass), on its own scratch database so the claims really commit.
"""
from __future__ import annotations

import datetime as dt
import threading

import pytest
from sqlalchemy import select

from coalition.errors import Conflict
from coalition.extensions import db
from coalition.models import Claim, Organization, User
from coalition.services import claims, donations
from tests.fixtures.web import scratch_app

CLAIMERS = 24
LINE_KG = 100
CLAIM_KG = 7  # 14 claims fit (98 kg); 10 must be told "already claimed"


@pytest.fixture
def session():
    """Override the per-test rollback: these claims must commit on their own connections."""
    yield None


@pytest.fixture(scope="module")
def concurrency_app(tmp_path_factory):
    with scratch_app("concurrency", tmp_path_factory.mktemp("concurrency")) as application:
        yield application


def _post_line(app, kg: float) -> int:
    with app.app_context():
        now = dt.datetime.now(dt.timezone.utc)
        grocer = db.session.scalar(select(User).where(User.email == "grocer@example.org"))
        store = db.session.scalar(select(Organization).where(Organization.name == "Hawthorne Green Grocer"))
        donation = donations.post_donation(db.session, grocer, store, donations.DonationInput(
            [donations.LineInput("bakery", "bread", "ambient", now + dt.timedelta(days=1), kg=kg)],
            now + dt.timedelta(hours=1), now + dt.timedelta(hours=3)), now)
        db.session.commit()
        return donation.lines[0].id


def _claim_concurrently(app, line_id: int, kg: float | None, claimers: int) -> tuple[int, int, list[str]]:
    barrier = threading.Barrier(claimers)
    outcomes: list[str] = []
    lock = threading.Lock()

    def claimer():
        with app.app_context():
            now = dt.datetime.now(dt.timezone.utc)
            bank_user = db.session.scalar(select(User).where(User.email == "foodbank@example.org"))
            bank = db.session.scalar(select(Organization).where(Organization.name == "Columbia Regional Food Bank"))
            db.session.commit()  # start the claim in a fresh transaction, like a new request
            barrier.wait()
            try:
                claims.claim_line(db.session, bank_user, line_id, bank, kg,
                                  now + dt.timedelta(hours=4), now + dt.timedelta(hours=6), now)
                db.session.commit()
                result = "ok"
            except Conflict as error:
                db.session.rollback()
                result = "conflict: " + error.message
            except Exception as error:  # anything else is a bug the test must show
                db.session.rollback()
                result = f"error: {error!r}"
            with lock:
                outcomes.append(result)

    threads = [threading.Thread(target=claimer) for _ in range(claimers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    ok = sum(1 for o in outcomes if o == "ok")
    conflicts = sum(1 for o in outcomes if o.startswith("conflict"))
    return ok, conflicts, outcomes


def _claimed_g(app, line_id: int) -> int:
    with app.app_context():
        return sum(c.quantity_g for c in db.session.scalars(select(Claim).where(Claim.line_id == line_id)))


def test_concurrent_partial_claims_allocate_exactly_the_available_kilograms(concurrency_app):
    line_id = _post_line(concurrency_app, LINE_KG)
    ok, conflicts, outcomes = _claim_concurrently(concurrency_app, line_id, CLAIM_KG, CLAIMERS)
    assert not [o for o in outcomes if o.startswith("error")], outcomes
    assert ok == LINE_KG // CLAIM_KG and conflicts == CLAIMERS - ok
    assert _claimed_g(concurrency_app, line_id) == (LINE_KG // CLAIM_KG) * CLAIM_KG * 1000
    assert all("Already claimed" in o for o in outcomes if o.startswith("conflict"))


def test_concurrent_whole_line_claims_have_exactly_one_winner(concurrency_app):
    line_id = _post_line(concurrency_app, 40)
    ok, conflicts, outcomes = _claim_concurrently(concurrency_app, line_id, None, 12)
    assert (ok, conflicts) == (1, 11), outcomes
    assert _claimed_g(concurrency_app, line_id) == 40_000
