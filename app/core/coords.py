"""Conversion between WGS84, GCJ-02 and BD-09 longitude/latitude pairs."""

# Why no library: GCJ-02 is a state-mandated obfuscation of WGS84, not a geodetic datum, so
# PROJ/pyproj cannot express it, and the PyPI ports are small unmaintained copies of the
# same published algorithm. The forward transform below is that algorithm (Krasovsky 1940
# constants, transformlat/transformlon polynomials); BD-09 uses Baidu's published x_pi
# formulas. Reference pairs used in the tests come from the widely copied coordtransform
# implementations (wandergis/coordtransform README: Baidu Tiananmen BD-09 <-> GCJ-02).

from __future__ import annotations

import math
from enum import StrEnum

__all__ = [
    "CoordSys",
    "bd09_to_gcj02",
    "from_wgs84",
    "gcj02_to_bd09",
    "gcj02_to_wgs84",
    "haversine_m",
    "in_china",
    "to_wgs84",
    "validate_lon_lat",
    "wgs84_to_gcj02",
]

_A = 6378245.0  # Krasovsky 1940 semi-major axis, as fixed by the published algorithm
_EE = 0.00669342162296594323  # Krasovsky 1940 first eccentricity squared
_X_PI = math.pi * 3000.0 / 180.0  # Baidu's BD-09 rotation constant
_EARTH_RADIUS_M = 6371008.8  # IUGG mean Earth radius

_INVERSE_TOLERANCE_DEG = 1e-9  # about 0.1 mm; far below anything a phone GPS can resolve
_INVERSE_MAX_ITERATIONS = 30  # converges in ~5 steps; the cap only guards against surprises


class CoordSys(StrEnum):
    """Coordinate systems a client may report a position in."""

    WGS84 = "wgs84"
    GCJ02 = "gcj02"
    BD09 = "bd09"


def validate_lon_lat(lon: float, lat: float) -> None:
    """Raise ValueError naming the bad field when lon/lat is not a finite in-range number."""
    for name, value, limit in (("lon", lon, 180.0), ("lat", lat, 90.0)):
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ValueError(f"{name} must be a number, got {value!r}")
        if not math.isfinite(value):
            raise ValueError(f"{name} must be a finite number, got {value!r}")
        if not -limit <= value <= limit:
            raise ValueError(f"{name} must be between {-limit:g} and {limit:g}, got {value!r}")


def in_china(lon: float, lat: float) -> bool:
    """Rough mainland-China bounding box that decides whether GCJ-02 applies at all."""
    # The conventional coarse box: it includes bits of neighbouring countries, but every
    # published implementation uses it, so matching it matches what the map SDKs produce.
    return 72.004 <= lon <= 137.8347 and 0.8293 <= lat <= 55.8271


def _transform_lat(x: float, y: float) -> float:
    ret = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * math.sqrt(abs(x))
    ret += (20.0 * math.sin(6.0 * x * math.pi) + 20.0 * math.sin(2.0 * x * math.pi)) * 2.0 / 3.0
    ret += (20.0 * math.sin(y * math.pi) + 40.0 * math.sin(y / 3.0 * math.pi)) * 2.0 / 3.0
    ret += (160.0 * math.sin(y / 12.0 * math.pi) + 320 * math.sin(y * math.pi / 30.0)) * 2.0 / 3.0
    return ret


def _transform_lon(x: float, y: float) -> float:
    ret = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * math.sqrt(abs(x))
    ret += (20.0 * math.sin(6.0 * x * math.pi) + 20.0 * math.sin(2.0 * x * math.pi)) * 2.0 / 3.0
    ret += (20.0 * math.sin(x * math.pi) + 40.0 * math.sin(x / 3.0 * math.pi)) * 2.0 / 3.0
    ret += (150.0 * math.sin(x / 12.0 * math.pi) + 300.0 * math.sin(x / 30.0 * math.pi)) * 2.0 / 3.0
    return ret


def _gcj02_offset(lon: float, lat: float) -> tuple[float, float]:
    """Degrees GCJ-02 adds to a WGS84 position (zero outside China)."""
    if not in_china(lon, lat):
        return 0.0, 0.0
    dlat = _transform_lat(lon - 105.0, lat - 35.0)
    dlon = _transform_lon(lon - 105.0, lat - 35.0)
    radlat = lat / 180.0 * math.pi
    magic = 1 - _EE * math.sin(radlat) ** 2
    sqrtmagic = math.sqrt(magic)
    dlat = (dlat * 180.0) / ((_A * (1 - _EE)) / (magic * sqrtmagic) * math.pi)
    dlon = (dlon * 180.0) / (_A / sqrtmagic * math.cos(radlat) * math.pi)
    return dlon, dlat


