"""A trip along a route, driven at the route's own average speed: where the ambulance is
after so many seconds, and its heading."""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence

from routing import LonLat
from routing.geo import haversine_m


class Trip:
    """A route driven at its own average speed: where the ambulance is after ``t`` seconds."""

    def __init__(self, coords: Sequence[tuple[float, float]], travel_time_s: float) -> None:
        self.coords = [LonLat(lon, lat) for lon, lat in coords]
        lengths = [haversine_m(a, b) for a, b in itertools.pairwise(self.coords)]
        total = sum(lengths) or 1.0
        self.duration_s = max(travel_time_s, 1.0)
        self.speed_mps = total / self.duration_s
        self._ends_s: list[float] = []
        elapsed = 0.0
        for length in lengths:
            elapsed += length / self.speed_mps
            self._ends_s.append(elapsed)

    def at(self, t_s: float) -> tuple[LonLat, float]:
        """Position and heading (degrees) ``t_s`` seconds after departure."""
        if not self._ends_s:
            return self.coords[0], 0.0
        start_s = 0.0
        for i, end_s in enumerate(self._ends_s):
            if t_s <= end_s or i == len(self._ends_s) - 1:
                a, b = self.coords[i], self.coords[i + 1]
                f = min(max((t_s - start_s) / max(end_s - start_s, 1e-9), 0.0), 1.0)
                here = LonLat(a.lon + (b.lon - a.lon) * f, a.lat + (b.lat - a.lat) * f)
                return here, heading_deg(a, b)
            start_s = end_s
        return self.coords[-1], 0.0


def heading_deg(a: LonLat, b: LonLat) -> float:
    """The compass heading from ``a`` to ``b``, degrees from north (0.1 degree)."""
    dx = (b.lon - a.lon) * math.cos(math.radians(a.lat))
    dy = b.lat - a.lat
    return round(math.degrees(math.atan2(dx, dy)) % 360.0, 1)
