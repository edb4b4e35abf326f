"""Neighborhoods and the spatial side of measurement: the only module that imports geopandas and shapely.

It owns importing boundaries (GeoJSON, GeoPackage, zipped Shapefile), the
spatial join of deliveries to neighborhoods, and the per-neighborhood
analysis shown on the dashboards:

* meals per food-insecure resident = meals delivered inside the neighborhood
  / (population x food-insecurity rate);
* distance to help = straight-line distance from the neighborhood's centroid
  (our stand-in for its population centre) to the nearest active food bank or
  shelter, measured in the local UTM zone;
* the **underserved score** (0-100, higher = more underserved) is the mean of
  three percentile ranks among the neighborhoods:
  ``need`` (number of food-insecure residents, higher ranks higher),
  ``gap`` (meals per food-insecure resident, *fewer* ranks higher) and
  ``distance`` (farther ranks higher). Ranking uses percentiles so that no
  single unit (people, meals, km) dominates, and ties share a rank.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import json
import math
import warnings
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from shapely.geometry import Point, mapping, shape
from sqlalchemy import bindparam, func, select, update
from sqlalchemy.orm import Session

from coalition.errors import ValidationError
from coalition.models import DeliveryRecord, IndicatorValue, Neighborhood, Organization
from coalition.models.measurement import FOOD_INSECURITY

WGS84 = "EPSG:4326"
DEMO_FILE = Path(__file__).resolve().parent.parent / "data" / "demo_neighborhoods.geojson"
DEMO_SOURCE = "DEMO DATA: invented boundaries and figures for the demo coalition, not real statistics"

NAME_COLUMNS = ("name", "neighborhood", "nbhd", "label")
POPULATION_COLUMNS = ("population", "pop", "pop_total", "residents")
RATE_COLUMNS = ("food_insecurity_pct", "food_insecurity_rate", "food_insecurity", "fi_rate", "fi_pct")


@dataclasses.dataclass
class ImportResult:
    created: int
    updated: int
    repaired: list[str]
    source_crs: str
    deliveries_assigned: int


@dataclasses.dataclass
class NeighborhoodStats:
    id: int
    name: str
    population: int
    food_insecurity_pct: float
    food_insecure: float
    kg: float
    meals: float
    meals_per_food_insecure: float | None
    distance_km: float | None
    nearest_site: str | None
    underserved_score: float | None
    rank: int | None
    is_demo: bool


# --- reading and validating boundary files -----------------------------------

def _find_column(frame: pd.DataFrame, candidates: tuple[str, ...]) -> str | None:
    lowered = {str(c).lower(): c for c in frame.columns if c != frame.geometry.name}
    for candidate in candidates:
        if candidate in lowered:
            return lowered[candidate]
    return None


def read_boundaries(path: str | Path) -> gpd.GeoDataFrame:
    """Read a GeoJSON, GeoPackage or zipped Shapefile; raise ValidationError when it cannot be read."""
    path = Path(path)
    target = f"zip://{path}" if path.suffix.lower() == ".zip" else str(path)
    try:
        with warnings.catch_warnings():
            # A GeoPackage with several layers warns and reads the first; that is what we want.
            warnings.simplefilter("ignore")
            frame = gpd.read_file(target)
    except Exception as error:  # pyogrio raises several error types for unreadable files
        raise ValidationError(f"Could not read {path.name} as GeoJSON, GeoPackage or zipped Shapefile: {error}",
                              {"file": "Not a readable boundary file."}) from error
    if len(frame) == 0:
        raise ValidationError(f"{path.name} holds no features.", {"file": "No neighborhoods in this file."})
    return frame


def _feature_label(index: int, name) -> str:
    return f"feature {index + 1}" + (f" ({name})" if isinstance(name, str) and name.strip() else "")


def prepare_boundaries(frame: gpd.GeoDataFrame, default_source: str = "", default_year: int | None = None
                       ) -> tuple[list[dict], list[str], str]:
    """Validate a boundary table and turn it into neighborhood rows in WGS84.

    Returns (rows, names of repaired features, the source CRS). Each row has
    name, population, food_insecurity_pct, source, year, geometry (a shapely
    polygon in WGS84). Raises one ValidationError naming every bad column or
    feature; nothing is written here.
    """
    if frame.crs is None:
        raise ValidationError(
            "The file has no coordinate reference system (CRS). Add one (for a Shapefile, the .prj file) "
            "so we can reproject it to WGS84.", {"file": "Missing CRS."})
    source_crs = frame.crs.to_string()
    name_col, pop_col, rate_col = _required_columns(frame)
    problems: list[str] = []
    names = [frame[name_col].iloc[i] for i in range(len(frame))]
    _check_names(names, problems)
    populations, pcts = _figures(frame, pop_col, rate_col, names, problems)
    geometries, repaired = _geometries(frame, names, problems)
    if problems:
        raise ValidationError("The boundary file has problems; nothing was imported. " + " ".join(problems[:20]),
                              {"file": problems[0]})
    wgs84 = _to_wgs84(gpd.GeoSeries(geometries, crs=frame.crs), source_crs)
    source_col = _find_column(frame, ("source",))
    year_col = _find_column(frame, ("year",))
    rows = []
    for i in range(len(frame)):
        source = str(frame[source_col].iloc[i]) if source_col and pd.notna(frame[source_col].iloc[i]) else default_source
        rows.append({"name": names[i].strip(), "population": int(populations[i]), "food_insecurity_pct": round(pcts[i], 4),
                     "source": source[:300], "year": _year(frame, year_col, i, names[i], default_year),
                     "geometry": wgs84.iloc[i]})
    return rows, repaired, source_crs


def _required_columns(frame: gpd.GeoDataFrame) -> tuple[str, str, str]:
    """The name, population and food-insecurity rate columns; raises ValidationError naming those missing."""
    name_col = _find_column(frame, NAME_COLUMNS)
    pop_col = _find_column(frame, POPULATION_COLUMNS)
    rate_col = _find_column(frame, RATE_COLUMNS)
    missing = [label for label, col in (("name", name_col), ("population", pop_col),
                                         ("food_insecurity_pct", rate_col)) if col is None]
    if missing:
        raise ValidationError(
            f"Missing column{'s' if len(missing) > 1 else ''}: {', '.join(missing)}. "
            f"Columns found: {', '.join(str(c) for c in frame.columns if c != frame.geometry.name) or 'none'}.",
            {"file": f"Missing {', '.join(missing)}."})
    return name_col, pop_col, rate_col


def _check_names(names: list, problems: list[str]) -> None:
    """Every feature needs a name of its own (appended to ``problems`` when not)."""
    seen: set[str] = set()
    for i, name in enumerate(names):
        if not isinstance(name, str) or not name.strip():
            problems.append(f"{_feature_label(i, None)}: the name is empty.")
        elif name.strip() in seen:
            problems.append(f"{_feature_label(i, name)}: the name appears twice.")
        else:
            seen.add(name.strip())


def _numbers(frame: gpd.GeoDataFrame, column: str, label: str, names: list, problems: list[str]) -> list[float | None]:
    """The column as numbers (None where not one); what is not a number, or negative, goes into ``problems``."""
    values = []
    for i, raw in enumerate(frame[column].tolist()):
        try:
            value = float(raw)
            if not math.isfinite(value):
                raise ValueError
        except (TypeError, ValueError):
            problems.append(f"{_feature_label(i, names[i])}: {label} {raw!r} is not a number.")
            values.append(None)
            continue
        if value < 0:
            problems.append(f"{_feature_label(i, names[i])}: {label} {raw!r} is negative.")
        values.append(value)
    return values


def _figures(frame: gpd.GeoDataFrame, pop_col: str, rate_col: str, names: list,
             problems: list[str]) -> tuple[list[float | None], list[float | None]]:
    """Each feature's population and food-insecurity rate in percent; bad values go into ``problems``."""
    populations = _numbers(frame, pop_col, f"column {pop_col!r}", names, problems)
    rates = _numbers(frame, rate_col, f"column {rate_col!r}", names, problems)
    # Rates as fractions (0-1) or as percents (0-100): decided for the whole file.
    as_fraction = all(r is None or r <= 1 for r in rates)
    pcts = [None if r is None else (r * 100 if as_fraction else r) for r in rates]
    for i, pct in enumerate(pcts):
        if pct is not None and pct > 100:
            problems.append(f"{_feature_label(i, names[i])}: food-insecurity rate {rates[i]!r} is above 100%.")
    for i, pop in enumerate(populations):
        if pop is not None and pop != int(pop):
            problems.append(f"{_feature_label(i, names[i])}: population {pop!r} is not a whole number.")
    return populations, pcts


