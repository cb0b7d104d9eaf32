"""Speed factors fitted to observed trips recover the factors the trips were made with."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pytest

from routing import LonLat, Region
from routing.speed_fit import Trip, fit_profile, read_trips, write_profile
from routing.speed_profile import SpeedProfile

MONDAY_0000_WIB = datetime(2026, 11, 22, 17, 0, tzinfo=UTC)


def observed_trips(region: Region, truth: SpeedProfile, hours: dict[int, int]) -> list[Trip]:
    """Trips timed on the roads ``truth`` describes, with 5% noise, on weekdays."""
    rng = np.random.default_rng(11)
    network = region.network
    trips = []
    for hour, count in hours.items():
        when = MONDAY_0000_WIB + timedelta(hours=hour, minutes=20)
        view = region.view_at(when) if truth is region.profile else None
        for i in range(count):
            a, b = rng.integers(0, network.node_count, size=2)
            origin = LonLat(float(network.node_lon[a]), float(network.node_lat[a]))
            destination = LonLat(float(network.node_lon[b]), float(network.node_lat[b]))
            route = region.route(origin, destination)
            seconds = route.travel_time_s
            if view is not None:
                edges = np.asarray(route.edges)
                seconds = float((view.network.travel_time_s[edges]).sum()) * (
                    seconds / float(network.travel_time_s[edges].sum())
                )
            day = timedelta(days=int(i % 5))  # Monday to Friday
            trips.append(Trip(when + day, origin, destination,
                              seconds * float(rng.normal(1.0, 0.05))))  # fmt: skip
    return trips


def test_the_fit_recovers_rush_hour_and_night_factors(demo_dir: Path, tmp_path: Path) -> None:
    region = Region.load(demo_dir)
    classes = region.network.road_classes
    truth = SpeedProfile.from_dict({"timezone": "Asia/Jakarta", "period": [
        {"name": "rush", "hours": [7], "days": ["mon", "tue", "wed", "thu", "fri"],
         "speed_factors": dict.fromkeys(classes, 0.6)},
        {"name": "night", "hours": [2], "speed_factors": dict.fromkeys(classes, 1.25)},
    ]})  # fmt: skip
    region.profile = truth
    trips = observed_trips(region, truth, {7: 80, 2: 80, 12: 80, 9: 5})
    region.profile = None
    report = fit_profile(region, trips)
    assert report.trips_used == 245 and report.buckets_fitted == 3  # 09:00 has too few
    assert report.error_after < report.error_before and report.error_after < 0.06
    fitted = {p["name"]: p["speed_factors"] for p in report.periods}
    assert set(fitted) == {"fitted weekdays 07:00", "fitted weekdays 02:00"}  # noon is typical
    for name, expected in (("fitted weekdays 07:00", 0.6), ("fitted weekdays 02:00", 1.25)):
        main = {c: f for c, f in fitted[name].items() if c in ("primary", "secondary", "tertiary")}
        assert len(main) >= 2, fitted  # the classes the trips mostly drive on: close
        assert all(f == pytest.approx(expected, abs=0.06) for f in main.values()), fitted
        # Classes with a small share of the time are pulled towards typical speed.
        assert all(f == pytest.approx(expected, abs=0.15) for f in fitted[name].values()), fitted

    path = tmp_path / "fitted.toml"
    write_profile(report, path)
    loaded = SpeedProfile.load(path)
    assert loaded.period_at(MONDAY_0000_WIB + timedelta(hours=7, minutes=30)) is not None


def test_trips_are_read_from_csv_and_bad_rows_counted(tmp_path: Path) -> None:
    path = tmp_path / "trips.csv"
    path.write_text(
        "departed_at,from_lon,from_lat,to_lon,to_lat,duration_s\n"
        "2026-11-23T07:10:00+07:00,109.2,-7.4,109.25,-7.42,600\n"
        "yesterday,109.2,-7.4,109.25,-7.42,600\n"
        "2026-11-23T07:10:00,109.2,-7.4,109.25,-7.42,-5\n"
    )
    trips, bad = read_trips(path)
    assert len(trips) == 1 and bad == 2
    assert trips[0].departed_at == datetime(2026, 11, 23, 0, 10, tzinfo=UTC)
