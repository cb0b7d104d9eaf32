"""Time-of-day speed profiles: which period of the week it is, and each road class's speed
factor in it (data/taxonomy/speed_profiles.toml, or one fitted with `satria speeds fit`)."""

from __future__ import annotations

import tomllib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import numpy as np

from routing.errors import TaxonomyError
from routing.network import FloatArray

DEFAULT_PROFILE_PATH = (
    Path(__file__).resolve().parent.parent / "data" / "taxonomy" / "speed_profiles.toml"
)
DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
HOURS_PER_WEEK = 7 * 24
FREE_FLOW = "free flow"


@dataclass(frozen=True)
class Period:
    """Hours of the week with their own speeds: a factor on the typical speed per road class."""

    name: str
    hours_of_week: frozenset[int]  # 0 = Monday 00:00-00:59 local time
    speed_factors: dict[str, float]  # road class -> factor on the speed (0.5: half as fast)


@dataclass(frozen=True)
class SpeedProfile:
    """Speed factors by hour of the week in a time zone; hours in no period run free flow."""

    timezone: ZoneInfo
    periods: tuple[Period, ...]
    source: str = ""

    @classmethod
    def load(cls, path: Path = DEFAULT_PROFILE_PATH) -> SpeedProfile:
        """Read and check a profile (see data/taxonomy/speed_profiles.toml)."""
        try:
            raw = tomllib.loads(path.read_text(encoding="utf-8"))
            return cls.from_dict(raw, source=str(path))
        except (OSError, tomllib.TOMLDecodeError) as exc:
            msg = f"{path}: unreadable speed profile ({exc})"
            raise TaxonomyError(msg) from exc
        except TaxonomyError as exc:
            msg = f"{path}: {exc}"
            raise TaxonomyError(msg) from exc

    @classmethod
    def from_dict(cls, raw: dict[str, object], *, source: str = "") -> SpeedProfile:
        """A profile from plain data: ``timezone`` and a list of ``period`` tables."""
        try:
            zone = ZoneInfo(str(raw.get("timezone", "Asia/Jakarta")))
        except (ZoneInfoNotFoundError, ValueError) as exc:
            msg = f"unknown time zone ({exc})"
            raise TaxonomyError(msg) from exc
        periods = []
        seen: dict[int, str] = {}
        rows = raw.get("period", [])
        if not isinstance(rows, list):
            msg = "`period` must be a list of tables"
            raise TaxonomyError(msg)
        for row in rows:
            period = _period(row)
            for hour in period.hours_of_week:
                if hour in seen:
                    msg = f"periods {seen[hour]!r} and {period.name!r} overlap ({_hour_name(hour)})"
                    raise TaxonomyError(msg)
                seen[hour] = period.name
            periods.append(period)
        return cls(zone, tuple(periods), source)

    def period_at(self, when: datetime) -> Period | None:
        """The period in force at ``when`` (aware; naive means UTC), or None: free flow."""
        hour = hour_of_week(when, self.timezone)
        return next((p for p in self.periods if hour in p.hours_of_week), None)

    def factors(self, road_classes: Sequence[str], when: datetime) -> tuple[str, FloatArray]:
        """The period's name and its speed factor per road class index."""
        period = self.period_at(when)
        if period is None:
            return FREE_FLOW, np.ones(len(road_classes))
        return period.name, np.array([period.speed_factors.get(c, 1.0) for c in road_classes])

    def next_change(self, when: datetime) -> datetime:
        """The start of the next hour whose period differs from the one at ``when`` (UTC)."""
        current = self.period_at(when)
        start = _utc(when).replace(minute=0, second=0, microsecond=0)
        for step in range(1, HOURS_PER_WEEK + 1):
            candidate = start + timedelta(hours=step)
            if self.period_at(candidate) is not current:
                return candidate
        return start + timedelta(days=7)  # one period all week (or none): nothing changes

    def describe(self) -> list[dict[str, object]]:
        """The periods as plain data, for people and the API."""
        return [
            {"name": p.name, "hours": _ranges(p.hours_of_week), "speed_factors": p.speed_factors}
            for p in self.periods
        ]


def hour_of_week(when: datetime, zone: ZoneInfo) -> int:
    """0 for Monday 00:00-00:59 local time, 167 for Sunday 23:00-23:59."""
    local = _utc(when).astimezone(zone)
    return local.weekday() * 24 + local.hour


def _utc(when: datetime) -> datetime:
    return when.replace(tzinfo=UTC) if when.tzinfo is None else when.astimezone(UTC)


def _period(row: object) -> Period:
    if not isinstance(row, dict):
        msg = "every period must be a table"
        raise TaxonomyError(msg)
    name = str(row.get("name", "?"))
    days = row.get("days", list(DAYS))
    hours = row.get("hours", [])
    factors = row.get("speed_factors", {})
    if not isinstance(days, list) or any(d not in DAYS for d in days):
        msg = f"period {name!r}: days must be among {', '.join(DAYS)}"
        raise TaxonomyError(msg)
    if not isinstance(hours, list) or not hours or any(h not in range(24) for h in hours):
        msg = f"period {name!r}: hours must be a non-empty list of 0..23"
        raise TaxonomyError(msg)
    if not isinstance(factors, dict) or not factors:
        msg = f"period {name!r}: speed_factors must name at least one road class"
        raise TaxonomyError(msg)
    speed_factors = {str(k): float(v) for k, v in factors.items()}
    bad = {k: v for k, v in speed_factors.items() if not 0.1 <= v <= 2.0}
    if bad:
        msg = f"period {name!r}: speed factors must lie in [0.1, 2.0]: {bad}"
        raise TaxonomyError(msg)
    week = frozenset(DAYS.index(d) * 24 + h for d in days for h in hours)
    return Period(name, week, speed_factors)


def _hour_name(hour: int) -> str:
    return f"{DAYS[hour // 24]} {hour % 24:02d}:00"


def _ranges(hours: Iterable[int]) -> list[str]:
    """Hours of the week as readable runs: 'mon 06:00-08:00'."""
    runs: list[list[int]] = []
    for h in sorted(hours):
        if runs and h == runs[-1][-1] + 1 and h // 24 == runs[-1][0] // 24:
            runs[-1].append(h)
        else:
            runs.append([h])
    return [f"{_hour_name(r[0])}-{(r[-1] % 24) + 1:02d}:00" for r in runs]
