"""Command-line entry points: ``flask demo load|reset|logins`` and ``flask marketplace sweep|worker``."""
from __future__ import annotations

import contextlib
import json
import signal
import time
from collections.abc import Iterator
from pathlib import Path
from zoneinfo import ZoneInfo

import click
from flask import Flask, current_app
from flask.cli import AppGroup

from coalition.errors import DomainError
from coalition.extensions import db
from coalition.models.base import utcnow
from coalition.services import demo, demo_story, measurement_demo

@contextlib.contextmanager
def committed(as_json: bool = False) -> Iterator[None]:
    """One command's unit of work: committed when the block ends, rolled back on any error.

    Every command commits through here (services flush, never commit). A refused request (a
    DomainError) becomes a ClickException with its message, so the command exits 1 without a
    traceback; with ``as_json`` the ``{"error", "fields"}`` object is printed first.
    """
    try:
        yield
    except DomainError as error:
        db.session.rollback()
        if as_json:
            click.echo(json.dumps({"error": error.message, "fields": error.fields}))
        raise click.ClickException(error.message) from None
    except BaseException:
        db.session.rollback()
        raise
    db.session.commit()


demo_cli = AppGroup("demo", help="Load or reset the demo coalition 'Feeding Our City'.")


@demo_cli.command("load")
@click.option("--if-empty", is_flag=True, help="Only load when the database has no organizations.")
def load_command(if_empty: bool) -> None:
    """Load the demo coalition (safe to run again: it only adds what is missing)."""
    if if_empty and not demo.is_empty(db.session):
        click.echo("Database already has data; demo not loaded.")
        return
    with committed():
        summary = demo.load_demo(db.session)
        measurement_demo.load_demo_measurement(db.session, utcnow())  # neighborhoods, goal, deliveries: DEMO DATA
        demo.load_demo_funding(db.session, utcnow())  # two grants with spending: DEMO DATA
    click.echo(f"Demo loaded: {summary.organizations_created} organizations and {summary.users_created} people added.")
    _load_day()


@demo_cli.command("reset")
@click.confirmation_option(prompt="This deletes ALL data and reloads the demo. Continue?")
def reset_command() -> None:
    """Delete every row and load the demo coalition afresh."""
    with committed():
        summary = demo.reset_demo(db.session)
    click.echo(f"Demo reset: {summary.organizations_created} organizations and {summary.users_created} people.")
    _load_day()


def _load_day() -> None:
    """Add the demo's realistic day (surplus tonight, offers, needs, claims) when nothing is open."""
    config = current_app.config
    with committed():
        day = demo.load_day(db.session, utcnow(), ZoneInfo(config["COALITION_TIMEZONE"]),
                            config["PRIORITY_CLAIM_MINUTES"], config["NOTIFY_RADIUS_KM"])
    click.echo(day.describe())
    with committed():
        busy = demo.load_busy_day(db.session, utcnow(), ZoneInfo(config["COALITION_TIMEZONE"]))
    click.echo(busy.describe())
    with committed():
        story = demo_story.load_story(db.session, utcnow(), ZoneInfo(config["COALITION_TIMEZONE"]))
    click.echo(story.describe())


@demo_cli.command("logins")
def logins_command() -> None:
    """Print the demo sign-ins."""
    click.echo(f"Demo logins (password for all: {demo.DEMO_PASSWORD}):")
    for email, _name, organization, _role, description in demo.DEMO_LOGINS:
        click.echo(f"  {email:<28} {description} ({organization})")


marketplace_cli = AppGroup("marketplace", help="The marketplace's periodic work: expiry, recurring pickups, e-mail.")


@marketplace_cli.command("sweep")
def sweep_command() -> None:
    """Run the periodic work once and print what it did."""
    from coalition import jobs

    result = jobs.run_periodic(db.session, utcnow(), current_app.config)
    click.echo(f"Sweep done: {result.summary()}.")


@marketplace_cli.command("worker")
@click.option("--interval", default=60, show_default=True, type=click.IntRange(1, 24 * 3600),
              help="Seconds between runs.")
@click.option("--runs", default=0, type=click.IntRange(0), hidden=True, help="Stop after this many runs (tests).")
def worker_command(interval: int, runs: int) -> None:
    """Run the periodic work every INTERVAL seconds until Ctrl-C (or SIGTERM).

    With REDIS_URL set each run is put on the RQ queue for an ``rq worker``;
    otherwise it runs here.
    """
    from coalition import jobs

    def _stop(_signum, _frame):
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, _stop)
    where = "on RQ" if current_app.config.get("REDIS_URL") else "in-process"
    click.echo(f"Marketplace worker: every {interval} s, {where}. Ctrl-C stops it.")
    done = 0
    try:
        while True:
            outcome = jobs.enqueue(jobs.periodic_job, ttl_s=2 * interval)
            if isinstance(outcome, dict):
                click.echo(f"{utcnow():%H:%M:%S} {jobs.PeriodicResult(**outcome).summary()}.")
            else:
                click.echo(f"{utcnow():%H:%M:%S} queued job {outcome.id}.")
            db.session.remove()
            done += 1
            if runs and done >= runs:
                break
            time.sleep(interval)
    except KeyboardInterrupt:
        click.echo("Marketplace worker stopped.")
    finally:
        signal.signal(signal.SIGTERM, previous)


routes_cli = AppGroup("routes", help="Plan the day's driver routes from claims and shifts.")


@routes_cli.command("urls")
@click.pass_context
def urls_command(ctx) -> None:
    """Flask's URL listing (this group takes over the built-in `flask routes`)."""
    from flask.cli import routes_command

    ctx.invoke(routes_command)


