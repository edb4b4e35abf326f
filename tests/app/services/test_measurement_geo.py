"""Neighborhood import (every error path, on small files written by the test), the spatial join on known
polygons, and the per-neighborhood analysis (meals per food-insecure resident, distance, underserved rank)."""
from __future__ import annotations

import datetime as dt
import json
import zipfile

import geopandas as gpd
import pytest
from shapely.geometry import Polygon, box
from sqlalchemy import func, select

from coalition.errors import ValidationError
from coalition.models import DeliveryRecord, IndicatorValue, Neighborhood
from coalition.services import deliveries, geo

UTC = dt.timezone.utc
NOW = dt.datetime(2026, 11, 1, tzinfo=UTC)
# Two squares side by side in Portland: West (-122.70..-122.65) and East (-122.65..-122.60), 45.50..45.55.
WEST = box(-122.70, 45.50, -122.65, 45.55)
EAST = box(-122.65, 45.50, -122.60, 45.55)


def write_geojson(path, features, crs_name=None):
    collection = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": props, "geometry": geometry} for props, geometry in features]}
    if crs_name:
        collection["crs"] = {"type": "name", "properties": {"name": crs_name}}
    path.write_text(json.dumps(collection))
    return path


def square(x0, y0, x1, y1):
    return {"type": "Polygon", "coordinates": [[[x0, y0], [x1, y0], [x1, y1], [x0, y1], [x0, y0]]]}


def two_squares(tmp_path, **overrides):
    west = {"name": "West", "population": 10000, "food_insecurity_pct": 20.0, **overrides}
    east = {"name": "East", "population": 30000, "food_insecurity_pct": 10.0}
    return write_geojson(tmp_path / "two.geojson", [(west, square(-122.70, 45.50, -122.65, 45.55)),
                                                     (east, square(-122.65, 45.50, -122.60, 45.55))])


def count(session):
    return session.scalar(select(func.count()).select_from(Neighborhood))


def test_geojson_import_stores_wgs84_geometry_bbox_centroid_and_the_rate_series(session, tmp_path):
    result = geo.import_neighborhoods(session, two_squares(tmp_path), NOW, "County estimates", 2025)
    assert (result.created, result.updated, result.repaired) == (2, 0, [])
    west = session.scalar(select(Neighborhood).where(Neighborhood.name == "West"))
    assert (west.population, west.food_insecurity_pct, west.source, west.year) == (10000, 20.0, "County estimates", 2025)
    assert (west.min_lon, west.min_lat, west.max_lon, west.max_lat) == pytest.approx((-122.70, 45.50, -122.65, 45.55))
    assert (west.centroid_lon, west.centroid_lat) == pytest.approx((-122.675, 45.525), abs=1e-3)
    assert west.food_insecure_residents == 2000
    rate = session.scalar(select(IndicatorValue).where(IndicatorValue.neighborhood_id == west.id))
    assert (rate.value, rate.period_start.year, rate.unit) == (20.0, 2025, "%")
    # Importing again updates by name instead of duplicating.
    again = geo.import_neighborhoods(session, two_squares(tmp_path, population=12000), NOW, "County estimates", 2026)
    assert (again.created, again.updated) == (0, 2) and count(session) == 2


def test_rates_given_as_fractions_are_stored_as_percent(session, tmp_path):
    path = write_geojson(tmp_path / "f.geojson", [({"name": "A", "population": 100, "fi_rate": 0.125},
                                                   square(-122.7, 45.5, -122.6, 45.6))])
    geo.import_neighborhoods(session, path, NOW)
    assert session.scalar(select(Neighborhood.food_insecurity_pct)) == 12.5


def test_a_projected_geopackage_is_reprojected_to_wgs84(session, tmp_path):
    utm = gpd.GeoDataFrame({"name": ["West"], "population": [10000], "food_insecurity_pct": [20.0]},
                           geometry=[WEST], crs="EPSG:4326").to_crs("EPSG:32610")
    utm.to_file(tmp_path / "utm.gpkg", driver="GPKG")
    result = geo.import_neighborhoods(session, tmp_path / "utm.gpkg", NOW)
    assert result.source_crs == "EPSG:32610"
    west = session.scalar(select(Neighborhood))
    assert (west.min_lon, west.min_lat, west.max_lon, west.max_lat) == pytest.approx((-122.70, 45.50, -122.65, 45.55), abs=1e-6)


def _zip_shapefile(tmp_path, frame, keep_prj=True):
    frame.to_file(tmp_path / "n.shp")
    archive = tmp_path / "n.zip"
    with zipfile.ZipFile(archive, "w") as zipped:
        for ext in ("shp", "shx", "dbf", "prj", "cpg"):
            part = tmp_path / f"n.{ext}"
            if part.exists() and (keep_prj or ext != "prj"):
                zipped.write(part, part.name)
    return archive


