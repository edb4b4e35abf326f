"""Benchmark the measurement dashboard's queries and the spatial join at coalition scale.

Generates N delivery records (default 1,000,000) spread over Y years (default 5)
across the demo coalition's partners and G generated neighborhoods (default 200,
a grid of slightly irregular cells over Portland), then times, as the median of
several repeats:

* the spatial join of every delivery point to the neighborhoods (geopandas.sjoin);
* each query of the backbone dashboard (totals, monthly series, breakdowns,
  neighborhood stats) for the last 12 months and for all years, and the whole
  ``build_dashboard`` call;
* the pages every partner opens, rendered through the app as a signed-in grocer: the shared
  progress page with its "your part", one neighborhood brief as HTML and as PDF.

Targets: dashboard queries < 1 s median on PostgreSQL, < 2 s on SQLite; the
partner progress page < 1 s on PostgreSQL, < 2 s on SQLite; a brief PDF < 1 s;
the spatial join of 1,000,000 points to 200 polygons < 10 s.

It also times a funder report for the last year (the demo grants with their spending, every
delivery of the year, built and rendered to PDF and CSV): target < 2 s. ``--funder-report-only`` or
``--pages-only`` skip the dashboard queries (the funder report and the partner pages are timed either way).

Usage::

    .venv/bin/python benchmarks/measurement_bench.py                       # SQLite in a temp dir
    .venv/bin/python benchmarks/measurement_bench.py \
        --database postgresql+psycopg://postgres@127.0.0.1:5432/measurement_bench
    .venv/bin/python benchmarks/measurement_bench.py --rows 100000 --repeats 3
    .venv/bin/python benchmarks/measurement_bench.py --funder-report-only --repeats 3

A PostgreSQL database named in --database is dropped and created afresh.
"""
from __future__ import annotations

import argparse
import datetime as dt
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run as a script from anywhere in the checkout

UTC = dt.timezone.utc


