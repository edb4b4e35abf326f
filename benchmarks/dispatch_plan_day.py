"""Benchmark: plan the demo's busy day (>= 150 claimed requests, 20 shifts) from a fresh database.

Target: a valid plan within 30 s. Usage::

    .venv/bin/python benchmarks/dispatch_plan_day.py [--time-limit 10] [--workers 2]

The time limit defaults to the planning page's (coalition.services.planning.queries.DEFAULT_TIME_LIMIT_S).
It bounds each solve; when the vehicle a request got keeps its food safe for
less time than the most permissive one, the job solves again with half the
limit (and, rarely, a quarter more), so the whole job may take up to 1.75x it.

Builds a scratch SQLite database, loads the demo and its busy day (tomorrow),
then plans it exactly as ``flask routes plan`` does (services/planning/ via
coalition.jobs.plan_job) and prints the figures.
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
from coalition.services import demo
from coalition.services.planning import queries, run


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--time-limit", type=float, default=queries.DEFAULT_TIME_LIMIT_S)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="dispatch-bench-"))
    import os

    os.environ["DATABASE_URL"] = f"sqlite:///{folder / 'bench.db'}"
    app = create_app(Config(folder), instance_path=folder)
    with app.app_context():
        flask_migrate.upgrade()
        demo.load_demo(db.session)
        now = dt.datetime.now(dt.timezone.utc)
        tz = ZoneInfo(app.config["COALITION_TIMEZONE"])
        busy = demo.load_busy_day(db.session, now, tz)
        db.session.commit()
        plan = run.start_plan(db.session, queries.default_planner(db.session), busy.day, tz, now,
                              time_limit_s=args.time_limit)
        db.session.commit()
        started = time.perf_counter()
        summary = jobs.plan_job(plan.id, args.workers)
        wall = time.perf_counter() - started
    summary["dropped"] = len(summary["dropped"])
    print(json.dumps(summary, indent=1))
    print(f"busy day {busy.day}: {busy.claims} requests, {busy.shifts} shifts; wall time {wall:.1f} s "
          f"(target < 30 s): {'PASS' if wall < 30 and summary['valid'] else 'FAIL'}")


if __name__ == "__main__":
    main()
