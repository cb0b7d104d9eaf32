"""Fit time-of-day speed factors to observed trips.

A trip is a departure time, an origin, a destination and the seconds it took. Each trip is
routed at typical speeds, which splits its predicted time by road class: t_c. In a bucket
of hours (weekdays, Saturday or Sunday, at one hour of the day) the observed seconds are
modelled as the sum over classes of t_c times a slowness s_c (1 / speed factor), fitted by
non-negative least squares with a mild pull towards 1. A class with less than a tenth of the
bucket's trip time, and a bucket with too few trips, keep their typical speed: the trips
say too little about them.

The result is a SpeedProfile in the same TOML layout as data/taxonomy/speed_profiles.toml.
"""

from __future__ import annotations

import csv
import math
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np
import tomli_w
from scipy.optimize import nnls

from routing.errors import NoRouteError, RegionPackError, SnapError
from routing.geo import LonLat
from routing.network import FloatArray
from routing.region import Region
from routing.speed_profile import DAYS, SpeedProfile

TRIP_COLUMNS = ("departed_at", "from_lon", "from_lat", "to_lon", "to_lat", "duration_s")
DAY_GROUPS = {"weekdays": DAYS[:5], "saturday": ("sat",), "sunday": ("sun",)}
MIN_TRIPS = 20
PULL = 0.05  # weight of the pull towards typical speed, relative to the trips' own scale
KEEP_WITHIN = 0.07  # factors this close to 1 are noise, not worth a period
MIN_SHARE = 0.1  # a class with less of the bucket's trip time keeps its typical speed


@dataclass(frozen=True)
class Trip:
    """One observed trip."""

    departed_at: datetime
    origin: LonLat
    destination: LonLat
    duration_s: float


@dataclass(frozen=True)
class FitReport:
    """What the fit found and how much better it predicts the trips."""

    profile: SpeedProfile
    periods: tuple[dict[str, object], ...]  # as written to the TOML file
    trips_used: int
    trips_skipped: int
    buckets_fitted: int
    error_before: float  # median absolute relative error of the predictions, typical speeds
    error_after: float  # the same with the fitted factors

    def describe(self) -> str:
        """One paragraph for a person."""
        return (
            f"{self.trips_used} trips used ({self.trips_skipped} skipped: off the roads or "
            f"unreadable), {self.buckets_fitted} hour buckets fitted, "
            f"{len(self.profile.periods)} periods kept; median error of the predicted trip "
            f"time {self.error_before:.1%} at typical speeds, {self.error_after:.1%} fitted"
        )