def _geometries(frame: gpd.GeoDataFrame, names: list, problems: list[str]) -> tuple[list, list[str]]:
    """Each feature's polygon (repaired when invalid and repairable; None when unusable, said in ``problems``),
    and the names of the repaired features."""
    repaired: list[str] = []
    geometries = []
    for i, geometry in enumerate(frame.geometry):
        label = _feature_label(i, names[i])
        if geometry is None or geometry.is_empty:
            problems.append(f"{label}: it has no geometry.")
            geometries.append(None)
            continue
        if geometry.geom_type not in ("Polygon", "MultiPolygon"):
            problems.append(f"{label}: a {geometry.geom_type} is not a neighborhood boundary (need a polygon).")
            geometries.append(None)
            continue
        if not geometry.is_valid:
            fixed = _polygonal(shapely.make_valid(geometry))
            if fixed is None or fixed.is_empty or not fixed.is_valid or fixed.area == 0:
                problems.append(f"{label}: the polygon is broken ({shapely.is_valid_reason(geometry)}) and cannot be repaired.")
                geometries.append(None)
                continue
            repaired.append(str(names[i]))
            geometry = fixed
        geometries.append(geometry)
    return geometries, repaired


def _to_wgs84(series: gpd.GeoSeries, source_crs: str) -> gpd.GeoSeries:
    """The boundaries in WGS84; raises ValidationError when they cannot be reprojected or land off the globe."""
    try:
        wgs84 = series.to_crs(WGS84)
    except Exception as error:
        raise ValidationError(f"Could not reproject from {source_crs} to WGS84: {error}", {"file": "Wrong CRS."}) from error
    bounds = wgs84.total_bounds
    if not np.all(np.isfinite(bounds)) or bounds[0] < -180 or bounds[2] > 180 or bounds[1] < -90 or bounds[3] > 90:
        raise ValidationError(
            f"The coordinates do not fit the file's CRS ({source_crs}): after reprojection they fall outside "
            "the globe. The file probably declares the wrong CRS.", {"file": "Wrong CRS."})
    return wgs84


