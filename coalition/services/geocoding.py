"""Street addresses to points on the map: the configured geocoder, its cache, and the service-area check.

The geocoder is reached through geopy (Nominatim, Photon or Pelias), only at the
server named by ``GEOCODER_URL``: without it no public server is ever contacted and
places are given by pin or coordinates. Every call goes through one rate limiter per
provider and process (at most one request per ``GEOCODER_MIN_DELAY_S``, one second by
default, as the public Nominatim's usage policy asks), with a User-Agent that names
the coalition, and every address found is kept in ``geocode_results``.
"""
from __future__ import annotations

import functools
import math
from dataclasses import dataclass
from typing import Callable
from urllib.parse import urlsplit

import numpy as np
from geopy.adapters import URLLibAdapter
from geopy.exc import GeocoderTimedOut, GeopyError
from geopy.extra.rate_limiter import RateLimiter
from geopy.geocoders import Nominatim, Pelias, Photon
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from coalition.errors import RuleError, ValidationError
from coalition.models import Organization
from coalition.models.geocode import GeocodeResult
from coalition.services.distance import EARTH_RADIUS_KM

PROVIDERS = ("nominatim", "photon", "pelias")
MAX_MATCHES = 5
MAX_QUERY_CHARS = 300


class GeocoderUnavailable(RuleError):
    """No geocoder is configured, or it did not answer: the person places the pin instead."""

    status_code = 503


class AmbiguousAddress(ValidationError):
    """The address names several places; ``matches`` lists them for the person to choose."""

    def __init__(self, message: str, fields: dict[str, str], matches: list[Match]):
        super().__init__(message, fields)
        self.matches = matches


@dataclass(frozen=True)
class GeocoderSettings:
    """Which geocoder to ask and how politely; built from the app config by ``from_config``."""

    provider: str = "nominatim"
    url: str | None = None
    user_agent: str = "Feeding Our City"
    timeout_s: float = 5.0
    min_delay_s: float = 1.0
    service_area_km: float = 50.0

    @classmethod
    def from_config(cls, config) -> GeocoderSettings:
        return cls(
            provider=config.get("GEOCODER", "nominatim"),
            url=config.get("GEOCODER_URL") or None,
            user_agent=config.get("GEOCODER_USER_AGENT") or f"{config.get('COALITION_NAME', 'Feeding Our City')} "
                                                           f"food-rescue coalition",
            timeout_s=float(config.get("GEOCODER_TIMEOUT_S", 5.0)),
            min_delay_s=float(config.get("GEOCODER_MIN_DELAY_S", 1.0)),
            service_area_km=float(config.get("SERVICE_AREA_KM", 50.0)),
        )

    @property
    def configured(self) -> bool:
        return bool(self.url)


@dataclass(frozen=True)
class Match:
    """One place a geocoder found: WGS84 degrees and the provider's label for it."""

    latitude: float
    longitude: float
    label: str

    def as_json(self) -> dict:
        return {"lat": self.latitude, "lon": self.longitude, "label": self.label}


def normalize_query(address: str) -> str:
    """The cache key of an address: spaces collapsed, case folded."""
    return " ".join((address or "").split()).casefold()[:MAX_QUERY_CHARS]


@functools.lru_cache(maxsize=8)
def _limited_geocode(provider: str, url: str, user_agent: str, timeout_s: float, min_delay_s: float) -> Callable:
    """One rate-limited geocode function per geocoder, shared by every request of this process.

    Kept in a cache so the one-request-per-second limit holds across requests, not just within one.
    """
    parts = urlsplit(url)
    scheme = parts.scheme or "https"
    domain = (parts.netloc + parts.path).rstrip("/")
    # The standard library's adapter in every install: it does not retry behind the rate limiter's back.
    common = {"scheme": scheme, "domain": domain, "user_agent": user_agent, "timeout": timeout_s,
              "adapter_factory": URLLibAdapter}
    if provider == "photon":
        geocode = functools.partial(Photon(**common).geocode, limit=MAX_MATCHES)
    elif provider == "pelias":
        geocode = Pelias(**common).geocode
    else:
        geocode = functools.partial(Nominatim(**common).geocode, limit=MAX_MATCHES)
    # No retries and no swallowed errors: a person is waiting, and "the geocoder is down" is an answer.
    return RateLimiter(geocode, min_delay_seconds=min_delay_s, max_retries=0, swallow_exceptions=False)