@routes_cli.command("plan")
@click.option("--date", "day", required=True, type=click.DateTime(["%Y-%m-%d"]), help="The local day, YYYY-MM-DD.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object instead of a summary.")
@click.option("--time-limit", default=20.0, show_default=True, type=click.FloatRange(0.5, 600), help="Solver seconds.")
@click.option("--workers", default=2, show_default=True, type=click.IntRange(1, 8), help="Solver processes.")
@click.option("--deterministic", is_flag=True, help="Same input, same plan (one process).")
@click.option("--zones", default=None, type=click.IntRange(1, 16),
              help="Split the day into N zones solved as separate jobs (parallel RQ jobs with REDIS_URL) and merged; "
                   "default: automatic, one zone per 300 requests.")
@click.option("--as", "email", default=None, help="Plan as this backbone user (default: the first admin).")
def plan_command(day, as_json: bool, time_limit: float, workers: int, deterministic: bool, zones: int | None,
                 email: str | None) -> None:
    """Plan a day exactly as the planning page does (same service, same job), here and now."""
    from coalition import jobs
    from coalition.services.planning import queries, run

    tz = ZoneInfo(current_app.config["COALITION_TIMEZONE"])
    with committed(as_json):
        actor = queries.default_planner(db.session, email)
        plan = run.start_plan(db.session, actor, day.date(), tz, utcnow(), time_limit_s=time_limit,
                              deterministic=deterministic, zones=zones)
    summary = jobs.plan_job(plan.id, workers)
    if as_json:
        click.echo(json.dumps(summary))
        return
    if summary.get("status") == "failed":
        raise click.ClickException(f"Plan {plan.id} failed: {summary.get('error')}")
    click.echo(f"Plan {summary['plan_id']} for {summary['date']}: {summary['served']} of {summary['requests']} "
               f"requests served on {summary['vehicles_used']} routes in {summary['zones']} zone(s), "
               f"{summary['distance_km']} km, "
               f"{summary['kg_moved']} kg, solved in {summary['duration_s']} s; "
               f"{'valid' if summary['valid'] else 'NOT VALID'}.")
    for drop in summary["dropped"]:
        click.echo(f"  not served: claim {drop['claim_id']}: {drop['message']}")


osrm_cli = AppGroup("osrm", help="A local OSRM road server: prepare an OpenStreetMap extract, serve it.")
_PBF = click.option("--pbf", type=click.Path(dir_okay=False, path_type=Path), default=None,
                    help="An OpenStreetMap extract (.osm.pbf) of the coalition's region.")
_MONACO = click.option("--monaco", is_flag=True, help="Monaco's small test extract instead (fetched through pip).")


def _extract(pbf: Path | None, monaco: bool) -> Path:
    """The prepared ``.osrm`` of the extract asked for; ClickException when none or it fails."""
    from coalition import osrm

    if (pbf is None) == (not monaco):
        raise click.UsageError("Give --pbf FILE (your region's extract) or --monaco.")
    try:
        source = osrm.monaco_pbf() if monaco else pbf
        if not source.is_file():
            raise click.BadParameter(f"no such file: {source}", param_hint="--pbf")
        click.echo(f"Preparing {source} (MLD: extract, partition, customize; cached by the file's hash)...")
        return osrm.prepare(source)
    except osrm.OsrmSetupError as error:
        raise click.ClickException(str(error)) from None


@osrm_cli.command("prepare")
@_PBF
@_MONACO
def osrm_prepare_command(pbf: Path | None, monaco: bool) -> None:
    """Prepare an extract for `flask osrm serve` (the official OSRM binaries, fetched once through pip)."""
    click.echo(f"Prepared: {_extract(pbf, monaco)}")


@osrm_cli.command("serve")
@_PBF
@_MONACO
@click.option("--port", default=5001, show_default=True, type=click.IntRange(1, 65535))
@click.option("--max-table-size", default=1000, show_default=True, type=click.IntRange(1, 100_000),
              help="The most sources (and destinations) one table request may ask for; set ROUTING_OSRM_TABLE_SIZE alike.")
def osrm_serve_command(pbf: Path | None, monaco: bool, port: int, max_table_size: int) -> None:
    """Run osrm-routed (MLD) on 127.0.0.1:PORT in the foreground until stopped (Ctrl-C)."""
    import subprocess

    from coalition import osrm

    args = osrm.serve_args(_extract(pbf, monaco), port, max_table_size)
    click.echo(f"Serving roads on http://127.0.0.1:{port}: plan with ROUTING_OSRM_URL=http://127.0.0.1:{port}"
               + f" ROUTING_OSRM_TABLE_SIZE={max_table_size}")
    server = subprocess.Popen(args)

    def stop(_signum, _frame):
        raise KeyboardInterrupt
    # Stopped by a process manager (SIGTERM): the server goes down with the command, never left running alone.
    previous = signal.signal(signal.SIGTERM, stop)
    try:
        code = server.wait()
    except KeyboardInterrupt:
        server.terminate()
        code = server.wait()
    finally:
        signal.signal(signal.SIGTERM, previous)
    if code not in (0, -15):
        raise click.ClickException(f"osrm-routed stopped with exit code {code}")


def register(app: Flask) -> None:
    app.cli.add_command(demo_cli)
    app.cli.add_command(marketplace_cli)
    app.cli.add_command(routes_cli)
    app.cli.add_command(osrm_cli)
    from coalition.cli_partners import partners_cli

    app.cli.add_command(partners_cli)