def read_trips(path: Path) -> tuple[list[Trip], int]:
    """Trips from a CSV file (see TRIP_COLUMNS); rows that cannot be read are counted."""
    trips, bad = [], 0
    with path.open(newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        missing = [c for c in TRIP_COLUMNS if c not in (reader.fieldnames or [])]
        if missing:
            msg = f"{path}: missing columns {missing}"
            raise RegionPackError(msg)
        for row in reader:
            try:
                departed = datetime.fromisoformat(row["departed_at"])
                trip = Trip(
                    departed.replace(tzinfo=UTC) if departed.tzinfo is None else departed,
                    LonLat(float(row["from_lon"]), float(row["from_lat"])),
                    LonLat(float(row["to_lon"]), float(row["to_lat"])),
                    float(row["duration_s"]),
                )
            except (TypeError, ValueError):
                bad += 1
                continue
            if trip.duration_s > 0 and math.isfinite(trip.duration_s):
                trips.append(trip)
            else:
                bad += 1
    return trips, bad


def class_times(region: Region, trip: Trip) -> FloatArray:
    """Seconds of the trip's route on each road class, at the speeds of the region's current
    view (load the region afresh: typical speeds, no closures)."""
    view = region.view
    route = region.route(trip.origin, trip.destination)
    edges = np.asarray(route.edges, dtype=np.int64)
    network = view.network
    seconds = np.bincount(
        network.road_class[edges],
        weights=network.travel_time_s[edges],
        minlength=len(network.road_classes),
    )
    by_class: FloatArray = np.asarray(seconds, dtype=np.float64)
    total = float(by_class.sum())
    # The first and last edges are driven in part: scale to the route's own time.
    if total > 0:
        by_class = by_class * (route.travel_time_s / total)
    return by_class


def fit_profile(
    region: Region,
    trips: Iterable[Trip],
    *,
    timezone: str = "Asia/Jakarta",
    min_trips: int = MIN_TRIPS,
    skipped: int = 0,
) -> FitReport:
    """Fit speed factors per road class and hour bucket (see the module docstring)."""
    zone = ZoneInfo(timezone)
    classes = region.network.road_classes
    rows: dict[tuple[str, int], list[tuple[FloatArray, float]]] = {}
    used = 0
    for trip in trips:
        try:
            times = class_times(region, trip)
        except (SnapError, NoRouteError):
            skipped += 1
            continue
        local = trip.departed_at.astimezone(zone)
        group = next(g for g, days in DAY_GROUPS.items() if DAYS[local.weekday()] in days)
        rows.setdefault((group, local.hour), []).append((times, trip.duration_s))
        used += 1
    periods: list[dict[str, object]] = []
    fitted = 0
    before: list[float] = []
    after: list[float] = []
    for (group, hour), observed in sorted(rows.items()):
        a = np.array([t for t, _ in observed])
        d = np.array([duration for _, duration in observed])
        predicted = a.sum(axis=1)
        before += list(np.abs(predicted - d) / d)
        if len(observed) < min_trips:
            after += list(np.abs(predicted - d) / d)
            continue
        slowness = _fit_bucket(a, d)
        fitted += 1
        after += list(np.abs(a @ slowness - d) / d)
        share = a.sum(axis=0) / a.sum()
        factors = {
            classes[c]: round(float(np.clip(1 / slowness[c], 0.1, 2.0)), 2)
            for c in range(len(classes))
            if share[c] >= MIN_SHARE and abs(1 / slowness[c] - 1) > KEEP_WITHIN
        }
        if factors:
            periods.append(
                {
                    "name": f"fitted {group} {hour:02d}:00",
                    "days": list(DAY_GROUPS[group]),
                    "hours": [hour],
                    "speed_factors": factors,
                }
            )
    profile = SpeedProfile.from_dict(
        {"timezone": timezone, "period": periods}, source=f"fitted to {used} trips"
    )
    return FitReport(
        profile,
        tuple(periods),
        used,
        skipped,
        fitted,
        float(np.median(before)) if before else 0.0,
        float(np.median(after)) if after else 0.0,
    )


def _fit_bucket(a: FloatArray, d: FloatArray) -> FloatArray:
    """Slowness per class: non-negative least squares pulled gently towards 1."""
    classes = a.shape[1]
    scale = math.sqrt(PULL * float((a**2).sum()) / classes)
    design = np.vstack((a, scale * np.eye(classes)))
    target = np.concatenate((d, scale * np.ones(classes)))
    slowness, _ = nnls(design, target)
    # Never faster than twice the typical speed.
    fastest: FloatArray = np.maximum(np.asarray(slowness, dtype=np.float64), 1 / 2.0)
    return fastest


def write_profile(report: FitReport, path: Path) -> None:
    """Write the fitted profile as TOML, with a header saying where it came from."""
    header = (
        f"# Time-of-day speed factors fitted by `satria speeds fit` ({report.describe()}).\n"
        "# Same layout as data/taxonomy/speed_profiles.toml; use it with SATRIA_SPEED_PROFILE.\n\n"
    )
    body = {"timezone": str(report.profile.timezone.key), "period": list(report.periods)}
    path.write_text(header + tomli_w.dumps(body), encoding="utf-8")
