"""Straight-line distance between sites, for sorting supply and choosing whom to notify."""
from __future__ import annotations

import math

EARTH_RADIUS_KM = 6371.0088


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in kilometres between two WGS84 points."""
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    dphi, dlmb = phi2 - phi1, math.radians(lon2 - lon1)
    a = math.sin(dphi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(dlmb / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(math.sqrt(min(1.0, a)))


def km_between(a, b) -> float | None:
    """Distance between two objects with latitude/longitude, or None when either has no location."""
    if a is None or b is None or a.latitude is None or b.latitude is None:
        return None
    return haversine_km(a.latitude, a.longitude, b.latitude, b.longitude)