def wgs84_to_gcj02(lon: float, lat: float) -> tuple[float, float]:
    """Apply the published forward GCJ-02 obfuscation."""
    dlon, dlat = _gcj02_offset(lon, lat)
    return lon + dlon, lat + dlat


def gcj02_to_wgs84(lon: float, lat: float) -> tuple[float, float]:
    """Invert GCJ-02 by fixed-point iteration.

    The usual one-step inverse (subtract the offset computed at the GCJ-02 point) is off by
    up to ~5 m across China; iterating wgs = gcj - offset(wgs) converges to sub-millimetre.
    """
    wlon, wlat = lon, lat
    for _ in range(_INVERSE_MAX_ITERATIONS):
        dlon, dlat = _gcj02_offset(wlon, wlat)
        nlon, nlat = lon - dlon, lat - dlat
        done = (
            abs(nlon - wlon) < _INVERSE_TOLERANCE_DEG and abs(nlat - wlat) < _INVERSE_TOLERANCE_DEG
        )
        wlon, wlat = nlon, nlat
        if done:
            break
    return wlon, wlat


def gcj02_to_bd09(lon: float, lat: float) -> tuple[float, float]:
    """Apply Baidu's BD-09 offset on top of GCJ-02."""
    z = math.sqrt(lon * lon + lat * lat) + 0.00002 * math.sin(lat * _X_PI)
    theta = math.atan2(lat, lon) + 0.000003 * math.cos(lon * _X_PI)
    return z * math.cos(theta) + 0.0065, z * math.sin(theta) + 0.006


def _bd09_to_gcj02_approx(lon: float, lat: float) -> tuple[float, float]:
    """Baidu's published one-step inverse; good to a few tenths of a metre."""
    x = lon - 0.0065
    y = lat - 0.006
    z = math.sqrt(x * x + y * y) - 0.00002 * math.sin(y * _X_PI)
    theta = math.atan2(y, x) - 0.000003 * math.cos(x * _X_PI)
    return z * math.cos(theta), z * math.sin(theta)


def bd09_to_gcj02(lon: float, lat: float) -> tuple[float, float]:
    """Remove Baidu's BD-09 offset, giving GCJ-02.

    The published one-step inverse misses by up to ~0.2 m, so it only seeds a fixed-point
    refinement (g += bd - forward(g)) that makes BD-09 round trips exact to sub-millimetre.
    """
    glon, glat = _bd09_to_gcj02_approx(lon, lat)
    for _ in range(_INVERSE_MAX_ITERATIONS):
        blon, blat = gcj02_to_bd09(glon, glat)
        dlon, dlat = lon - blon, lat - blat
        glon, glat = glon + dlon, glat + dlat
        if abs(dlon) < _INVERSE_TOLERANCE_DEG and abs(dlat) < _INVERSE_TOLERANCE_DEG:
            break
    return glon, glat


def to_wgs84(lon: float, lat: float, coord_sys: str | CoordSys) -> tuple[float, float]:
    """Convert a position in coord_sys to WGS84; raises ValueError for an unknown system."""
    match CoordSys(coord_sys):
        case CoordSys.WGS84:
            return lon, lat
        case CoordSys.GCJ02:
            return gcj02_to_wgs84(lon, lat)
        case CoordSys.BD09:
            return gcj02_to_wgs84(*bd09_to_gcj02(lon, lat))


def from_wgs84(lon: float, lat: float, coord_sys: str | CoordSys) -> tuple[float, float]:
    """Convert a WGS84 position to coord_sys; raises ValueError for an unknown system."""
    match CoordSys(coord_sys):
        case CoordSys.WGS84:
            return lon, lat
        case CoordSys.GCJ02:
            return wgs84_to_gcj02(lon, lat)
        case CoordSys.BD09:
            return gcj02_to_bd09(*wgs84_to_gcj02(lon, lat))


def haversine_m(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    """Great-circle distance in metres on a sphere of the IUGG mean radius."""
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    dphi = phi2 - phi1
    dlmb = math.radians(lon2 - lon1)
    h = math.sin(dphi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(dlmb / 2) ** 2
    return 2 * _EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(h)))