def _ask(settings: GeocoderSettings, address: str) -> list[Match]:
    geocode = _limited_geocode(settings.provider, settings.url, settings.user_agent, settings.timeout_s,
                               settings.min_delay_s)
    try:
        found = geocode(address, exactly_one=False) or []
    except GeocoderTimedOut:
        raise GeocoderUnavailable("The geocoder did not answer in time: place the pin on the map instead.",
                                  {"address": "The geocoder did not answer in time."}) from None
    except (GeopyError, OSError):
        raise GeocoderUnavailable("The geocoder cannot be reached: place the pin on the map instead.",
                                  {"address": "The geocoder cannot be reached."}) from None
    matches: list[Match] = []
    for location in found[:MAX_MATCHES]:
        match = Match(round(float(location.latitude), 7), round(float(location.longitude), 7),
                      str(location.address or "")[:300])
        if _valid_point(match.latitude, match.longitude) and match not in matches:
            matches.append(match)
    return matches


def cached_matches(session: Session, provider: str, addresses: list[str]) -> dict[str, list[Match]]:
    """The cached answers for many addresses at once, by normalized query (addresses not cached are left out)."""
    queries = sorted({normalize_query(address) for address in addresses} - {""})
    found: dict[str, list[Match]] = {}
    for start in range(0, len(queries), 500):  # within every database's limit on bound parameters
        for row in session.scalars(select(GeocodeResult).where(GeocodeResult.provider == provider,
                                                               GeocodeResult.query.in_(queries[start:start + 500]))):
            found[row.query] = [Match(m["lat"], m["lon"], m["label"]) for m in row.matches]
    return found


def geocode(session: Session, settings: GeocoderSettings, address: str,
            cache: dict[str, list[Match]] | None = None) -> list[Match]:
    """The places an address may be, from the cache or else the geocoder (at most ``MAX_MATCHES``).

    Returns an empty list when the geocoder knows no such place. Raises ValidationError
    (field ``address``) for an empty address, GeocoderUnavailable when no geocoder is
    configured and the cache has no answer, or when the geocoder times out or fails.
    Adds the answer to the cache (flushes; the caller commits). ``cache``, from ``cached_matches``,
    spares one query per address when many are looked up.
    """
    query = normalize_query(address)
    if not query:
        raise ValidationError("Type a street address first.", {"address": "Type a street address first."})
    if cache is None:
        cache = cached_matches(session, settings.provider, [address])
    if query in cache:
        return cache[query]
    if not settings.configured:
        raise GeocoderUnavailable("No geocoder is set up: place the pin on the map or type the coordinates.",
                                  {"address": "No geocoder is set up."})
    matches = _ask(settings, " ".join(address.split()))
    if matches:
        _remember(session, settings.provider, query, matches)
        cache[query] = matches
    return matches


def _remember(session: Session, provider: str, query: str, matches: list[Match]) -> None:
    # A savepoint, because another request may have cached the same address a moment ago.
    try:
        with session.begin_nested():
            session.add(GeocodeResult(provider=provider, query=query, matches=[m.as_json() for m in matches]))
    except IntegrityError:
        pass


def locate(session: Session, settings: GeocoderSettings, address: str,
           cache: dict[str, list[Match]] | None = None) -> Match:
    """The one place an address names.

    Raises ValidationError (``address``) when nothing is found, AmbiguousAddress with the
    candidates when several are, and GeocoderUnavailable as ``geocode`` does.
    """
    matches = geocode(session, settings, address, cache)
    if not matches:
        message = "No place found for this address: check it, or place the pin on the map."
        raise ValidationError(message, {"address": message})
    if len(matches) > 1:
        message = f"This address matches {len(matches)} places: choose one, or place the pin on the map."
        raise AmbiguousAddress(message, {"address": message}, matches)
    return matches[0]