def _year(frame: gpd.GeoDataFrame, year_col: str | None, i: int, name, default_year: int | None) -> int | None:
    """Feature ``i``'s year (``default_year`` when the file has none); raises ValidationError for a bad one."""
    if not year_col or not pd.notna(frame[year_col].iloc[i]):
        return default_year
    try:
        return int(frame[year_col].iloc[i])
    except (TypeError, ValueError):
        raise ValidationError(f"{_feature_label(i, name)}: year {frame[year_col].iloc[i]!r} is not a year.",
                              {"file": "Bad year."}) from None


def _polygonal(geometry):
    """The polygon part of a repaired geometry (make_valid may return a collection with stray lines)."""
    if geometry.geom_type in ("Polygon", "MultiPolygon"):
        return geometry
    if geometry.geom_type == "GeometryCollection":
        parts = [g for g in geometry.geoms if g.geom_type in ("Polygon", "MultiPolygon")]
        if parts:
            return shapely.union_all(parts)
    return None


def _centroids_wgs84(geometries: gpd.GeoSeries) -> gpd.GeoSeries:
    """Centroids computed in the local UTM zone (a centroid in degrees is slightly off)."""
    utm = geometries.estimate_utm_crs()
    return geometries.to_crs(utm).centroid.to_crs(WGS84)


