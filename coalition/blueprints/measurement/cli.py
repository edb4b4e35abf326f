"""``flask measurement import-neighborhoods FILE``, ``load-demo``, ``assign`` and ``snapshot``."""
from __future__ import annotations

import click

from coalition.blueprints.measurement import bp
from coalition.cli import committed
from coalition.extensions import db
from coalition.models.base import utcnow
from coalition.services import geo, indicator_snapshots, measurement_demo


@bp.cli.command("import-neighborhoods")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.option("--source", default="", help="Where the population and rates come from (when the file has no source column).")
@click.option("--year", type=int, default=None, help="Year of the figures (when the file has no year column).")
def import_neighborhoods_command(path: str, source: str, year: int | None) -> None:
    """Import neighborhood boundaries with population and food-insecurity rate (GeoJSON, GeoPackage, zipped Shapefile)."""
    with committed():
        result = geo.import_neighborhoods(db.session, path, utcnow(), source, year)
    click.echo(f"Imported {result.created} new and updated {result.updated} neighborhoods from {result.source_crs}; "
               f"{result.deliveries_assigned} deliveries placed in a neighborhood.")
    if result.repaired:
        click.echo(f"Repaired invalid polygons: {', '.join(result.repaired)}")


@bp.cli.command("load-demo")
def load_demo_command() -> None:
    """Load the demo neighborhoods, goal, survey values, deliveries and partner reports (DEMO DATA)."""
    with committed():
        summary = measurement_demo.load_demo_measurement(db.session, utcnow())
    click.echo(f"Demo measurement: {summary.neighborhoods} neighborhoods, {summary.deliveries} deliveries, "
               f"{summary.reports} partner reports added.")


@bp.cli.command("assign")
def assign_command() -> None:
    """Re-join every delivery record to the neighborhoods (after editing boundaries by hand)."""
    with committed():
        placed = geo.assign_neighborhoods(db.session)
    click.echo(f"{placed} deliveries lie inside a neighborhood.")


@bp.cli.command("snapshot")
@click.option("--months", type=int, default=2, show_default=True,
              help="How many calendar months to store, ending with the current one.")
def snapshot_command(months: int) -> None:
    """Store the computed indicators as monthly time series (recomputed months are replaced, never duplicated)."""
    with committed():
        result = indicator_snapshots.snapshot_indicators(db.session, utcnow(), months=months)
    click.echo(f"Stored {result.rows} indicator values for {result.months[0]} to {result.months[-1]}.")