def _fresh_postgres(url: str) -> None:
    import sqlalchemy as sa
    from sqlalchemy.engine import make_url

    parsed = make_url(url)
    admin = sa.create_engine(parsed.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{parsed.database}" WITH (FORCE)')
        connection.exec_driver_sql(f'CREATE DATABASE "{parsed.database}"')
    admin.dispose()


def _grid_neighborhoods(count: int, rng: np.random.Generator) -> list[dict]:
    """``count`` cells (cols x rows) over Portland whose interior corners are jittered but shared, so they tile."""
    from shapely.geometry import Polygon

    cols = int(np.ceil(np.sqrt(count * 2)))
    rows = int(np.ceil(count / cols))
    lon = np.linspace(-122.84, -122.46, cols + 1)
    lat = np.linspace(45.43, 45.65, rows + 1)
    dx, dy = (lon[1] - lon[0]) * 0.25, (lat[1] - lat[0]) * 0.25
    jitter_x = rng.uniform(-dx, dx, (cols + 1, rows + 1))
    jitter_y = rng.uniform(-dy, dy, (cols + 1, rows + 1))
    jitter_x[[0, -1], :] = 0
    jitter_y[:, [0, -1]] = 0

    def corner(i, j):
        return (lon[i] + jitter_x[i, j], lat[j] + jitter_y[i, j])

    cells = []
    for j in range(rows):
        for i in range(cols):
            if len(cells) == count:
                break
            polygon = Polygon([corner(i, j), corner(i + 1, j), corner(i + 1, j + 1), corner(i, j + 1)])
            cells.append({"name": f"Bench cell {j:02d}-{i:02d}", "population": int(rng.integers(2_000, 40_000)),
                          "food_insecurity_pct": round(float(rng.uniform(4, 25)), 1), "source": "benchmark",
                          "year": 2025, "geometry": polygon})
    return cells


def _median_s(function, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def _insert_records(session, columns: dict[str, np.ndarray | list], dialect: str, batch: int = 50_000) -> None:
    from coalition.models import DeliveryRecord

    names = list(columns)
    n = len(columns[names[0]])
    if dialect == "postgresql":
        raw = session.connection().connection.driver_connection
        with raw.cursor() as cursor:
            with cursor.copy(f"COPY delivery_records ({', '.join(names)}) FROM STDIN") as copy:
                for i in range(n):
                    copy.write_row([columns[c][i] for c in names])
        return
    table = DeliveryRecord.__table__
    for start in range(0, n, batch):
        rows = [{c: columns[c][i] for c in names} for i in range(start, min(n, start + batch))]
        session.execute(table.insert(), rows)


def _time_funder_report(session, now: dt.datetime, timezone: str, repeats: int) -> None:
    """Median time of a funder report for the year before ``now``: the report, its PDF and its CSV."""
    from zoneinfo import ZoneInfo

    from sqlalchemy import select

    from coalition.models import User
    from coalition.services import demo, funding_reports

    demo.load_demo_funding(session, now)
    session.commit()
    backbone = session.scalar(select(User).where(User.email == "backbone@example.org"))
    end = now.date()
    start = end - dt.timedelta(days=364)

    def report():
        built = funding_reports.build_funder_report(session, backbone, start, end, ZoneInfo(timezone))
        funding_reports.render_report_pdf(built, "Feeding Our City", now)
        funding_reports.report_csv(built)

    report()
    median = _median_s(report, repeats)
    print(f"\nFunder report {start} to {end} (build + PDF + CSV), median of {repeats}: {median * 1000:.0f} ms "
          f"({'meets' if median < 2.0 else 'MISSES'} the 2 s target)")


def _time_pages(app, session, repeats: int, dialect: str) -> None:
    """Median time of the partner pages, rendered whole through the app as the demo grocer."""
    from sqlalchemy import select

    from coalition.models import Neighborhood
    from tests.fixtures.web import ROLE_EMAILS, sign_in

    client = app.test_client()
    assert sign_in(client, ROLE_EMAILS["grocer"]).status_code == 302, "the demo grocer cannot sign in"
    neighborhood = session.scalar(select(Neighborhood.id).order_by(Neighborhood.id))
    pages = [("shared progress page with the grocer's part", "/measurement/progress", 1.0 if dialect == "postgresql" else 2.0),
             ("one neighborhood brief (HTML)", f"/measurement/neighborhoods/{neighborhood}/brief", 1.0),
             ("one neighborhood brief (PDF)", f"/measurement/neighborhoods/{neighborhood}/brief.pdf", 1.0)]
    print(f"\nPartner pages, rendered whole, median of {repeats}:")
    for label, address, target in pages:
        def fetch(address=address):
            response = client.get(address)
            assert response.status_code == 200, f"{address}: {response.status_code}"

        fetch()
        median = _median_s(fetch, repeats)
        print(f"  {label:<56} {median * 1000:8.0f} ms  [target < {target:g} s: {'meets' if median < target else 'MISSES'}]")


def run(database: str | None, rows: int, years: int, neighborhoods: int, repeats: int, seed: int,
        funder_report_only: bool = False, pages_only: bool = False) -> None:
    import flask_migrate

    from coalition import create_app
    from coalition.config import Config
    from coalition.extensions import db
    from coalition.models import Organization, OrganizationKind
    from coalition.services import dashboards, demo, geo, indicators

    workdir = Path(tempfile.mkdtemp(prefix="measurement-bench-"))
    if database is None:
        database = f"sqlite:///{workdir / 'bench.sqlite3'}"
    elif database.startswith("postgresql"):
        _fresh_postgres(database)
    config = Config(workdir)
    config.SQLALCHEMY_DATABASE_URI = database
    config.ARGON2_TIME_COST, config.ARGON2_MEMORY_COST_KIB = 1, 8
    app = create_app(config, instance_path=workdir)
    rng = np.random.default_rng(seed)
    with app.app_context():
        session = db.session
        dialect = session.get_bind().dialect.name
        print(f"Database: {dialect} ({database})")
        flask_migrate.upgrade()
        demo.load_demo(session)
        now = dt.datetime(2026, 11, 29, tzinfo=UTC)
        cells = _grid_neighborhoods(neighborhoods, rng)
        geo.save_neighborhoods(session, cells, [], "EPSG:4326", now)
        session.commit()

        donors = session.query(Organization).filter(Organization.kind.in_(
            (OrganizationKind.GROCERY, OrganizationKind.FARM))).all()
        recipients = session.query(Organization).filter(Organization.kind.in_(
            (OrganizationKind.FOOD_BANK, OrganizationKind.SHELTER))).all()

        start = time.perf_counter()
        span_s = years * 365 * 86400
        delivered_s = np.sort(rng.integers(0, span_s, rows))
        epoch = now - dt.timedelta(seconds=span_s)
        lat = rng.uniform(45.43, 45.65, rows)
        lon = rng.uniform(-122.84, -122.46, rows)
        grams = rng.integers(1_000, 150_000, rows)
        categories = np.array(["produce", "bakery", "dairy", "meat_fish", "prepared", "dry_goods", "frozen", "other"])
        storages = np.array(["ambient", "refrigerated", "frozen"])
        generated_s = time.perf_counter() - start

        frame = geo.neighborhoods_frame(session)
        join_s = []
        for _ in range(max(1, min(repeats, 3))):
            t0 = time.perf_counter()
            nids = geo.join_points(lat, lon, frame)
            join_s.append(time.perf_counter() - t0)
        inside = int((nids >= 0).sum())

        t0 = time.perf_counter()
        created = now
        columns = {
            "delivered_at": [epoch + dt.timedelta(seconds=int(s)) for s in delivered_s],
            "quantity_g": grams.tolist(),
            "picked_up_g": (grams + rng.integers(0, 2_000, rows)).tolist(),
            "category": categories[rng.integers(0, len(categories), rows)].tolist(),
            "storage": storages[rng.integers(0, len(storages), rows)].tolist(),
            "donor_id": [donors[i].id for i in rng.integers(0, len(donors), rows)],
            "recipient_id": [recipients[i].id for i in rng.integers(0, len(recipients), rows)],
            "latitude": lat.tolist(), "longitude": lon.tolist(),
            "neighborhood_id": [int(n) if n >= 0 else None for n in nids],
            "posted_at": [epoch + dt.timedelta(seconds=int(s) - 6 * 3600) for s in delivered_s],
            "picked_up_at": [epoch + dt.timedelta(seconds=int(s) - 2 * 3600) for s in delivered_s],
            "volunteer_minutes": rng.integers(10, 120, rows).tolist(),
            "distance_m": rng.integers(500, 30_000, rows).tolist(),
            "created_at": [created] * rows,
        }
        _insert_records(session, columns, dialect)
        session.commit()
        if dialect == "postgresql":
            session.execute(db.text("ANALYZE delivery_records"))
        else:
            session.execute(db.text("ANALYZE"))
        session.commit()
        load_s = time.perf_counter() - t0
        print(f"Generated {rows:,} deliveries over {years} years and {len(cells)} neighborhoods "
              f"(arrays {generated_s:.1f} s, insert {load_s:.1f} s); {inside:,} points fall inside a neighborhood.")
        print(f"Spatial join, {rows:,} points to {len(cells)} polygons (geopandas.sjoin): median {statistics.median(join_s):.2f} s"
              f"  [target < 10 s]")

        _time_funder_report(session, now, app.config["COALITION_TIMEZONE"], repeats)
        _time_pages(app, session, repeats, dialect)
        if funder_report_only or pages_only:
            db.engine.dispose()
            return
        settings = indicators.get_settings(session)
        last12 = dashboards.period_filters(None, None, now)
        everything = indicators.Filters(epoch, now + dt.timedelta(days=1))
        queries = []
        for label, filters in (("last 12 months", last12), (f"all {years} years", everything)):
            queries += [
                (f"totals, {label}", lambda f=filters: indicators.totals(session, f, settings)),
                (f"by month, {label}", lambda f=filters: indicators.breakdown(session, f, "month", settings)),
                (f"by category, {label}", lambda f=filters: indicators.breakdown(session, f, "category", settings)),
                (f"by storage, {label}", lambda f=filters: indicators.breakdown(session, f, "storage", settings)),
                (f"by donor type, {label}", lambda f=filters: indicators.breakdown(session, f, "donor_kind", settings)),
                (f"by partner, {label}", lambda f=filters: indicators.breakdown(session, f, "partner", settings)),
                (f"by donor, {label}", lambda f=filters: indicators.breakdown(session, f, "donor", settings)),
                (f"by neighborhood, {label}", lambda f=filters: indicators.breakdown(session, f, "neighborhood", settings)),
                (f"neighborhood stats, {label}",
                 lambda f=filters: geo.neighborhood_stats(session, f.start, f.end, settings.kg_per_meal)),
                (f"totals + 5 breakdowns (one scan on PostgreSQL), {label}",
                 lambda f=filters: indicators.scan(session, f, indicators.COMBINABLE, settings)),
                (f"share rescued, {label}", lambda f=filters: indicators.share_rescued(session, f)),
                (f"one partner's totals, {label}",
                 lambda f=filters: indicators.totals(session, indicators.Filters(f.start, f.end, recipients[0].id), settings)),
            ]
        queries.append(("whole backbone dashboard, last 12 months", lambda: dashboards.build_dashboard(session, last12)))
        queries.append((f"whole backbone dashboard, all {years} years", lambda: dashboards.build_dashboard(session, everything)))
        target = 1.0 if dialect == "postgresql" else 2.0
        print(f"\nDashboard queries, median of {repeats} (target < {target:g} s each on {dialect}):")
        worst = 0.0
        for label, function in queries:
            function()  # warm the cache once, as a dashboard in use would be
            median = _median_s(function, repeats)
            if not label.startswith(("whole", "totals + 5")):  # those are several queries together
                worst = max(worst, median)
            print(f"  {label:<56} {median * 1000:8.0f} ms")
        print(f"\nSlowest single query: {worst * 1000:.0f} ms ({'meets' if worst < target else 'MISSES'} the {target:g} s target)")
    with app.app_context():
        db.engine.dispose()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", help="SQLAlchemy URL (default: a fresh SQLite file in a temp dir)")
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--years", type=int, default=5)
    parser.add_argument("--neighborhoods", type=int, default=200)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--seed", type=int, default=6)
    parser.add_argument("--funder-report-only", action="store_true", help="time the funder report, not the dashboard")
    parser.add_argument("--pages-only", action="store_true", help="time the partner pages, not each dashboard query")
    args = parser.parse_args(argv)
    run(args.database, args.rows, args.years, args.neighborhoods, args.repeats, args.seed, args.funder_report_only,
        args.pages_only)


if __name__ == "__main__":
    main()
