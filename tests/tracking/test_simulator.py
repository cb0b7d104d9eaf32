"""The simulator: trips follow the route at its speed; a real run through the public API
stores what it says it stored, goes through tunnels with backfill and sends bad fixes that
are rejected and counted."""

from __future__ import annotations

import itertools
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, text

from routing import LonLat, Region
from routing.geo import haversine_m
from tests.live_server import live_server
from tests.waiting import wait_until
from tracking.trip import Trip


def test_a_trip_goes_from_start_to_end_at_the_route_speed(demo: Region) -> None:
    post, hospital = demo.posts[0], demo.hospitals[0]
    route = demo.route(post.location, hospital.location)
    coords = [(float(c[0]), float(c[1])) for c in route.geometry.coords]
    trip = Trip(coords, route.travel_time_s)
    start, _ = trip.at(0)
    end, _ = trip.at(trip.duration_s + 10)
    assert haversine_m(start, LonLat(*coords[0])) < 1 and haversine_m(end, LonLat(*coords[-1])) < 1
    _, heading = trip.at(trip.duration_s / 2)
    assert 0 <= heading < 360
    # Every step of one second moves at most the average speed (never a jump).
    steps = [trip.at(t)[0] for t in range(int(trip.duration_s))]
    moved = [haversine_m(a, b) for a, b in itertools.pairwise(steps)]
    assert max(moved) <= trip.speed_mps * 1.01
    assert trip.speed_mps == pytest.approx(route.length_m / route.travel_time_s, rel=0.05)


def service_settings(demo_dir: Path, tmp_path: Path) -> tuple[dict[str, str], Path]:
    """A service's settings on its own SQLite database, and that database's file."""
    database = tmp_path / "satria.db"
    return {
        "SATRIA_DATABASE_URL": f"sqlite:///{database}",
        "SATRIA_DATA_DIR": str(tmp_path / "var"),
        "SATRIA_REGIONS_DIR": str(demo_dir.parent),
    }, database


def simulated(demo_dir: Path, tmp_path: Path, *options: str) -> tuple[dict[str, Any], Path]:
    """A `satria simulate` run against a live server: its printed statistics and database."""
    settings, database = service_settings(demo_dir, tmp_path)
    with live_server(settings, tmp_path / "serve.log") as server:
        run = subprocess.run(
            [sys.executable, "-m", "app.cli", "simulate", "--url", server.url, *options],
            env=server.env, capture_output=True, text=True, timeout=180, check=True,
        )  # fmt: skip
    stats: dict[str, Any] = json.loads(run.stdout[run.stdout.index("{") :])
    return stats, database


def scalar(database: Path, sql: str) -> Any:
    engine = create_engine(f"sqlite:///{database}")
    try:
        with engine.connect() as connection:
            return connection.execute(text(sql)).scalar_one()
    finally:
        engine.dispose()


def test_a_simulated_run_is_stored_as_it_says(demo_dir: Path, tmp_path: Path) -> None:
    stats, database = simulated(
        demo_dir, tmp_path, "--ambulances", "4", "--rate", "4", "--duration", "14",
        "--tunnel-every", "4", "--tunnel-s", "2", "--bad-fix-share", "0.1", "--refuse-share", "0",
    )  # fmt: skip
    assert stats["errors"] == {}, stats
    assert stats["missions_started"] == 4  # a call taken, dispatched and referred per crew
    assert stats["tunnels"] >= 1 and stats["backfilled"] >= 1
    assert stats["bad_fixes_sent"] >= 1 and sum(stats["rejected"].values()) >= 1
    stored = scalar(database, "SELECT count(*) FROM gpsfix")
    rejected = scalar(database, "SELECT sum(count) FROM fixrejections")
    assert scalar(database, "SELECT count(*) FROM dispatch WHERE accepted") == 4  # the crew route
    assert scalar(database, "SELECT count(*) FROM careentry") == stats["vitals_recorded"]
    assert stored == stats["fixes_stored"] > 0
    assert rejected >= sum(stats["rejected"].values())
    assert scalar(database, "SELECT count(*) FROM call") == 4
    # Every fix sent was answered: stored, a duplicate, or rejected with a reason.
    answered = stats["fixes_stored"] + stats["duplicates"] + sum(stats["rejected"].values())
    assert answered == stats["fixes_sent"]


def test_simulated_crews_refuse_through_the_crew_route(demo_dir: Path, tmp_path: Path) -> None:
    stats, database = simulated(
        demo_dir, tmp_path, "--ambulances", "3", "--rate", "2", "--duration", "6",
        "--tunnel-every", "0", "--refuse-share", "1",
    )  # fmt: skip
    assert stats["errors"] == {}, stats
    assert stats["refusals"] == 3 and stats["missions_started"] == 0
    assert scalar(database, "SELECT count(*) FROM auditevent WHERE action = 'call.refused'") == 3


def test_a_simulation_told_to_stop_says_what_it_stored(demo_dir: Path, tmp_path: Path) -> None:
    """SIGTERM ends a run as its duration would: each crew stops after the answer it waits
    for, and the statistics printed are what the database holds."""
    settings, database = service_settings(demo_dir, tmp_path)
    with live_server(settings, tmp_path / "serve.log") as server:
        run = subprocess.Popen(
            [sys.executable, "-m", "app.cli", "simulate", "--url", server.url,
             "--ambulances", "3", "--rate", "4", "--duration", "600", "--tunnel-every", "0"],
            env=server.env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )  # fmt: skip
        try:
            fixes = "SELECT count(*) FROM gpsfix"
            wait_until(lambda: scalar(database, fixes) >= 20, "20 fixes stored", timeout_s=60)
            run.terminate()
            out, err = run.communicate(timeout=60)
        finally:
            run.kill()
    assert run.returncode == 0, err
    stats = json.loads(out[out.index("{") :])
    assert stats["errors"] == {}, stats
    assert scalar(database, "SELECT count(*) FROM gpsfix") == stats["fixes_stored"] >= 20
