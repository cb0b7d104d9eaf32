"""The ETA report: an ambulance's stored track against the ETA it was given, and the tracks
as trips for `satria speeds fit`."""

from __future__ import annotations

import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import numpy as np
import pytest
from sqlmodel import Session, select

from app.core.db import make_engine
from app.models import Dispatch, GpsFix, utcnow
from app.services.eta_report import errors_by_period, trips
from routing import LonLat, Region
from routing.geo import haversine_m
from routing.speed_fit import read_trips
from routing.speed_profile import SpeedProfile
from tests.app.conftest import SECRET, running_service

SCENE = {"lon": 109.233, "lat": -7.39}


def send_and_drive(database_url: str, region: Region, tmp_path: Path, taken_s: float) -> float:
    """A call, the recommended ambulance sent, and its track arriving ``taken_s`` after it
    moves off. Returns the ETA it was given."""
    with running_service(database_url, tmp_path, region) as service:
        call = service.call(**SCENE)["call"]
        sent = service.client.post(
            f"/api/calls/{call['id']}/dispatch", json={}, headers=service.auth("operator")
        )
        assert sent.status_code == 200, sent.text
        with Session(service.app.state.engine) as session:
            dispatch = session.exec(select(Dispatch)).one()
            # A straight track from 5 km west: 20 fixes 263 m apart, the last at the scene.
            moved_off = dispatch.assigned_at + timedelta(seconds=40)
            for share in np.linspace(0, 1, 20):
                session.add(GpsFix(
                    ambulance_id=dispatch.ambulance_id,
                    fix_time=moved_off + timedelta(seconds=float(share * taken_s)),
                    lon=SCENE["lon"] - 0.045 * (1 - float(share)), lat=SCENE["lat"],
                ))  # fmt: skip
            session.commit()
            assert dispatch.eta_s is not None
            return float(dispatch.eta_s)


def test_the_track_is_compared_with_the_eta_given(
    database_url: str, demo: Region, tmp_path: Path
) -> None:
    given = send_and_drive(database_url, demo, tmp_path, taken_s=900.0)
    engine = make_engine(database_url)
    with Session(engine) as session:
        far = timedelta(days=1)
        records, unmatched = trips(session, since=utcnow() - far, until=utcnow() + far)
    engine.dispose()
    assert unmatched == 0 and len(records) == 1
    record = records[0]
    assert record.taken_s == pytest.approx(900.0)
    assert record.given_eta_s == pytest.approx(given)
    assert record.error == pytest.approx((900.0 - given) / given)
    assert haversine_m(record.destination, LonLat(**SCENE)) < 1
    rows = errors_by_period(records, SpeedProfile.load())
    assert rows[-1].period == "all" and rows[-1].trips == 1


def test_the_cli_prints_the_errors_and_writes_trips_for_the_fit(
    demo: Region, demo_dir: Path, tmp_path: Path
) -> None:
    url = f"sqlite:///{tmp_path / 'satria.db'}"
    send_and_drive(url, demo, tmp_path, taken_s=600.0)
    out = tmp_path / "trips.csv"
    result = subprocess.run(
        [sys.executable, "-m", "app.cli", "eta-report", "--trips-out", str(out)],
        capture_output=True, text=True, timeout=300, check=False,
        env={"SATRIA_REGIONS_DIR": str(demo_dir.parent), "SATRIA_DATA_DIR": str(tmp_path),
             "SATRIA_DATABASE_URL": url, "SATRIA_SECRET_KEY": SECRET, "COLUMNS": "140",
             "PATH": "/usr/bin:/bin"},
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-2000:]
    assert "1 dispatches with a track" in result.stdout and "all" in result.stdout
    observed, bad = read_trips(out)
    assert bad == 0 and len(observed) == 1 and observed[0].duration_s == 600.0
