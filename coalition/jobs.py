"""Background work: the periodic marketplace job, run in-process or on RQ.

The steps are plain functions that take a session, ``now`` and the app's
config, and flush without committing; :func:`run_periodic` runs them in
order and commits after each, so a failing step (mail down) never undoes
another (expired donations). It runs in the app's context: e-mail links are
built with the app's routes. Entry points:

- ``flask marketplace sweep``: one run, printing what it did;
- ``flask marketplace worker``: a run every ``--interval`` seconds (``make run``
  keeps one beside the embedded server);
- :func:`enqueue`: runs a job in-process when ``REDIS_URL`` is unset, else puts
  it on the RQ queue for an ``rq worker`` (``periodic_job`` is such a job).
"""
from __future__ import annotations

import contextlib
import datetime as dt
import logging
import os
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, field
from zoneinfo import ZoneInfo

from flask import current_app, has_app_context
from sqlalchemy.orm import Session

from coalition import mail_links
from coalition.services import expiry, notifications, recurring
from coalition.services import communication
from coalition.services import indicator_snapshots
from coalition.services import push
from coalition.services.mail import MailSettings

log = logging.getLogger(__name__)

QUEUE_NAME = "coalition"


@dataclass
class PeriodicResult:
    donations_expired: int = 0
    claims_expired: int = 0
    warnings_sent: int = 0
    priorities_opened: int = 0
    occurrences_created: int = 0
    emails_sent: int = 0
    pushes_sent: int = 0
    shifts_reminded: int = 0
    rescue_alerts: int = 0
    late_pickups_flagged: int = 0
    no_show_alerts: int = 0
    uploads_deleted: int = 0
    errors: list[str] = field(default_factory=list)

    def summary(self) -> str:
        text = (f"{self.donations_expired} donations expired ({self.claims_expired} claims), "
                f"{self.warnings_sent} use-by warnings, {self.priorities_opened} priorities opened to all, "
                f"{self.occurrences_created} recurring occurrences created, {self.emails_sent} e-mails sent, "
                f"{self.pushes_sent} pushes sent, {self.shifts_reminded} shift reminders, "
                f"{self.rescue_alerts} drivers told of rescues, "
                f"{self.late_pickups_flagged} late pickups flagged ({self.no_show_alerts} escalated), "
                f"{self.uploads_deleted} abandoned photos deleted")
        return text + (f"; errors: {'; '.join(self.errors)}" if self.errors else "")

    def as_dict(self) -> dict:
        return asdict(self)


def expire_and_warn(session: Session, now: dt.datetime, config: Mapping) -> expiry.SweepResult:
    """Expire what can no longer be rescued, warn donors of food at risk, open lapsed priorities."""
    return expiry.sweep(session, now, warning_hours=config.get("USE_BY_WARNING_H", 3),
                        notify_radius_km=config.get("NOTIFY_RADIUS_KM", 15))


def generate_recurring(session: Session, now: dt.datetime, config: Mapping) -> int:
    """Create the coming occurrences of every active recurring pickup and weekly produce offer."""
    return len(recurring.generate_occurrences(session, now, ZoneInfo(config.get("COALITION_TIMEZONE", "UTC"))))


def generate_shifts(session: Session, now: dt.datetime, config: Mapping) -> int:
    """Create the coming shifts of drivers' weekly availability (idempotent)."""
    from coalition.services import shifts

    return len(shifts.generate_shifts(session, now, ZoneInfo(config.get("COALITION_TIMEZONE", "UTC"))))


def remind_shifts(session: Session, now: dt.datetime, config: Mapping) -> int:
    """Remind drivers of tomorrow's shift once it is SHIFT_REMINDER_HOUR local time (once per shift)."""
    from coalition.services import shift_reminders

    return shift_reminders.send_shift_reminders(session, now, ZoneInfo(config.get("COALITION_TIMEZONE", "UTC")),
                                                int(config.get("SHIFT_REMINDER_HOUR", 18)))


def alert_rescues(session: Session, now: dt.datetime, config: Mapping) -> int:
    """Tell the next wave of nearby fitting drivers of each open rescue (RESCUE_* settings)."""
    from coalition.services import rescue_waves

    rules = rescue_waves.WaveRules(size=int(config.get("RESCUE_WAVE_SIZE", 3)),
                                   minutes=int(config.get("RESCUE_WAVE_MINUTES", 10)),
                                   per_driver_day=int(config.get("RESCUE_ALERTS_PER_DRIVER_DAY", 3)),
                                   radius_km=float(config.get("RESCUE_RADIUS_KM", 15)))
    return rescue_waves.send_rescue_waves(session, now, ZoneInfo(config.get("COALITION_TIMEZONE", "UTC")), rules)


