"""Default speeds per highway class (data/taxonomy/road_speeds.toml)."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path

from routing.errors import TaxonomyError

DEFAULT_SPEEDS_PATH = (
    Path(__file__).resolve().parent.parent / "data" / "taxonomy" / "road_speeds.toml"
)


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
        bad = {k: v for k, v in speeds.items() if not 0 < v <= 130}
        if bad or not 0 < table.fallback_kmh <= 130 or not 0 < table.hilly_factor <= 1:
            msg = f"{path}: speeds must lie in (0, 130] km/h and the hilly factor in (0, 1]: {bad}"
            raise TaxonomyError(msg)
        return table

    def kmh(self, highway: str) -> float:
        """Speed for a highway class; the fallback for a class not in the table."""
        return self.speeds_kmh.get(highway, self.fallback_kmh)

    @property
    def drivable(self) -> frozenset[str]:
        """Highway classes an ambulance drives on (those with a speed)."""
        return frozenset(self.speeds_kmh)
