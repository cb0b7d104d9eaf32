"""Two `satria serve` processes sharing PostgreSQL and Redis: a crew's fixes sent to worker A
reach the hospital watching on worker B, with a falling ETA, and the arrival at the hospital
moves the call to at hospital."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx2
import pytest
import shapely
from sqlalchemy import create_engine, text
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import ClientConnection, connect

from routing import LonLat, Region
from routing.demo import geography as geo
from tests.app.conftest import POSTGRES_URL, fresh_database
from tests.live_server import LiveServer, live_server
from tests.waiting import wait_until

REDIS_URL = os.environ.get("SATRIA_TEST_REDIS_URL", "")
INCIDENT = LonLat(109.27, -7.40)  # about 6.6 km by road from RSUD Purwa
HOSPITAL = "rsud-purwa"
pytestmark = pytest.mark.skipif(
    not (POSTGRES_URL and REDIS_URL),
    reason="needs SATRIA_TEST_POSTGRES_URL and SATRIA_TEST_REDIS_URL (.ci/run sets both)",
)


@contextmanager
def two_workers(
    demo_dir: Path, tmp_path: Path, **extra: str
) -> Iterator[tuple[str, LiveServer, LiveServer]]:
    """Two `satria serve` processes on one fresh PostgreSQL schema and Redis."""
    with fresh_database("postgresql", tmp_path) as url:
        settings = {
            "SATRIA_DATABASE_URL": url,
            "SATRIA_BROKER_URL": REDIS_URL,
            "SATRIA_DATA_DIR": str(tmp_path / "var"),
            "SATRIA_REGIONS_DIR": str(demo_dir.parent),
            **extra,
        }
        with (
            live_server(settings, tmp_path / "a.log") as worker_a,
            live_server(settings, tmp_path / "b.log") as worker_b,
        ):
            yield url, worker_a, worker_b


def next_of(ws: ClientConnection, kind: str) -> dict[str, Any]:
    """The next feed message of this type (others may come between)."""
    for _ in range(100):
        message: dict[str, Any] = json.loads(ws.recv(timeout=20))
        if message["type"] == kind:
            return message
    msg = f"no {kind} message"
    raise AssertionError(msg)


def test_a_fix_on_one_worker_reaches_a_hospital_on_the_other(
    demo: Region, demo_dir: Path, tmp_path: Path
) -> None:
    with two_workers(demo_dir, tmp_path) as (_url, worker_a, worker_b):
        _drive_to_the_hospital(demo, worker_a, worker_b)


def _drive_to_the_hospital(region: Region, worker_a: LiveServer, worker_b: LiveServer) -> None:
    operator = {"Authorization": f"Bearer {worker_a.create_user('Op', 'operator')}"}
    hospital_key = worker_a.create_user("IGD", "hospital", "--hospital", HOSPITAL)
    with httpx2.Client(base_url=worker_a.url, headers=operator, timeout=30) as api:
        ambulance = api.get("/api/ambulances").json()[0]
        crew_key = worker_a.create_user("Crew", "crew", "--ambulance", ambulance["id"])
        crew = {"Authorization": f"Bearer {crew_key}"}
        feed_url = worker_b.url.replace("http", "ws") + f"/ws/feed?token={hospital_key}"
        with connect(feed_url) as hospital:
            assert next_of(hospital, "snapshot")["incoming"] == []
            call_id = api.post("/api/calls", json={
                "category": "stemi", "triage": "merah", "lon": INCIDENT.lon, "lat": INCIDENT.lat,
                "patients": [{"age_years": 58, "condition": "nyeri dada"}],
            }).json()["call"]["id"]  # fmt: skip
            assert api.post(f"/api/calls/{call_id}/dispatch",
                            json={"ambulance_id": ambulance["id"]}).status_code == 200  # fmt: skip
            referral = {"hospital_id": HOSPITAL, "override_reason": "test"}
            referred = api.post(f"/api/calls/{call_id}/referral", json=referral)
            assert referred.status_code == 200, referred.text
            assert next_of(hospital, "referral")["incoming"]["call_id"] == call_id
            for status in ("en_route", "on_scene", "transporting"):
                moved = api.post(f"/api/calls/{call_id}/status", json={"status": status},
                                 headers=crew)  # fmt: skip
                assert moved.status_code == 200, moved.text

            # The crew drives from the scene to the hospital, talking to worker A only. The
            # fix times are those of the drive (done in the past, sent now, in order).
            route = region.route_to_hospital(INCIDENT, HOSPITAL)
            fractions = [i / 8 for i in range(9)]
            started = datetime.now(UTC) - timedelta(seconds=route.travel_time_s + 5)
            crew_url = worker_a.url.replace("http", "ws") + "/ws/crew"
            etas = []
            with connect(crew_url, additional_headers=crew) as socket:
                for seq, fraction in enumerate(fractions, start=1):
                    point = route.geometry.interpolate(fraction, normalized=True)
                    moment = started + timedelta(seconds=fraction * route.travel_time_s)
                    fix = {"lon": point.x, "lat": point.y, "fix_time": moment.isoformat()}
                    socket.send(json.dumps({"type": "fix", "seq": seq, "fix": fix}))
                    ack = json.loads(socket.recv(timeout=20))
                    assert ack == {"type": "ack", "seq": seq, "stored": 1, "duplicates": 0,
                                   "rejected": {}}  # fmt: skip
                    position = next_of(hospital, "position")
                    if fraction < 1:  # the last fix is inside the hospital's geofence
                        assert position["call_id"] == call_id, position
                        assert position["destination"] == "hospital"
                        etas.append(position["eta_s"])
            arrived = next_of(hospital, "arrived")
            assert arrived["at_place"] == "hospital" and arrived["call_id"] == call_id
        assert etas == sorted(etas, reverse=True) and etas[0] > 300 and etas[-1] < 150
        call = api.get(f"/api/calls/{call_id}").json()
        assert call["status"] == "at_hospital"


def test_a_killed_worker_loses_nothing_acknowledged_and_clients_resume_on_the_other(
    demo_dir: Path, tmp_path: Path
) -> None:
    with two_workers(demo_dir, tmp_path) as (url, worker_a, worker_b):
        _crash_and_resume(url, worker_a, worker_b)


def _crash_and_resume(database_url: str, worker_a: LiveServer, worker_b: LiveServer) -> None:
    operator = {"Authorization": f"Bearer {worker_a.create_user('Op', 'operator')}"}
    hospital_key = worker_a.create_user("IGD", "hospital", "--hospital", HOSPITAL)
    with httpx2.Client(base_url=worker_a.url, headers=operator, timeout=30) as api:
        ambulance_id = api.get("/api/ambulances").json()[0]["id"]
        crew_key = worker_a.create_user("Crew", "crew", "--ambulance", ambulance_id)
        call_id = api.post("/api/calls", json={
            "category": "stemi", "triage": "merah", "lon": INCIDENT.lon, "lat": INCIDENT.lat,
        }).json()["call"]["id"]  # fmt: skip
        api.post(f"/api/calls/{call_id}/dispatch", json={"ambulance_id": ambulance_id})
        api.post(f"/api/calls/{call_id}/referral",
                 json={"hospital_id": HOSPITAL, "override_reason": "test"})  # fmt: skip

    start = datetime.now(UTC) - timedelta(seconds=60)
    acked: list[datetime] = []
    crew_headers = {"Authorization": f"Bearer {crew_key}"}

    def send(crew: ClientConnection, step: int) -> None:
        moment = start + timedelta(seconds=step)
        fix = {"lon": INCIDENT.lon - 0.01 + step * 1e-4, "lat": INCIDENT.lat,
               "fix_time": moment.isoformat()}  # fmt: skip
        crew.send(json.dumps({"type": "fix", "seq": step, "fix": fix}))
        assert json.loads(crew.recv(timeout=20))["type"] == "ack"
        acked.append(moment)

    ws_b = worker_b.url.replace("http", "ws")
    with (
        connect(f"{ws_b}/ws/feed?token={hospital_key}") as feed,
        connect(f"{ws_b}/ws/crew", additional_headers=crew_headers) as crew,
    ):
        next_of(feed, "snapshot")
        for step in range(5):
            send(crew, step)
        worker_b.kill()  # the worker dies with its sockets
        with pytest.raises(ConnectionClosed):
            for _ in range(100):
                feed.recv(timeout=20)

    ws_a = worker_a.url.replace("http", "ws")
    with connect(f"{ws_a}/ws/feed?token={hospital_key}") as feed:
        resumed = next_of(feed, "snapshot")["incoming"]
        assert [i["call_id"] for i in resumed] == [call_id]
        last = datetime.fromisoformat(resumed[0]["position"]["fix_time"])
        assert last == acked[-1]  # the last acknowledged fix is where the board resumes
        with connect(f"{ws_a}/ws/crew", additional_headers=crew_headers) as crew:
            send(crew, 5)
        assert next_of(feed, "position")["fix_time"].startswith(acked[-1].isoformat()[:19])

    engine = create_engine(database_url)
    with engine.connect() as connection:
        stored = {
            row[0] for row in connection.execute(
                text("SELECT fix_time FROM gpsfix WHERE ambulance_id = :a"), {"a": ambulance_id}
            )
        }  # fmt: skip
    engine.dispose()
    assert set(acked) <= stored  # nothing acknowledged by the killed worker is missing


def test_a_closure_posted_on_one_worker_reaches_the_rankings_of_the_other(
    demo_dir: Path, tmp_path: Path
) -> None:
    bridge = geo.projection().point_to_lonlat(9_500.0, float(geo.river_y(9_500.0)))
    north = geo.projection().point_to_lonlat(9_500.0, float(geo.river_y(9_500.0)) + 800)
    area = shapely.geometry.mapping(shapely.Point(bridge.lon, bridge.lat).buffer(0.004))
    # No periodic refresh during the test: only the message through Redis can tell worker B.
    with two_workers(demo_dir, tmp_path, SATRIA_ROADS_REFRESH_S="600") as (_, worker_a, worker_b):
        operator = {"Authorization": f"Bearer {worker_a.create_user('Op', 'operator')}"}

        def best_on_b() -> str:
            ranking = httpx2.post(
                f"{worker_b.url}/api/rankings", headers=operator, timeout=30,
                json={"lon": north.lon, "lat": north.lat, "category": "general"},
            ).json()  # fmt: skip
            return str(ranking["eligible"][0]["hospital_id"])

        before = best_on_b()
        posted = httpx2.post(
            f"{worker_a.url}/api/road-restrictions", headers=operator, timeout=30,
            json={"kind": "closure", "geometry": area, "reason": "bridge closed",
                  "expires_at": (datetime.now(UTC) + timedelta(hours=1)).isoformat()},
        )  # fmt: skip
        assert posted.status_code == 201, posted.text
        wait_until(lambda: best_on_b() != before, "the closure on worker B", timeout_s=4)
