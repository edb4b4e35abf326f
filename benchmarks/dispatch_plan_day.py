"""Benchmark: plan the demo's busy day (>= 150 claimed requests, 20 shifts) from a fresh database.

Target: a valid plan within 30 s. Usage::

    .venv/bin/python benchmarks/dispatch_plan_day.py [--time-limit 10] [--workers 2] [--monaco [--osrm URL]]

``--monaco`` moves every place of the demo (in Portland) into Monaco's bounding box, scaled, so
that a local Monaco OSRM (``flask osrm serve --monaco``) covers them; ``--osrm URL`` then plans on
that server's road matrix (ROUTING_OSRM_URL). Compare ``--monaco`` with and without ``--osrm``:
the same places, straight lines against roads.

The time limit defaults to the planning page's (coalition.services.planning.queries.DEFAULT_TIME_LIMIT_S).
It bounds each solve; when the vehicle a request got keeps its food safe for
less time than the most permissive one, the job solves again with half the
limit (and, rarely, a quarter more), so the whole job may take up to 1.75x it.

Builds a scratch SQLite database, loads the demo and its busy day (tomorrow),
then plans it exactly as ``flask routes plan`` does (services/planning/ via
coalition.jobs.plan_job) and prints the figures.

``--replan-at 12:00`` then publishes the plan, marks every stop planned to start by
that local time done (at its planned times), and re-plans the rest of the day at
that time as the planning page's re-plan does (one worker, in this process), saying
whether the compiled search planned it: how many runs, and whether OR-Tools read
its plan back (a re-plan it could not read would fall back to OR-Tools alone).
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import tempfile
import time
from pathlib import Path
from zoneinfo import ZoneInfo

import flask_migrate

from coalition import create_app, jobs
from coalition.config import Config
from coalition.extensions import db
from coalition.models import StopStatus
from coalition.services import demo
from coalition.services.planning import edits, queries, run
from routing import ruin_recreate
from routing.solver import search

MONACO_BOX = ((43.7270, 43.7500), (7.4100, 7.4380))     # (lat min, max), (lon min, max)


def move_to_monaco(session) -> str:
    """Every organization's and shift's place mapped linearly from the demo's box into Monaco's."""
    from sqlalchemy import select

    from coalition.models import Organization
    from coalition.models.shift import DriverShift

    orgs = [o for o in session.scalars(select(Organization)) if o.latitude is not None]
    shifts = list(session.scalars(select(DriverShift)))
    points = [(o.latitude, o.longitude) for o in orgs] + \
             [(s.start_latitude, s.start_longitude) for s in shifts if s.start_latitude is not None] + \
             [(s.end_latitude, s.end_longitude) for s in shifts if s.end_latitude is not None]
    lat0, lat1 = min(p[0] for p in points), max(p[0] for p in points)
    lon0, lon1 = min(p[1] for p in points), max(p[1] for p in points)
    (mlat0, mlat1), (mlon0, mlon1) = MONACO_BOX

    def moved(lat, lon):
        return (mlat0 + (lat - lat0) / ((lat1 - lat0) or 1) * (mlat1 - mlat0),
                mlon0 + (lon - lon0) / ((lon1 - lon0) or 1) * (mlon1 - mlon0))

    for o in orgs:
        o.latitude, o.longitude = moved(o.latitude, o.longitude)
    for s in shifts:
        if s.start_latitude is not None:
            s.start_latitude, s.start_longitude = moved(s.start_latitude, s.start_longitude)
        if s.end_latitude is not None:
            s.end_latitude, s.end_longitude = moved(s.end_latitude, s.end_longitude)
    return (f"places moved from the demo's box ({lat0:.3f}..{lat1:.3f}, {lon0:.3f}..{lon1:.3f}) "
            f"into Monaco's ({mlat0}..{mlat1}, {mlon0}..{mlon1})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--time-limit", type=float, default=queries.DEFAULT_TIME_LIMIT_S)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--monaco", action="store_true", help="move the demo's places into Monaco")
    parser.add_argument("--osrm", default=None, help="plan on this OSRM server's road matrix (with --monaco)")
    parser.add_argument("--replan-at", default=None, metavar="HH:MM",
                        help="then re-plan the rest of the day at this local time, stops started by it done")
    args = parser.parse_args()
    if args.osrm and not args.monaco:
        parser.error("--osrm needs --monaco: the local road servers cover Monaco, the demo is in Portland")
    folder = Path(tempfile.mkdtemp(prefix="dispatch-bench-"))
    import os

    os.environ["DATABASE_URL"] = f"sqlite:///{folder / 'bench.db'}"
    app = create_app(Config(folder), instance_path=folder)
    app.config["ROUTING_OSRM_URL"] = args.osrm
    moved = ""
    with app.app_context():
        flask_migrate.upgrade()
        demo.load_demo(db.session)
        now = dt.datetime.now(dt.timezone.utc)
        tz = ZoneInfo(app.config["COALITION_TIMEZONE"])
        busy = demo.load_busy_day(db.session, now, tz)
        if args.monaco:
            moved = move_to_monaco(db.session)
        db.session.commit()
        plan = run.start_plan(db.session, queries.default_planner(db.session), busy.day, tz, now,
                              time_limit_s=args.time_limit)
        db.session.commit()
        started = time.perf_counter()
        summary = jobs.plan_job(plan.id, args.workers)
        wall = time.perf_counter() - started
        if args.replan_at:
            replan_summary = replan(app, plan.id, busy.day, tz, args.replan_at, args.time_limit)
    summary["dropped"] = len(summary["dropped"])
    print(json.dumps(summary, indent=1))
    if moved:
        print(moved)
    print(f"travel: {summary['travel']}")
    print(f"busy day {busy.day}: {busy.claims} requests, {busy.shifts} shifts; wall time {wall:.1f} s "
          f"(target < 30 s): {'PASS' if wall < 30 and summary['valid'] else 'FAIL'}")
    if args.replan_at:
        print(replan_summary)


def replan(app, plan_id: int, day: dt.date, tz, at: str, time_limit_s: float) -> str:
    """Publish plan ``plan_id``, mark its stops started by ``at`` (local HH:MM) done, re-plan the rest at ``at``."""
    from coalition.models import RoutePlan

    hour, minute = (int(x) for x in at.split(":"))
    now = dt.datetime.combine(day, dt.time(hour, minute), tz).astimezone(dt.timezone.utc)
    runs, read_back = [], []
    real_search, real_phase = ruin_recreate.search, search.ruin_recreate_phase

    def counting_search(*a, **k):
        runs.append(real_search(*a, **k))
        return runs[-1]

    def watching_phase(*a, **k):
        read_back.append(real_phase(*a, **k))
        return read_back[-1]

    ruin_recreate.search, search.ruin_recreate_phase = counting_search, watching_phase
    try:
        plan = db.session.get(RoutePlan, plan_id)
        actor = plan.created_by or queries.default_planner(db.session)
        edits.publish_plan(db.session, actor, plan, now, tz)
        done = 0
        for route in plan.routes:
            for stop in route.stops:
                if stop.service_start_at <= now:  # (a driver at a stop by then finishes it)
                    stop.status, stop.arrived_at, stop.completed_at = StopStatus.DONE, stop.arrival_at, stop.departure_at
                    done += 1
        db.session.commit()
        again = edits.start_replan(db.session, actor, tz, now, day, time_limit_s=time_limit_s)
        db.session.commit()
        started = time.perf_counter()
        result = run.run_plan(db.session, again.id, tz, now)
        db.session.commit()
        wall = time.perf_counter() - started
    finally:
        ruin_recreate.search, search.ruin_recreate_phase = real_search, real_phase
    kept = sum(1 for r in result.routes for s in r.stops if s.status is StopStatus.DONE)
    used = bool(read_back) and all(x is not None for x in read_back)
    return (f"re-plan at {at}: {done} stops done before it, {kept} kept as done; served {result.figures['served']}, "
            f"valid={result.figures.get('valid')}; compiled search runs={len(runs)}, read back by OR-Tools="
            f"{'yes' if used else 'no'}; wall {wall:.1f} s")


if __name__ == "__main__":
    main()