def escalate_no_shows(session: Session, now: dt.datetime, config: Mapping) -> tuple[int, int]:
    """Flag late pickups and ask their drivers; tell the coordinators of those due (NO_SHOW_* settings)."""
    from coalition.services import no_shows

    return no_shows.run_escalation(session, now, ZoneInfo(config.get("COALITION_TIMEZONE", "UTC")),
                                   no_shows.NoShowRules.from_config(config))


def send_emails(session: Session, now: dt.datetime, config: Mapping) -> int:
    """E-mail the notifications that want it (nothing is marked sent while SMTP is not configured)."""
    return notifications.send_pending_emails(session, MailSettings.from_config(config), mail_links.absolute_url, now)


def send_pushes(session: Session, now: dt.datetime, config: Mapping) -> push.PushResult:
    """Push the notifications that want it to their people's browsers (nothing without VAPID keys).
    Commits as it goes: each send is recorded before it leaves (see services/push.py)."""
    return push.send_pending_pushes(session, push.PushSettings.from_config(config), mail_links.absolute_url, now,
                                    checkpoint=lambda: commit(session),
                                    tz=ZoneInfo(config.get("COALITION_TIMEZONE", "UTC")))


def delete_abandoned_uploads(session: Session, now: dt.datetime, config: Mapping) -> int:
    """Delete photos of donation postings never finished, once ABANDONED_UPLOAD_GRACE_H hours old."""
    from coalition.services import photos

    grace = dt.timedelta(hours=config.get("ABANDONED_UPLOAD_GRACE_H", 24))
    return photos.delete_abandoned(session, config["UPLOAD_FOLDER"], now - grace)


def run_periodic(session: Session, now: dt.datetime, config: Mapping) -> PeriodicResult:
    """Run every periodic step once, committing after each; a failing step is rolled back and logged."""
    result = PeriodicResult()

    def step(name: str, work: Callable[[], None]) -> None:
        try:
            work()
            commit(session)
        except Exception as error:  # one broken step must not stop the others
            session.rollback()
            log.exception("periodic step %s failed", name)
            result.errors.append(f"{name}: {error}")

    def sweep() -> None:
        swept = expire_and_warn(session, now, config)
        result.donations_expired, result.claims_expired = swept.donations_expired, swept.claims_expired
        result.warnings_sent, result.priorities_opened = swept.warnings_sent, swept.priorities_opened

    def recurring() -> None:
        result.occurrences_created = generate_recurring(session, now, config)

    def emails() -> None:
        result.emails_sent = send_emails(session, now, config)

    def pushes() -> None:
        result.pushes_sent = send_pushes(session, now, config).sent

    def reminders() -> None:
        result.shifts_reminded = remind_shifts(session, now, config)

    def rescue_alerts() -> None:
        result.rescue_alerts = alert_rescues(session, now, config)

    def late_pickups() -> None:
        result.late_pickups_flagged, result.no_show_alerts = escalate_no_shows(session, now, config)

    def uploads() -> None:
        result.uploads_deleted = delete_abandoned_uploads(session, now, config)

    step("expiry", sweep)
    step("recurring", recurring)
    step("coordination", lambda: communication.periodic(session, now, config, mail_links.absolute_url))  # reminders, daily digests
    step("shifts", lambda: generate_shifts(session, now, config))
    step("indicator snapshots", lambda: indicator_snapshots.periodic_snapshot(session, now))  # at most daily
    step("shift reminders", reminders)   # after the shifts are generated, before the push and e-mail
    step("rescue waves", rescue_alerts)
    step("no-shows", late_pickups)
    step("push", pushes)     # after the steps that notify, like e-mail
    step("e-mail", emails)   # it mails what the steps above just announced
    step("abandoned uploads", uploads)
    return result


@contextlib.contextmanager
def _app_context():
    """The current app's context, or a new app's (in an ``rq worker`` process)."""
    if has_app_context():
        yield current_app
        return
    from coalition import create_app

    app = create_app()
    with app.app_context():
        yield app