def _valid_point(latitude: float, longitude: float) -> bool:
    return math.isfinite(latitude) and math.isfinite(longitude) and -90 <= latitude <= 90 and -180 <= longitude <= 180


def network_points(session: Session, exclude_id: int | None = None) -> np.ndarray:
    """The sites of the active partners that have one (the coalition's service area), but ``exclude_id``'s,
    as an (n, 2) array of latitude and longitude degrees.

    Confidential sites are left out: distances to the nearest partner and the map's opening centre are
    shown to anyone who enters a place, and must not help anyone locate a confidential shelter.
    """
    rows = session.execute(select(Organization.id, Organization.latitude, Organization.longitude).where(
        Organization.active.is_(True), Organization.confidential.is_(False),
        Organization.latitude.is_not(None), Organization.longitude.is_not(None)))
    return np.array([(lat, lon) for org_id, lat, lon in rows if org_id != exclude_id], dtype=float).reshape(-1, 2)


def km_outside_area(points: np.ndarray, latitude: float, longitude: float, service_area_km: float) -> float | None:
    """The distance in km to the nearest partner site when it exceeds ``service_area_km``, else None.

    An empty network has no service area yet: nothing is far. Vectorised, because an import checks
    every row against every site.
    """
    if len(points) == 0:
        return None
    lat1, lat2 = np.radians(latitude), np.radians(points[:, 0])
    half_dlat, half_dlon = (lat2 - lat1) / 2, np.radians(points[:, 1] - longitude) / 2
    a = np.sin(half_dlat) ** 2 + np.cos(lat1) * np.cos(lat2) * np.sin(half_dlon) ** 2
    nearest = float(2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.minimum(1.0, a))).min())
    return nearest if nearest > service_area_km else None


def network_center(session: Session) -> tuple[float, float] | None:
    """Where the map opens before a pin is placed: the mean of the partner sites, or None without any."""
    points = network_points(session)
    if len(points) == 0:
        return None
    return float(points[:, 0].mean()), float(points[:, 1].mean())


@dataclass(frozen=True)
class PlaceInput:
    """What a person gave for a place: the address, maybe coordinates (typed or from the pin), maybe a choice."""

    address: str
    latitude: float | None = None
    longitude: float | None = None
    far_confirmed: bool = False


def resolve_place(session: Session, settings: GeocoderSettings, place: PlaceInput,
                  exclude_id: int | None = None) -> tuple[float | None, float | None]:
    """The point to save for a place: the given coordinates, else the address geocoded.

    With neither coordinates nor a configured geocoder the place keeps its address alone
    (None, None). Raises the errors of ``locate`` (the geocoder is asked only when no point
    was given), ValidationError (``latitude``) for half or impossible coordinates, and
    ValidationError (``far_confirmed``) for a point farther than the service area from every
    partner unless ``far_confirmed``.
    """
    latitude, longitude = place.latitude, place.longitude
    if (latitude is None) != (longitude is None):
        raise ValidationError("Give both latitude and longitude, or neither.",
                              {"latitude": "Give both latitude and longitude, or neither."})
    if latitude is None:
        if not place.address.strip() or not settings.configured:
            return None, None
        match = locate(session, settings, place.address)
        latitude, longitude = match.latitude, match.longitude
    if not _valid_point(latitude, longitude):
        raise ValidationError("These coordinates are not on Earth.",
                              {"latitude": "Latitude between -90 and 90, longitude between -180 and 180."})
    far = None if place.far_confirmed else km_outside_area(
        network_points(session, exclude_id), latitude, longitude, settings.service_area_km)
    if far is not None:
        message = (f"This point is {far:,.0f} km from the nearest partner, outside the coalition's area: "
                   "check the pin, or confirm it is right.")
        raise ValidationError(message, {"far_confirmed": message})
    return latitude, longitude
