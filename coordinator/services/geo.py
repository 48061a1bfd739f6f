"""Distances on the WGS-84 ellipsoid and the geofence rule for check-ins."""

from __future__ import annotations

import math

from geopy.distance import geodesic

EARTH_RADIUS_M = 6_371_008.8
# One instance measures every pair (WGS-84; it returns kilometres): building a `geodesic` per
# pair costs more than the distance itself.
_WGS84 = geodesic()


def distance_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Geodesic distance in metres (geopy, WGS-84): exact enough for a fence of tens of metres."""
    return _WGS84.measure((lat1, lon1), (lat2, lon2)) * 1000.0


def haversine_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in metres: cheaper, for rough checks such as implied speed."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(a)))


def within_fence(distance: float, radius_m: float, accuracy_m: float, *, accuracy_limit_m: float,
                 tolerance_m: float) -> bool:
    """API.md's rule: a usable fix, and inside the radius give or take a bounded accuracy margin."""
    return accuracy_m <= accuracy_limit_m and distance <= radius_m + min(accuracy_m, tolerance_m)


def bearing_deg(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Initial compass bearing from the first point to the second, 0–360° (0 = north)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dl = math.radians(lon2 - lon1)
    x = math.sin(dl) * math.cos(p2)
    y = math.cos(p1) * math.sin(p2) - math.sin(p1) * math.cos(p2) * math.cos(dl)
    return (math.degrees(math.atan2(x, y)) + 360) % 360


def inside_polygon(lat: float, lon: float, polygon) -> bool:
    """Whether a point lies inside a polygon of (lat, lon) pairs (even-odd rule; a warning's
    area spans kilometres, where treating degrees as flat is exact enough)."""
    inside = False
    count = len(polygon)
    for index in range(count):
        lat1, lon1 = polygon[index]
        lat2, lon2 = polygon[(index + 1) % count]
        if (lon1 > lon) != (lon2 > lon):
            crossing = lat1 + (lon - lon1) * (lat2 - lat1) / (lon2 - lon1)
            if lat < crossing:
                inside = not inside
    return inside
