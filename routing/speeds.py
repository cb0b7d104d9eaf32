"""Default speeds per highway class (data/taxonomy/road_speeds.toml)."""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from pathlib import Path

from routing.errors import TaxonomyError

DEFAULT_SPEEDS_PATH = (
    Path(__file__).resolve().parent.parent / "data" / "taxonomy" / "road_speeds.toml"
)
MAX_KMH = 130.0
MIN_TAGGED_KMH = 5.0  # below this a maxspeed is a typo, not a road
KMH_PER_MPH = 1.609344
KMH_PER_KNOT = 1.852
# Implicit limits (maxspeed=CC:zone) in Indonesia, PM Perhubungan 111/2015, km/h.
IMPLICIT_KMH = {
    "ID:urban": 50.0,
    "ID:rural": 80.0,
    "ID:motorway": 100.0,
    "ID:living_street": 20.0,
}
_SPEED = re.compile(r"^\s*(\d+(?:[.,]\d+)?)\s*(km/h|kmh|kph|mph|knots)?\s*$", re.IGNORECASE)


def parse_maxspeed(value: object) -> float | None:
    """A ``maxspeed`` tag in km/h, or None when it gives no number to drive at.

    Numbers with or without a unit (km/h is the default; mph and knots converted); the
    implicit Indonesian zones (``ID:urban``); several values (``30;50`` for parts of the way,
    ``30|50`` per lane): the lowest, since some of the road runs at it. ``none``,
    ``signals``, ``variable``, ``walk`` and anything unreadable or out of range: None.
    """
    if not isinstance(value, str):
        return None
    if value.strip() in IMPLICIT_KMH:
        return IMPLICIT_KMH[value.strip()]
    speeds = []
    for part in re.split(r"[;|]", value):
        match = _SPEED.match(part)
        if match is None:
            continue
        kmh = float(match.group(1).replace(",", "."))
        unit = (match.group(2) or "").lower()
        kmh *= KMH_PER_MPH if unit == "mph" else KMH_PER_KNOT if unit == "knots" else 1.0
        if MIN_TAGGED_KMH <= kmh <= MAX_KMH:
            speeds.append(kmh)
    return min(speeds) if speeds else None


@dataclass(frozen=True)
class SpeedTable:
    """Typical speed per OSM highway class, km/h, with a fallback and a hilly factor."""

    speeds_kmh: dict[str, float]
    fallback_kmh: float
    hilly_factor: float

    @classmethod
    def load(cls, path: Path = DEFAULT_SPEEDS_PATH) -> SpeedTable:
        """Read and check the table: every speed positive and at most 130 km/h."""
        try:
            raw = tomllib.loads(path.read_text(encoding="utf-8"))
            speeds = {str(k): float(v) for k, v in raw["speeds_kmh"].items()}
            table = cls(speeds, float(raw["fallback_kmh"]), float(raw["terrain"]["hilly_factor"]))
        except (OSError, KeyError, TypeError, ValueError, tomllib.TOMLDecodeError) as exc:
            msg = f"{path}: invalid speed table ({exc})"
            raise TaxonomyError(msg) from exc
        bad = {k: v for k, v in speeds.items() if not 0 < v <= MAX_KMH}
        if bad or not 0 < table.fallback_kmh <= MAX_KMH or not 0 < table.hilly_factor <= 1:
            msg = f"{path}: speeds must lie in (0, 130] km/h and the hilly factor in (0, 1]: {bad}"
            raise TaxonomyError(msg)
        return table

    def kmh(self, highway: str) -> float:
        """Speed for a highway class; the fallback for a class not in the table."""
        return self.speeds_kmh.get(highway, self.fallback_kmh)

    def segment_kmh(self, highway: str, maxspeed: object = None) -> float:
        """Speed of one OSM way segment: its ``maxspeed`` where it reads as a number, else
        the class's typical speed."""
        tagged = parse_maxspeed(maxspeed)
        return tagged if tagged is not None else self.kmh(highway)

    @property
    def drivable(self) -> frozenset[str]:
        """Highway classes an ambulance drives on (those with a speed)."""
        return frozenset(self.speeds_kmh)