def test_a_zipped_shapefile_imports(session, tmp_path):
    frame = gpd.GeoDataFrame({"name": ["East"], "pop": [30000], "fi_pct": [10.0]}, geometry=[EAST], crs="EPSG:4326")
    geo.import_neighborhoods(session, _zip_shapefile(tmp_path, frame), NOW)
    assert session.scalar(select(Neighborhood.name)) == "East"


def test_a_shapefile_without_crs_is_refused(session, tmp_path):
    frame = gpd.GeoDataFrame({"name": ["East"], "pop": [30000], "fi_pct": [10.0]}, geometry=[EAST], crs="EPSG:4326")
    with pytest.raises(ValidationError, match="no coordinate reference system"):
        geo.import_neighborhoods(session, _zip_shapefile(tmp_path, frame, keep_prj=False), NOW)
    assert count(session) == 0


def test_coordinates_in_the_wrong_crs_are_refused(session, tmp_path):
    """UTM metres in a GeoJSON (which means WGS84 degrees) fall off the globe."""
    path = write_geojson(tmp_path / "m.geojson", [({"name": "A", "population": 1, "food_insecurity_pct": 1},
                                                   square(525000, 5040000, 530000, 5045000))])
    with pytest.raises(ValidationError, match="wrong CRS"):
        geo.import_neighborhoods(session, path, NOW)
    assert count(session) == 0


def test_a_missing_population_column_is_named(session, tmp_path):
    path = write_geojson(tmp_path / "p.geojson", [({"name": "A", "food_insecurity_pct": 1}, square(-122.7, 45.5, -122.6, 45.6))])
    with pytest.raises(ValidationError, match="Missing column: population"):
        geo.import_neighborhoods(session, path, NOW)


def test_a_non_numeric_rate_names_the_feature_and_nothing_is_imported(session, tmp_path):
    path = two_squares(tmp_path, food_insecurity_pct="high")
    with pytest.raises(ValidationError) as caught:
        geo.import_neighborhoods(session, path, NOW)
    assert "feature 1 (West): column 'food_insecurity_pct' 'high' is not a number." in caught.value.message
    assert count(session) == 0  # East was fine, but nothing is half-imported


def test_negative_population_and_rates_above_100_are_named(session, tmp_path):
    with pytest.raises(ValidationError) as caught:
        geo.import_neighborhoods(session, two_squares(tmp_path, population=-3, food_insecurity_pct=140), NOW)
    assert "feature 1 (West): column 'population' -3 is negative." in caught.value.message
    assert "feature 1 (West): food-insecurity rate 140.0 is above 100%." in caught.value.message


def test_a_self_intersecting_polygon_is_repaired(session, tmp_path):
    bowtie = {"type": "Polygon", "coordinates": [[[-122.7, 45.5], [-122.6, 45.6], [-122.6, 45.5], [-122.7, 45.6], [-122.7, 45.5]]]}
    path = write_geojson(tmp_path / "b.geojson", [({"name": "Bowtie", "population": 10, "food_insecurity_pct": 5}, bowtie)])
    result = geo.import_neighborhoods(session, path, NOW)
    assert result.repaired == ["Bowtie"]
    stored = json.loads(session.scalar(select(Neighborhood.geometry)))
    assert stored["type"] == "MultiPolygon"


def test_a_polygon_that_cannot_be_repaired_is_refused_by_name(session, tmp_path):
    flat = {"type": "Polygon", "coordinates": [[[-122.7, 45.5], [-122.6, 45.5], [-122.65, 45.5], [-122.7, 45.5]]]}
    path = write_geojson(tmp_path / "f.geojson", [({"name": "Flatland", "population": 10, "food_insecurity_pct": 5}, flat)])
    with pytest.raises(ValidationError, match=r"feature 1 \(Flatland\): the polygon is broken"):
        geo.import_neighborhoods(session, path, NOW)
    assert count(session) == 0


def test_points_and_empty_geometries_are_refused_by_name(session, tmp_path):
    path = write_geojson(tmp_path / "pt.geojson", [
        ({"name": "Dot", "population": 10, "food_insecurity_pct": 5}, {"type": "Point", "coordinates": [-122.6, 45.5]}),
        ({"name": "Nothing", "population": 10, "food_insecurity_pct": 5}, None)])
    with pytest.raises(ValidationError) as caught:
        geo.import_neighborhoods(session, path, NOW)
    assert "feature 1 (Dot): a Point is not a neighborhood boundary" in caught.value.message
    assert "feature 2 (Nothing): it has no geometry." in caught.value.message


def test_duplicate_and_empty_names_are_refused(session, tmp_path):
    path = write_geojson(tmp_path / "d.geojson", [
        ({"name": "Twin", "population": 1, "food_insecurity_pct": 1}, square(-122.7, 45.5, -122.6, 45.6)),
        ({"name": "Twin", "population": 1, "food_insecurity_pct": 1}, square(-122.6, 45.5, -122.5, 45.6)),
        ({"name": " ", "population": 1, "food_insecurity_pct": 1}, square(-122.5, 45.5, -122.4, 45.6))])
    with pytest.raises(ValidationError) as caught:
        geo.import_neighborhoods(session, path, NOW)
    assert "feature 2 (Twin): the name appears twice." in caught.value.message
    assert "feature 3: the name is empty." in caught.value.message


