"""GPS fixes from ambulance crews: what a fix is, and which ones to keep.

In the spirit of Traccar's filters, each fix is judged against the region and against the
fix before it (in fix-time order):

- rejected: coordinates out of range, far outside the region, fix time in the future beyond a
  small clock skew, fix time too old to matter, the same fix time as a stored fix (a replay);
- kept but flagged: an implied speed from the previous good fix that no ambulance can drive
  (an outlier: stored, never used for position or ETA), a low accuracy (used, marked).

The rules are pure functions of their inputs, so the service and the tests judge alike.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum

from routing.geo import BBox, LonLat, haversine_m


class Rejection(StrEnum):
    """Why a fix was not stored (stable codes, counted per ambulance)."""

    OUT_OF_RANGE = "out_of_range"
    OUTSIDE_REGION = "outside_region"
    FUTURE = "future"
    TOO_OLD = "too_old"
    DUPLICATE = "duplicate"
    BAD_TIME = "bad_time"  # no time zone, or a year no clock gives
    UNSTORABLE = "unstorable"  # the database refused this fix alone (logged: a defect)


class Flag(StrEnum):
    """What is doubtful about a stored fix."""

    OUTLIER = "implied_speed"  # kept out of position and ETA
    LOW_ACCURACY = "low_accuracy"


@dataclass(frozen=True)
class Fix:
    """One GPS position: lon, lat in degrees; fix time (UTC, the device's clock); speed in
    m/s, heading in degrees from north, accuracy radius in metres, each when known."""

    lon: float
    lat: float
    fix_time: datetime
    speed_mps: float | None = None
    heading_deg: float | None = None
    accuracy_m: float | None = None

    @property
    def point(self) -> LonLat:
        """The position."""
        return LonLat(self.lon, self.lat)


@dataclass(frozen=True, slots=True)
class StoredFix:
    """A usable fix as stored for an ambulance: where it is, for its ETA and the feeds."""

    ambulance_id: str
    fix: Fix
    low_accuracy: bool = False


@dataclass(frozen=True)
class FilterRules:
    """Thresholds of the filters (documented defaults)."""

    region_margin_m: float = 5_000.0  # a crew may cross the border to a hospital next door
    max_future_s: float = 30.0  # phones' clocks drift; more than this is a wrong clock
    max_age_s: float = 24 * 3600.0  # an offline buffer older than a day is not tracking
    max_speed_mps: float = 200 / 3.6  # no ambulance drives faster than 200 km/h
    low_accuracy_m: float = 100.0  # beyond this the position is marked, not trusted blindly


@dataclass(frozen=True)
class Verdict:
    """The judgement on one fix: rejected (with a reason) or kept (with flags)."""

    rejection: Rejection | None = None
    flags: frozenset[Flag] = field(default_factory=frozenset)
    detail: str = ""

    @property
    def kept(self) -> bool:
        """True when the fix is stored."""
        return self.rejection is None

    @property
    def usable(self) -> bool:
        """True when the fix may move the ambulance on the map and drive its ETA."""
        return self.kept and Flag.OUTLIER not in self.flags


# A fix time outside these is no clock's reading (and some cannot even be converted to UTC).
EARLIEST_FIX = datetime(2000, 1, 1, tzinfo=UTC)
LATEST_FIX = datetime(2100, 1, 1, tzinfo=UTC)


def readable_time(when: datetime) -> bool:
    """Whether a fix time can be judged and stored: it has a zone and a plausible year."""
    if when.tzinfo is None or when.utcoffset() is None:
        return False
    try:
        return EARLIEST_FIX <= when.astimezone(UTC) < LATEST_FIX
    except OverflowError:  # year 1 at +14:00, year 9999 at -12:00
        return False


def judge(
    fix: Fix,
    *,
    previous: Fix | None,
    bbox: BBox,
    now: datetime,
    rules: FilterRules = FilterRules(),
) -> Verdict:
    """Judge one fix; ``previous`` is the last usable fix before it in fix time (if any)."""
    if not readable_time(fix.fix_time):
        return Verdict(Rejection.BAD_TIME, detail="fix time without a zone, or out of range")
    if not (-180.0 <= fix.lon <= 180.0 and -90.0 <= fix.lat <= 90.0) or not (
        math.isfinite(fix.lon) and math.isfinite(fix.lat)
    ):
        return Verdict(Rejection.OUT_OF_RANGE, detail="lon/lat out of range")
    if _outside(fix.point, bbox, rules.region_margin_m):
        return Verdict(Rejection.OUTSIDE_REGION, detail="far outside the region")
    age_s = (now - fix.fix_time).total_seconds()
    if age_s < -rules.max_future_s:
        return Verdict(Rejection.FUTURE, detail=f"fix time {-age_s:.0f} s in the future")
    if age_s > rules.max_age_s:
        return Verdict(Rejection.TOO_OLD, detail=f"fix time {age_s / 3600:.0f} h old")
    flags = set()
    detail = ""
    if fix.accuracy_m is not None and fix.accuracy_m > rules.low_accuracy_m:
        flags.add(Flag.LOW_ACCURACY)
    if previous is not None:
        elapsed_s = abs((fix.fix_time - previous.fix_time).total_seconds())
        distance_m = haversine_m(previous.point, fix.point)
        if elapsed_s == 0 and distance_m > 0:
            flags.add(Flag.OUTLIER)
            detail = "a different position at the same time"
        elif elapsed_s > 0 and distance_m / elapsed_s > rules.max_speed_mps:
            flags.add(Flag.OUTLIER)
            detail = f"implied speed {distance_m / elapsed_s * 3.6:.0f} km/h"
    return Verdict(None, frozenset(flags), detail)


def _outside(point: LonLat, bbox: BBox, margin_m: float) -> bool:
    """True when the point lies more than ``margin_m`` outside the box."""
    dlat = margin_m / 111_320.0
    dlon = dlat / max(math.cos(math.radians(point.lat)), 0.01)
    return not (
        bbox.min_lon - dlon <= point.lon <= bbox.max_lon + dlon
        and bbox.min_lat - dlat <= point.lat <= bbox.max_lat + dlat
    )