def periodic_job() -> dict:
    """The periodic work as a job (in-process or on RQ): one run, its result as a dict."""
    from coalition.extensions import db

    with _app_context() as app:
        now = dt.datetime.now(dt.timezone.utc)
        return run_periodic(db.session, now, app.config).as_dict()


def enqueue(func: Callable, *args, queue_name: str = QUEUE_NAME, redis_url: str | None = None,
            ttl_s: int | None = None):
    """Run ``func(*args)`` on RQ when REDIS_URL is set (returns the rq Job), else right here (returns its result).

    ``redis_url`` overrides the app's REDIS_URL. ``ttl_s`` drops a queued job
    that no worker started within that many seconds (so runs do not pile up
    while no ``rq worker`` is running). ``func`` must be importable by the
    worker (a module-level function such as :func:`periodic_job`).
    """
    url = redis_url if redis_url is not None else (current_app.config.get("REDIS_URL") if has_app_context() else None)
    if not url:
        return func(*args)
    from redis import Redis
    from rq import Queue

    return Queue(queue_name, connection=Redis.from_url(url)).enqueue(func, *args, ttl=ttl_s)


# --- route planning --------------------------------------------------------------------------

def plan_job(plan_id: int, num_workers: int | None = None) -> dict:
    """Solve a SOLVING route plan (in a thread, on RQ, or inline for the CLI): the plan's summary as a dict.

    Whatever goes wrong (a bug, bad data, the solver) leaves the plan FAILED
    with the error in words; the day's previous plans are untouched.
    ``num_workers`` > 1 starts solver processes: fine in a job, never in a request thread
    (default: the app's PLANNING_WORKERS, else 2).
    """
    from coalition.extensions import db
    from coalition.services.planning import run, travel

    with _app_context() as app:
        session = db.session()
        tz = ZoneInfo(app.config.get("COALITION_TIMEZONE", "UTC"))
        num_workers = num_workers or int(app.config.get("PLANNING_WORKERS", 2))
        try:
            plan = run.run_plan(session, plan_id, tz, dt.datetime.now(dt.timezone.utc), num_workers=num_workers,
                                before_solving=lambda: commit(session, keep_loaded=True), zone_solver=solve_zones,
                                osrm=travel.osrm_provider(app.config))
            commit(session)
            return run.plan_summary(plan)
        except Exception as error:
            session.rollback()
            log.exception("planning job for plan %s failed", plan_id)
            run.fail_plan(session, plan_id, f"Planning failed: {type(error).__name__}: {error}. "
                                            "The previous plan is unchanged.")
            commit(session)
            return {"plan_id": plan_id, "status": "failed", "error": str(error)}


def commit(session: Session, keep_loaded: bool = False) -> None:
    """The one commit of the background jobs' work (services flush; the job commits each step once).

    ``keep_loaded`` keeps what the session has loaded as it is (not expired). The planning job commits
    before each solve so that no transaction stays open while it solves (on SQLite every transaction holds
    the write lock). Expiring would make the job's next touch of each claim, line and shift a query of its
    own: a transaction re-opened for the rest of the job, and one query per row. The job plans from the rows
    as it read them, so keeping them is also the consistent choice.
    """
    with _expiring(session, not keep_loaded):
        session.commit()


@contextlib.contextmanager
def _expiring(session: Session, expire: bool):
    """Expire on commit only if ``expire`` (a plain session, as the planning job holds, when it must not)."""
    if expire:
        yield
        return
    keep, session.expire_on_commit = session.expire_on_commit, False
    try:
        yield
    finally:
        session.expire_on_commit = keep