def test_an_unreadable_file_is_refused(session, tmp_path):
    path = tmp_path / "junk.geojson"
    path.write_text("this is not geojson")
    with pytest.raises(ValidationError, match="Could not read junk.geojson"):
        geo.import_neighborhoods(session, path, NOW)


def test_the_spatial_join_places_points_in_known_polygons(session, tmp_path):
    geo.import_neighborhoods(session, two_squares(tmp_path), NOW)
    frame = geo.neighborhoods_frame(session)
    ids = dict(zip(frame["name"], frame["neighborhood_id"]))
    joined = geo.join_points([45.52, 45.52, 45.60, 45.53], [-122.68, -122.61, -122.68, -122.65], frame)
    # inside West, inside East, outside both, on the shared border (goes to the lower id)
    assert list(joined) == [ids["West"], ids["East"], -1, min(ids.values())]


def test_deliveries_are_joined_to_neighborhoods_when_recorded_and_on_import(session, tmp_path, org):
    bank, grocer = org("Columbia Regional Food Bank"), org("Hawthorne Green Grocer")
    record = deliveries.record_delivery(session, delivered_at=NOW, kg=5, category="bakery", storage="ambient",
                                        donor=grocer, recipient=bank, latitude=45.52, longitude=-122.61)
    assert record.neighborhood_id is None  # no neighborhoods yet
    result = geo.import_neighborhoods(session, two_squares(tmp_path), NOW)
    assert result.deliveries_assigned == 1
    east = session.scalar(select(Neighborhood).where(Neighborhood.name == "East"))
    assert session.get(DeliveryRecord, record.id).neighborhood_id == east.id
    later = deliveries.record_delivery(session, delivered_at=NOW, kg=5, category="bakery", storage="ambient",
                                       donor=grocer, recipient=bank, latitude=45.52, longitude=-122.68)
    assert later.neighborhood.name == "West"


def test_neighborhood_analysis_meals_per_food_insecure_resident_distance_and_rank(session, tmp_path, org):
    """West: 2,000 food-insecure, 544 kg = 1,000 meals -> 0.5 each. East: 3,000, 1,632 kg = 3,000 meals -> 1.0.
    West has fewer meals per person but less need; the ranking follows the documented percentile formula."""
    geo.import_neighborhoods(session, two_squares(tmp_path), NOW)
    bank, grocer = org("Columbia Regional Food Bank"), org("Hawthorne Green Grocer")
    for kg, lon in ((544, -122.68), (1632, -122.61)):
        deliveries.record_delivery(session, delivered_at=NOW, kg=kg, category="bakery", storage="ambient",
                                   donor=grocer, recipient=bank, latitude=45.52, longitude=lon)
    stats = {s.name: s for s in geo.neighborhood_stats(session, None, None, 0.544)}
    west, east = stats["West"], stats["East"]
    assert (west.meals, west.meals_per_food_insecure) == pytest.approx((1000, 0.5))
    assert (east.meals, east.meals_per_food_insecure) == pytest.approx((3000, 1.0))
    # The Old Town Night Shelter (45.5245, -122.6763) sits inside West, ~0.2 km from its centroid.
    assert west.nearest_site == "Old Town Night Shelter" and west.distance_km < 0.5
    assert east.distance_km > west.distance_km
    # need: West 0.5, East 1.0; gap: West 1.0, East 0.5; distance: West 0.5, East 1.0 -> West 66.7, East 83.3
    assert (west.underserved_score, east.underserved_score) == (66.7, 83.3)
    assert (east.rank, west.rank) == (1, 2)
    collection = geo.neighborhoods_geojson(list(stats.values()), session)
    assert {f["properties"]["name"] for f in collection["features"]} == {"West", "East"}


def test_the_demo_neighborhoods_load_and_are_labelled_demo(session):
    result = geo.load_demo_neighborhoods(session, NOW)
    assert result.created == 12
    names = session.scalars(select(Neighborhood).order_by(Neighborhood.name)).all()
    assert all(n.is_demo and "DEMO DATA" in n.source for n in names)
    assert all(Polygon(json.loads(n.geometry)["coordinates"][0]).is_valid for n in names)


def test_an_empty_file_a_fractional_population_and_a_bad_year_are_refused(session, tmp_path):
    empty = write_geojson(tmp_path / "e.geojson", [])
    with pytest.raises(ValidationError, match="holds no features"):
        geo.import_neighborhoods(session, empty, NOW)
    with pytest.raises(ValidationError, match=r"feature 1 \(West\): population 10.5 is not a whole number"):
        geo.import_neighborhoods(session, two_squares(tmp_path, population=10.5), NOW)
    with pytest.raises(ValidationError, match=r"feature 1 \(West\): year 'soon' is not a year"):
        geo.import_neighborhoods(session, two_squares(tmp_path, year="soon"), NOW)
    assert count(session) == 0
