"""Coordinates: (lon, lat) in degrees, WGS 84; local metric projection for short distances."""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cached_property
from typing import NamedTuple

import numpy as np
import numpy.typing as npt

EARTH_RADIUS_M = 6_371_008.8  # mean Earth radius (IUGG), metres

FloatArray = npt.NDArray[np.float64]


class LonLat(NamedTuple):
    """A point in degrees: longitude first, as in GeoJSON and shapely."""

    lon: float
    lat: float

    def is_valid(self) -> bool:
        """True when both values are finite and within the WGS 84 ranges."""
        return (
            math.isfinite(self.lon)
            and math.isfinite(self.lat)
            and -180.0 <= self.lon <= 180.0
            and -90.0 <= self.lat <= 90.0
        )


class BBox(NamedTuple):
    """A bounding box in degrees: (min_lon, min_lat, max_lon, max_lat)."""

    min_lon: float
    min_lat: float
    max_lon: float
    max_lat: float

    def contains(self, point: LonLat) -> bool:
        """True when the point lies inside the box or on its edge."""
        return (
            self.min_lon <= point.lon <= self.max_lon and self.min_lat <= point.lat <= self.max_lat
        )

    @property
    def centre(self) -> LonLat:
        """The centre of the box."""
        return LonLat((self.min_lon + self.max_lon) / 2, (self.min_lat + self.max_lat) / 2)


def haversine_m(a: LonLat, b: LonLat) -> float:
    """Great-circle distance between two points, metres."""
    lon1, lat1, lon2, lat2 = map(math.radians, (a.lon, a.lat, b.lon, b.lat))
    h = (
        math.sin((lat2 - lat1) / 2) ** 2
        + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    )
    return 2 * EARTH_RADIUS_M * math.asin(math.sqrt(h))


def haversine_m_arrays(
    lon1: FloatArray, lat1: FloatArray, lon2: FloatArray, lat2: FloatArray
) -> FloatArray:
    """Great-circle distances between paired points given as arrays of degrees, metres."""
    lon1, lat1, lon2, lat2 = (np.radians(v) for v in (lon1, lat1, lon2, lat2))
    h = (
        np.sin((lat2 - lat1) / 2) ** 2
        + np.cos(lat1) * np.cos(lat2) * np.sin((lon2 - lon1) / 2) ** 2
    )
    distance: FloatArray = 2 * EARTH_RADIUS_M * np.arcsin(np.sqrt(h))
    return distance


@dataclass(frozen=True)
class LocalProjection:
    """Equirectangular projection around an origin, in metres east and north.

    Over a regency (tens of kilometres) near the equator its distance error is far below
    GPS noise, and it is a handful of multiplications: the right tool for snapping.
    """

    origin: LonLat

    @cached_property
    def _m_per_deg_lat(self) -> float:
        return math.radians(1.0) * EARTH_RADIUS_M

    @cached_property
    def _m_per_deg_lon(self) -> float:
        return self._m_per_deg_lat * math.cos(math.radians(self.origin.lat))

    def to_xy(self, lon: FloatArray, lat: FloatArray) -> tuple[FloatArray, FloatArray]:
        """Degrees to metres east and north of the origin."""
        x = (np.asarray(lon, dtype=np.float64) - self.origin.lon) * self._m_per_deg_lon
        y = (np.asarray(lat, dtype=np.float64) - self.origin.lat) * self._m_per_deg_lat
        return x, y

    def point_to_xy(self, point: LonLat) -> tuple[float, float]:
        """One point in degrees to metres east and north of the origin."""
        return (
            (point.lon - self.origin.lon) * self._m_per_deg_lon,
            (point.lat - self.origin.lat) * self._m_per_deg_lat,
        )

    def point_to_lonlat(self, x: float, y: float) -> LonLat:
        """Metres east and north of the origin to one point in degrees."""
        return LonLat(
            x / self._m_per_deg_lon + self.origin.lon, y / self._m_per_deg_lat + self.origin.lat
        )

    def to_lonlat(self, x: FloatArray, y: FloatArray) -> tuple[FloatArray, FloatArray]:
        """Metres east and north of the origin to degrees."""
        lon = np.asarray(x, dtype=np.float64) / self._m_per_deg_lon + self.origin.lon
        lat = np.asarray(y, dtype=np.float64) / self._m_per_deg_lat + self.origin.lat
        return lon, lat