def import_neighborhoods(session: Session, path: str | Path, now: dt.datetime, source: str = "",
                         year: int | None = None, is_demo: bool = False) -> ImportResult:
    """Import (create or update by name) neighborhoods from a boundary file, then re-join deliveries.

    Raises ValidationError naming the bad column or feature; in that case
    nothing is written. The caller commits.
    """
    frame = read_boundaries(path)
    rows, repaired, source_crs = prepare_boundaries(frame, source, year)
    return save_neighborhoods(session, rows, repaired, source_crs, now, is_demo)


def save_neighborhoods(session: Session, rows: list[dict], repaired: list[str], source_crs: str,
                       now: dt.datetime, is_demo: bool = False) -> ImportResult:
    existing = {n.name: n for n in session.scalars(select(Neighborhood))}
    centroids = _centroids_wgs84(gpd.GeoSeries([r["geometry"] for r in rows], crs=WGS84))
    created = updated = 0
    for row, centroid in zip(rows, centroids):
        geometry = row["geometry"]
        min_lon, min_lat, max_lon, max_lat = geometry.bounds
        values = dict(
            population=row["population"], food_insecurity_pct=row["food_insecurity_pct"], source=row["source"],
            year=row["year"], geometry=json.dumps(mapping(geometry)), min_lon=min_lon, min_lat=min_lat,
            max_lon=max_lon, max_lat=max_lat, centroid_lat=centroid.y, centroid_lon=centroid.x,
            is_demo=is_demo, imported_at=now)
        neighborhood = existing.get(row["name"])
        if neighborhood is not None and not values["source"]:
            values.pop("source")  # a file without sources keeps the figures' known source
        if neighborhood is None:
            neighborhood = Neighborhood(name=row["name"], **values)
            session.add(neighborhood)
            created += 1
        else:
            for key, value in values.items():
                setattr(neighborhood, key, value)
            updated += 1
        session.flush()
        if row["year"]:
            _store_rate(session, neighborhood, row["year"], row["food_insecurity_pct"], row["source"])
    session.flush()
    assigned = assign_neighborhoods(session)
    return ImportResult(created, updated, repaired, source_crs, assigned)


def _store_rate(session: Session, neighborhood: Neighborhood, year: int, pct: float, source: str) -> None:
    start, end = dt.date(year, 1, 1), dt.date(year, 12, 31)
    value = session.scalar(select(IndicatorValue).where(
        IndicatorValue.indicator == FOOD_INSECURITY, IndicatorValue.neighborhood_id == neighborhood.id,
        IndicatorValue.period_start == start))
    if value is None:
        value = IndicatorValue(indicator=FOOD_INSECURITY, neighborhood_id=neighborhood.id, period_start=start,
                               period_end=end, unit="%", value=pct, source=source or "boundary import")
        session.add(value)
    else:
        value.value, value.source = pct, source or value.source


def load_demo_neighborhoods(session: Session, now: dt.datetime) -> ImportResult:
    """The demo city's neighborhoods (invented figures, labelled as demo data)."""
    return import_neighborhoods(session, DEMO_FILE, now, DEMO_SOURCE, 2025, is_demo=True)


# --- spatial join --------------------------------------------------------------

def neighborhoods_frame(session: Session) -> gpd.GeoDataFrame:
    """All neighborhoods as a GeoDataFrame in WGS84 (index: neighborhood id)."""
    rows = session.execute(select(Neighborhood.id, Neighborhood.name, Neighborhood.geometry)).all()
    return gpd.GeoDataFrame(
        {"neighborhood_id": [r.id for r in rows], "name": [r.name for r in rows]},
        geometry=[shape(json.loads(r.geometry)) for r in rows], crs=WGS84)


def join_points(latitudes, longitudes, neighborhoods: gpd.GeoDataFrame) -> np.ndarray:
    """The neighborhood id containing each point (-1 outside every neighborhood), by geopandas.sjoin.

    A point on a shared border goes to the neighborhood with the lowest id.
    """
    points = gpd.GeoDataFrame(geometry=gpd.points_from_xy(longitudes, latitudes), crs=WGS84)
    joined = gpd.sjoin(points, neighborhoods[["neighborhood_id", "geometry"]], how="left", predicate="intersects")
    joined = joined.sort_values("neighborhood_id")
    first = joined[~joined.index.duplicated(keep="first")].sort_index()
    return first["neighborhood_id"].fillna(-1).astype(np.int64).to_numpy()


