"""The periodic job: its steps, the CLI, the RQ path against a real Redis, and e-mail through a real SMTP server."""
from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from coalition import jobs
from coalition.models import WEEKDAYS, Donation, DonationStatus, Notification, NotificationKind
from coalition.services import claims, notifications
from tests.fixtures.redis import REDIS_URL
from tests.smtp_server import SMTPTestServer


def _expire_pickup(session, donation):
    """Move a donation's pickup window into the past (posting refuses past windows)."""
    donation.pickup_start = dt.datetime.now(dt.timezone.utc) - dt.timedelta(hours=3)
    donation.pickup_end = dt.datetime.now(dt.timezone.utc) - dt.timedelta(minutes=1)
    session.commit()
    return donation.id


def test_the_periodic_run_expires_a_missed_pickup_and_reports_it(app, session, make_donation, now):
    donation = make_donation()
    result = jobs.run_periodic(session, now + dt.timedelta(hours=4), app.config)
    assert session.get(Donation, donation.id).status is DonationStatus.EXPIRED
    assert result.donations_expired == 1 and result.errors == []
    assert "1 donations expired" in result.summary()


def test_a_failing_step_is_rolled_back_and_the_others_still_run(app, session, make_donation, now, monkeypatch):
    donation = make_donation()

    def broken(*_args):
        raise RuntimeError("SMTP exploded")

    monkeypatch.setattr(jobs, "send_emails", broken)
    result = jobs.run_periodic(session, now + dt.timedelta(hours=4), app.config)
    assert result.errors == ["e-mail: SMTP exploded"]
    assert session.get(Donation, donation.id).status is DonationStatus.EXPIRED


def test_the_periodic_run_creates_recurring_occurrences_once(app, session, org, now):
    """A daily pickup gets its coming occurrences from the job; a second run adds none (idempotent)."""
    from coalition.models import DonationKind, RecurringSchedule

    schedule = RecurringSchedule(
        donor=org("Hawthorne Green Grocer"), kind=DonationKind.SURPLUS, weekdays=list(WEEKDAYS), pickup_time="21:00",
        pickup_minutes=60, starts_on=now.date(), active=True,
        template=[{"category": "bakery", "description": "bread", "quantity_g": 10_000, "units": None,
                   "storage": "ambient", "shelf_life_h": 24, "pack_type": ""}])
    session.add(schedule)
    session.flush()
    first = jobs.run_periodic(session, now, app.config)
    assert first.occurrences_created >= 14 and first.errors == []
    assert session.scalar(select(func.count()).select_from(Donation).where(Donation.schedule_id == schedule.id)) \
        == first.occurrences_created
    assert jobs.run_periodic(session, now, app.config).occurrences_created == 0


def test_flask_marketplace_sweep_prints_what_it_did(app, session, make_donation):
    _expire_pickup(session, make_donation())
    result = app.test_cli_runner().invoke(args=["marketplace", "sweep"])
    assert result.exit_code == 0, result.output
    assert "Sweep done: 1 donations expired" in result.output


def test_the_worker_runs_and_stops_cleanly_on_ctrl_c(app, monkeypatch):
    def interrupted(_seconds):
        raise KeyboardInterrupt

    monkeypatch.setattr("time.sleep", interrupted)
    result = app.test_cli_runner().invoke(args=["marketplace", "worker", "--interval", "5"])
    assert result.exit_code == 0, result.output
    assert "every 5 s, in-process" in result.output
    assert "e-mails sent" in result.output and result.output.rstrip().endswith("Marketplace worker stopped.")


def test_enqueue_runs_in_process_without_redis(app):
    with app.app_context():
        assert jobs.enqueue(pow, 2, 5) == 32


def test_with_redis_the_periodic_job_runs_on_an_rq_worker(app, session, make_donation, redis_queue):
    """enqueue() puts the job on RQ (nothing runs yet); a real SimpleWorker in burst mode runs it."""
    from rq import SimpleWorker

    donation_id = _expire_pickup(session, make_donation())
    with app.app_context():
        job = jobs.enqueue(jobs.periodic_job, queue_name=redis_queue.name, redis_url=REDIS_URL, ttl_s=60)
    assert session.get(Donation, donation_id).status is DonationStatus.OPEN
    assert redis_queue.job_ids == [job.id] and job.ttl == 60
    with app.app_context():
        assert SimpleWorker([redis_queue], connection=redis_queue.connection).work(burst=True)
    job.refresh()
    assert job.is_finished, job.latest_result()
    assert job.return_value()["donations_expired"] == 1
    session.expire_all()
    assert session.get(Donation, donation_id).status is DonationStatus.EXPIRED


# --- e-mail -----------------------------------------------------------------

@pytest.fixture
def smtp(app, monkeypatch):
    with SMTPTestServer() as server:
        monkeypatch.setitem(app.config, "MAIL_SERVER", "127.0.0.1")
        monkeypatch.setitem(app.config, "MAIL_PORT", server.port)
        # E-mail links are built with the app's routes, as the job does in its app context.
        with app.app_context():
            yield server


def test_a_claim_is_emailed_once_to_the_donors_people_who_want_it(app, session, smtp, make_donation, org, user, now, window):
    """grocer@ keeps e-mail on; grocer.staff@ turned it off for claims: only grocer@ gets it, and only once."""
    notifications.set_preference(session, user("grocer.staff@example.org"), NotificationKind.CLAIM_ON_DONATION,
                                 in_app=True, email=False)
    donation = make_donation(kg=20)
    claims.claim_line(session, user("foodbank@example.org"), donation.lines[0].id, org("Columbia Regional Food Bank"),
                      5, *window, now)
    session.commit()

    result = jobs.run_periodic(session, now, app.config)
    claimed = [(to, message) for to, message in smtp.messages if "claimed" in message["Subject"]]
    assert [to for to, _ in claimed] == [["grocer@example.org"]]
    assert claimed[0][1]["Subject"] == "Columbia Regional Food Bank claimed 5 kg of bread and rolls"
    assert f"{app.config['BASE_URL']}/donations/{donation.id}" in claimed[0][1].get_payload()
    assert result.emails_sent >= 1
    # The staff member still sees it in the app.
    staff_note = session.scalar(select(Notification).where(
        Notification.user_id == user("grocer.staff@example.org").id, Notification.kind == NotificationKind.CLAIM_ON_DONATION))
    assert staff_note.show_in_app and staff_note.emailed_at is None

    before = len(smtp.messages)
    assert jobs.run_periodic(session, now, app.config).emails_sent == 0
    assert len(smtp.messages) == before


def test_without_smtp_nothing_is_marked_sent_so_it_goes_out_later(app, session, make_donation, org, user, now, window):
    donation = make_donation(kg=20)
    claims.claim_line(session, user("foodbank@example.org"), donation.lines[0].id, org("Columbia Regional Food Bank"),
                      5, *window, now)
    assert jobs.send_emails(session, now, app.config) == 0
    pending = session.scalars(select(Notification).where(Notification.kind == NotificationKind.CLAIM_ON_DONATION))
    assert all(n.emailed_at is None for n in pending)
