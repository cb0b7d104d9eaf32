"""The synthetic demo region's geography: extent, river, bridges, hills and towns.

Everything is in metres east and north of the region's centre. Laid out like Kabupaten
Banyumas in broad strokes (a big town north of a river that few bridges cross, hills to the
north, market towns around), but every road, name and number is invented.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from routing.geo import BBox, FloatArray, LocalProjection, LonLat

CENTRE = LonLat(109.22, -7.45)
WIDTH_M = 60_000.0
HEIGHT_M = 40_000.0
BRIDGES_X_M = (-22_000.0, -6_500.0, 9_500.0, 23_500.0)
HILLS_CENTRE_M = (-4_000.0, 16_500.0)
HILLS_RADII_M = (21_000.0, 6_500.0)


def river_y(x: FloatArray | float) -> FloatArray:
    """North coordinate of the river's centre line at east coordinate x, metres."""
    x = np.asarray(x, dtype=np.float64)
    return (
        1_200.0
        + 2_300.0 * np.sin(2 * math.pi * (x + 30_000.0) / 26_000.0)
        + 700.0 * np.sin(2 * math.pi * x / 8_300.0 + 1.3)
    )


def river_side(x: FloatArray, y: FloatArray) -> FloatArray:
    """+1 north of the river, -1 south of it."""
    return np.where(np.asarray(y) > river_y(x), 1.0, -1.0)


def in_hills(x: FloatArray, y: FloatArray) -> FloatArray:
    """True inside the slow hilly zone (an ellipse on the northern slopes)."""
    cx, cy = HILLS_CENTRE_M
    rx, ry = HILLS_RADII_M
    return np.asarray(((np.asarray(x) - cx) / rx) ** 2 + ((np.asarray(y) - cy) / ry) ** 2 <= 1.0)


@dataclass(frozen=True)
class Town:
    """A town with a street grid: centre, half side, street spacing, one-way core share."""

    key: str
    name: str
    x: float
    y: float
    half_m: float
    spacing_m: float
    oneway_core: float = 0.0  # share of the half side with one-way streets


def _town(  # noqa: PLR0913 - one row of the synthetic towns' table
    key: str, name: str, x: float, dy: float, half: float, spacing: float, core: float
) -> Town:
    """A town placed ``dy`` metres north (+) or south (-) of the river at x."""
    return Town(key, name, x, float(river_y(x)) + dy, half, spacing, core)


TOWNS: tuple[Town, ...] = (
    _town("purwa", "Kota Purwa", 2_000, 5_900, 3_600, 120, 0.4),
    _town("sokawera", "Sokawera", 3_500, -2_700, 2_000, 110, 0.3),
    _town("kotalama", "Kota Lama", 15_500, -4_500, 2_000, 115, 0.3),
    _town("ajibarang", "Ajibarang Wetan", -20_500, 4_500, 1_800, 115, 0.25),
    _town("wangon", "Wangon Kidul", -24_500, -7_000, 1_600, 115, 0.25),
    _town("sokaraja", "Sokaraja Lor", 14_500, 3_800, 1_700, 115, 0.3),
    _town("patikraja", "Patikraja Tengah", -9_500, 1_900, 1_400, 110, 0.0),
    _town("kebasen", "Kebasen Asri", -10_000, -2_400, 1_300, 110, 0.0),
    _town("cilongok", "Cilongok Baru", -13_000, 10_500, 1_500, 115, 0.0),
    _town("somagede", "Somagede Jaya", 24_500, -6_500, 1_400, 115, 0.0),
    _town("baturaden", "Baturaden Atas", -500, 14_500, 1_000, 110, 0.0),
)

# Arterial roads between town centres: (from, to, OSM class).
ARTERIALS: tuple[tuple[str, str, str], ...] = (
    ("purwa", "sokawera", "trunk"),
    ("purwa", "sokaraja", "trunk"),
    ("sokaraja", "kotalama", "primary"),
    ("kotalama", "somagede", "secondary"),
    ("purwa", "patikraja", "primary"),
    ("patikraja", "kebasen", "secondary"),
    ("patikraja", "ajibarang", "primary"),
    ("ajibarang", "wangon", "primary"),
    ("kebasen", "wangon", "secondary"),
    ("sokawera", "kotalama", "secondary"),
    ("purwa", "baturaden", "secondary"),
    ("purwa", "cilongok", "secondary"),
    ("cilongok", "ajibarang", "secondary"),
    ("sokawera", "kebasen", "secondary"),
)


def town(key: str) -> Town:
    """The town with this key."""
    return next(t for t in TOWNS if t.key == key)


def projection() -> LocalProjection:
    """Metres around the centre <-> degrees."""
    return LocalProjection(CENTRE)


def bbox() -> BBox:
    """The region's box in degrees, with a 500 m margin around the generated roads."""
    proj = projection()
    lon, lat = proj.to_lonlat(
        np.array([-WIDTH_M / 2 - 500, WIDTH_M / 2 + 500]),
        np.array([-HEIGHT_M / 2 - 500, HEIGHT_M / 2 + 500]),
    )
    return BBox(
        round(float(lon[0]), 5),
        round(float(lat[0]), 5),
        round(float(lon[1]), 5),
        round(float(lat[1]), 5),
    )