def assign_neighborhoods(session: Session) -> int:
    """Re-join every located delivery record to the neighborhoods; returns how many fell inside one."""
    records = session.execute(select(DeliveryRecord.id, DeliveryRecord.latitude, DeliveryRecord.longitude)
                              .where(DeliveryRecord.latitude.is_not(None))).all()
    if not records:
        return 0
    frame = neighborhoods_frame(session)
    if len(frame) == 0:
        ids = np.full(len(records), -1)
    else:
        ids = join_points([r.latitude for r in records], [r.longitude for r in records], frame)
    changes = [{"rid": r.id, "nid": int(n) if n >= 0 else None} for r, n in zip(records, ids)]
    _bulk_assign(session, changes)
    session.expire_all()
    return int((ids >= 0).sum())


def _bulk_assign(session: Session, changes: list[dict]) -> None:
    table = DeliveryRecord.__table__
    session.execute(update(table).where(table.c.id == bindparam("rid")).values(neighborhood_id=bindparam("nid")), changes)


def list_neighborhoods(session: Session) -> list[Neighborhood]:
    return list(session.scalars(select(Neighborhood).order_by(Neighborhood.name)))


def get_neighborhood(session: Session, neighborhood_id: int) -> Neighborhood:
    from coalition.errors import NotFound

    neighborhood = session.get(Neighborhood, neighborhood_id)
    if neighborhood is None:
        raise NotFound("There is no such neighborhood.")
    return neighborhood


def neighborhood_id_at(session: Session, latitude: float, longitude: float) -> int | None:
    """The neighborhood containing a point (bounding boxes first, then the polygon), or None."""
    candidates = session.execute(select(Neighborhood.id, Neighborhood.geometry).where(
        Neighborhood.min_lon <= longitude, Neighborhood.max_lon >= longitude,
        Neighborhood.min_lat <= latitude, Neighborhood.max_lat >= latitude).order_by(Neighborhood.id)).all()
    point = Point(longitude, latitude)
    for candidate in candidates:
        if shape(json.loads(candidate.geometry)).intersects(point):
            return candidate.id
    return None


# --- analysis ------------------------------------------------------------------

def help_sites(session: Session) -> list[Organization]:
    from coalition.models import OrganizationKind

    return list(session.scalars(select(Organization).where(
        Organization.active.is_(True), Organization.kind.in_((OrganizationKind.FOOD_BANK, OrganizationKind.SHELTER)),
        Organization.latitude.is_not(None), Organization.longitude.is_not(None)).order_by(Organization.id)))


def neighborhood_stats(session: Session, start: dt.datetime | None, end: dt.datetime | None,
                       kg_per_meal: float) -> list[NeighborhoodStats]:
    """Per neighborhood: kg and meals delivered in [start, end), meals per food-insecure resident,
    distance to the nearest food bank or shelter and the underserved score; most underserved first."""
    neighborhoods = list(session.scalars(select(Neighborhood).order_by(Neighborhood.name)))
    if not neighborhoods:
        return []
    query = select(DeliveryRecord.neighborhood_id, func.sum(DeliveryRecord.quantity_g)).where(
        DeliveryRecord.neighborhood_id.is_not(None), DeliveryRecord.outcome == "delivered").group_by(DeliveryRecord.neighborhood_id)
    if start is not None:
        query = query.where(DeliveryRecord.delivered_at >= start)
    if end is not None:
        query = query.where(DeliveryRecord.delivered_at < end)
    grams_by_id = {nid: int(total or 0) for nid, total in session.execute(query)}

    sites = help_sites(session)
    distance_m, nearest = _nearest_sites(
        tuple((n.id, n.centroid_lon, n.centroid_lat) for n in neighborhoods),
        tuple((s.name, s.longitude, s.latitude) for s in sites))

    stats = []
    for n in neighborhoods:
        kg = grams_by_id.get(n.id, 0) / 1000
        meals = kg / kg_per_meal
        fi = n.food_insecure_residents
        stats.append(NeighborhoodStats(
            id=n.id, name=n.name, population=n.population, food_insecurity_pct=n.food_insecurity_pct,
            food_insecure=fi, kg=kg, meals=meals, meals_per_food_insecure=(meals / fi) if fi > 0 else None,
            distance_km=distance_m[n.id] / 1000 if n.id in distance_m else None, nearest_site=nearest.get(n.id),
            underserved_score=None, rank=None, is_demo=n.is_demo))
    _score(stats)
    _blur_confidential(stats, {s.name: s for s in sites if s.confidential})
    return sorted(stats, key=lambda s: (s.rank is None, s.rank or 0, s.name))