def solve_zones(problems: list, params, queue_name: str = QUEUE_NAME, redis_url: str | None = None) -> list:
    """Solve a day's zones (services/zoning.py) through :func:`enqueue`: one RQ job per zone, in parallel on
    the ``rq worker`` processes, when REDIS_URL is set; one after another in-process otherwise.

    In-process each zone gets its share of the time limit, so the plan takes no longer than solving it whole.
    Waits for the zone jobs; a zone no worker has started within the time limit (say the only worker is
    the one running this plan) is taken back off the queue and solved here, so a single worker never
    deadlocks. A zone job that fails fails the plan (the previous plan stands).
    """
    import time as _time

    import routing
    from coalition.services import zoning

    url = redis_url if redis_url is not None else (current_app.config.get("REDIS_URL") if has_app_context() else None)
    if not url:
        import dataclasses

        params = dataclasses.replace(params, time_limit_s=max(1.0, params.time_limit_s / len(problems)))
    each = [zoning.zone_params(problem, params) for problem in problems]   # each zone's own warm start
    outcomes = [enqueue(zoning.solve_zone, problem, zone_params, queue_name=queue_name, redis_url=url)
                for problem, zone_params in zip(problems, each)]
    if all(isinstance(o, dict) for o in outcomes):
        return [routing.Solution.from_dict(o) for o in outcomes]
    deadline = _time.monotonic() + params.time_limit_s + 30
    results: list = [None] * len(outcomes)
    pending = set(range(len(outcomes)))
    while pending:
        for i in sorted(pending):
            job = outcomes[i]
            status = job.get_status(refresh=True)
            if status == "finished":
                results[i] = routing.Solution.from_dict(job.return_value())
                pending.discard(i)
            elif status in ("failed", "stopped", "canceled"):
                raise RuntimeError(f"zone job {job.id} {status}")
            elif status in ("queued", "deferred", "scheduled") and _time.monotonic() > deadline:
                job.cancel()
                log.info("zone job %s not started by any worker; solving it here", job.id)
                results[i] = routing.solve(problems[i], each[i])
                pending.discard(i)
        if pending:
            _time.sleep(0.2)
    return results


def _run_in_thread(app, func: Callable, args: tuple) -> None:
    # On Linux niceness is per thread and inherited by the solver processes this thread spawns: the
    # web server's own threads keep the CPU first while a plan solves beside them.
    with contextlib.suppress(OSError, AttributeError):
        os.nice(int(app.config.get("JOB_NICENESS", 10)))
    with app.app_context():
        try:
            func(*args)
        finally:
            from coalition.extensions import db

            db.session.remove()


def start_background(func: Callable, *args, job_timeout_s: int = 600, redis_url: str | None = None,
                     queue_name: str = QUEUE_NAME):
    """Start ``func(*args)`` in the background: on RQ when REDIS_URL is set (returns the rq Job); else in a
    daemon thread of this process with its own app context (returns the Thread); inline when the app's
    ``JOBS_INLINE`` is true (default: while testing, where one database connection is shared)."""
    app = current_app._get_current_object()
    url = redis_url if redis_url is not None else app.config.get("REDIS_URL")
    if url:
        from redis import Redis
        from rq import Queue

        return Queue(queue_name, connection=Redis.from_url(url)).enqueue(func, *args, job_timeout=job_timeout_s)
    if app.config.get("JOBS_INLINE", app.testing):
        return func(*args)
    import threading

    thread = threading.Thread(target=_run_in_thread, args=(app, func, args), name=f"job-{func.__name__}", daemon=True)
    thread.start()
    return thread


def push_job() -> dict:
    """Push what is pending now: the periodic worker's push step, run as soon as a request has committed news
    that should not wait for the next periodic run (a published route change). Each send is recorded before
    it leaves and unique per notification and browser, so this job and the worker never push one twice."""
    from coalition.extensions import db

    with _app_context() as app:
        session = db.session
        try:
            return asdict(send_pushes(session, dt.datetime.now(dt.timezone.utc), app.config))
        except Exception as error:  # the periodic worker pushes whatever this run could not
            session.rollback()
            log.exception("push job failed")
            return {"error": str(error)}


def start_push_send(redis_url: str | None = None, queue_name: str = QUEUE_NAME):
    """Start :func:`push_job` without blocking the request: on RQ when REDIS_URL is set, else in a thread of
    this process (inline while testing). Call it after the commit; nothing starts without VAPID keys."""
    if not push.PushSettings.from_config(current_app.config).enabled:
        return None
    return start_background(push_job, job_timeout_s=120, redis_url=redis_url, queue_name=queue_name)


def start_plan_job(plan, redis_url: str | None = None, queue_name: str = QUEUE_NAME):
    """Hand a SOLVING plan to :func:`plan_job` in the background; records the job id on the plan (not committed)."""
    limit = float((plan.params or {}).get("time_limit_s", 10))
    # The worker must know the plan: callers commit the SOLVING plan before starting the job.
    outcome = start_background(plan_job, plan.id, job_timeout_s=int(limit * 3 + 120), redis_url=redis_url,
                               queue_name=queue_name)
    return outcome