def _blur_confidential(stats: list[NeighborhoodStats], confidential: dict[str, Organization]) -> None:
    """Name a confidential nearest site by its public name and round the distance to it to whole kilometres.

    The score above used the exact distance; what is shown (and published on the public dashboard)
    must not be exact, or the distances from several known centroids would give the site's point away.
    """
    for s in stats:
        site = confidential.get(s.nearest_site or "")
        if site is not None:
            s.nearest_site = site.public_alias or "a confidential shelter"
            s.distance_km = float(round(s.distance_km)) if s.distance_km is not None else None


@functools.lru_cache(maxsize=16)
def _nearest_sites(centroids: tuple, sites: tuple) -> tuple[dict[int, float], dict[int, str]]:
    """Metres from each centroid (id, lon, lat) to the nearest site (name, lon, lat), in the local UTM zone.

    Cached on its inputs: the answer changes only when neighborhoods or sites move,
    and building the projections costs more than the dashboard's SQL.
    """
    if not centroids or not sites:
        return {}, {}
    frame = gpd.GeoDataFrame({"nid": [c[0] for c in centroids]},
                             geometry=gpd.points_from_xy([c[1] for c in centroids], [c[2] for c in centroids]), crs=WGS84)
    utm = frame.estimate_utm_crs()
    site_frame = gpd.GeoDataFrame({"site": [s[0] for s in sites]},
                                  geometry=gpd.points_from_xy([s[1] for s in sites], [s[2] for s in sites]),
                                  crs=WGS84).to_crs(utm)
    joined = gpd.sjoin_nearest(frame.to_crs(utm), site_frame, how="left", distance_col="distance_m")
    joined = joined[~joined.index.duplicated(keep="first")]
    distance_m, nearest = {}, {}
    for nid, site, dist in zip(joined["nid"], joined["site"], joined["distance_m"]):
        distance_m[int(nid)], nearest[int(nid)] = float(dist), site
    return distance_m, nearest


def _score(stats: list[NeighborhoodStats]) -> None:
    """Fill underserved_score and rank (see the module docstring for the formula)."""
    scored = [s for s in stats if s.meals_per_food_insecure is not None]
    if not scored:
        return
    frame = pd.DataFrame({
        "need": [s.food_insecure for s in scored],
        "meals": [s.meals_per_food_insecure for s in scored],
        "distance": [s.distance_km if s.distance_km is not None else 0.0 for s in scored],
    })
    need = frame["need"].rank(pct=True)
    gap = frame["meals"].rank(pct=True, ascending=False)
    far = frame["distance"].rank(pct=True)
    score = (need + gap + far) / 3 * 100
    ranks = score.rank(ascending=False, method="min")
    for s, value, rank in zip(scored, score, ranks):
        s.underserved_score, s.rank = round(float(value), 1), int(rank)


def neighborhoods_geojson(stats: list[NeighborhoodStats], session: Session) -> dict:
    """A GeoJSON FeatureCollection of the neighborhoods with their figures as properties (for the map and download)."""
    geometries = dict(session.execute(select(Neighborhood.id, Neighborhood.geometry)).all())
    features = []
    for s in stats:
        properties = dataclasses.asdict(s)
        properties.pop("id")
        features.append({"type": "Feature", "id": s.id, "geometry": json.loads(geometries[s.id]),
                         "properties": properties})
    return {"type": "FeatureCollection", "features": features}
